import json
import shutil

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer, BertModel

from hanzi_spacy.pretrain import pretrain, save_random_backbone

from .conftest import make_lines


def test_output_is_a_standard_hf_folder(trained):
    output = trained["output"]
    tokenizer = AutoTokenizer.from_pretrained(output)
    assert tokenizer.is_fast
    model = AutoModel.from_pretrained(output)
    assert isinstance(model, BertModel)
    config = json.loads((output / "config.json").read_text())
    assert config["architectures"] == ["BertForMaskedLM"]
    mlm = AutoModelForMaskedLM.from_pretrained(output)
    enc = tokenizer(["今天天气很好", "iPhone 12"], padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = mlm(**enc).logits
    assert logits.shape == (2, enc["input_ids"].shape[1], len(tokenizer))


def test_metrics_and_loss_goes_down(trained):
    metrics = trained["metrics"]
    assert metrics["steps"] == 30
    assert metrics["vocab_size"] > 30 and metrics["parameters"] > 0
    assert metrics["heldout_lines"] > 0 and metrics["train_characters"] > 0
    assert metrics["chars_per_second"] > 0
    # from ln(vocab) towards the unigram entropy and below; 0.3-0.4 over seeds
    assert metrics["heldout_loss_after"] < metrics["heldout_loss_before"] - 0.2
    assert metrics["heldout_perplexity_after"] < metrics["heldout_perplexity_before"]


def test_identical_seeds_give_identical_weights(trained, corpus, preset_path, tmp_path):
    common = dict(preset=preset_path, max_steps=30, seed=1, eval_fraction=0.1)
    again = pretrain([corpus], tmp_path / "again", **common)
    assert again["heldout_loss_after"] == trained["metrics"]["heldout_loss_after"]
    a = load_file(trained["output"] / "model.safetensors")
    b = load_file(tmp_path / "again" / "model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not (tmp_path / "again" / "checkpoints").exists()  # deleted at the end
    other = pretrain([corpus], tmp_path / "other", **{**common, "seed": 2})
    assert other["heldout_loss_after"] != again["heldout_loss_after"]


def test_resume_continues_from_the_last_checkpoint(
    trained, corpus, preset_path, tmp_path
):
    output = tmp_path / "backbone"
    shutil.copytree(trained["output"], output)
    assert (output / "checkpoints" / "checkpoint-30").is_dir()
    metrics = pretrain(
        [corpus],
        output,
        preset_path,
        max_steps=40,
        seed=1,
        eval_fraction=0.1,
        resume=True,
    )
    assert metrics["steps"] == 40
    first = trained["metrics"]
    assert metrics["heldout_loss_before"] == first["heldout_loss_before"]
    assert metrics["vocab_size"] == first["vocab_size"]
    assert AutoModel.from_pretrained(output) is not None


def test_random_backbone(tmp_path):
    path = save_random_backbone(
        make_lines(20),
        tmp_path / "random",
        hidden_size=16,
        num_attention_heads=2,
        num_hidden_layers=1,
        intermediate_size=32,
        min_count=1,
    )
    model = AutoModel.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert model.config.hidden_size == 16
    assert model.config.vocab_size == len(tokenizer)
    enc = tokenizer("中国人民", return_tensors="pt")
    assert model(**enc).last_hidden_state.shape == (1, 6, 16)


def test_continued_pretraining_keeps_the_tokenizer(
    hub_shaped_backbone, corpus, preset_path, tmp_path
):
    output = tmp_path / "adapted"
    metrics = pretrain(
        [corpus],
        output,
        preset_path,
        init_from=hub_shaped_backbone,
        max_steps=12,
        seed=0,
    )
    before = AutoTokenizer.from_pretrained(hub_shaped_backbone)
    after = AutoTokenizer.from_pretrained(output)
    assert after.get_vocab() == before.get_vocab()
    assert metrics["init_from"] == str(hub_shaped_backbone)
    assert metrics["vocab_size"] == len(before)
    assert metrics["heldout_loss_after"] < metrics["heldout_loss_before"]
    old = load_file(hub_shaped_backbone / "model.safetensors")
    new = load_file(output / "model.safetensors")
    key = "bert.embeddings.word_embeddings.weight"
    assert old[key].shape == new[key].shape and not torch.equal(old[key], new[key])
    assert AutoModel.from_pretrained(output).config.hidden_size == 32
    card = (output / "README.md").read_text(encoding="utf-8")
    assert f"continued from `{hub_shaped_backbone}`" in card


def test_continuing_from_a_folder_without_a_model_is_refused(tmp_path, corpus):
    from hanzi_spacy.errors import HanziError

    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(HanziError, match="E210"):
        pretrain([corpus], tmp_path / "out", init_from=empty, max_steps=2)
    assert not (tmp_path / "out").exists()


def test_held_out_masks_are_the_same_whatever_the_run_trains_with(
    corpus, preset_path, tmp_path
):
    common = dict(preset=preset_path, max_steps=4, seed=3, eval_fraction=0.1)
    word = pretrain([corpus], tmp_path / "word", **common)
    char = pretrain(
        [corpus], tmp_path / "char", overrides={"masking": "char"}, **common
    )
    assert word["heldout_loss_before"] == char["heldout_loss_before"]
    assert char["settings"]["masking"] == "char"
    assert char["heldout_masking"]["unit"] == "word"


def test_model_card(trained):
    card = (trained["output"] / "README.md").read_text(encoding="utf-8")
    metrics = trained["metrics"]
    assert f"{metrics['parameters']:,} parameters" in card
    assert f"{metrics['heldout_perplexity_after']:,.1f}" in card
    assert "Licence" in card and "from scratch" in card


def test_word_boundary_objective_trains_and_is_left_out_of_the_folder(
    corpus, preset_path, tmp_path
):
    output = tmp_path / "boundary"
    settings = {"boundary_weight": 1.0}
    metrics = pretrain(
        [corpus], output, preset_path, max_steps=12, seed=0, overrides=settings
    )
    assert metrics["settings"]["boundary_weight"] == 1.0
    assert metrics["heldout_loss_after"] < metrics["heldout_loss_before"]
    weights = load_file(output / "model.safetensors")
    assert not any("boundary" in key for key in weights)
    # the folder loads strictly as the plain masked language model
    _, info = AutoModelForMaskedLM.from_pretrained(output, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    card = (output / "README.md").read_text(encoding="utf-8")
    assert "word-boundary loss" in card


def test_word_boundary_objective_needs_a_bert(tmp_path, corpus, preset_path):
    from transformers import DistilBertConfig, DistilBertForMaskedLM

    from hanzi_spacy.errors import HanziError

    source = tmp_path / "distil"
    tokenizer = AutoTokenizer.from_pretrained(
        save_random_backbone(make_lines(50), tmp_path / "bert", min_count=1)
    )
    config = DistilBertConfig(
        vocab_size=len(tokenizer), dim=32, hidden_dim=64, n_layers=1, n_heads=2
    )
    DistilBertForMaskedLM(config).save_pretrained(source)
    tokenizer.save_pretrained(source)
    with pytest.raises(HanziError, match="E211"):
        pretrain(
            [corpus],
            tmp_path / "out",
            preset_path,
            init_from=source,
            max_steps=2,
            overrides={"boundary_weight": 1.0},
        )


def test_electra_objective_saves_the_discriminator(corpus, preset_path, tmp_path):
    from hanzi_spacy.pretrain.electra import ElectraPretraining

    output = tmp_path / "electra"
    settings = {"objective": "electra", "boundary_weight": 1.0, "save_steps": 6}
    metrics = pretrain(
        [corpus], output, preset_path, max_steps=12, seed=0, overrides=settings
    )
    assert metrics["objective"] == "electra"
    # the held-out score is the generator's masked-LM loss, and it learns
    assert metrics["heldout_loss_after"] < metrics["heldout_loss_before"]
    model, info = AutoModel.from_pretrained(output, output_loading_info=True)
    assert isinstance(model, BertModel)
    assert not [k for k in info["missing_keys"] if not k.startswith("pooler.")]
    assert not info["unexpected_keys"]
    assert metrics["parameters"] == sum(
        p.numel() for n, p in model.named_parameters() if not n.startswith("pooler.")
    )
    card = (output / "README.md").read_text(encoding="utf-8")
    assert "replaced-token detection" in card and "word-boundary loss" in card
    # the generator shares the discriminator's embeddings and output layer
    pair = ElectraPretraining(model.config, generator_layers=1)
    embeddings = pair.discriminator.embeddings.word_embeddings.weight
    assert pair.generator.bert.embeddings.word_embeddings.weight is embeddings
    assert pair.generator.cls.predictions.decoder.weight is embeddings


@pytest.mark.parametrize(
    "objective,continued,code", [("electra", True, "E213"), ("t5", False, "E212")]
)
def test_objectives_are_refused_where_they_cannot_work(
    tmp_path, corpus, preset_path, objective, continued, code
):
    from hanzi_spacy.errors import HanziError

    folder = save_random_backbone(make_lines(50), tmp_path / "bert", min_count=1)
    settings = {"objective": objective, "max_steps": 2}
    with pytest.raises(HanziError, match=code):
        pretrain(
            [corpus],
            tmp_path / "out",
            preset_path,
            overrides=settings,
            init_from=folder if continued else None,
        )
