"""Regression guard: a trained pipeline's scores against configs/thresholds.json.

Slow (it may evaluate the pipeline on the whole test split): run by
``spacy project run benchmark``, deselected otherwise.
"""

from pathlib import Path

import pytest

from benchmarks.thresholds import (
    current_scores,
    failures,
    load_thresholds,
)

ROOT = Path(__file__).parent.parent.parent
THRESHOLDS = ROOT / "configs" / "thresholds.json"


def test_thresholds_file_is_valid():
    thresholds = load_thresholds(THRESHOLDS, ROOT)
    assert thresholds
    for threshold in thresholds:
        assert threshold.minimum
        assert all(0.0 <= v <= 1.0 for v in threshold.minimum.values())


def test_failures_lists_low_and_missing_metrics():
    found = failures({"token_f": 0.8, "ents_f": 0.9}, {"token_f": 0.85, "tag_acc": 0.5})
    assert found == ["token_f: 0.8000 < 0.8500", "tag_acc: missing from the scores"]
    assert failures({"token_f": 0.9}, {"token_f": 0.85}) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "threshold", load_thresholds(THRESHOLDS, ROOT), ids=lambda t: t.name
)
def test_scores_above_thresholds(threshold):
    scores = current_scores(threshold)
    if scores is None:
        pytest.skip(f"no trained pipeline at {threshold.pipeline}")
    problems = failures(scores, threshold.minimum)
    assert not problems, f"{threshold.name}: " + "; ".join(problems)
