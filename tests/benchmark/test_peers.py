"""Peers' output back on the text, and the jieba adapters on a tiny sample."""

import pytest

from benchmarks.align import word_spans
from benchmarks.peers import JiebaCut, JiebaPosseg, tagged_prediction

TEXTS = ["江泽民在北京会见了代表团。", "iPhone 12 的价格是 5,499 元"]


def test_word_spans_skip_whitespace():
    spans, kept = word_spans("iPhone 12 的", ["iPhone", " ", "12", " ", "的"])
    assert spans == [(0, 6), (7, 9), (10, 11)]
    assert kept == [0, 2, 4]


def test_word_spans_collapsed_spaces():
    # THULAC collapses runs of spaces into one.
    spans, _ = word_spans("好  书", ["好", " ", "书"])
    assert spans == [(0, 1), (3, 4)]


def test_word_spans_fall_back_to_character_alignment():
    # A tool that normalises full-width letters: ＡＢ comes back as AB.
    spans, kept = word_spans("ＡＢ好书", ["AB", "好书"])
    assert spans == [(0, 2), (2, 4)]
    assert kept == [0, 1]


def test_tagged_prediction_thulac():
    pred = tagged_prediction(
        "江泽民在北京", [("江泽民", "np"), ("在", "p"), ("北京", "ns")], "thulac"
    )
    assert pred["spans"] == [(0, 3), (3, 4), (4, 6)]
    assert pred["upos"] == ["PROPN", "ADP", "PROPN"]
    assert pred["ents"] == [(0, 3, "PER"), (4, 6, "LOC")]
    assert "tags" not in pred  # PKU tags are for our pipelines only


@pytest.mark.parametrize("hmm", [True, False])
def test_jieba_cut(hmm):
    pytest.importorskip("jieba")
    system = JiebaCut(hmm=hmm)
    system.load()
    preds = system.predict(TEXTS)
    for text, pred in zip(TEXTS, preds):
        words = [text[s:e] for s, e in pred["spans"]]
        assert "".join(words) == text.replace(" ", "")
    system.run(TEXTS)
    assert system.info()["versions"]["jieba"]


def test_jieba_posseg():
    pytest.importorskip("jieba")
    system = JiebaPosseg()
    system.load()
    pred = system.predict(TEXTS[:1])[0]
    words = [TEXTS[0][s:e] for s, e in pred["spans"]]
    assert "".join(words) == TEXTS[0]
    assert "北京" in words
    assert (4, 6, "LOC") in pred["ents"]
    assert len(pred["upos"]) == len(pred["spans"])
    assert pred["upos"][-1] == "PUNCT"
