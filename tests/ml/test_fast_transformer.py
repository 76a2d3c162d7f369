"""hanzi-spacy.TransformerModel.v1: the outputs of spacy-transformers' v3."""

import os

import numpy
import pytest
import torch
from spacy.util import load_config, load_model_from_config
from spacy_transformers.align import get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch, WordpieceBatch
from spacy_transformers.layers.transformer_model import huggingface_tokenize
from transformers import AutoTokenizer

from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.transformer.length_buckets import grouped_predict, length_groups
from hanzi_spacy.ml.transformer.precision import (
    ONEDNN_CACHES,
    cpu_has_native_bf16,
    native_bf16,
    resolve_dtype,
)
from hanzi_spacy.ml.transformer.transformer_model import (
    CharTransformerModel,
    NumpySplitBatch,
    offset_alignment,
    tokenize,
)

from ..conftest import analysis

TEXTS = [
    "中华人民共和国主席江泽民在北京会见了克林顿。",
    "",
    " ",
    "iPhone12  很好用，价格 ３９９９元！\n\n第二段",
    "Ｈｅｌｌｏ世界 ２０２６年 e\u0301 🙂😀\t中",
    "长" * 300 + " abc " + "文" * 50,  # several strided windows
    "x" * 40 + "中",
]
V3 = "spacy-transformers.TransformerModel.v3"
OURS = "hanzi-spacy.TransformerModel.v1"


def spans_of(nlp, texts):
    docs = [nlp.make_doc(text) for text in texts]
    docs.append(docs[0])  # the same Doc twice in a batch
    return nlp.get_pipe("transformer").model.attrs["get_spans"](docs)


@pytest.mark.parametrize("backbone", ["tiny_backbone", "hub_shaped_backbone"])
def test_alignment_equals_spacy_transformers(trained_nlp, backbone, request):
    tokenizer = AutoTokenizer.from_pretrained(request.getfixturevalue(backbone))
    nested = spans_of(trained_nlp, TEXTS)
    flat = [span for doc_spans in nested for span in doc_spans]
    encoding = huggingface_tokenize(tokenizer, [span.text for span in flat])
    expected = get_alignment_via_offset_mapping(flat, encoding["offset_mapping"])
    got = offset_alignment(nested, encoding["offset_mapping"])
    assert got.lengths.tolist() == expected.lengths.tolist()
    assert got.dataXd.tolist() == expected.dataXd.tolist()
    assert got.lengths.sum() > 0


def test_split_by_doc_equals_spacy_transformers(trained_nlp):
    docs = [trained_nlp.make_doc(text) for text in TEXTS]
    batch = trained_nlp.get_pipe("transformer").model.predict(docs)
    assert isinstance(batch, NumpySplitBatch)
    fields = dict(spans=batch.spans, wordpieces=batch.wordpieces, align=batch.align)
    plain = FullTransformerBatch(model_output=batch.model_output, **fields)
    for ours, theirs in zip(batch.split_by_doc(), plain.split_by_doc()):
        assert ours.align.lengths.tolist() == theirs.align.lengths.tolist()
        assert ours.align.dataXd.tolist() == theirs.align.dataXd.tolist()
        assert set(ours.model_output) == set(theirs.model_output)
        for key in ours.model_output:
            assert numpy.array_equal(ours.model_output[key], theirs.model_output[key])


def load_as(path, architecture, **settings):
    """The saved pipeline with another transformer architecture and settings."""
    config = load_config(path / "config.cfg")
    model = config["components"]["transformer"]["model"]
    model["@architectures"] = architecture
    # only ours takes them
    ours_only = ("prediction_dtype", "group_by_length", "script")
    for option in ours_only + ("frozen_layers", "peft", "adapters"):
        model.pop(option, None)
    model.update(settings)
    return load_model_from_config(config).from_disk(path)


@pytest.mark.parametrize("group_by_length", [True, False])
def test_ours_gives_the_same_analysis_as_spacy_transformers(
    group_by_length, trained_path
):
    ours = load_as(
        trained_path,
        OURS,
        prediction_dtype="float32",
        group_by_length=group_by_length,
        script="",
    )
    plain = load_as(trained_path, V3)
    for doc, other in zip(ours.pipe(TEXTS), plain.pipe(TEXTS)):
        assert analysis(doc) == analysis(other)


def test_ours_is_a_transformer_model_with_its_own_forward(trained_path):
    nlp = load_as(trained_path, OURS)
    model = nlp.get_pipe("transformer").model
    assert isinstance(model, CharTransformerModel)
    copied = model.copy()
    assert isinstance(copied, CharTransformerModel)
    assert copied.options == model.options
    docs = [nlp.make_doc(text) for text in TEXTS]
    for ours, theirs in zip(
        model.predict(docs).split_by_doc(), copied.predict(docs).split_by_doc()
    ):
        for key in ours.model_output:
            assert numpy.array_equal(ours.model_output[key], theirs.model_output[key])


@pytest.mark.parametrize("backbone", ["tiny_backbone", "hub_shaped_backbone"])
def test_tokenize_equals_spacy_transformers(backbone, request):
    tokenizer = AutoTokenizer.from_pretrained(request.getfixturevalue(backbone))
    for texts in (TEXTS, [""], ["", " "], TEXTS[3:5]):
        encoding = huggingface_tokenize(tokenizer, texts)
        expected = WordpieceBatch.from_batch_encoding(encoding)
        got, offsets = tokenize(tokenizer, texts)
        assert got.strings == expected.strings
        assert got.lengths == expected.lengths
        for field in ("input_ids", "attention_mask", "token_type_ids"):
            theirs = getattr(expected, field)
            ours = getattr(got, field)
            assert numpy.array_equal(ours, theirs) and ours.dtype == theirs.dtype
        assert numpy.array_equal(offsets, encoding["offset_mapping"])
    # The Hugging Face call leaves padding on the shared Rust tokenizer.
    tokenizer(["长文本", "短"], padding="longest")
    assert tokenize(tokenizer, ["短"])[0].lengths == [3]


@pytest.mark.parametrize("min_items", [1, 40, 512])
def test_length_groups_cover_every_row_once(min_items):
    lengths = numpy.array([130, 3, 3, 64, 128, 90, 12, 100, 130, 5, 70])
    groups = length_groups(lengths, max_waste=0.2, min_items=min_items)
    assert sorted(numpy.concatenate(groups).tolist()) == list(range(len(lengths)))
    for group in groups:
        width = lengths[group[0]]
        for k, row in enumerate(group):
            assert lengths[row] >= 0.8 * width or k * width < min_items
    tops = [lengths[group].max() for group in groups]
    assert tops == sorted(tops, reverse=True)
    if min_items == 1:
        assert len(groups) > 3


def test_grouped_predict_equals_one_pass(trained_nlp):
    model = trained_nlp.get_pipe("transformer").model
    docs = [trained_nlp.make_doc(text) for text in TEXTS]
    spans = [span for doc_spans in model.attrs["get_spans"](docs) for span in doc_spans]
    wordpieces, _ = tokenize(model.tokenizer, [span.text for span in spans])
    one_pass = model.layers[0].predict(wordpieces)
    grouped = grouped_predict(model.layers[0], wordpieces, min_items=1)
    assert set(grouped) == set(one_pass)
    mask = torch.as_tensor(wordpieces.attention_mask).bool()
    ours = grouped["last_hidden_state"]
    theirs = one_pass["last_hidden_state"]
    assert ours.shape == theirs.shape
    assert torch.allclose(ours[mask], theirs[mask], atol=1e-5)
    assert torch.allclose(
        grouped["pooler_output"], one_pass["pooler_output"], atol=1e-5
    )


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_grouped_prediction_has_no_gradient(dtype, trained_path):
    nlp = load_as(trained_path, OURS, prediction_dtype=dtype)
    model = nlp.get_pipe("transformer").model
    output, backprop = model([nlp.make_doc(TEXTS[0])], is_train=False)
    with pytest.raises(HanziError, match="without gradients"):
        backprop(output)


def load_with_dtype(path, dtype):
    return load_as(path, OURS, prediction_dtype=dtype)


def hidden_states(nlp, texts):
    outputs = [doc._.trf_data.model_output for doc in nlp.pipe(texts)]
    return [output["last_hidden_state"] for output in outputs if output]


def test_in_bfloat16_is_close_to_float32(trained_path):
    full, half = (
        load_with_dtype(trained_path, "float32"),
        load_with_dtype(trained_path, "bfloat16"),
    )
    pairs = list(zip(hidden_states(half, TEXTS), hidden_states(full, TEXTS)))
    for ours, theirs in pairs:
        assert ours.dtype == theirs.dtype == numpy.float32
        assert ours.shape == theirs.shape
        assert numpy.allclose(ours, theirs, atol=0.15)
    # Close, yet not float32: bfloat16 keeps 8 bits of mantissa.
    assert any(not numpy.array_equal(ours, theirs) for ours, theirs in pairs)
    for ours, theirs in zip(half.pipe(TEXTS), full.pipe(TEXTS)):
        assert ours.text == theirs.text


def test_trains_in_float32(trained_path):
    nlp = load_with_dtype(trained_path, "bfloat16")
    model = nlp.get_pipe("transformer").model
    output, backprop = model.begin_update([nlp.make_doc(TEXTS[0])])
    assert output.model_output["last_hidden_state"].dtype == torch.float32
    assert output.model_output["last_hidden_state"].requires_grad


def test_refuses_an_unknown_dtype(trained_path):
    with pytest.raises(HanziError, match="E309"):
        load_with_dtype(trained_path, "float16")


@pytest.mark.parametrize(
    "cpuinfo,native",
    [
        ("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n", True),
        ("flags\t: fpu sse avx2 amx_bf16 amx_tile\n", True),
        ("flags\t: fpu sse avx2 avx512f avx512bw\n", False),  # emulates bf16
        ("Features\t: fp asimd bf16 i8mm\n", True),  # Arm
        ("Features\t: fp asimd\n", False),
        ("", False),
    ],
)
def test_native_bf16_is_read_from_cpuinfo(cpuinfo, native):
    assert cpu_has_native_bf16(cpuinfo) is native


def test_resolve_dtype():
    assert resolve_dtype("float32", "cpu") is None
    assert resolve_dtype("bfloat16", "cpu") is torch.bfloat16
    assert resolve_dtype("auto", "cuda") is None  # GPUs: mixed_precision
    assert (resolve_dtype("auto", "cpu") is torch.bfloat16) is native_bf16()


def test_bfloat16_prediction_caps_onednn_caches(trained_path):
    nlp = load_with_dtype(trained_path, "bfloat16")
    list(nlp.pipe(TEXTS))
    assert all(os.environ.get(name) for name in ONEDNN_CACHES)
