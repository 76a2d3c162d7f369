"""A text classifier that adds a neural correction to n-gram bag-of-words logits."""

from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    LayerNorm,
    Linear,
    Logistic,
    Maxout,
    Model,
    ParametricAttention_v2,
    chain,
    list2ragged,
    reduce_sum,
    residual,
    softmax_activation,
    zero_init,
)
from thinc.types import Floats2d

from .resize import resize_output_rows


@registry.architectures("hanzi-spacy.TextCatWideDeep.v1")
def build_wide_deep_textcat(
    tok2vec: Model[List[Doc], List[Floats2d]],
    linear_model: Model[List[Doc], Floats2d],
    exclusive_classes: bool = True,
    nO: Optional[int] = None,
) -> Model[List[Doc], Floats2d]:
    """Class scores from n-gram logits plus attention-pooled token vectors.

    spaCy's ``TextCatEnsemble.v2`` feeds the bag-of-words *probabilities* and the
    pooled vectors to a new output layer, which has to learn to trust either
    from scratch. On our reviews that ensemble stayed below the bag of words
    alone (the dev accuracies: docs/decisions.md). Here the two parts add up in
    logit space ("wide and deep"), and the neural part's last layer starts at
    zero: training starts from the plain bag-of-words model, and the listeners
    (transformer and character CNN) only add what the n-grams miss.

    tok2vec (Model[List[Doc], List[Floats2d]]): Token vectors, e.g. listeners.
    linear_model (Model[List[Doc], Floats2d]): Logits, e.g. ``spacy.TextCatBOW.v3``
        with ``no_output_layer = true``.
    exclusive_classes (bool): Softmax over classes if true, else a sigmoid each.
    nO (Optional[int]): The number of classes, inferred from the labels if None.
    RETURNS (Model[List[Doc], Floats2d]): Class probabilities per doc.
    """
    attention = ParametricAttention_v2()
    maxout = Maxout()
    norm = LayerNorm()
    correction = Linear(nO=nO, init_W=zero_init)
    deep = chain(
        tok2vec,
        list2ragged(),
        attention,
        reduce_sum(),
        residual(chain(maxout, norm)),
        correction,
    )
    activation = softmax_activation() if exclusive_classes else Logistic()
    model = chain(add_logits(linear_model, deep), activation)
    model.init = _init
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = resize_wide_deep
    for name, layer in (
        ("tok2vec", tok2vec),
        ("attention", attention),
        ("maxout", maxout),
        ("norm", norm),
        ("correction", correction),
    ):
        model.set_ref(name, layer)
    return model


def _init(model: Model, X=None, Y=None) -> None:
    tok2vec = model.get_ref("tok2vec")
    tok2vec.initialize(X=X)
    width = tok2vec.get_dim("nO")
    model.get_ref("attention").set_dim("nO", width)
    for name in ("maxout", "norm"):
        model.get_ref(name).set_dim("nI", width)
        model.get_ref(name).set_dim("nO", width)
    model.get_ref("correction").set_dim("nI", width)
    for layer in model.layers:
        layer.initialize(X=X, Y=Y)


def resize_wide_deep(model: Model, new_nO: int) -> Model:
    """Grow the classes to new_nO (spaCy's ``resize_output``), keeping old weights.

    spaCy's TextCategorizer appends a new label last. The bag of words resizes
    itself (its new column starts at zero); the correction's new row starts at
    zero weights and a negative bias (``hanzi_spacy/ml/resize.py``), so the old
    classes keep their scores until training teaches the new one.
    """
    linear_model = model.layers[0].layers[0]
    if "resize_output" in linear_model.attrs:
        linear_model.attrs["resize_output"](linear_model, new_nO)
    correction = model.get_ref("correction")
    old_nO = correction.get_dim("nO") if correction.has_dim("nO") is True else 0
    rows = [i if i < old_nO else None for i in range(new_nO)]
    return resize_output_rows(model, correction, rows)


def add_logits(
    wide: Model[List[Doc], Floats2d], deep: Model[List[Doc], Floats2d]
) -> Model[List[Doc], Floats2d]:
    """Sum the logits of two models of the same docs.

    Not thinc's ``add``: its backprop sums what its layers' backprops return,
    the gradients of the input, but docs have none and each model returns
    what it likes in their place: the bag of words an empty list, a
    spacy-transformers listener None (unless it is the last listener of its
    transformer), a Tok2VecListener a list of arrays. With a bare
    TransformerListener as tok2vec, ``add`` failed on ``[] += None``
    (``TypeError: 'NoneType' object is not iterable``). Here both backprops
    run, their returns are ignored, and the docs get an empty list: the
    listeners pass their gradients on to their upstream components.

    wide (Model[List[Doc], Floats2d]): e.g. the bag-of-words logits.
    deep (Model[List[Doc], Floats2d]): e.g. the correction from the listeners.
    RETURNS (Model[List[Doc], Floats2d]): Their sum, of width nO.
    """
    return Model(
        "add-logits",
        _add_forward,
        init=_add_init,
        layers=[wide, deep],
        dims={"nO": None},
    )


def _add_forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[Floats2d, Callable]:
    wide, deep = model.layers
    Y, backprop_wide = wide(docs, is_train)
    deep_Y, backprop_deep = deep(docs, is_train)
    Y = Y + deep_Y

    def backprop(dY: Floats2d) -> List[Doc]:
        backprop_wide(dY)
        backprop_deep(dY)
        return []

    return Y, backprop


def _add_init(
    model: Model, X: Optional[List[Doc]] = None, Y: Optional[Floats2d] = None
) -> None:
    for layer in model.layers:
        if Y is not None and layer.has_dim("nO") is None:
            layer.set_dim("nO", Y.shape[1])
        layer.initialize(X=X, Y=Y)
    model.set_dim("nO", model.layers[0].get_dim("nO"))
