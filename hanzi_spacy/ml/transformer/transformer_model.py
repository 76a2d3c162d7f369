"""spacy-transformers' TransformerModel with the token alignment done in numpy.

On our character tokens, spacy-transformers' alignment between spaCy tokens and
wordpieces (``get_alignment_via_offset_mapping``) and the split of a batch's
output per doc (``FullTransformerBatch.split_by_doc``) both build a dict keyed by
every ``Token`` object of the batch, and the alignment keeps a Python set per
token. Here the same two results are computed from token offsets with a few
numpy operations per batch. The wordpieces come straight from the Rust
tokenizer (``tokenize``), faster than through ``BatchEncoding``
(docs/decisions.md). At prediction, windows can be grouped by length
(``length_buckets.py``) and the backbone can run in bfloat16 where the CPU
multiplies it natively (``precision.py``). Everything else (tokenizer, model,
weights, serialization, listeners) is spacy-transformers' own, and the outputs
are the same arrays (tests/ml/test_fast_transformer.py compares both paths).
"""

import copy
import functools
from typing import Callable, Dict, List, Optional, Tuple

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.tokens import Doc, Span
from spacy.util import registry
from spacy_transformers.data_classes import (
    FullTransformerBatch,
    HFObjects,
    TransformerData,
    WordpieceBatch,
)
from spacy_transformers.layers.transformer_model import (
    TransformerModel,
    huggingface_from_pretrained,
)
from spacy_transformers.layers.transformer_model import (
    forward as spacy_transformers_forward,
)
from spacy_transformers.layers.transformer_model import init as transformer_init
from spacy_transformers.truncate import truncate_oversize_splits
from spacy_transformers.util import maybe_flush_pytorch_cache
from thinc.api import Model, torch2xp
from thinc.types import Ragged
from transformers import PreTrainedTokenizerFast
from transformers.file_utils import ModelOutput

from ...errors import Errors, HanziError
from ...runtime import one_torch_thread_in_forked_workers
from ...script import check_script, script_view
from .attention import BackboneConfig
from .length_buckets import grouped_predict
from .precision import as_float32, check_dtype, prediction_precision
from .tuned_shim import TunedHFShim, tuned_hf_wrapper
from .tuning import Spec, check_tuning, trains_nothing


@registry.architectures("hanzi-spacy.TransformerModel.v1")
def create_transformer_model(
    name: str,
    get_spans: Callable,
    tokenizer_config: Optional[dict] = None,
    transformer_config: Optional[dict] = None,
    mixed_precision: bool = False,
    grad_scaler_config: Optional[dict] = None,
    group_by_length: bool = True,
    prediction_dtype: str = "auto",
    script: str = "",
    frozen_layers: Optional[int] = None,
    peft: Optional[dict] = None,
    adapters: Optional[dict] = None,
) -> Model[List[Doc], FullTransformerBatch]:
    """``spacy-transformers.TransformerModel.v3`` with a numpy token alignment.

    The same arguments, weights and serialization as spacy-transformers' v3 (its
    layers, with our forward function), so a pipeline can switch between the two,
    and two options for prediction:

    group_by_length (bool): Predict on windows grouped by length
        (``length_buckets.py``): the same outputs up to float rounding, with
        less padding to compute.
    prediction_dtype (str): "auto" (bfloat16 on a CPU that multiplies it
        natively, float32 elsewhere), "float32" or "bfloat16"
        (``precision.py``). Training is float32 whatever it says.
    script (str): The backbone reads the text converted by OpenCC ("t2s":
        Traditional as Simplified, ``script.py``), one character for one, so
        offsets and the alignment hold; "" reads the text as it is.
    frozen_layers (Optional[int]), peft (Optional[dict]), adapters
        (Optional[dict]): Which backbone weights train (``tuning.py``): all
        (None, None, None), none or the lower layers frozen, a peft method such
        as LoRA, or bottleneck adapters. Saved with the weights.
    """
    one_torch_thread_in_forked_workers()
    return CharTransformerModel(
        name,
        get_spans,
        tokenizer_config=tokenizer_config or {},
        transformer_config=transformer_config or {},
        mixed_precision=mixed_precision,
        grad_scaler_config=grad_scaler_config or {},
        group_by_length=group_by_length,
        prediction_dtype=check_dtype(prediction_dtype),
        script=check_script(script),
        tuning=check_tuning(frozen_layers, peft, adapters),
    )


class CharTransformerModel(TransformerModel):
    """spacy-transformers' TransformerModel (its layers, attrs and init) run by
    ``forward``. The prediction options are arguments of the forward function,
    not attrs: attrs are saved with the weights and would override the config
    of a pipeline loaded with other settings."""

    def __init__(
        self,
        name: str,
        get_spans: Callable,
        *,
        tokenizer_config: dict,
        transformer_config: dict,
        mixed_precision: bool,
        grad_scaler_config: dict,
        group_by_length: bool,
        prediction_dtype: str,
        script: str = "",
        tuning: Optional[Spec] = None,
    ):
        tuning = tuning or check_tuning()
        theirs = TransformerModel(
            name,
            get_spans,
            tokenizer_config,
            transformer_config,
            mixed_precision,
            grad_scaler_config,
        )
        # Their wrapper's conversions of wordpieces to and from the torch model.
        conversions = {
            key: theirs.layers[0].attrs[key]
            for key in ("convert_inputs", "convert_outputs")
        }
        Model.__init__(
            self,
            "transformer",
            functools.partial(
                forward,
                group_by_length=group_by_length,
                prediction_dtype=prediction_dtype,
                script=script,
            ),
            init=init,
            layers=[
                tuned_hf_wrapper(
                    HFObjects(None, None, None, tokenizer_config, transformer_config),
                    tuning,
                    mixed_precision=mixed_precision,
                    grad_scaler_config=grad_scaler_config,
                    **conversions,
                )
            ],
            dims={"nO": None},
            attrs=theirs.attrs,
        )
        self.options = dict(
            tokenizer_config=tokenizer_config,
            transformer_config=transformer_config,
            mixed_precision=mixed_precision,
            grad_scaler_config=grad_scaler_config,
            group_by_length=group_by_length,
            prediction_dtype=prediction_dtype,
            script=script,
            tuning=tuning,
        )

    @property
    def shim(self) -> TunedHFShim:
        return self.layers[0].shims[0]

    def copy(self) -> "CharTransformerModel":
        """A copy with its own parameters and layers, as TransformerModel.copy."""
        copied = CharTransformerModel(
            self.attrs["name"], self.attrs["get_spans"], **self.options
        )
        params = {}
        for name in self.param_names:
            params[name] = self.get_param(name) if self.has_param(name) else None
        copied.params = copy.deepcopy(params)
        copied.dims = copy.deepcopy(self._dims)
        copied.layers[0] = copy.deepcopy(self.layers[0])
        for name in self.grad_names:
            copied.set_grad(name, self.get_grad(name).copy())
        return copied


def init(model: CharTransformerModel, X=None, Y=None) -> None:
    """spacy-transformers' init (load the backbone named in the config, asking
    for the attention that runs: ``attention.py``), then the tuning: a backbone
    loaded from a saved pipeline is tuned as it was saved."""
    if not model.attrs["has_transformer"]:
        hf_model = huggingface_from_pretrained(
            model.attrs["name"],
            model._init_tokenizer_config,
            model._init_transformer_config,
            config_cls=BackboneConfig,
        )
        model.attrs["set_transformer"](model, hf_model)
    transformer_init(model, X, Y)
    model.shim.tune()


def forward(
    model: Model,
    docs: List[Doc],
    is_train: bool,
    group_by_length: bool = True,
    prediction_dtype: str = "auto",
    script: str = "",
) -> Tuple[FullTransformerBatch, Callable]:
    """spacy-transformers' forward pass, with the alignment and split in numpy."""
    if model.transformer is None:
        raise HanziError(Errors.E573)
    tokenizer = model.tokenizer
    if not isinstance(tokenizer, PreTrainedTokenizerFast) or "logger" in model.attrs:
        # A slow tokenizer has no offsets: spacy-transformers aligns by strings.
        return spacy_transformers_forward(model, docs, is_train)
    nested_spans: List[List[Span]] = model.attrs["get_spans"](docs)
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    maybe_flush_pytorch_cache(chance=model.attrs.get("flush_cache_chance", 0))
    texts = [script_view(span.text, script) for span in flat_spans]
    wordpieces, offset_mapping = tokenize(tokenizer, texts)
    align = offset_alignment(nested_spans, offset_mapping)
    wordpieces, align = truncate_oversize_splits(
        wordpieces, align, tokenizer.model_max_length
    )
    if is_train and trains_nothing(model.transformer):
        # A frozen backbone: features without a graph, in eval mode (no dropout).
        model_output = model.layers[0].predict(wordpieces)
        bp_tensors = frozen_backprop
    elif is_train or not group_by_length:
        model_output, bp_tensors = model.layers[0](wordpieces, is_train)
    else:
        with prediction_precision(model, prediction_dtype):
            model_output = grouped_predict(model.layers[0], wordpieces)
        model_output = as_float32(model_output)
        bp_tensors = no_backprop
    output = NumpySplitBatch(
        spans=nested_spans,
        wordpieces=wordpieces,
        model_output=model_output,
        align=align,
    )

    def backprop(d_output: FullTransformerBatch) -> List[Doc]:
        bp_tensors(d_output.model_output)
        return docs

    return output, backprop


def tokenize(
    tokenizer: PreTrainedTokenizerFast, texts: List[str]
) -> Tuple[WordpieceBatch, numpy.ndarray]:
    """``huggingface_tokenize`` and ``WordpieceBatch.from_batch_encoding`` in one.

    The same wordpieces, padded to the longest text, with the same offsets, but
    straight from the Rust tokenizer's encodings: spacy-transformers goes through
    ``BatchEncoding`` and converts every id back to a string.
    RETURNS (Tuple[WordpieceBatch, numpy.ndarray]): the batch and the (rows,
        width, 2) character offsets of each wordpiece, (0, 0) for special
        tokens and padding.
    """
    backend = tokenizer.backend_tokenizer
    # The Hugging Face wrapper sets these per call and may have left them on.
    backend.no_padding()
    backend.no_truncation()
    encodings = backend.encode_batch(texts, add_special_tokens=True)
    lengths = [len(encoding.ids) for encoding in encodings]
    width = max(lengths, default=0)
    input_ids = numpy.full((len(texts), width), tokenizer.pad_token_id or 0, "int64")
    attention_mask = numpy.zeros((len(texts), width), "float32")
    offsets = numpy.zeros((len(texts), width, 2), "int64")
    with_types = "token_type_ids" in tokenizer.model_input_names
    token_type_ids = numpy.zeros((len(texts), width), "int64") if with_types else None
    strings = []
    padding = [tokenizer.pad_token]
    for row, (encoding, length) in enumerate(zip(encodings, lengths)):
        input_ids[row, :length] = encoding.ids
        attention_mask[row, :length] = 1
        if length:
            offsets[row, :length] = encoding.offsets
        if token_type_ids is not None:
            token_type_ids[row, :length] = encoding.type_ids
        strings.append(encoding.tokens + padding * (width - length))
    wordpieces = WordpieceBatch(
        strings=strings,
        input_ids=input_ids,
        attention_mask=attention_mask,
        lengths=lengths,
        token_type_ids=token_type_ids,
    )
    return wordpieces, offsets


def no_backprop(d_model_output: ModelOutput) -> None:
    """Grouped prediction runs without gradients: there is nothing to pass back."""
    raise HanziError(Errors.E307)


def frozen_backprop(d_model_output: ModelOutput) -> None:
    """Nothing in a frozen backbone learns: the gradient stops here."""
    return None


def token_offsets(nested_spans: List[List[Span]]) -> List[int]:
    """Each doc's first position in the batch's token order, or -1 if no span.

    spacy-transformers numbers the tokens of every doc that has a span, doc
    after doc in the order the docs first appear (``get_token_positions``).
    """
    offsets: List[int] = []
    seen: Dict[int, int] = {}
    total = 0
    for doc_spans in nested_spans:
        if not doc_spans:
            offsets.append(-1)
            continue
        doc = doc_spans[0].doc
        if id(doc) not in seen:
            seen[id(doc)] = total
            total += len(doc)
        offsets.append(seen[id(doc)])
    offsets.append(total)
    return offsets


def offset_alignment(
    nested_spans: List[List[Span]], offset_mapping: numpy.ndarray
) -> Ragged:
    """The wordpieces of each token, as ``get_alignment_via_offset_mapping``.

    A wordpiece belongs to every token whose characters, or the one character
    after it (its trailing space), it covers; wordpieces are numbered over the
    padded rows of the batch, tokens in ``token_offsets`` order.
    """
    offsets = token_offsets(nested_spans)
    total = offsets[-1]
    row_width = offset_mapping.shape[1] if len(offset_mapping) else 0
    positions: List[numpy.ndarray] = []
    pieces: List[numpy.ndarray] = []
    row = 0
    for doc_spans, doc_offset in zip(nested_spans, offsets):
        if not doc_spans:
            continue
        doc = doc_spans[0].doc
        starts_lengths = doc.to_array([IDX, LENGTH]).astype("int64").reshape((-1, 2))
        for span in doc_spans:
            tokens, pieces_of_span = span_alignment(
                starts_lengths[span.start : span.end] - (span.start_char, 0),
                offset_mapping[row].astype("int64"),
            )
            positions.append(doc_offset + span.start + tokens)
            pieces.append(row * row_width + pieces_of_span)
            row += 1
    # One sorted key per distinct (token, wordpiece) pair, as the sets were.
    n_keys = len(offset_mapping) * row_width + 1
    keys = numpy.unique(
        numpy.concatenate(positions or [numpy.zeros((0,), "int64")]) * n_keys
        + numpy.concatenate(pieces or [numpy.zeros((0,), "int64")])
    )
    flat_positions, flat_pieces = numpy.divmod(keys, n_keys)
    lengths = numpy.bincount(flat_positions, minlength=total)
    return Ragged(flat_pieces.astype("i"), lengths.astype("i"))


def span_alignment(
    starts_lengths: numpy.ndarray, wp_offsets: numpy.ndarray
) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """(token, wordpiece) pairs of one span, one pair per character they share.

    starts_lengths (numpy.ndarray): (n_tokens, 2) token start and length,
        relative to the span's text.
    wp_offsets (numpy.ndarray): (n_pieces, 2) wordpiece character offsets.
    """
    token_starts = starts_lengths[:, 0]
    token_ends = token_starts + starts_lengths[:, 1] + 1  # and the char after it
    widths = numpy.maximum(wp_offsets[:, 1] - wp_offsets[:, 0], 0)
    piece = numpy.repeat(numpy.arange(len(wp_offsets)), widths)
    # The characters of all pieces: each piece's start, plus 0, 1, ... inside it.
    first = numpy.repeat(wp_offsets[:, 0] - numpy.cumsum(widths) + widths, widths)
    chars = first + numpy.arange(len(piece))
    token = numpy.searchsorted(token_starts, chars, side="right") - 1
    inside = token >= 0
    inside[inside] = chars[inside] < token_ends[token[inside]]
    return token[inside], piece[inside]


class NumpySplitBatch(FullTransformerBatch):
    """A FullTransformerBatch whose split per doc uses token offsets."""

    def split_by_doc(self) -> List[TransformerData]:
        offsets = token_offsets(self.spans)
        xp_output = {
            key: torch2xp(value)
            for key, value in self.model_output.items()
            if hasattr(value, "shape")
        }
        if set(xp_output) != set(self.model_output):
            return super().split_by_doc()  # e.g. hidden states: the general path
        outputs = []
        start = 0
        prev_pieces = 0
        for doc_spans, doc_offset in zip(self.spans, offsets):
            if len(doc_spans) == 0 or len(doc_spans[0]) == 0:
                outputs.append(TransformerData.empty())
                continue
            end = start + len(doc_spans)
            doc_pieces = self.wordpieces[start:end]
            doc_align = self.align[
                doc_offset + doc_spans[0].start : doc_offset + doc_spans[-1].end
            ]
            doc_align.data = doc_align.data - prev_pieces
            model_output = ModelOutput()
            for key, value in xp_output.items():
                model_output[key] = value[start:end]
            outputs.append(
                TransformerData(
                    wordpieces=doc_pieces, model_output=model_output, align=doc_align
                )
            )
            prev_pieces += doc_pieces.input_ids.size
            start = end
        return outputs


def merge_peft_layers(nlp) -> Dict[str, int]:
    """Fold the peft layers (LoRA, ...) of every transformer in a pipeline into
    their base weights, for prediction at a plain model's cost.

    The merged pipeline computes the same (up to float rounding) and saves as a
    plain one; bottleneck adapters cannot be merged (E571).
    nlp (Language): The pipeline, changed in place.
    RETURNS (Dict[str, int]): The number of layers merged, per component.
    """
    merged = {}
    for name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if isinstance(model, CharTransformerModel) and model.transformer is not None:
            merged[name] = model.shim.merge()
    return merged
