"""hanzi_segmenter: merging, entity and whitespace boundaries, order, missing data."""

import numpy
import pytest
from spacy.tokens import Span
from spacy.training import Example

from hanzi_spacy.errors import HanziError
from hanzi_spacy.pipeline.segmenter import HanziSegmenter
from hanzi_spacy.pipeline.segmenter.decoding import gold_starts, vote

from ..conftest import make_nlp, pku_docs, review_docs, sample_examples


@pytest.fixture(scope="module")
def nlp(tiny_backbone):
    return make_nlp(tiny_backbone)


def tagged_chars(nlp, text, tags):
    doc = nlp.make_doc(text)
    for token, tag in zip(doc, tags, strict=True):
        token.tag_ = tag
    return doc


def test_merge_rebuilds_text_and_votes_tags(nlp):
    seg = nlp.get_pipe("hanzi_segmenter")
    doc = tagged_chars(nlp, "工作者来了", ["v", "v", "n", "v", "u"])
    seg.merge(doc, numpy.array([1, 0, 0, 1, 1], dtype=bool))
    assert [t.text for t in doc] == ["工作者", "来", "了"]
    # 工作者: v, v, n → v by count
    assert [t.tag_ for t in doc] == ["v", "v", "u"]
    assert [t.pos_ for t in doc] == ["VERB", "VERB", "PART"]
    assert doc.text == "工作者来了"


def test_vote_ties_go_to_the_last_character():
    assert vote(["v", "n"]) == "n"
    assert vote(["n", "v", "v"]) == "v"
    assert vote(["a"]) == "a"


def test_merge_never_crosses_an_entity(nlp):
    seg = nlp.get_pipe("hanzi_segmenter")
    doc = tagged_chars(nlp, "在北京市", ["p", "ns", "ns", "n"])
    doc.ents = [Span(doc, 1, 3, label="LOC")]
    # the model wants one word 在北京市: entity boundaries force starts at 北 and 市
    seg.merge(doc, numpy.array([1, 0, 0, 0], dtype=bool))
    assert [t.text for t in doc] == ["在", "北京", "市"]
    assert [(e.text, e.label_) for e in doc.ents] == [("北京", "LOC")]


def test_merge_never_spans_whitespace(nlp):
    seg = nlp.get_pipe("hanzi_segmenter")
    text = "北京 天安门\n广场"
    doc = tagged_chars(nlp, text, ["ns"] * len(nlp.make_doc(text)))
    seg.merge(doc, numpy.zeros(len(doc), dtype=bool))
    assert [t.text for t in doc] == ["北京", "天安门", "\n", "广场"]
    assert doc.text == text
    assert doc[2].pos_ == "SPACE"


def test_gold_starts_from_reference_words(nlp):
    (ref,) = pku_docs(nlp.vocab, ["１９９８年/t  新年/t  讲话/n"])
    predicted = nlp.make_doc(ref.text)
    assert [t.text for t in predicted][:2] == ["１９９８", "年"]
    assert gold_starts(ref, predicted) == ["B", "I", "B", "I", "B", "I"]


def test_review_docs_teach_the_segmenter_nothing(nlp):
    examples = sample_examples(nlp)
    nlp.initialize(lambda: examples)
    seg = nlp.get_pipe("hanzi_segmenter")
    reviews = [Example(nlp.make_doc(d.text), d) for d in review_docs(nlp.vocab)]
    tagged = [Example(nlp.make_doc(d.text), d) for d in pku_docs(nlp.vocab)]
    docs = [eg.predicted for eg in reviews + tagged]
    scores = seg.model.predict(docs)
    loss, grads = seg.get_loss(reviews + tagged, scores)
    for grad in grads[: len(reviews)]:
        assert not numpy.any(grad)
    assert all(numpy.any(grad) for grad in grads[len(reviews) :])


def test_review_docs_teach_tagger_and_ner_nothing_and_tagged_docs_no_cats(nlp):
    examples = sample_examples(nlp)
    nlp.initialize(lambda: examples)
    reviews = [eg for eg in examples if eg.reference.cats]
    tagged = [eg for eg in examples if not eg.reference.cats]
    tagger = nlp.get_pipe("tagger")
    scores = tagger.model.predict([eg.predicted for eg in reviews])
    _, grads = tagger.get_loss(reviews, scores)
    assert not any(numpy.any(g) for g in grads)
    textcat = nlp.get_pipe("textcat")
    scores = textcat.model.predict([eg.predicted for eg in tagged + reviews])
    _, d_scores = textcat.get_loss(tagged + reviews, scores)
    assert not numpy.any(d_scores[: len(tagged)])
    assert numpy.any(d_scores[len(tagged) :])


def test_scorers_skip_docs_without_the_annotation(nlp):
    examples = sample_examples(nlp)
    nlp.initialize(lambda: examples)
    scores = nlp.evaluate(examples)
    # reviews hold no words and tagged docs no cats: neither kind counts for the other
    assert scores["token_p"] is not None
    docs = nlp.get_pipe("textcat").scorer(
        [eg for eg in examples if not eg.reference.cats]
    )
    assert docs["cats_acc"] is None


def test_listener_after_segmenter_is_refused(tiny_backbone):
    nlp = make_nlp(tiny_backbone)
    nlp.add_pipe("tagger", name="late_tagger", source=nlp, after="hanzi_segmenter")
    with pytest.raises(HanziError, match="late_tagger.*after 'hanzi_segmenter'"):
        nlp.initialize(lambda: sample_examples(nlp))
    nlp2 = make_nlp(tiny_backbone)
    nlp2.initialize(lambda: sample_examples(nlp2))
    nlp2.add_pipe("tagger", name="late_tagger", source=nlp2, after="hanzi_segmenter")
    with pytest.raises(HanziError, match="late_tagger"):
        nlp2("北京")


def test_segmenter_needs_segmented_examples(tiny_backbone):
    nlp = make_nlp(tiny_backbone)
    reviews = [Example(nlp.make_doc(d.text), d) for d in review_docs(nlp.vocab)]
    with pytest.raises(HanziError, match="no training examples with word boundaries"):
        nlp.get_pipe("hanzi_segmenter").initialize(lambda: reviews, nlp=nlp)


def test_factory_is_registered(nlp):
    assert isinstance(nlp.get_pipe("hanzi_segmenter"), HanziSegmenter)
    assert nlp.pipe_names[-1] == "hanzi_segmenter"
