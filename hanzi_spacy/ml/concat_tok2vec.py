"""Architectures: feature combinations for the character-level components."""

from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d


@registry.architectures("hanzi-spacy.ConcatTok2Vec.v1")
def build_concat_tok2vec(
    first: Model[List[Doc], List[Floats2d]],
    second: Model[List[Doc], List[Floats2d]],
) -> Model[List[Doc], List[Floats2d]]:
    """Concatenate the per-token vectors of two encoders (usually two listeners).

    Lets a component listen to the shared transformer and to a cheap CNN over
    character hash embeddings at once: the CNN gives local character context
    (±4 characters), which the small transformer learns slowly
    (docs/decisions.md), and the transformer the long-range context. Thinc's
    ``concatenate`` does not fit here: listeners return no input gradient to add up.

    first (Model[List[Doc], List[Floats2d]]): e.g. a TransformerListener.
    second (Model[List[Doc], List[Floats2d]]): e.g. a Tok2VecListener.
    RETURNS (Model[List[Doc], List[Floats2d]]): Vectors of width nO(first) + nO(second).
    """
    return Model(
        "concat-tok2vec",
        forward,
        init=init,
        layers=[first, second],
        dims={"nO": None},
    )


def forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[List[Floats2d], Callable]:
    first, second = model.layers
    xs, backprop_first = first(docs, is_train)
    ys, backprop_second = second(docs, is_train)
    split = first.get_dim("nO")
    outputs = [model.ops.xp.hstack((x, y)) for x, y in zip(xs, ys)]

    def backprop(d_outputs: List[Floats2d]) -> List[Doc]:
        backprop_first([d[:, :split] for d in d_outputs])
        backprop_second([d[:, split:] for d in d_outputs])
        return []

    return outputs, backprop


def init(
    model: Model, X: Optional[List[Doc]] = None, Y: Optional[List[Floats2d]] = None
) -> None:
    for layer in model.layers:
        layer.initialize(X=X)
    if all(layer.has_dim("nO") is True for layer in model.layers):
        model.set_dim("nO", sum(layer.get_dim("nO") for layer in model.layers))
