"""annotate on a local Ray (2 CPUs): equal to nlp.pipe, resumable, and complete
when a worker is killed in the middle of the run."""

import os
import sys
from pathlib import Path

import pytest

from hanzi_spacy.annotate import annotate
from hanzi_spacy.annotate.ray_runner import ShardAnnotator

from .conftest import FLOAT32, expected_of, input_files
from .helpers import assert_same_rows, error_records, output_rows, reference_rows

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    # The actor subclass below travels by value: workers cannot import tests/.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


class DiesOnce(ShardAnnotator):
    """A worker that kills its own process at the start of its second shard, the
    first time any worker gets there (a marker file next to the output)."""

    def annotate(self, shard):
        marker = self.layout.root.parent / "killed"
        if shard.first_line > 1 and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)
        return super().annotate(shard)


def run(inputs, trained_path, out, **kwargs):
    return annotate(
        input_files(inputs), str(trained_path), out, workers=2, shard_size=5,
        max_chars=expected_of(inputs)["max_chars"], config=FLOAT32, batch_size=4,
        **kwargs,
    )  # fmt: skip


def test_ray_output_equals_pipe_and_resumes(
    inputs, trained_path, float32_nlp, tmp_path
):
    expected = expected_of(inputs)
    out = tmp_path / "out"
    summary = run(inputs, trained_path, out)
    reference = reference_rows(float32_nlp, expected["good"], inputs)
    assert_same_rows(output_rows(out), reference)
    assert error_records(out) == [tuple(b) for b in expected["bad"]]
    assert summary.annotated == len(expected["good"])
    assert summary.errors == len(expected["bad"])
    assert summary.peak_rss_mb_per_worker > 0
    again = run(inputs, trained_path, out)
    assert (again.shards_written, again.shards_skipped) == (0, summary.shards)
    assert again.annotated == summary.annotated


def test_killed_worker_is_replaced_without_loss_or_duplicates(
    inputs, trained_path, float32_nlp, tmp_path
):
    expected = expected_of(inputs)
    out = tmp_path / "out"
    summary = run(inputs, trained_path, out, annotator=DiesOnce)
    killed = Path(tmp_path / "killed")
    assert killed.exists()  # a worker did die in the middle of the run
    rows = output_rows(out)
    keys = [(row["source"], row["line"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert_same_rows(rows, reference_rows(float32_nlp, expected["good"], inputs))
    assert summary.annotated == len(expected["good"])
    assert summary.shards_written == summary.shards
