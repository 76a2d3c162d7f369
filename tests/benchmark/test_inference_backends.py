"""The inference-backends benchmark: each swapped backbone computes what the
torch one does, the pipeline runs on it, and the decision rule says what it
should."""

import importlib.util

import pytest
import spacy
import srsly
import torch
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from transformers import AutoModel, AutoTokenizer

from benchmarks import backends, inference_backends
from benchmarks.inference_backends import decide, main
from hanzi_spacy.ml.transformer.attention import BackboneConfig

from ..conftest import all_texts, pku_docs, review_docs

needs_onnx = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "onnxscript")),
    reason="the benchmark extra (onnxruntime, onnx, onnxscript) is not installed",
)


def backbone_inputs(path):
    tokenizer = AutoTokenizer.from_pretrained(path)
    batch = tokenizer(all_texts(), padding=True, return_tensors="pt")
    inputs = {name: batch[name] for name in tokenizer.model_input_names}
    inputs["attention_mask"] = inputs["attention_mask"].float()  # as spaCy passes
    return inputs, list(tokenizer.model_input_names)


def load_backbone(path):
    config = BackboneConfig.from_pretrained(path)
    return AutoModel.from_pretrained(path, config=config).eval()


def test_int8_keeps_shapes_and_values(tiny_backbone):
    model = load_backbone(tiny_backbone)
    inputs, _ = backbone_inputs(tiny_backbone)
    quantized = backends.int8_backbone(model)
    assert any("quantized" in type(m).__module__ for m in quantized.modules()), (
        "no layer was quantized"
    )
    assert all(type(m) is not torch.nn.Linear for m in quantized.modules())
    assert any(type(m) is torch.nn.Linear for m in model.modules()), "a copy"
    with torch.no_grad():
        expected = model(**inputs).last_hidden_state
        got = quantized(**inputs).last_hidden_state
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=0.1)


@needs_onnx
@pytest.mark.parametrize("int8,atol", [(False, 1e-4), (True, 0.1)])
def test_onnx_backbone_gives_the_torch_hidden_states(
    relative_backbone, tmp_path, int8, atol
):
    model = load_backbone(relative_backbone)
    inputs, names = backbone_inputs(relative_backbone)
    onnx = backends.onnx_backbone(model, tmp_path, names, int8=int8)
    # Other batch sizes and lengths than the export's example: both are dynamic.
    for batch in (inputs, {k: v[:1, :5] for k, v in inputs.items()}):
        with torch.no_grad():
            expected = model(**batch)
            got = onnx(**batch)
        assert type(got) is type(expected)
        for key in expected.keys():
            assert got[key].shape == expected[key].shape
            assert torch.allclose(got[key], expected[key], atol=atol)


def test_timed_swap_keeps_the_pipeline_output(pipeline_path):
    texts = all_texts()
    nlp = spacy.load(pipeline_path)
    expected = [(d.to_json(), d.cats) for d in nlp.pipe(texts)]
    (trf,) = backends.transformer_models(nlp)
    timed = backends.swap_backbone(trf, backends.TimedBackbone)
    assert [(d.to_json(), d.cats) for d in nlp.pipe(texts)] == expected
    assert timed.calls > 0 and timed.seconds > 0
    timed.reset()
    assert (timed.calls, timed.seconds) == (0, 0.0)


def result(scores, runs):
    return {
        "measured": True,
        "scores": scores,
        "chars_per_s": sorted(runs)[len(runs) // 2],
        "runs_chars_per_s": runs,
    }


def test_decide_needs_the_scores_and_a_clear_speedup():
    base = {"token_f": 0.97, "tag_acc": 0.95, "ents_f": 0.9, "cats_score": None}
    results = {
        "float32": result(base, [100, 101, 102]),
        "close_fast": result({**base, "ents_f": 0.8985}, [110, 111, 112]),
        "close_overlapping": result(base, [101, 103, 104]),
        "worse_fast": result({**base, "tag_acc": 0.947}, [150, 150, 150]),
        "skipped": {"measured": False, "skipped": "why"},
    }
    decision = decide(results, 0.002)
    assert decision["qualify"] == ["close_fast"]
    verdicts = decision["backends"]
    assert "skipped" not in verdicts
    assert verdicts["close_overlapping"]["within_tolerance"]
    assert not verdicts["close_overlapping"]["faster"]
    assert verdicts["worse_fast"]["faster"]
    assert not verdicts["worse_fast"]["within_tolerance"]
    assert "cats_score" not in verdicts["close_fast"]["score_differences"]


@needs_onnx
def test_the_command_measures_and_decides(pipeline_path, tmp_path, monkeypatch):
    monkeypatch.setattr(inference_backends, "native_bf16", lambda: False)
    vocab = Vocab()
    dev = tmp_path / "dev.spacy"
    docs = pku_docs(vocab) + review_docs(vocab)
    DocBin(docs=docs, store_user_data=True).to_disk(dev)
    output = tmp_path / "backends.json"
    argv = [str(pipeline_path), "--dev", str(dev), "--output", str(output)]
    argv += ["--limit", "6", "--repeats", "2", "--work", str(tmp_path / "work")]
    argv += ["--ort-no-spin", "--backends", "float32,bfloat16,int8,onnx"]
    assert main(argv) == 0
    report = srsly.read_json(output)
    assert report["texts"] == 6
    assert report["ort_spinning"] is False
    measured = report["backends"]
    assert not measured["bfloat16"]["measured"]
    assert "native bfloat16" in measured["bfloat16"]["skipped"]
    for name in ("float32", "int8", "onnx"):
        assert measured[name]["scores"]["token_f"] is not None
        assert len(measured[name]["runs"]) == 2
        assert measured[name]["backbone_us_per_char"] > 0
        assert measured[name]["rest_us_per_char"] > 0
        assert measured[name]["backbone_calls"] > 0
        costs = measured[name]["components_us_per_char"]
        assert {"tokenizer", "transformer", "backbone", "tagger"} <= set(costs)
        assert costs["backbone"] < costs["transformer"]
    assert set(report["decision"]["backends"]) == {"int8", "onnx"}
    # ONNX Runtime computes what torch does: the same scores.
    assert report["decision"]["backends"]["onnx"]["within_tolerance"]
    assert main(argv[:-1] + ["float32,tpu"]) == 1
