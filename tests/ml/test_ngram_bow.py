"""CharNgramBOW.v1: n-grams of the normalised view, TF-IDF-like weights."""

import numpy
import spacy
from thinc.api import Adam, fix_random_seed

from hanzi_spacy.ml.ngram_bow import build_char_ngram_bow
from hanzi_spacy.tokenizer import create_char_pretokenizer_v2


def blank():
    nlp = spacy.blank("zh")
    nlp.tokenizer = create_char_pretokenizer_v2(script="t2s")(nlp)
    return nlp


def test_features_are_sublinear_and_unit_length():
    nlp = blank()
    model = build_char_ngram_bow(nO=2)
    model.initialize()
    features = model.layers[0]
    (keys, values, lengths), _ = features([nlp("好好好"), nlp("很差")], False)
    assert lengths.tolist() == [3, 3]  # 好, 好好, 好好好 / 很, 差, 很差
    first = values[:3]
    numpy.testing.assert_allclose((first**2).sum(), 1.0, rtol=1e-5)
    # 好 three times, 好好 twice, 好好好 once: 1 + log(count), then L2.
    raw = numpy.array([1 + numpy.log(3), 1 + numpy.log(2), 1.0])
    numpy.testing.assert_allclose(
        sorted(first), sorted(raw / numpy.linalg.norm(raw)), rtol=1e-5
    )


def test_the_normalised_view_shares_features_across_scripts_and_widths():
    nlp = blank()
    model = build_char_ngram_bow(nO=2)
    model.initialize()
    features = model.layers[0]
    (a, _, _), _ = features([nlp("質量很好，１００分")], False)
    (b, _, _), _ = features([nlp("质量很好,100分")], False)
    assert set(a.tolist()) == set(b.tolist())
    orth = build_char_ngram_bow(nO=2, attr="ORTH")
    orth.initialize()
    (c, _, _), _ = orth.layers[0]([nlp("質量很好，１００分")], False)
    assert set(c.tolist()) != set(b.tolist())


def test_it_learns_and_scale_multiplies_the_logits():
    nlp = blank()
    docs = [nlp(t) for t in ["很好，推荐", "太差了", "非常好", "差评，失望"]]
    truth = numpy.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype="f")
    fix_random_seed(0)
    model = build_char_ngram_bow(nO=2, scale=10.0)
    model.initialize()
    optimizer = Adam(0.01)
    for _ in range(30):
        Y, backprop = model(docs, is_train=True)
        P = numpy.exp(Y - Y.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        backprop(P - truth)
        model.finish_update(optimizer)
    assert (model.predict(docs).argmax(1) == truth.argmax(1)).all()
    scaled = model.predict(docs)
    model.layers[0].attrs["scale"] = 1.0
    bias = model.get_ref("output_layer").get_param("b")
    numpy.testing.assert_allclose(
        scaled, 10.0 * model.predict(docs) - 9.0 * bias, rtol=1e-4, atol=1e-4
    )


def test_empty_docs_and_resizing():
    nlp = blank()
    model = build_char_ngram_bow(nO=2)
    model.initialize()
    assert model.predict([nlp(""), nlp("好")]).shape == (2, 2)
    model.attrs["resize_output"](model, 3)
    assert model.predict([nlp("好")]).shape == (1, 3)
