"""HKCanCor with PKU tags, split by conversation (``split-hkcancor``)."""

from collections import Counter
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import HAS_WORDS, ConversionReport
from hanzi_spacy.errors import ConversionError
from workflow.__main__ import main
from workflow.hkcancor.split import load_tag_map, read_records, split_of, tagged_doc

CHAT = (
    "@UTF8\n"
    "@Begin\n"
    "*XXA:\t喂 遲 啲 去 唔 去 旅行 啊 ?\n"
    "%mor:\te|wai3 a|ci4 u|di1 v|heoi3 d|m4 v|heoi3 vn|leoi5hang4 y|aa3\n"
    "\t?\n"
    "*XXB:\t我 去 New_Zealand 搵 陳生 .\n"
    "%mor:\tr|ngo5 v1|heoi3 xns|NewZealand0 v|wan2 nr|can4saang1 .\n"
    "@End\n"
)


def test_tags_are_mapped_to_pku_with_upos_and_entities(tmp_path):
    path = tmp_path / "a.cha"
    path.write_text(CHAT, encoding="utf-8")
    records = list(read_records(path, ConversionReport()))
    assert [line for line, _, _ in records] == [3, 6]
    tag_map, skipped = load_tag_map(), Counter()
    docs = [
        tagged_doc(Vocab(), t, m, tag_map, (path, n), skipped) for n, t, m in records
    ]
    first, second = docs
    assert [t.tag_ for t in first][-2:] == ["y", "w"]
    assert [(t.text, t.tag_, t.pos_) for t in second] == [
        ("我", "r", "PRON"),
        ("去", "v", "VERB"),
        ("New", "ns", "PROPN"),
        ("Zealand", "ns", "PROPN"),
        ("搵", "v", "VERB"),
        ("陳生", "nr", "PROPN"),
        (".", "w", "PUNCT"),
    ]
    assert [(e.text, e.label_) for e in second.ents] == [
        ("New Zealand", "LOC"),
        ("陳生", "PER"),
    ]
    assert second.user_data[HAS_WORDS] and not skipped
    # Every HKCanCor tag maps to a PKU tag of People's Daily.
    assert set(tag_map.values()) <= set(load_tag_map().values()) | {"nx", "w"}


def test_unknown_tags_and_misaligned_tiers(tmp_path):
    tag_map, skipped = load_tag_map(), Counter()
    where = (Path("a.cha"), 7)
    with pytest.raises(ConversionError, match="E526.*a.cha:7"):
        tagged_doc(Vocab(), "好 嘢", "a|hou2 qq|je5", tag_map, where, skipped)
    assert tagged_doc(Vocab(), "好 嘢", "a|hou2", tag_map, where, skipped) is None
    assert skipped["utterance whose %mor does not align"] == 1


def test_files_are_split_whole_and_the_same_way_each_time(tmp_path, capsys):
    assert [split_of(i) for i in range(10)] == ["train"] * 8 + ["dev", "test"]
    source = tmp_path / "cha"
    source.mkdir()
    for i in range(10):
        (source / f"FC-{i:03d}.cha").write_text(CHAT, encoding="utf-8")
    assert (
        main(["split-hkcancor", "--input", str(source), "--output", str(tmp_path)]) == 0
    )
    counts = {
        split: len(DocBin().from_disk(tmp_path / f"{split}.spacy"))
        for split in ("train", "dev", "test")
    }
    assert counts == {"train": 16, "dev": 2, "test": 2}
    assert "skipped: none" in capsys.readouterr().out
