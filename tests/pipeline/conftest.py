"""A pipeline from configs/trf.cfg on the tiny backbone, overfit on the samples."""

import random
from pathlib import Path
from typing import List

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import load_config, load_model_from_config
from thinc.api import Adam, fix_random_seed

from ..conftest import CONFIG, pku_docs, review_docs

PREDICTION_DTYPE = "components.transformer.model.prediction_dtype"


def make_nlp(backbone: Path, **overrides) -> Language:
    overrides = {"paths.backbone": str(backbone), **overrides}
    config = load_config(CONFIG, overrides=overrides, interpolate=True)
    return load_model_from_config(config, auto_fill=True, validate=True)


def sample_examples(nlp: Language) -> List[Example]:
    refs = pku_docs(nlp.vocab) + review_docs(nlp.vocab)
    return [Example(nlp.make_doc(ref.text), ref) for ref in refs]


def overfit(nlp: Language, examples: List[Example], steps: int = 150) -> Language:
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    rng = random.Random(0)
    for _ in range(steps):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, losses={})
    return nlp


def analysis(doc) -> tuple:
    """Everything the pipeline predicts, comparable across runs."""
    return (
        [(t.text, t.whitespace_, t.tag_, t.pos_) for t in doc],
        [(e.start_char, e.end_char, e.label_) for e in doc.ents],
        {k: round(v, 4) for k, v in doc.cats.items()},
    )


def agreement(expected: List[tuple], got: List[tuple]) -> float:
    """The share of word boundaries, tags and entities two analyses agree on."""
    same = total = 0
    for (words, ents, _), (other_words, other_ents, _) in zip(expected, got):
        a, b = set(map(tuple, words)), set(map(tuple, other_words))
        a |= {("ent", *e) for e in ents}
        b |= {("ent", *e) for e in other_ents}
        same += len(a & b)
        total += max(len(a | b), 1)
    return same / total if total else 1.0


def assert_close(expected: List[tuple], got: List[tuple], share: float = 0.98):
    """bfloat16 analyses: rounding depends on the batch, so decisions near a
    boundary may flip; categories stay within 0.01 and nearly all else agrees."""
    assert len(expected) == len(got)
    for (*_, cats), (*_, other_cats) in zip(expected, got):
        assert cats.keys() == other_cats.keys()
        assert all(abs(cats[k] - other_cats[k]) < 0.01 for k in cats)
    assert agreement(expected, got) >= share


__all__ = [
    "PREDICTION_DTYPE",
    "make_nlp",
    "sample_examples",
    "overfit",
    "analysis",
    "agreement",
    "assert_close",
    "spacy",
]
