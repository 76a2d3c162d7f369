"""hanzi-spacy.MixedCorpus.v1: new docs plus a seeded sample of old ones."""

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import registry
from spacy.vocab import Vocab

from hanzi_spacy.errors import HanziError
from hanzi_spacy.training.mixed_corpus import create_mixed_corpus

from ..conftest import pku_docs, review_docs


@pytest.fixture
def files(tmp_path):
    vocab = Vocab()
    new, old, empty = (
        tmp_path / "new.spacy",
        tmp_path / "old.spacy",
        tmp_path / "e.spacy",
    )
    DocBin(docs=review_docs(vocab)).to_disk(new)
    DocBin(docs=pku_docs(vocab) * 5).to_disk(old)
    DocBin().to_disk(empty)
    return new, old, empty


def texts(reader):
    return [eg.reference.text for eg in reader(spacy.blank("zh"))]


def test_old_docs_are_mixed_in_by_characters(files):
    new, old, _ = files
    new_texts = texts(create_mixed_corpus(new))
    new_chars = sum(map(len, new_texts))
    for ratio in (0.5, 1.0, 2.0):
        got = texts(create_mixed_corpus(new, old, ratio, seed=0))
        assert got[: len(new_texts)] == new_texts
        mixed = got[len(new_texts) :]
        chars = sum(map(len, mixed))
        # Whole docs are added until the budget is reached.
        assert ratio * new_chars <= chars < ratio * new_chars + max(map(len, mixed))
    assert texts(create_mixed_corpus(new, old, 1.0, seed=0)) == texts(
        create_mixed_corpus(new, old, 1.0, seed=0)
    )
    assert texts(create_mixed_corpus(new, old, 0.0)) == new_texts
    # The registered name, as a config gives it.
    reader = registry.resolve(
        {"r": {"@readers": "hanzi-spacy.MixedCorpus.v1", "path": str(new)}}
    )["r"]
    assert texts(reader) == new_texts


def test_bad_ratio_or_empty_old_docs_are_errors(files):
    new, _, empty = files
    with pytest.raises(HanziError, match="E523"):
        create_mixed_corpus(new, empty, -1.0)
    with pytest.raises(HanziError, match="E524"):
        texts(create_mixed_corpus(new, empty, 1.0))
