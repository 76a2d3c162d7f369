"""merge.py: the new Doc of words equals the retokenizer's merge in place."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Span

from hanzi_spacy.pipeline.segmenter.merge import (
    copy_keeps_everything,
    merge_in_place,
    merged_copy,
    word_plan,
)

from ..conftest import analysis

TEXTS = [
    "江泽民在北京会见代表团。",
    "新华社记者报道，上海经济发展很快。",
    "iPhone12  很好用，价格 ３９９９元！\n\n第二段",
    " 前后有空格 ",
    "🙂😀\t中",
    "",
    "中",
]


def full(doc) -> tuple:
    """analysis() plus what else a merge writes on the tokens and the doc."""
    tokens = [
        (t.idx, t.lemma_, t.norm_, t.ent_iob_, t.ent_type_, t.ent_kb_id_) for t in doc
    ]
    tensor = None if doc.tensor is None else doc.tensor.tolist()
    return analysis(doc), tokens, tensor, sorted(map(str, doc.user_data))


def characters(nlp, text):
    """A doc as the segmenter gets it, and the segmenter's scores for it."""
    names = [name for name in nlp.pipe_names if name != "hanzi_segmenter"]
    with nlp.select_pipes(enable=names):
        doc = nlp(text)
    seg = nlp.get_pipe("hanzi_segmenter")
    return doc, seg.predict([doc])[0]


def both_ways(nlp, text):
    seg = nlp.get_pipe("hanzi_segmenter")
    doc, scores = characters(nlp, text)
    in_place, _ = characters(nlp, text)
    seg.set_annotations([in_place], [scores])
    (copied,) = seg.make_words([doc], [scores])
    return in_place, copied, doc


@pytest.mark.parametrize("text", TEXTS)
def test_copy_equals_merge_in_place(trained_nlp, text):
    in_place, copied, original = both_ways(trained_nlp, text)
    assert full(copied) == full(in_place)
    assert copied.text == text
    if len(original):
        assert copied is not original
        assert copied.user_data is not original.user_data


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        st.sampled_from("江泽民北京会见代表团。新华社 iPhone１２\n🙂,"), max_size=40
    )
)
def test_copy_equals_merge_in_place_on_any_text(trained_nlp, text):
    in_place, copied, _ = both_ways(trained_nlp, text)
    assert full(copied) == full(in_place)


def test_copy_keeps_missing_entity_annotation(trained_nlp):
    doc = trained_nlp.make_doc("在北京市")
    for token, tag in zip(doc, ["p", "ns", "ns", "n"]):
        token.tag_ = tag
    assert not doc.has_annotation("ENT_IOB")
    plan = word_plan(doc, numpy.array([1, 1, 0, 1], dtype=bool))
    copied = merged_copy(doc, plan)
    assert [t.text for t in copied] == ["在", "北京", "市"]
    assert not copied.has_annotation("ENT_IOB")
    doc.ents = [Span(doc, 1, 3, label="LOC")]
    copied = merged_copy(doc, plan)
    assert [(e.text, e.label_) for e in copied.ents] == [("北京", "LOC")]
    assert [t.ent_iob_ for t in copied] == ["O", "B", "O"]


def test_docs_with_more_are_merged_in_place(trained_nlp):
    seg = trained_nlp.get_pipe("hanzi_segmenter")
    doc, scores = characters(trained_nlp, "江泽民在北京会见代表团。")
    assert copy_keeps_everything(doc)
    doc.spans["mine"] = [doc[0:3]]
    assert not copy_keeps_everything(doc)
    (words,) = seg.make_words([doc], [scores])
    assert words is doc and len(doc) < len(doc.text)
    # sentence starts are copied: each one begins a word
    doc, scores = characters(trained_nlp, "江泽民在北京。")
    for i, token in enumerate(doc):
        token.is_sent_start = i in (0, 3)
    assert copy_keeps_everything(doc)
    (words,) = seg.make_words([doc], [scores])
    assert words is not doc
    assert [s.start_char for s in words.sents] == [0, 3]


def test_pipe_keeps_contexts_and_call_returns_words(trained_nlp):
    pairs = [(text, {"i": i}) for i, text in enumerate(TEXTS)]
    out = list(trained_nlp.pipe(pairs, as_tuples=True, batch_size=3))
    assert [context for _, context in out] == [{"i": i} for i in range(len(TEXTS))]
    assert [doc.text for doc, _ in out] == TEXTS
    doc = trained_nlp("新华社记者报道。")
    assert len(doc) < len(doc.text) and doc.has_annotation("TAG")


def test_merge_in_place_of_a_plan(trained_nlp):
    doc = trained_nlp.make_doc("工作者来了")
    for token, tag in zip(doc, ["v", "v", "n", "v", "u"]):
        token.tag_ = tag
    merge_in_place(doc, word_plan(doc, numpy.array([1, 0, 0, 1, 1], dtype=bool)))
    assert [(t.text, t.tag_, t.pos_) for t in doc] == [
        ("工作者", "v", "VERB"),
        ("来", "v", "VERB"),
        ("了", "u", "PART"),
    ]
