"""hanzi-spacy.Corpus.v1: spacy.Corpus.v1's examples, its file decoded once."""

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Corpus
from spacy.util import registry
from spacy.vocab import Vocab

from hanzi_spacy.training.corpus import create_corpus_reader

from ..conftest import pku_docs, review_docs


@pytest.fixture
def path(tmp_path):
    vocab = Vocab()
    path = tmp_path / "train.spacy"
    DocBin(docs=pku_docs(vocab) + review_docs(vocab), store_user_data=True).to_disk(
        path
    )
    return path


def summary(examples):
    return [
        (
            eg.reference.text,
            [t.text for t in eg.predicted],
            [(e.start_char, e.end_char, e.label_) for e in eg.reference.ents],
            [t.tag_ for t in eg.reference],
            eg.reference.cats,
            dict(eg.reference.user_data),
        )
        for eg in examples
    ]


@pytest.mark.parametrize("limit", [0, 2])
def test_same_examples_as_spacy_corpus_on_every_call(path, limit):
    nlp = spacy.blank("zh")
    expected = summary(Corpus(path, limit=limit)(nlp))
    reader = registry.resolve(
        {"r": {"@readers": "hanzi-spacy.Corpus.v1", "path": str(path), "limit": limit}}
    )["r"]
    first = list(reader(nlp))
    second = list(reader(nlp))
    assert summary(first) == summary(second) == expected
    assert any(eg.reference.user_data for eg in first)
    # Fresh predicted docs every call; the reference docs are decoded once.
    assert all(a.predicted is not b.predicted for a, b in zip(first, second))
    assert all(a.reference is b.reference for a, b in zip(first, second))


def test_another_vocab_decodes_again(path):
    reader = create_corpus_reader(path)
    first, other = spacy.blank("zh"), spacy.blank("zh")
    docs = [eg.reference for eg in reader(first)]
    again = [eg.reference for eg in reader(other)]
    assert all(doc.vocab is other.vocab for doc in again)
    assert [d.text for d in docs] == [d.text for d in again]


def test_no_path_is_spacy_error():
    with pytest.raises(ValueError, match="E913"):
        create_corpus_reader(None)
