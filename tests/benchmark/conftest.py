import pytest

from ..conftest import make_nlp, overfit, sample_examples


@pytest.fixture(scope="module")
def pipeline_path(tiny_backbone, tmp_path_factory):
    """A tiny pipeline from configs/trf.cfg, trained 2 steps: quick to run."""
    nlp = make_nlp(tiny_backbone)
    overfit(nlp, sample_examples(nlp), steps=2)
    path = tmp_path_factory.mktemp("pipeline") / "model"
    nlp.to_disk(path)
    return path
