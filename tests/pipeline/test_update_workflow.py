"""``python -m workflow update``: sourcing, mixing, silver docs, version bump."""

import json
import shutil

import pytest
import spacy
import srsly
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.vocab import Vocab

from hanzi_spacy.errors import HanziError
from hanzi_spacy.util import HAS_WORDS
from workflow.__main__ import main
from workflow.strategies import STRATEGIES, silver_docs, update_config
from workflow.update import bump_minor

from ..conftest import pku_docs, review_docs


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


def test_every_strategy_sources_all_components_from_the_base(data):
    base = data / "base"
    for strategy in STRATEGIES:
        config = update_config(
            base,
            strategy,
            new_train=data / "new.spacy",
            new_dev=data / "new.spacy",
            old_dev=data / "old.spacy",
            mix_path=data / "old.spacy",
            mix_ratio=0.5,
            fisher_path=data / "old.spacy",
        )
        names = config["nlp"]["pipeline"]
        assert all(config["components"][n] == {"source": str(base)} for n in names)
        train = config["corpora"]["train"]
        assert (train["mix_ratio"] > 0) == (strategy in ("replay", "pseudo"))
        before_update = config["training"]["before_update"]
        assert (before_update is not None) == (strategy == "ewc")
    with pytest.raises(HanziError, match="E521"):
        update_config(
            base, "lora", new_train=base, new_dev=base, old_dev=base, mix_path=base
        )


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


def test_update_writes_a_new_version_and_the_report(data, tmp_path, capsys):
    output, metrics = tmp_path / "out", tmp_path / "update.json"
    args = [
        "update",
        "--base", str(data / "base"),
        "--new-train", str(data / "new.spacy"),
        "--new-dev", str(data / "new.spacy"),
        "--new-test", str(data / "new.spacy"),
        "--old-train", str(data / "old.spacy"),
        "--old-dev", str(data / "old.spacy"),
        "--old-test", str(data / "old.spacy"),
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
        assert set(report[when]) == {"old_test", "new_test"}
        assert report[when]["new_test"]["token_f"] is not None
    assert spacy.load(output / "model-best").meta["version"] == "0.2.0"
    assert main([*args[:-2], "--metrics", str(metrics), "--base", str(tmp_path)]) == 1
    assert "E522" in capsys.readouterr().err
