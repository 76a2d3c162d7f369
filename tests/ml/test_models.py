"""Architectures: character n-gram embeddings, the wide-and-deep text classifier."""

import numpy
import pytest
import spacy
from spacy.util import registry
from thinc.api import Adam, Model, fix_random_seed

from hanzi_spacy.ml.ngram_embed import EDGE, ngram_keys

TOKENIZER = {"nlp": {"tokenizer": {"@tokenizers": "hanzi-spacy.char_pretokenizer.v1"}}}


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("zh", config=TOKENIZER)


def embed(width: int = 16):
    build = registry.architectures.get("hanzi-spacy.CharNgramEmbed.v1")
    return build(width=width, unigram_rows=100, bigram_rows=200, shape_rows=10)


def test_bigram_keys_link_neighbours(nlp):
    keys = ngram_keys(nlp("中国人民"))
    assert keys.shape == (4, 4) and keys.dtype == numpy.uint64
    norms, left, right = keys[:, 0], keys[:, 1], keys[:, 2]
    # The bigram (i, i+1) is the right key of i and the left key of i+1.
    assert (right[:-1] == left[1:]).all()
    assert len(set(norms)) == 4 and len(set(left)) == 4
    assert (left[0] != right[0]) and (right[-1] != left[-1])
    assert EDGE not in set(norms)


def test_bigram_keys_depend_on_order_and_on_text_only(nlp):
    a, b = ngram_keys(nlp("中国")), ngram_keys(nlp("国中"))
    assert a[0, 2] != b[0, 2]  # 中国 is not 国中
    other = spacy.blank("zh", config=TOKENIZER)  # a new vocab: same hashes
    assert (ngram_keys(other("中国")) == a).all()


def test_span_keys_treat_the_span_as_its_own_text(nlp):
    doc = nlp("我爱中国人民")
    assert (ngram_keys(doc[2:4]) == ngram_keys(nlp("中国"))).all()


def test_embedding_gives_one_vector_per_token(nlp):
    model = embed(width=16)
    docs = [nlp("今天 iPhone 12 很好"), nlp("")]
    model.initialize(X=docs)
    vectors = model.predict(docs)
    assert [v.shape for v in vectors] == [(len(docs[0]), 16), (0, 16)]


def wide_deep():
    build = registry.architectures.get("hanzi-spacy.TextCatWideDeep.v1")
    bow = registry.architectures.get("spacy.TextCatBOW.v3")(
        exclusive_classes=True, ngram_size=2, no_output_layer=True, length=2**12
    )
    return build(tok2vec=embed(), linear_model=bow, exclusive_classes=True), bow


def test_wide_deep_starts_as_the_bag_of_words_and_learns(nlp):
    fix_random_seed(0)
    docs = [nlp("很好，推荐"), nlp("太差了"), nlp("非常满意"), nlp("很失望")]
    Y = numpy.asarray([[1, 0], [0, 1], [1, 0], [0, 1]], dtype="f")
    model, bow = wide_deep()
    model.initialize(X=docs, Y=Y)
    correction = model.get_ref("correction")
    assert not correction.get_param("W").any()
    logits = bow.predict(docs)
    expected = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    assert numpy.allclose(model.predict(docs), expected, atol=1e-6)
    optimizer = Adam(0.01)
    for _ in range(30):
        scores, backprop = model.begin_update(docs)
        backprop(scores - Y)
        model.finish_update(optimizer)
    assert correction.get_param("W").any()
    assert (model.predict(docs).argmax(axis=1) == Y.argmax(axis=1)).all()


def test_wide_deep_trains_whatever_its_tok2vec_returns_for_the_docs(nlp):
    # A spacy-transformers listener that is not the last one of its transformer
    # returns None from its backprop; thinc's add summed it with the bag of
    # words' [] and failed ("'NoneType' object is not iterable").
    fix_random_seed(0)
    vectors = embed()
    seen = []

    def forward(model, docs, is_train):
        Y, backprop = vectors(docs, is_train)

        def backprop_like_a_listener(dY):
            seen.append(backprop(dY))
            return None

        return Y, backprop_like_a_listener

    def init(model, X=None, Y=None):
        vectors.initialize(X=X)
        model.set_dim("nO", vectors.get_dim("nO"))

    listener = Model("listener-like", forward, init=init, dims={"nO": None})
    bow = registry.architectures.get("spacy.TextCatBOW.v3")(
        exclusive_classes=True, ngram_size=2, no_output_layer=True, length=2**12
    )
    build = registry.architectures.get("hanzi-spacy.TextCatWideDeep.v1")
    model = build(tok2vec=listener, linear_model=bow, exclusive_classes=True)
    docs = [nlp("很好，推荐"), nlp("太差了")]
    Y = numpy.asarray([[1, 0], [0, 1]], dtype="f")
    model.initialize(X=docs, Y=Y)
    scores, backprop = model.begin_update(docs)
    assert backprop(scores - Y) == []
    assert len(seen) == 1  # the tok2vec got its gradient
