"""The robustness invariants on the trained default pipeline, not only the tiny one.

Slow: run by ``spacy project run benchmark`` after training, skipped when
``training/model-best`` does not exist.
"""

from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import PREDICTION_DTYPE, analysis, assert_close
from ..pipeline.test_robustness import FIXED, check

PIPELINE = Path(__file__).parent.parent.parent / "training" / "model-best"
LONG = ["中文" * 100_000, "a" * 5000, "1" * 3000]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PIPELINE.exists(), reason="no trained pipeline"),
]


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(PIPELINE)


@pytest.mark.parametrize("text", FIXED + LONG, ids=range(len(FIXED) + len(LONG)))
def test_fixed_cases(nlp, text):
    check(nlp, text, nlp(text))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=120))
def test_any_text(nlp, text):
    check(nlp, text, nlp(text))


def test_pipe_equals_call_in_float32():
    nlp = spacy.load(PIPELINE, config={PREDICTION_DTYPE: "float32"})
    texts = FIXED + ["江泽民在北京会见代表团。"] * 3
    expected = [analysis(nlp(t)) for t in texts]
    assert [analysis(d) for d in nlp.pipe(texts, batch_size=1)] == expected
    assert [analysis(d) for d in nlp.pipe(texts, batch_size=7)] == expected
    assert [analysis(d) for d in nlp.pipe(texts, n_process=2, batch_size=1)] == expected


def test_pipe_is_close_to_call_in_bfloat16():
    nlp = spacy.load(PIPELINE, config={PREDICTION_DTYPE: "bfloat16"})
    texts = FIXED + ["江泽民在北京会见代表团。"] * 3
    expected = [analysis(nlp(t)) for t in texts]
    assert_close(expected, [analysis(d) for d in nlp.pipe(texts, batch_size=7)])
