"""Run a batch of windows through the backbone in groups of similar length.

spacy-transformers pads every window of a batch to the longest one and runs one
forward pass. Our docs are lines of very different lengths, so even after
``Transformer.pipe``'s own split by doc length much of what the backbone
computes is padding. Here the windows
are sorted by length and cut into groups that each pad only to their own
longest window; the outputs are put back in the batch's padded layout, so the
alignment, the split per doc and the listeners see the same arrays as before.

Options: (1) one pass over the whole batch, as spacy-transformers does: no
per-call overhead, up to half the work on padding; (2) one pass per window: no
padding, but every pass pays the per-call overhead (thinc's shim alone switches
the torch model to eval and back), hundreds of times per batch of short docs;
(3) groups, the choice here: a group grows while its windows are at least
``1 - max_waste`` as long as its longest, and always until it holds
``min_items`` positions, so short windows do not make tiny passes (measurements:
docs/decisions.md).

Only prediction is grouped. In training the batcher already groups docs by
length (``batch_by_padded``), and the gradient keeps its one pass.
"""

from typing import List

import numpy
import torch
from spacy_transformers.data_classes import WordpieceBatch
from thinc.api import Model
from transformers.file_utils import ModelOutput


def length_groups(
    lengths: numpy.ndarray, *, max_waste: float = 0.2, min_items: float = 512
) -> List[numpy.ndarray]:
    """Row indices in groups of similar length, longest first.

    lengths (numpy.ndarray): the unpadded length of each row.
    max_waste (float): the share of a group's positions that may be padding
        once it holds ``min_items`` positions.
    min_items (int): positions (rows × longest) a group gets before it may end.
    RETURNS (List[numpy.ndarray]): the row indices of each group; together they
        are every row once.
    """
    order = numpy.argsort(-numpy.asarray(lengths), kind="stable")
    sorted_lengths = numpy.asarray(lengths)[order].tolist()
    groups = []
    start = 0
    while start < len(order):
        width = sorted_lengths[start]
        end = start + 1
        while end < len(order) and (
            sorted_lengths[end] >= (1 - max_waste) * width
            or (end - start) * width < min_items
        ):
            end += 1
        groups.append(order[start:end])
        start = end
    return groups


def rows(wordpieces: WordpieceBatch, index: numpy.ndarray) -> WordpieceBatch:
    """The rows ``index`` of a batch, padded only to their longest row."""
    width = max(wordpieces.lengths[i] for i in index)
    return WordpieceBatch(
        strings=[wordpieces.strings[i] for i in index],
        input_ids=wordpieces.input_ids[index, :width],
        attention_mask=wordpieces.attention_mask[index, :width],
        lengths=[wordpieces.lengths[i] for i in index],
        token_type_ids=(
            None
            if wordpieces.token_type_ids is None
            else wordpieces.token_type_ids[index, :width]
        ),
    )


def grouped_predict(
    transformer: Model[WordpieceBatch, ModelOutput],
    wordpieces: WordpieceBatch,
    **group_options: float,
) -> ModelOutput:
    """The backbone's output for the batch, computed group by group.

    Each output tensor comes back in the shape one pass over the padded batch
    gives; what is at padding positions differs (nothing reads it). An output
    that is not a tensor (hidden states of every layer, attentions) makes it
    fall back to one pass.
    group_options: ``max_waste`` and ``min_items`` of ``length_groups``.
    """
    n_rows, n_cols = wordpieces.input_ids.shape
    groups = length_groups(numpy.asarray(wordpieces.lengths), **group_options)
    if len(groups) < 2:
        return transformer.predict(wordpieces)
    full = {}
    output_type = ModelOutput
    for index in groups:
        output = transformer.predict(rows(wordpieces, index))
        output_type = type(output)
        if not all(isinstance(value, torch.Tensor) for value in output.values()):
            return transformer.predict(wordpieces)
        rows_index = torch.as_tensor(index)
        for key, value in output.items():
            if key not in full:  # dim 1 of a 3-d output is the position
                shape = (n_rows, n_cols) if value.dim() >= 3 else (n_rows,)
                full[key] = value.new_zeros((*shape, *value.shape[len(shape) :]))
            if value.dim() >= 3:
                full[key][rows_index, : value.shape[1]] = value
            else:
                full[key][rows_index] = value
    return output_type(**full)
