"""The serving benchmark's pieces: what answers count as, the memory drift, the
bad requests against a real server, and one small run of the command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from weasel.util import load_project_config

from benchmarks.load_client import (
    BAD_KINDS,
    Outcome,
    bad_request,
    good_request,
    judge,
    percentile,
    summarise,
)
from benchmarks.serve_load import QUICK, draw, main, parse_args
from benchmarks.serve_phases import drift, kill_worker, levels, mixed
from benchmarks.serve_process import ServerProcess, _proc_tree_rss, tree_rss
from hanzi_spacy.serve import ServeSettings

from ..conftest import pku_docs, review_docs
from ..serve.conftest import running_server

LIMITS = {"max_chars": 50, "max_body": 4096, "max_queue": 8}


def test_judge_good_and_bad():
    good = good_request("北京")
    answer = json.dumps({"model": "m", "results": [{"words": []}]}).encode()
    assert judge(good, 200, answer) is None
    failed = json.dumps({"model": "m", "results": [{"error": {}}]}).encode()
    assert judge(good, 200, failed) == "200 without its result"
    assert judge(good, 503, b'{"code": "E585", "detail": "busy"}') == "503 E585"
    too_long = bad_request("text_too_long", LIMITS)
    assert json.loads(too_long.body)["text"] == "京" * 51
    assert judge(too_long, 413, b'{"code": "E582", "detail": ""}') is None
    assert judge(too_long, 200, answer) == "text_too_long: 200"
    assert len(bad_request("body_too_large", LIMITS).body) > LIMITS["max_body"]
    assert judge(bad_request("json_invalid", LIMITS), 422, b'{"detail": []}') is None


def test_summarise_counts_answers_and_failures():
    outcomes = [
        Outcome("good", 0.0, latency, 10, True, 200) for latency in (0.1, 0.2, 0.3)
    ]
    outcomes += [
        Outcome("good", 0.5, 0.1, 10, False, 503, "503 E585"),
        Outcome("good", 0.6, 0.1, 10, False, None, "ReadError"),
        Outcome("json_invalid", 0.7, 0.1, 0, True, 422),
    ]
    found = summarise(outcomes, 2.0)
    assert found["requests"] == 6 and found["good_requests"] == 5
    assert found["answered"] == 3 and found["docs_per_s"] == 1.5
    assert found["chars_per_s"] == 15.0
    assert found["latency_ms"] == {
        "p50": 200.0,
        "p95": 300.0,
        "p99": 300.0,
        "max": 300.0,
    }
    assert found["failures"] == {"503 E585": 1, "ReadError": 1}
    assert found["server_errors"] == 1
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def test_drift_after_the_warm_up():
    samples = [{"s": s, "rss_mb": 100.0 + (s if s >= 10 else 5 * s)} for s in range(21)]
    found = drift(samples, warmup_s=10)
    assert found["first_mb"] == 110.0 and found["last_mb"] == 120.0
    assert found["drift_mb"] == 10.0 and found["slope_mb_per_min"] == 60.0
    assert drift(samples[:5], warmup_s=10) is None


def test_memory_of_a_process_tree():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        for rss in (tree_rss(os.getpid()), _proc_tree_rss(os.getpid())):
            assert child.pid in rss and rss[os.getpid()] > 10 * 2**20
    finally:
        child.kill()
        child.wait()


def test_options_and_texts():
    args = parse_args(["model", "--quick", "--soak-s", "5"])
    assert args.soak_s == 5 and args.requests == QUICK["requests"]
    assert parse_args(["model"]).soak_s == 600
    assert draw(["a", "bb", "ccc"], 10, 0) == draw(["a", "bb", "ccc"], 10, 0)


@pytest.fixture(scope="module")
def texts():
    vocab = Vocab()
    return [d.text for d in pku_docs(vocab) + review_docs(vocab)]


def test_real_server_answers_and_refuses(pipeline_path, texts):
    settings = ServeSettings(str(pipeline_path), max_wait_ms=20, **LIMITS)
    with running_server(settings) as url:
        found = levels(url, texts, [1, 4], 8, 60, log=lambda _: None)
        assert found["4"]["answered"] == 8 and found["4"]["mean_batch"] >= 1
        found = mixed(url, texts, LIMITS, 4, 10 * len(BAD_KINDS), 60)
    assert found["every_good_answered"] and found["every_bad_refused_as_expected"]
    assert all(
        kind["sent"] == 1 for name, kind in found["by_kind"].items() if name != "good"
    )


def test_the_command_in_small(pipeline_path, tmp_path):
    test = tmp_path / "test.spacy"
    DocBin(docs=pku_docs(Vocab())).to_disk(test)
    output = tmp_path / "serve.json"
    argv = [
        str(pipeline_path), "--test", str(test), "--output", str(output), "--quick",
        "--phases", "levels,mixed,soak,reference", "--clients", "1,16",
        "--requests", "16", "--mixed-requests", "20", "--soak-s", "2",
        "--soak-warmup-s", "0", "--sample-s", "0.5",
    ]  # fmt: skip
    assert main(argv) == 0
    report = json.loads(output.read_text(encoding="utf8"))
    assert report["quick"] and report["texts"]["split_docs"] == 4
    assert report["levels"]["16"]["answered"] == 16
    assert report["over_nlp_pipe_at_16"]["docs_per_s"] > 0
    assert report["mixed"]["every_bad_refused_as_expected"]
    assert report["soak"]["memory"]["first_mb"] > 10 and report["soak"]["samples"]
    assert report["server"]["exit_code"] == 0


@pytest.mark.skipif(sys.platform != "linux", reason="reads worker pids from /proc")
def test_a_worker_killed(pipeline_path, texts, tmp_path):
    options = ["--workers", "2", "--max-wait-ms", "20"]
    with ServerProcess(str(pipeline_path), options, tmp_path / "log") as server:
        server.wait_ready(600, workers=2)
        found = kill_worker(server, texts, 4, warm_s=1, after_s=0.5, timeout_s=600)
        assert server.stop() == 0
    assert found["workers"] == 2 and found["whole_s"] >= found["replaced_s"] > 0
    assert found["failed_before_kill"] == 0 and "timed_out" not in found
    assert found["answered"] > found["failed_after_kill"]
    assert set(found["failures"]) <= {"RemoteProtocolError", "ReadError", "503 E586"}


def test_the_project_command_parses():
    root = Path(__file__).parent.parent.parent
    commands = {c["name"]: c for c in load_project_config(root)["commands"]}
    (line,) = commands["serve-benchmark"]["script"]
    words = line.split()
    assert words[:3] == ["python", "-m", "benchmarks.serve_load"]
    args = parse_args(words[3:])
    assert args.output == Path("metrics/serve.json") and args.soak_s == 600
