"""Give a trained output layer rows for new labels, keeping the old rows' weights.

spaCy's own pattern (``spacy.ml.models.textcat``, ``thinc.layers.resizable``): a
model that can grow carries ``model.attrs["resize_output"]``, and a component's
``add_label`` calls it once the output layer has its size. Ours resizes the
layer in place and moves each old row to where its label now is, so a component
whose labels are kept sorted (``hanzi_ner``: O, then B/I/L/U of each label in
order) keeps the weights of every old tag.

What the new rows start as is a trade-off:

- zero weights and bias (spaCy's fill for logits): the new label starts at
  logit 0, and a softmax then gives it a share at once, changing the
  probabilities of the old labels;
- a bias of -5,000 (spaCy's bag of words before a softmax): the old outputs
  stay exact, but the bias can never be learned back up;
- zero weights and a bias of ``NEW_LABEL_BIAS`` (-10, our choice): the new label
  starts with at most e^-10 of the mass wherever an old label has a logit of 0
  or more, so old decisions do not change, while training can still raise it
  through the weights of its row (one per input feature), not the bias alone.
"""

from typing import Optional, Sequence

from thinc.api import Model
from thinc.layers.resizable import resize_linear_weighted

NEW_LABEL_BIAS = -10.0


def resize_output_rows(
    model: Model,
    output_layer: Model,
    rows: Sequence[Optional[int]],
    new_bias: float = NEW_LABEL_BIAS,
) -> Model:
    """Replace output_layer (params W (nO, nI), b (nO,)) by one of len(rows) rows.

    model (Model): The model that holds output_layer: the layers and refs that
        held it hold the new layer, and every layer on the way down to it whose
        nO was the old size gets the new one.
    output_layer (Model): E.g. a Softmax_v2 or Linear layer.
    rows (Sequence[Optional[int]]): For each new output row, the old row whose
        weights it takes, or None for a new label.
    new_bias (float): The bias of a new label's row; its weights start at zero.
    RETURNS (Model): model, resized in place.
    """
    if output_layer.has_dim("nO") is not True or not output_layer.has_param("W"):
        # Not initialized yet: initialization infers the size from the labels.
        return model
    old_nO = output_layer.get_dim("nO")
    W, b = output_layer.get_param("W"), output_layer.get_param("b")
    # thinc's own resize makes a new layer of the new size (a layer with
    # weights cannot change a dimension); then each row goes where its label is.
    new_layer = resize_linear_weighted(
        output_layer, len(rows), fill_defaults={"W": 0.0, "b": new_bias}
    )
    new_W, new_b = new_layer.get_param("W"), new_layer.get_param("b")
    for new, old in enumerate(rows):
        new_W[new] = W[old] if old is not None else 0.0
        new_b[new] = b[old] if old is not None else new_bias
    new_layer.set_param("W", new_W)
    new_layer.set_param("b", new_b)
    path = _path_to(model, output_layer)
    for node in path:
        for i, layer in enumerate(node.layers):
            if layer is output_layer:
                node.layers[i] = new_layer
    for node in path:
        for ref in node.ref_names:
            if node.has_ref(ref) and node.get_ref(ref) is output_layer:
                node.set_ref(ref, new_layer)
        if node is not output_layer and node.has_dim("nO") is True:
            if node.get_dim("nO") == old_nO:
                node.set_dim("nO", len(rows), force=True)
    return model


def _path_to(model: Model, target: Model):
    """The layers of model that contain target (target included)."""
    return [node for node in model.walk() if any(n is target for n in node.walk())]
