"""Early stopping in the default config: spaCy's `patience`, counted in steps."""

import re

from spacy.cli.train import train
from spacy.tokens import DocBin
from spacy.util import load_config
from spacy.vocab import Vocab

from ..conftest import CONFIG, pku_docs, review_docs


def test_default_configs_stop_after_four_evaluations_without_improvement():
    for name in ("trf", "cnn", "hub"):
        training = load_config(CONFIG.with_name(f"{name}.cfg"))["training"]
        assert training["patience"] == 4 * training["eval_frequency"], name
        assert training["max_steps"] >= 2 * training["patience"], name


def test_training_stops_when_dev_score_stops_improving(tiny_backbone, tmp_path, capsys):
    vocab = Vocab()
    corpus = tmp_path / "docs.spacy"
    DocBin(docs=pku_docs(vocab) + review_docs(vocab), store_user_data=True).to_disk(
        corpus
    )
    # A learning rate of zero: the dev score can never improve after step 0, so
    # with evaluations every 2 steps and patience 4 training must stop at step 4
    # of the 200 allowed.
    overrides = {
        "paths.train": str(corpus),
        "paths.dev": str(corpus),
        "paths.backbone": str(tiny_backbone),
        "training.max_steps": 200,
        "training.eval_frequency": 2,
        "training.patience": 4,
        "training.optimizer.learn_rate.initial_rate": 0.0,
        "training.batcher.size": 50,
    }
    train(CONFIG, tmp_path / "out", use_gpu=-1, overrides=overrides)
    log = capsys.readouterr().out
    steps = [int(m.group(1)) for m in re.finditer(r"^\s*\d+\s+(\d+)\s", log, re.M)]
    assert steps == [0, 2, 4], log
    assert (tmp_path / "out" / "model-best" / "meta.json").exists()
