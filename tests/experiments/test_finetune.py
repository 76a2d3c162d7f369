"""finetune-compare: each method's config, and the step benchmark's figures."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import load_config, load_model_from_config

from experiments.finetune import (
    METHODS,
    MODEL,
    method_overrides,
    parse_methods,
    write_config,
)
from hanzi_spacy.errors import HanziError

from ..conftest import CONFIG, pku_docs, review_docs

ROOT = Path(__file__).parent.parent.parent


@pytest.mark.parametrize("method", METHODS)
def test_every_method_builds_a_pipeline(method, tmp_path, tiny_backbone):
    path = write_config(CONFIG, method_overrides(method, 2, 128), tmp_path / "c.cfg")
    config = load_config(path, overrides={"paths.backbone": str(tiny_backbone)})
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    options = nlp.get_pipe("transformer").model.shim.spec
    assert (options["peft"] is not None) == method.startswith("lora-")
    assert (options["adapters"] is not None) == (method == "adapters")
    frozen = {"frozen": 2, "lower": 1}.get(method)
    assert options["frozen_layers"] == frozen


def test_trf_only_variant_has_no_cnn(tmp_path):
    overrides = method_overrides("lora-8", 2, 128)
    path = write_config(CONFIG, overrides, tmp_path / "c.cfg", variant="trf-only")
    config = load_config(path)
    assert "tok2vec" not in config["nlp"]["pipeline"]
    assert config["components"]["transformer"]["model"]["peft"]["r"] == 8


def test_a_method_may_have_its_own_learning_rate(tmp_path):
    overrides = method_overrides("lora-8", 2, 128, learn_rate=0.01)
    config = load_config(write_config(CONFIG, overrides, tmp_path / "c.cfg"))
    assert config["training"]["optimizer"]["learn_rate"]["initial_rate"] == 0.01
    assert "learn_rate" not in str(method_overrides("lora-8", 2, 128))


def test_lora_scale_sets_alpha_as_a_multiple_of_the_rank(tmp_path):
    overrides = method_overrides("lora-all-8", 2, 128, lora_scale=4)
    config = load_config(write_config(CONFIG, overrides, tmp_path / "c.cfg"))
    peft = config["components"]["transformer"]["model"]["peft"]
    assert (peft["r"], peft["lora_alpha"]) == (8, 32)
    assert method_overrides("lora-4", 2, 128)[f"{MODEL}.peft"]["lora_alpha"] == 8
    lora = method_overrides("lora-8", 2, 128, lora_dropout=0.0)[f"{MODEL}.peft"]
    assert lora["lora_dropout"] == 0.0
    assert lora["bias"] == "none"
    lora = method_overrides("lora-8", 2, 128, lora_bias="all")[f"{MODEL}.peft"]
    assert lora["bias"] == "all"
    assert not lora["use_dora"]
    lora = method_overrides("lora-8", 2, 128, lora_dora=True)[f"{MODEL}.peft"]
    assert lora["use_dora"]


def test_unknown_method_is_refused():
    with pytest.raises(HanziError, match="E405"):
        parse_methods("full,lora-3")


# trainable LoRA weights in the one 32-wide layer (feed-forward 64 wide):
# r × (inputs + outputs) per adapted linear layer
LORA_WEIGHTS = {
    "lora-4": 2 * 4 * (32 + 32),  # query, value
    # query, key, value, attention output; feed-forward in and out
    "lora-all-8": 4 * 8 * (32 + 32) + 2 * 8 * (32 + 64),
    # the same at rank 4, plus r × (vocabulary + 32) in the character embeddings
    "lora-emb-4": 4 * 4 * (32 + 32) + 2 * 4 * (32 + 64),
    # rank 16 on the upper half of one layer: that layer
    "lora-upper-16": 4 * 16 * (32 + 32) + 2 * 16 * (32 + 64),
}


def test_lora_upper_adapts_the_upper_half_only():
    from transformers import BertConfig, BertModel

    from hanzi_spacy.ml.transformer.tuning import apply_tuning

    config = BertConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
    )
    model = BertModel(config)
    spec = method_overrides("lora-upper-16", 4, 32)[f"{MODEL}.peft"]
    apply_tuning(model, {"peft": spec})
    trained = {n for n, p in model.named_parameters() if p.requires_grad}
    layers = {int(name.split(".")[2]) for name in trained}
    assert layers == {2, 3}
    assert len(trained) == 2 * 6 * 2  # two layers × six linear layers × A, B


@pytest.mark.parametrize("method", sorted(LORA_WEIGHTS))
def test_step_benchmark_reports_what_trains(method, tmp_path, tiny_backbone):
    nlp = spacy.blank("zh")
    DocBin(docs=pku_docs(nlp.vocab) + review_docs(nlp.vocab)).to_disk(
        tmp_path / "train.spacy"
    )
    config = write_config(CONFIG, method_overrides(method, 1, 32), tmp_path / "c.cfg")
    command = [sys.executable, "-m", "experiments", "finetune-step", str(config)]
    command += [
        "--backbone",
        str(tiny_backbone),
        "--train",
        str(tmp_path / "train.spacy"),
    ]
    command += ["--steps", "2", "--warmup", "1"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    expected = LORA_WEIGHTS[method]
    if method.startswith("lora-emb"):
        config = json.loads((tiny_backbone / "config.json").read_text())
        expected += 4 * (config["vocab_size"] + 32)
    assert figures["trainable"] == expected
    # of the 1 × 32 test backbone; lora-all-8 is 3.5% of the tiny preset's
    assert 0 < figures["trainable_share"] < {"lora-4": 0.05}.get(method, 0.2)
    assert figures["seconds_per_step"] > 0 and figures["peak_rss_mib"] > 0
