"""``python -m workflow update``: sourcing, mixing, silver docs, LoRA, version bump."""

import io
import json
import shutil

import pytest
import spacy
import srsly
import torch
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_nlp
from spacy.vocab import Vocab

from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.transformer.tuning import split_state
from hanzi_spacy.util import HAS_WORDS
from workflow.__main__ import main
from workflow.strategies import (
    LORA,
    MIXING,
    STRATEGIES,
    silver_docs,
    update_config,
)
from workflow.update import SPLITS, bump_minor, export_base_backbone, resolve_base

from ..conftest import PREDICTION_DTYPE, analysis, pku_docs, review_docs


@pytest.fixture(scope="module")
def data(trained_path, tmp_path_factory):
    """The trained pipeline as the base, old and new .spacy files, old raw text."""
    root = tmp_path_factory.mktemp("update")
    shutil.copytree(trained_path, root / "base")
    vocab = Vocab()
    old = pku_docs(vocab) + review_docs(vocab)
    DocBin(docs=old, store_user_data=True).to_disk(root / "old.spacy")
    DocBin(docs=old[:2], store_user_data=True).to_disk(root / "new.spacy")
    (root / "old.txt").write_text("\n".join(d.text for d in old), encoding="utf-8")
    return root


def test_versions_are_bumped_by_minor():
    assert bump_minor("0.1.0") == "0.2.0"
    assert bump_minor("1.9.3") == "1.10.0"
    with pytest.raises(HanziError, match="E527"):
        bump_minor("0.1")


def test_the_base_may_be_an_installed_pipeline_package(data, tmp_path, monkeypatch):
    """A package laid out as `spacy package` writes it, found on sys.path."""
    import importlib

    site, name = tmp_path / "site", "zh_update_base"
    meta = {**srsly.read_json(data / "base" / "meta.json"), "lang": "zh"}
    meta.update(name="update_base", version="0.1.0")
    package = site / name
    shutil.copytree(data / "base", package / f"{name}-0.1.0")
    srsly.write_json(package / "meta.json", meta)
    (package / "__init__.py").write_text("", encoding="utf-8")
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    assert resolve_base(name) == package / f"{name}-0.1.0"
    assert resolve_base(str(data / "base")) == data / "base"
    with pytest.raises(HanziError, match="E522"):
        resolve_base("zh_not_installed_anywhere")


@pytest.fixture(scope="module")
def backbone(data, tmp_path_factory):
    """The base's backbone as a Hugging Face folder, as update exports it."""
    return export_base_backbone(data / "base", tmp_path_factory.mktemp("backbone"))


def strategy_config(data, strategy, **kwargs):
    return update_config(
        data / "base",
        strategy,
        new_train=data / "new.spacy",
        new_dev=data / "new.spacy",
        old_dev=data / "old.spacy",
        mix_path=data / "old.spacy",
        fisher_path=data / "old.spacy",
        **kwargs,
    )


def test_every_strategy_sources_all_components_from_the_base(data, backbone):
    base = data / "base"
    for strategy in STRATEGIES:
        config = strategy_config(data, strategy, mix_ratio=0.5, backbone=backbone)
        names = config["nlp"]["pipeline"]
        sourced = [n for n in names if config["components"][n] == {"source": str(base)}]
        # LoRA builds the transformer again, on the exported backbone.
        rebuilt = ["transformer"] if strategy in LORA else []
        assert sourced == [n for n in names if n not in rebuilt]
        train = config["corpora"]["train"]
        assert (train["mix_ratio"] > 0) == (strategy in MIXING)
        before_update = config["training"]["before_update"]
        assert (before_update is not None) == (strategy == "ewc")
    with pytest.raises(HanziError, match="E521"):
        update_config(
            base, "adapters", new_train=base, new_dev=base, old_dev=base, mix_path=base
        )


def test_lora_puts_lora_on_the_exported_backbone(data, backbone):
    config = strategy_config(data, "lora-replay", backbone=backbone, lora_r=4)
    model = config["components"]["transformer"]["model"]
    assert model["name"] == str(backbone)
    assert model["peft"]["peft_type"] == "LORA" and model["peft"]["r"] == 4
    assert model["frozen_layers"] is None and model["adapters"] is None
    # The rest of the base's transformer settings are kept.
    base_config = spacy.util.load_config(data / "base" / "config.cfg")
    assert (
        model["get_spans"]
        == base_config["components"]["transformer"]["model"]["get_spans"]
    )
    with pytest.raises(HanziError, match="E530"):
        strategy_config(data, "lora")
    with pytest.raises(HanziError, match="E529"):
        strategy_config(data, "lora", backbone=backbone, freeze=["transformer"])


def test_frozen_components_that_others_listen_to_still_annotate(data):
    config = strategy_config(data, "replay", freeze=["tok2vec", "ner"])
    assert config["training"]["frozen_components"] == ["tok2vec", "ner"]
    assert config["training"]["annotating_components"] == ["tok2vec"]
    with pytest.raises(HanziError, match="E528"):
        strategy_config(data, "replay", freeze=["parser"])


def float32(config):
    config["components"]["transformer"]["model"]["prediction_dtype"] = "float32"
    return config


def test_lora_trains_lora_alone_and_reloads(data, backbone, tmp_path):
    """LoRA starts as the base; after training the backbone's weights and the
    frozen CNN are the base's, the LoRA weights have moved, and the saved
    pipeline predicts what the trained one does."""
    config = float32(
        strategy_config(
            data, "lora", backbone=backbone, freeze=["tok2vec"], steps=6,
            eval_frequency=3, learn_rate=0.01,
        )
    )  # fmt: skip
    base = spacy.load(data / "base", config={PREDICTION_DTYPE: "float32"})
    nlp = init_nlp(config)
    # The sourced components listen to the new transformer (link_listeners).
    listeners = nlp.get_pipe("transformer").listening_components
    assert set(listeners) == set(nlp.get_pipe("tok2vec").listening_components)
    texts = [d.text for d in pku_docs(nlp.vocab) + review_docs(nlp.vocab)]
    assert [analysis(d) for d in nlp.pipe(texts)] == [
        analysis(d) for d in base.pipe(texts)
    ]
    train_nlp(nlp, tmp_path, stdout=io.StringIO())
    trained = nlp.get_pipe("transformer").model.transformer
    base_weights, lora_weights = split_state(trained)
    shipped = base.get_pipe("transformer").model.transformer.state_dict()
    assert base_weights.keys() == shipped.keys()
    assert all(torch.equal(base_weights[k], shipped[k]) for k in shipped)
    lora_b = [v for k, v in lora_weights.items() if "lora_B" in k]
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b)
    tok2vec = nlp.get_pipe("tok2vec").model
    assert tok2vec.to_bytes() == base.get_pipe("tok2vec").model.to_bytes()
    reloaded = spacy.load(tmp_path / "model-last")
    assert reloaded.get_pipe("transformer").model.shim.spec["peft"]["r"] == 8
    assert [analysis(d) for d in reloaded.pipe(texts)] == [
        analysis(d) for d in nlp.pipe(texts)
    ]


def test_sourced_pipeline_starts_with_the_base_weights(data):
    base = data / "base"
    config = update_config(
        base,
        "replay",
        new_train=data / "new.spacy",
        new_dev=data / "new.spacy",
        old_dev=data / "old.spacy",
        mix_path=data / "old.spacy",
        mix_ratio=1.0,
    )
    nlp, original = init_nlp(config), spacy.load(base)
    # Not initialized again: the same labels and the same weights.
    for name in ("tagger", "ner", "textcat"):
        assert nlp.get_pipe(name).labels == original.get_pipe(name).labels
    assert (
        nlp.get_pipe("ner").model.to_bytes()
        == original.get_pipe("ner").model.to_bytes()
    )
    texts = [d.text for d in review_docs(nlp.vocab)]
    assert [d.cats for d in nlp.pipe(texts)] == [d.cats for d in original.pipe(texts)]


def test_silver_docs_are_the_base_pipelines_analyses(data, tmp_path):
    out = tmp_path / "silver.spacy"
    assert silver_docs(data / "base", data / "old.txt", 40, 0, out) >= 2
    nlp = spacy.load(data / "base")
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    assert sum(len(d.text) for d in docs[:-1]) < 40 <= sum(len(d.text) for d in docs)
    tags = set(nlp.get_pipe("tagger").labels)
    for doc in docs:
        expected = [(t.text, t.tag_ if t.tag_ in tags else "") for t in nlp(doc.text)]
        assert doc.user_data[HAS_WORDS] is True
        assert [(t.text, t.tag_) for t in doc] == expected
    # Whitespace gets no tag (the pipeline says "_SP"), so none to learn.
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("\u3000\u3000北京  上海", encoding="utf-8")
    silver_docs(data / "base", spaced, 1, 0, out)
    (doc,) = DocBin().from_disk(out).get_docs(nlp.vocab)
    spaces = [t.tag_ for t in doc if t.is_space]
    assert spaces and set(spaces) == {""}
    assert {t.tag_ for t in doc} - {""} <= tags


def split_args(data):
    """The base and the six splits of the update command (new: new.spacy, old:
    old.spacy)."""
    args = ["--base", str(data / "base")]
    for split in ("train", "dev", "test"):
        args += [f"--new-{split}", str(data / "new.spacy")]
    for split in ("train", "dev", "test"):
        args += [f"--old-{split}", str(data / "old.spacy")]
    return args


def test_update_writes_a_new_version_and_the_report(data, tmp_path, capsys):
    output, metrics = tmp_path / "out", tmp_path / "update.json"
    args = [
        "update",
        *split_args(data),
        "--old-text", str(data / "old.txt"),
        "--strategy", "pseudo",
        "--steps", "4",
        "--eval-frequency", "2",
        "--base-version", "0.1.0",
        "--output", str(output),
        "--metrics", str(metrics),
    ]  # fmt: skip
    assert main(args) == 0
    meta = srsly.read_json(output / "model-best" / "meta.json")
    assert meta["version"] == "0.2.0"
    assert meta["update"]["strategy"] == "pseudo"
    assert (output / "silver.spacy").exists()
    report = json.loads(metrics.read_text())["pseudo"]
    assert report["steps"] == 4
    for when in ("before", "after"):
        assert set(report[when]) == set(SPLITS)
        assert report[when]["new_test"]["token_f"] is not None
        assert report[when]["old_dev"]["token_f"] is not None
    assert spacy.load(output / "model-best").meta["version"] == "0.2.0"
    assert main([*args[:-2], "--metrics", str(metrics), "--base", str(tmp_path)]) == 1
    assert "E522" in capsys.readouterr().err


def test_update_with_lora_names_its_run_and_reuses_the_base_scores(data, tmp_path):
    first, output = tmp_path / "first.json", tmp_path / "out"
    shared = [
        "update",
        *split_args(data),
        "--steps", "2",
        "--eval-frequency", "1",
        "--output", str(output),
    ]  # fmt: skip
    assert main([*shared, "--strategy", "naive", "--metrics", str(first)]) == 0
    runs = json.loads(first.read_text())
    runs["naive"]["before"]["old_dev"]["token_f"] = -1.0  # taken, not scored again
    srsly.write_json(first, runs)
    metrics = tmp_path / "lora.json"
    args = [
        *shared,
        "--strategy", "lora-replay",
        "--freeze", "tok2vec",
        "--name", "lora-replay-frozen-cnn",
        "--metrics", str(metrics),
        "--before", str(first),
    ]  # fmt: skip
    assert main(args) == 0
    report = json.loads(metrics.read_text())["lora-replay-frozen-cnn"]
    assert report["strategy"] == "lora-replay"
    assert report["settings"]["freeze"] == ["tok2vec"]
    assert report["settings"]["lora_r"] == 8
    assert report["before"]["old_dev"]["token_f"] == -1.0
    meta = srsly.read_json(output / "model-best" / "meta.json")
    assert meta["update"]["settings"]["freeze"] == ["tok2vec"]
    nlp = spacy.load(output / "model-best")
    assert nlp.get_pipe("transformer").model.shim.spec["peft"]["peft_type"] == "LORA"
