"""python -m workflow fewshot: nested balanced draws, the Wilson interval, the
summary, table and plot of a learning curve."""

import pytest

from workflow.fewshot import draw, wilson
from workflow.fewshot_report import plot, summarise, table

LABELS = ["POSITIVE", "NEGATIVE"] * 50


def test_draws_are_balanced_nested_and_seeded():
    small, large = draw(LABELS, 8, seed=3), draw(LABELS, 16, seed=3)
    assert len(small) == 16 and len(large) == 32
    assert [LABELS[i] for i in small].count("POSITIVE") == 8
    assert set(small) <= set(large)
    assert draw(LABELS, 8, seed=3) == small != draw(LABELS, 8, seed=4)


def test_wilson_interval():
    low, high = wilson(50, 100)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    low, high = wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 0.35


def test_summary_table_and_plot(tmp_path):
    runs = {
        "prompt/8/0": {"accuracy": 0.6},
        "prompt/8/1": {"accuracy": 0.7},
        "tfidf/8/0": {"accuracy": 0.55},
    }
    summary = summarise(runs, [0, 8])
    assert summary["prompt"]["8"]["mean"] == pytest.approx(0.65)
    assert summary["prompt"]["8"]["draws"] == 2
    assert summary["tfidf"]["8"]["std"] == 0.0
    results = {
        "backbone": "b",
        "ks": [0, 8],
        "summary": summary,
        "zero_shot": {
            "accuracy": 0.55,
            "n": 100,
            "wilson95": [0.45, 0.64],
            "predicted_positive": 0.5,
        },
    }
    text = table(results)
    assert "0.650 ± 0.071 (2)" in text and "[0.450, 0.640]" in text
    plot(results, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000


def test_the_lora_prompt_trains_only_its_lora_layers(tiny_backbone):
    from hanzi_spacy.ml.cloze import cloze_module
    from workflow.fewshot_systems import prompt_nlp

    nlp = prompt_nlp(str(tiny_backbone), {"tune": "lora"})
    nlp.initialize()  # loads the backbone and injects the LoRA layers
    module = cloze_module(nlp.get_pipe("textcat").model)
    trainable = [n for n, p in module.mlm.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
