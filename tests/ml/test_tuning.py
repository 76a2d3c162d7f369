"""Parameter-efficient fine-tuning of the backbone: freezing, peft (LoRA, IA3)
and bottleneck adapters, trained in the pipeline and saved with it."""

import warnings

import pytest
import spacy
import torch
from transformers import AutoModel

from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.transformer.adapters import AdapterLinear
from hanzi_spacy.ml.transformer.transformer_model import (
    create_transformer_model,
    merge_peft_layers,
)
from hanzi_spacy.ml.transformer.tuning import (
    apply_tuning,
    load_tuned_state,
    split_state,
)

from ..conftest import analysis, make_nlp, overfit, sample_examples

LORA = {
    "peft_type": "LORA",
    "r": 4,
    "lora_alpha": 8,
    "target_modules": ["query", "value"],
}
FLOAT32 = {"components.transformer.model.prediction_dtype": "float32"}


def tuned_nlp(backbone, steps=20, **options):
    overrides = {f"components.transformer.model.{k}": v for k, v in options.items()}
    nlp = make_nlp(backbone, **FLOAT32, **overrides)
    return overfit(nlp, sample_examples(nlp), steps=steps)


def backbone_of(nlp) -> torch.nn.Module:
    return nlp.get_pipe("transformer").model.transformer


def hidden(nlp, text: str):
    trf = nlp.get_pipe("transformer").model
    return trf.predict([nlp.make_doc(text)]).model_output.last_hidden_state


def reload_strictly(nlp, path):
    """spacy.load, failing on spacy-transformers' strict=False fallback."""
    nlp.to_disk(path)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*strict=False.*")
        return spacy.load(path)


def assert_same_predictions(nlp, loaded):
    texts = [eg.reference.text for eg in sample_examples(nlp)]
    assert [analysis(d) for d in loaded.pipe(texts)] == [
        analysis(d) for d in nlp.pipe(texts)
    ]
    assert torch.equal(hidden(nlp, texts[0]), hidden(loaded, texts[0]))


@pytest.mark.parametrize("which", ["tiny_backbone", "relative_backbone"])
def test_lora_trains_its_layers_only_and_round_trips(which, request, tmp_path):
    """Also on the tiny preset's relative position scores (BERT's eager attention)."""
    tiny_backbone = request.getfixturevalue(which)
    nlp = tuned_nlp(tiny_backbone, peft=LORA)
    model = backbone_of(nlp)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    base, tuned = split_state(model)
    original = AutoModel.from_pretrained(tiny_backbone).state_dict()
    assert set(base) == set(original)
    # The checkpoint has no pooler (it starts random at every load), the rest is it.
    assert all(torch.equal(base[k], original[k]) for k in base if "pooler" not in k)
    assert any(v.abs().sum() > 0 for k, v in tuned.items() if "lora_B" in k)
    loaded = reload_strictly(nlp, tmp_path / "lora")
    assert_same_predictions(nlp, loaded)
    assert any("lora_A" in n for n, _ in backbone_of(loaded).named_parameters())


@pytest.mark.parametrize("bias", ["all", "lora_only"])
def test_lora_bias_option_trains_and_round_trips_the_biases(
    bias, tiny_backbone, tmp_path
):
    nlp = tuned_nlp(tiny_backbone, peft={**LORA, "bias": bias})
    model = backbone_of(nlp)
    trained_biases = {
        n for n, p in model.named_parameters() if p.requires_grad and "lora_" not in n
    }
    assert trained_biases and all(n.endswith("bias") for n in trained_biases)
    if bias == "lora_only":
        assert all(".base_layer." in n for n in trained_biases)
    else:
        assert "embeddings.LayerNorm.bias" in trained_biases
    base, tuned = split_state(model)
    assert trained_biases <= set(tuned)
    original = AutoModel.from_pretrained(tiny_backbone).state_dict()
    assert set(base) == set(original)
    moved = [n for n in trained_biases if not torch.equal(tuned[n], original[plain(n)])]
    assert moved  # the biases trained, and the task's file keeps them
    loaded = reload_strictly(nlp, tmp_path / "lora")
    assert_same_predictions(nlp, loaded)
    loaded_model = backbone_of(loaded)
    assert {n for n, p in loaded_model.named_parameters() if p.requires_grad} == {
        n for n, p in model.named_parameters() if p.requires_grad
    }


def test_dora_trains_its_magnitudes_round_trips_and_merges(tiny_backbone, tmp_path):
    nlp = tuned_nlp(tiny_backbone, peft={**LORA, "use_dora": True})
    _, tuned = split_state(backbone_of(nlp))
    assert any("lora_magnitude_vector" in k for k in tuned)
    assert_same_predictions(nlp, reload_strictly(nlp, tmp_path / "dora"))
    text = sample_examples(nlp)[0].reference.text
    before = hidden(nlp, text)
    assert merge_peft_layers(nlp) == {"transformer": 2}
    assert torch.allclose(hidden(nlp, text), before, atol=1e-5)


def test_tuned_state_must_hold_every_injected_weight(tiny_backbone):
    model = AutoModel.from_pretrained(tiny_backbone)
    apply_tuning(model, {"peft": {**LORA, "bias": "all"}})
    _, tuned = split_state(model)
    lora = {k: v for k, v in tuned.items() if "lora_" in k}
    load_tuned_state(model, lora)  # biases saved before they were kept: the base's
    with pytest.raises(HanziError, match="E570"):
        load_tuned_state(model, dict(list(lora.items())[1:]))
    with pytest.raises(HanziError, match="E570"):
        load_tuned_state(model, {**tuned, "encoder.extra.weight": torch.zeros(1)})


def plain(name: str) -> str:
    return name.replace(".base_layer.", ".")


def test_lora_merges_into_the_base_weights(tiny_backbone, tmp_path):
    nlp = tuned_nlp(tiny_backbone, peft=LORA)
    text = sample_examples(nlp)[0].reference.text
    before = hidden(nlp, text)
    assert merge_peft_layers(nlp) == {"transformer": 2}  # query, value of 1 layer
    assert not any("lora_" in n for n in backbone_of(nlp).state_dict())
    assert torch.allclose(hidden(nlp, text), before, atol=1e-5)
    loaded = reload_strictly(nlp, tmp_path / "merged")
    assert torch.equal(hidden(loaded, text), hidden(nlp, text))


def test_lora_on_the_character_embeddings_trains_round_trips_and_merges(
    tiny_backbone, tmp_path
):
    lora = {**LORA, "target_modules": ["query", "value", "word_embeddings"]}
    nlp = tuned_nlp(tiny_backbone, peft=lora)
    _, tuned = split_state(backbone_of(nlp))
    assert any(v.abs().sum() > 0 for k, v in tuned.items() if "lora_embedding_B" in k)
    loaded = reload_strictly(nlp, tmp_path / "lora")
    assert_same_predictions(nlp, loaded)
    text = sample_examples(nlp)[0].reference.text
    before = hidden(nlp, text)
    assert merge_peft_layers(nlp) == {"transformer": 3}
    assert torch.allclose(hidden(nlp, text), before, atol=1e-5)


def test_another_peft_method_ia3(tiny_backbone, tmp_path):
    ia3 = {
        "peft_type": "IA3",
        "target_modules": ["key", "value", "output.dense"],
        "feedforward_modules": ["output.dense"],
    }
    nlp = tuned_nlp(tiny_backbone, peft=ia3)
    assert all(
        "ia3_" in n for n, p in backbone_of(nlp).named_parameters() if p.requires_grad
    )
    assert_same_predictions(nlp, reload_strictly(nlp, tmp_path / "ia3"))


def test_adapters_start_as_the_plain_model_and_round_trip(tiny_backbone, tmp_path):
    plain = make_nlp(tiny_backbone, **FLOAT32)
    plain.initialize(lambda: sample_examples(plain))
    adapted = make_nlp(
        tiny_backbone,
        **FLOAT32,
        **{
            "components.transformer.model.adapters": {"size": 8, "placement": "houlsby"}
        },
    )
    adapted.initialize(lambda: sample_examples(adapted))
    text = sample_examples(plain)[0].reference.text
    assert torch.equal(hidden(plain, text), hidden(adapted, text))
    wrapped = [
        m for m in backbone_of(adapted).modules() if isinstance(m, AdapterLinear)
    ]
    assert len(wrapped) == 2  # attention and feed-forward output of the one layer
    overfit(adapted, sample_examples(adapted), steps=20)
    trainable = [
        n for n, p in backbone_of(adapted).named_parameters() if p.requires_grad
    ]
    assert trainable and all(".adapter." in n for n in trainable)
    assert not torch.equal(hidden(plain, text), hidden(adapted, text))
    assert_same_predictions(adapted, reload_strictly(adapted, tmp_path / "adapters"))


def test_lower_layers_frozen(hub_shaped_backbone, tmp_path):
    nlp = tuned_nlp(hub_shaped_backbone, frozen_layers=1)
    original = AutoModel.from_pretrained(hub_shaped_backbone).state_dict()
    trained = backbone_of(nlp).state_dict()
    lower = [k for k in original if k.startswith(("embeddings.", "encoder.layer.0."))]
    upper = [k for k in original if k.startswith("encoder.layer.1.")]
    assert all(torch.equal(trained[k], original[k]) for k in lower)
    assert not all(torch.equal(trained[k], original[k]) for k in upper)
    loaded = reload_strictly(nlp, tmp_path / "frozen1")
    assert_same_predictions(nlp, loaded)
    assert not any(p.requires_grad for p in backbone_of(loaded).embeddings.parameters())


def test_whole_backbone_frozen_trains_the_heads(tiny_backbone):
    nlp = make_nlp(
        tiny_backbone, **FLOAT32, **{"components.transformer.model.frozen_layers": 99}
    )
    examples = sample_examples(nlp)
    nlp.initialize(lambda: examples)
    original = {k: v.clone() for k, v in backbone_of(nlp).state_dict().items()}
    optimizer = spacy.util.registry.optimizers.get("Adam.v1")(learn_rate=0.01)
    losses = [
        nlp.update(examples, sgd=optimizer, losses={})["tagger"] for _ in range(15)
    ]
    assert losses[-1] < losses[0] * 0.7
    trained = backbone_of(nlp).state_dict()
    assert all(torch.equal(trained[k], original[k]) for k in original)


def build(**options):
    return create_transformer_model("unused", lambda docs: [], **options)


@pytest.mark.parametrize(
    "options,code",
    [
        ({"peft": LORA, "adapters": {"size": 8}}, "E560"),
        ({"peft": LORA, "frozen_layers": 2}, "E561"),
        ({"frozen_layers": -1}, "E562"),
        ({"peft": {"r": 8}}, "E566"),
        ({"peft": {"peft_type": "PROMPT_TUNING", "num_virtual_tokens": 4}}, "E567"),
        ({"adapters": {"size": 8, "reduction": 4}}, "E568"),
    ],
)
def test_options_that_cannot_work_are_refused(options, code):
    with pytest.raises(HanziError, match=code):
        build(**options)


def test_hub_config_takes_the_same_options(hub_shaped_backbone, tmp_path):
    from spacy.util import load_config, load_model_from_config

    from ..pipeline.test_configs import CONFIGS

    overrides = {
        "paths.backbone": str(hub_shaped_backbone),
        "components.transformer.model.peft": LORA,
        **FLOAT32,
    }
    config = load_config(CONFIGS / "hub.cfg", overrides=overrides, interpolate=True)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    overfit(nlp, sample_examples(nlp), steps=10)
    trainable = [n for n, p in backbone_of(nlp).named_parameters() if p.requires_grad]
    assert len(trainable) == 2 * 2 * 2  # A and B of query and value in 2 layers
    assert_same_predictions(nlp, reload_strictly(nlp, tmp_path / "hub-lora"))


def test_a_transformer_never_initialised_says_how_to_freeze_it(tiny_backbone):
    # What spaCy leaves of a transformer in frozen_components that is not sourced.
    nlp = make_nlp(tiny_backbone)
    with pytest.raises(HanziError, match="E573"):
        nlp.get_pipe("transformer").model.predict([nlp.make_doc("北京")])
