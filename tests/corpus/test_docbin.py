"""read_docs: DocBin.get_docs's docs, user data included, decoded fast."""

import numpy
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from hanzi_spacy.corpus.docbin import read_docs

from ..conftest import pku_docs, review_docs


def test_same_docs_and_user_data_as_get_docs(tmp_path):
    vocab = Vocab()
    extra = Doc(vocab, words=["a", "b"])
    extra.user_data["array"] = numpy.arange(3)  # srsly's numpy decoder
    extra.user_data[("key", 1, 2)] = {"list": [1, 2]}
    docs = pku_docs(vocab) + review_docs(vocab) + [extra]
    path = tmp_path / "docs.spacy"
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    got = list(read_docs(path, Vocab()))
    expected = list(DocBin().from_disk(path).get_docs(Vocab()))
    assert [d.to_json() for d in got] == [d.to_json() for d in expected]
    for a, b in zip(got, expected):
        assert a.user_data.keys() == b.user_data.keys()
        for key in a.user_data:
            assert repr(a.user_data[key]) == repr(b.user_data[key])
    assert any(d.user_data for d in got[:-1])
    assert (got[-1].user_data["array"] == numpy.arange(3)).all()


def test_without_user_data(tmp_path):
    path = tmp_path / "docs.spacy"
    DocBin(docs=review_docs(Vocab()), store_user_data=False).to_disk(path)
    got = list(read_docs(path, Vocab()))
    assert [d.text for d in got] == [d.text for d in review_docs(Vocab())]
    assert not any(d.user_data for d in got)
