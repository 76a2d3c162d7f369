"""New labels on a trained pipeline: the output layer grows, old labels stay."""

import random

import numpy
import pytest
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

from hanzi_spacy.errors import HanziError

from ..conftest import pku_docs, review_docs, spacy


def ents(nlp, texts):
    return [
        [(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)
    ]


def probabilities(component, docs):
    scores = [component.model.ops.to_numpy(s) for s in component.model.predict(docs)]
    return [numpy.exp(s) / numpy.exp(s).sum(axis=1, keepdims=True) for s in scores]


def train(nlp, examples, steps, component):
    """Update component alone (and the backbone under it) for steps."""
    fix_random_seed(0)
    optimizer = Adam(0.01)  # a new one: the old moments have the old sizes
    rng = random.Random(0)
    others = [
        n for n in nlp.pipe_names if n not in ("transformer", "tok2vec", component)
    ]
    for _ in range(steps):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, losses={}, exclude=others)


def test_an_entity_label_added_to_a_trained_ner_keeps_the_old_ones(
    trained_path, tmp_path
):
    nlp = spacy.load(trained_path)
    ner = nlp.get_pipe("ner")
    texts = [d.text for d in pku_docs(nlp.vocab)]
    before_ents = ents(nlp, texts)
    docs = [nlp.make_doc(t) for t in texts]
    for name in nlp.pipe_names[: nlp.pipe_names.index("ner")]:
        docs = list(nlp.get_pipe(name).pipe(docs))
    old_names, before = ner.tag_names, probabilities(ner, docs)

    assert ner.add_label("MISC") == 1
    assert ner.labels == ("LOC", "MISC", "ORG", "PER")
    after = probabilities(ner, docs)
    columns = [ner.tag_names.index(name) for name in old_names]
    for old, new in zip(before, after):
        assert new.shape[1] == len(old_names) + 4
        assert numpy.abs(new[:, columns] - old).max() < 1e-3
    assert ents(nlp, texts) == before_ents
    # Saved and loaded, the grown layer is the same.
    path = tmp_path / "with-misc"
    nlp.to_disk(path)
    assert ents(spacy.load(path), texts) == before_ents

    # Training then teaches the new label, next to the old ones.
    refs = pku_docs(nlp.vocab)
    team = refs[0].text.index("代表团")
    refs[0].ents = [
        *refs[0].ents,
        refs[0].char_span(team, team + 3, label="MISC", alignment_mode="expand"),
    ]
    refs += review_docs(nlp.vocab)
    train(nlp, [Example(nlp.make_doc(r.text), r) for r in refs], 20, "ner")
    got = ents(nlp, texts)
    assert (team, team + 3, "MISC") in got[0]
    assert {e for doc in before_ents for e in doc} <= {e for doc in got for e in doc}


def test_a_category_added_to_a_trained_textcat_keeps_the_old_ones(trained_path):
    nlp = spacy.load(trained_path)
    textcat = nlp.get_pipe("textcat")
    texts = [d.text for d in review_docs(nlp.vocab)]
    before = [d.cats for d in nlp.pipe(texts)]

    assert textcat.add_label("NEUTRAL") == 1
    after = [d.cats for d in nlp.pipe(texts)]
    for old, new in zip(before, after):
        assert new["NEUTRAL"] < 1e-3
        assert all(abs(new[k] - v) < 1e-3 for k, v in old.items())
        assert max(new, key=new.get) == max(old, key=old.get)

    neutral = ["包装一般，价格也一般", "外观普通，功能一般", "说不上好坏，中规中矩"]
    refs = review_docs(nlp.vocab) + [nlp.make_doc(t) for t in neutral]
    for ref in refs:
        ref.cats = {**{k: 0.0 for k in textcat.labels}, **ref.cats}
    for ref in refs[-len(neutral) :]:
        ref.cats["NEUTRAL"] = 1.0
    refs += pku_docs(nlp.vocab)
    train(nlp, [Example(nlp.make_doc(r.text), r) for r in refs], 30, "textcat")
    cats = [d.cats for d in nlp.pipe([*texts, *neutral])]
    assert [max(c, key=c.get) for c in cats] == [max(c, key=c.get) for c in before] + [
        "NEUTRAL"
    ] * len(neutral)


def test_rehearse_is_refused_with_the_way_to_do_it(trained_path):
    nlp = spacy.load(trained_path)
    example = Example(nlp.make_doc("北京"), nlp.make_doc("北京"))
    for name in ("ner", "hanzi_segmenter"):
        with pytest.raises(HanziError, match="E520"):
            nlp.get_pipe(name).rehearse([example])
