"""hanzi_ner: BILUO tags on characters, Viterbi decoding, missing annotation."""

import itertools

import numpy
import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example

from hanzi_spacy.errors import HanziError
from hanzi_spacy.pipeline.ner.biluo import (
    OUT,
    biluo_names,
    decode,
    quantized_log,
    tags_to_spans,
    transition_scores,
    viterbi,
)

from ..conftest import (
    PKU_LINES,
    make_nlp,
    overfit,
    pku_docs,
    review_docs,
    sample_examples,
)

LABELS = ("LOC", "PER")
NAMES = biluo_names(LABELS)


def is_valid(tags) -> bool:
    """Whether a BILUO sequence is well formed: every entity is B-I*-L or U."""
    inside = None  # the label of the open entity
    for tag in tags:
        prefix, label = tag[:1], tag[2:]
        if prefix in ("I", "L") and inside != label:
            return False
        if prefix in ("B", "U", "O") and inside is not None:
            return False
        inside = label if prefix in ("B", "I") else None
    return inside is None


def brute_force(log_probs: numpy.ndarray) -> tuple:
    """The best valid sequence by trying all of them."""
    best, best_score = None, -numpy.inf
    for path in itertools.product(range(len(NAMES)), repeat=len(log_probs)):
        tags = [NAMES[i] for i in path]
        if not is_valid(tags):
            continue
        score = log_probs[numpy.arange(len(path)), path].sum()
        if score > best_score:
            best, best_score = path, score
    return best


def test_names_put_outside_first():
    assert NAMES[0] == OUT
    assert NAMES[1:5] == ["B-LOC", "I-LOC", "L-LOC", "U-LOC"]
    assert len(NAMES) == 1 + 4 * len(LABELS)


@pytest.mark.parametrize("seed", range(12))
def test_viterbi_finds_the_best_valid_sequence(seed):
    rng = numpy.random.default_rng(seed)
    lengths = [1, 2, 3, 4, 3]
    docs = [numpy.log(rng.dirichlet(numpy.ones(len(NAMES)) * 0.3, n)) for n in lengths]
    paths = viterbi(docs, *transition_scores(LABELS))
    for log_probs, path in zip(docs, paths):
        assert tuple(path) == brute_force(log_probs)
        assert is_valid([NAMES[i] for i in path])


def test_viterbi_repairs_an_invalid_argmax():
    # Argmax alone says I-PER L-PER with no B-PER: not an entity spaCy could set.
    probs = numpy.full((3, len(NAMES)), 0.01)
    probs[0, NAMES.index("O")] = 0.5
    probs[0, NAMES.index("B-PER")] = 0.4
    probs[1, NAMES.index("I-PER")] = 0.9
    probs[2, NAMES.index("L-PER")] = 0.9
    (path,) = viterbi([numpy.log(probs)], *transition_scores(LABELS))
    assert [NAMES[i] for i in path] == ["B-PER", "I-PER", "L-PER"]


def test_decode_with_sure_outside_characters_matches_full_viterbi():
    rng = numpy.random.default_rng(0)
    docs = []
    for n in (0, 1, 7, 30, 64):
        probs = rng.dirichlet(numpy.ones(len(NAMES)), n)
        sure = rng.random(n) < 0.6  # most characters: O beyond doubt
        probs[sure] = 1e-6
        probs[sure, 0] = 1.0
        docs.append(probs / probs.sum(axis=1, keepdims=True))
    logs = [quantized_log(p) for p in docs]
    full = viterbi(logs, *transition_scores(LABELS))
    pruned = decode(docs, *transition_scores(LABELS))
    for a, b in zip(full, pruned):
        assert a.tolist() == b.tolist()


def test_float_noise_does_not_change_the_entities():
    # The model wants B-PER on the last character, which Viterbi cannot give; the
    # valid tags left are equally unlikely up to float noise, as in a batch.
    probs = numpy.full((1, len(NAMES)), 1.13e-6, dtype="f")
    probs[0, NAMES.index("O")] = 7e-8
    probs[0, NAMES.index("B-PER")] = 0.98
    noisy = probs.copy()
    noisy[0, NAMES.index("U-PER")] *= 1 + 2e-7
    paths = [decode([p], *transition_scores(LABELS))[0] for p in (probs, noisy)]
    assert paths[0].tolist() == paths[1].tolist() == [NAMES.index("U-LOC")]


def test_tags_to_spans():
    doc = Doc(spacy.blank("zh").vocab, words=list("江泽民在北京"), spaces=[False] * 6)
    tags = ["B-PER", "I-PER", "L-PER", "O", "B-LOC", "L-LOC"]
    spans = tags_to_spans(doc, numpy.array([NAMES.index(t) for t in tags]), LABELS)
    assert [(s.text, s.label_) for s in spans] == [("江泽民", "PER"), ("北京", "LOC")]


@pytest.fixture(scope="module")
def ner_nlp(tiny_backbone):
    return make_nlp(tiny_backbone)


def test_reviews_teach_nothing_other_labels_are_outside(ner_nlp):
    nlp = ner_nlp
    examples = sample_examples(nlp)
    nlp.initialize(lambda: examples)
    ner = nlp.get_pipe("ner")
    assert set(ner.labels) == {"PER", "LOC", "ORG"}
    review = review_docs(nlp.vocab)[0]
    eg = Example(nlp.make_doc(review.text), review)
    scores = ner.model.ops.alloc2f(len(eg.predicted), len(ner.tag_names)) + 0.1
    loss, d_scores = ner.get_loss([eg], [scores])
    assert loss == 0.0 and not d_scores[0].any()
    # An entity of a label the component was not given (a date, for names
    # only) is outside for it: its characters are taught O.
    pku = pku_docs(nlp.vocab)[0]
    pku.ents = [Span(pku, 0, 2, label="DATE")]
    eg = Example(nlp.make_doc(pku.text), pku)
    scores = ner.model.ops.alloc2f(len(eg.predicted), len(ner.tag_names)) + 0.1
    _, d_scores = ner.get_loss([eg], [scores])
    outside = ner.tag_names.index("O")
    assert (d_scores[0][:2, outside] < 0).all()
    assert (numpy.delete(d_scores[0][:2], outside, axis=1) > 0).all()


def test_a_known_label_is_not_added_again(ner_nlp):
    # A new label on a trained component: tests/pipeline/test_new_labels.py.
    ner = ner_nlp.get_pipe("ner")
    assert ner.add_label("PER") == 0


def test_no_entities_to_learn_is_an_error(tiny_backbone):
    nlp = make_nlp(tiny_backbone)
    examples = [Example(nlp.make_doc(d.text), d) for d in review_docs(nlp.vocab)]
    with pytest.raises(HanziError, match="E306"):
        nlp.get_pipe("ner").initialize(lambda: examples, nlp=nlp)


def test_entities_are_well_formed_from_an_untrained_model(ner_nlp):
    texts = ["", " ", "北京", "中华人民共和国主席江泽民在北京会见了克林顿。" * 3]
    for doc in ner_nlp.pipe(texts):
        starts = [e.start for e in doc.ents]
        assert starts == sorted(starts)
        assert all(a.end <= b.start for a, b in zip(doc.ents, doc.ents[1:]))


VALUE_LINE = (
    "１９９８年/t  １月/t  ，/w  上海/ns  成交额/n  达到/v  ５０亿/m  元/q  。/w"
)


def test_by_default_every_label_of_the_data_is_learnt(tiny_backbone):
    nlp = make_nlp(tiny_backbone)
    refs = pku_docs(nlp.vocab, [VALUE_LINE, *PKU_LINES]) + review_docs(nlp.vocab)
    nlp.initialize(lambda: [Example(nlp.make_doc(r.text), r) for r in refs])
    assert nlp.get_pipe("ner").labels == ("DATE", "LOC", "MONEY", "ORG", "PER")


def test_labels_option_trains_the_names_only(tiny_backbone):
    labels = ["LOC", "ORG", "PER"]
    nlp = make_nlp(tiny_backbone, **{"initialize.components.ner.labels": labels})
    refs = pku_docs(nlp.vocab, [VALUE_LINE, *PKU_LINES]) + review_docs(nlp.vocab)
    examples = [Example(nlp.make_doc(r.text), r) for r in refs]
    overfit(nlp, examples, steps=60)
    assert nlp.get_pipe("ner").labels == tuple(labels)
    doc = nlp(refs[0].text)
    assert {e.label_ for e in doc.ents} <= set(labels)
    # Scored on its own labels: the corpus's dates and amounts are not misses.
    scores = nlp.get_pipe("ner").score(examples)
    assert set(scores["ents_per_type"]) <= set(labels)
