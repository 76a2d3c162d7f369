"""A bag of character n-grams on the normalised view, weighted as TF-IDF weighs them."""

from functools import partial
from typing import Callable, List, Optional, Tuple

import numpy
from spacy.attrs import IDS
from spacy.ml.models.textcat import resize_and_set_ref
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, SparseLinear_v2, chain, resizable
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d


@registry.architectures("hanzi-spacy.CharNgramBOW.v1")
def build_char_ngram_bow(
    ngram_size: int = 3,
    length: int = 262144,
    attr: str = "NORM",
    sublinear: bool = True,
    normalize: bool = True,
    scale: float = 1.0,
    nO: Optional[int] = None,
) -> Model[List[Doc], Floats2d]:
    """Class logits from a linear model of the doc's 1- to ``ngram_size``-grams.

    spaCy's ``TextCatBOW`` hashes the n-grams of each token's ORTH and weighs each
    by its count, so one review written in full-width digits or Traditional
    characters shares no feature with the same review in half-width Simplified,
    and a long review gets logits many times those of a short one. The linear
    model users compare against, character n-gram TF-IDF + logistic
    regression, reads its n-grams with sublinear counts (1 + log tf) and
    divides each doc's vector by its length (L2). Here the n-grams are read on
    the pipeline's normalised view (``attr`` NORM: width-folded, Traditional as
    Simplified) and weighted the same way; the inverse document frequency is
    left to the weights.

    The weights are trained by the pipeline's optimizer, whose step is about
    the learning rate whatever the gradient (Adam): ``scale`` multiplies the
    logits so that the weights of a few hundred thousand sparse features reach
    the magnitude a converged logistic regression gives them within one
    training run.

    ngram_size (int): Longest n-gram, in tokens (characters).
    length (int): Rows of the hashed weight table (rounded up to a power of 2).
    attr (str): The token attribute read: "NORM" or "ORTH".
    sublinear (bool): Weigh an n-gram by 1 + log(count) instead of its count.
    normalize (bool): Divide each doc's weights by their L2 norm.
    scale (float): Multiplier of the logits.
    nO (Optional[int]): The number of classes, inferred from the labels if None.
    RETURNS (Model[List[Doc], Floats2d]): Logits, one row per doc.
    """
    length = 2 ** (length - 1).bit_length()
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    layer = resizable(
        sparse_linear,
        resize_layer=partial(resize_linear_weighted, fill_defaults={"b": 0, "W": 0}),
    )
    features = Model(
        "weighted_ngrams",
        _ngrams_forward,
        attrs={
            "ngram_size": ngram_size,
            "attr": IDS[attr.upper()],
            "sublinear": sublinear,
            "normalize": normalize,
            "scale": scale,
        },
    )
    model = chain(features, layer)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=layer)
    return model


def _ngrams_forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray], Callable]:
    ops = model.ops
    batch_keys = []
    batch_vals = []
    for doc in docs:
        unigrams = ops.asarray(doc.to_array([model.attrs["attr"]]))
        ngrams = [unigrams]
        for n in range(2, min(model.attrs["ngram_size"], len(unigrams)) + 1):
            ngrams.append(ops.ngrams(n, unigrams))
        keys, counts = numpy.unique(numpy.concatenate(ngrams), return_counts=True)
        values = counts.astype("float32")
        if model.attrs["sublinear"]:
            values = 1.0 + numpy.log(values)
        if model.attrs["normalize"] and len(values):
            values /= numpy.sqrt((values**2).sum())
        batch_keys.append(keys)
        batch_vals.append(values * model.attrs["scale"])
    lengths = ops.asarray1i([len(keys) for keys in batch_keys])
    keys = numpy.concatenate(batch_keys) if batch_keys else numpy.zeros((0,), "uint64")
    values = numpy.concatenate(batch_vals) if batch_vals else numpy.zeros((0,), "f")
    return (keys, ops.asarray(values, dtype="f"), lengths), lambda dY: []
