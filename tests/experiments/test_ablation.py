"""``python -m experiments ablation``: variants of configs/trf.cfg, trained, scored."""

import json
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.util import load_config
from spacy.vocab import Vocab

from experiments.__main__ import main
from experiments.ablation import VARIANTS, variant_config
from hanzi_spacy.errors import HanziError

from ..conftest import CONFIG, PKU_LINES, pku_docs, review_docs

TRF = "spacy-transformers.TransformerListener.v1"
CNN = "spacy.Tok2VecListener.v1"


def listeners(config) -> dict:
    return {
        name: component["model"]["tok2vec"]["@architectures"]
        for name, component in config["components"].items()
        if "tok2vec" in component.get("model", {})
    }


def test_variants_drop_a_component_and_the_listeners_to_it():
    source = load_config(CONFIG)
    assert variant_config(source, "pretrained") == source
    assert variant_config(source, "random") == source
    trf_only = variant_config(source, "trf-only")
    assert "tok2vec" not in trf_only["nlp"]["pipeline"]
    assert "tok2vec" not in trf_only["components"]
    assert set(listeners(trf_only).values()) == {TRF}
    cnn_only = variant_config(source, "cnn-only")
    assert "transformer" not in cnn_only["nlp"]["pipeline"]
    assert "transformer" not in cnn_only["components"]
    assert set(listeners(cnn_only).values()) == {CNN}
    heads = {"tagger", "ner", "textcat", "hanzi_segmenter"}
    assert listeners(trf_only).keys() == listeners(cnn_only).keys() == heads
    assert "tok2vec" in source["components"]  # the source is left as it was


def test_a_listener_that_would_lose_its_upstream_is_refused():
    source = load_config(CONFIG)
    tagger = source["components"]["tagger"]["model"]
    tagger["tok2vec"] = tagger["tok2vec"]["second"]  # the CNN alone
    with pytest.raises(HanziError, match="E404"):
        variant_config(source, "trf-only")
    with pytest.raises(HanziError, match="E403"):
        variant_config(source, "no-cnn")


def write_corpora(folder: Path) -> dict:
    """Train and dev: three People's Daily lines and the reviews; test: all
    four lines, so that some test words are out of the training vocabulary."""
    vocab = Vocab()
    paths = {name: folder / f"{name}.spacy" for name in ("train", "dev", "test")}
    seen = pku_docs(vocab, PKU_LINES[:3]) + review_docs(vocab)
    for name, docs in (("train", seen), ("dev", seen)):
        DocBin(docs=docs, store_user_data=True).to_disk(paths[name])
    docs = pku_docs(vocab) + review_docs(vocab)
    DocBin(docs=docs, store_user_data=True).to_disk(paths["test"])
    paths["lexicon"] = folder / "lexicon.txt"
    paths["lexicon"].write_text("北京\n代表团\n新华社\n", encoding="utf-8")
    return paths


def test_ablation_trains_and_scores_every_variant(tmp_path, tiny_backbone):
    paths = write_corpora(tmp_path)
    output = tmp_path / "metrics" / "ablation.json"
    training = tmp_path / "training" / "ablation"
    argv = ["ablation", "--config", str(CONFIG), "--steps", "2", "--seed", "3"]
    argv += ["--backbone", str(tiny_backbone), "--training-dir", str(training)]
    argv += ["--output", str(output)]
    for name, path in paths.items():
        argv += [f"--{name}", str(path)]
    # One variant, then the others: the results of the first are kept.
    assert main([*argv, "--variants", "cnn-only"]) == 0
    assert list(json.loads(output.read_text())) == ["cnn-only"]
    others = "pretrained,random,trf-only,trf-only-random"
    assert main([*argv, "--variants", others]) == 0
    results = json.loads(output.read_text())
    assert set(results) == set(VARIANTS)
    for variant, result in results.items():
        for key in ("token_f", "token_r_iv", "token_r_oov", "tag_acc", "pos_acc"):
            assert 0.0 <= result[key] <= 1.0, (variant, key)
        for key in ("ents_f", "cats_score"):
            assert 0.0 <= result[key] <= 1.0, (variant, key)
        assert (result["steps"], result["seed"]) == (2, 3)
        assert result["train_seconds"] > 0
        assert Path(result["config"]) == training / variant / "config.cfg"
        assert (training / variant / "model-best" / "meta.json").exists()
    trf_only = load_config(training / "trf-only" / "config.cfg")
    assert "tok2vec" not in trf_only["components"]
    assert load_config(training / "trf-only-random" / "config.cfg") == trf_only
    assert Path(results["trf-only-random"]["backbone"]).parent.name == "trf-only-random"
    cnn_only = load_config(training / "cnn-only" / "config.cfg")
    assert "transformer" not in cnn_only["components"]
    # The random backbone: the same architecture and tokenizer, other weights.
    random = Path(results["random"]["backbone"])
    assert json.loads((random / "config.json").read_text())["hidden_size"] == 32
    assert (random / "tokenizer.json").read_text() == (
        tiny_backbone / "tokenizer.json"
    ).read_text()
    assert (random / "model.safetensors").read_bytes() != (
        tiny_backbone / "model.safetensors"
    ).read_bytes()
    table = output.with_suffix(".md").read_text(encoding="utf-8")
    assert [line.split("|")[1].strip() for line in table.splitlines()[4:]] == list(
        VARIANTS
    )
