"""Scale-out: throughput and memory of annotate on Ray against plain ``nlp.pipe``.

    python -m benchmarks.scale_out --model training/model-best --docs 20000 \\
        --stream-seconds 540 --output metrics/scale_out.json

Over the same N short texts (sentences of corpus/test.spacy, then of
corpus/train.txt, at most 40 characters, as the streaming benchmark cuts them):

- ``plain``: ``nlp.pipe`` in one process (torch's default threads: 2 here);
- ``plain1``: the same with ``OMP_NUM_THREADS=1`` (what one Ray worker gets);
- ``n_process2``: ``nlp.pipe(n_process=2)``, ``OMP_NUM_THREADS=1``;
- ``ray1``, ``ray2``: ``annotate`` on a local Ray (2 CPUs) with 1 and 2 workers
  of 1 CPU each, reading the texts from a file and writing Parquet.

Each runs in its own process, so its peak memory is its own; times leave out
loading the pipeline in the parent (``plain``, ``n_process2``) and starting Ray,
and include what a user waits for: forking workers, Ray starting actors that
load the pipeline, reading and writing files. The output of ``ray2`` is
compared with ``plain1``'s row by row.

Streaming memory: resident memory every ``--sample-every`` docs while piping
short texts cycled from the same sentences, each with a serial number
("第123号"), so every doc brings a string no vocab has seen, as a real stream's
long tail does: ``stream_plain`` (``nlp.pipe``), then ``stream_zones``
(``pipe_in_zones``, memory zones of 10,000 docs), both with ``OMP_NUM_THREADS=1``,
each for ``--stream-seconds`` seconds or ``--stream-plain-docs``
(``--stream-docs-limit``) docs, whichever comes first.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any, Dict, Iterator, List

from .stream import short_texts

MODES = ("plain", "plain1", "n_process2", "ray1", "ray2")
# One thread in every pool (torch, OpenMP, BLAS), as Ray gives an actor of 1 CPU
# (Ray sets OMP_NUM_THREADS to the actor's CPUs).
ONE_THREAD = ("plain1", "n_process2", "stream_plain", "stream_zones")


def build_texts(test: Path, train_txt: Path, n: int) -> List[str]:
    """``n`` short texts: sentences of the test split, then of the train text."""
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("zh").vocab
    texts = [doc.text for doc in DocBin().from_disk(test).get_docs(vocab)]
    pieces = short_texts(texts)
    if len(pieces) < n:
        lines = train_txt.read_text(encoding="utf8").splitlines()
        pieces += short_texts(lines)
    pieces = [" ".join(p.split()) for p in pieces]  # one line each
    return [p for p in pieces if p][:n]


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def run_mode(mode: str, args: argparse.Namespace) -> Dict[str, Any]:
    """One measurement, in this (fresh) process."""
    from hanzi_spacy.annotate.shards import peak_rss_mb

    if mode == "lexemes":
        return lexeme_cost(args.model)
    work = Path(args.work_dir)
    texts = (work / "input.txt").read_text(encoding="utf8").splitlines()
    chars = sum(map(len, texts))
    if mode.startswith("ray"):
        return run_ray(int(mode[3:]), args, work, len(texts), chars)
    if mode.startswith("stream"):
        return run_stream(mode, args, texts)
    import resource

    import spacy

    from hanzi_spacy.annotate import doc_row

    if mode == "plain1":
        import torch

        torch.set_num_threads(1)
    nlp = spacy.load(args.model)
    for _ in nlp.pipe(texts[:256], batch_size=args.batch_size):
        pass  # warm-up: the first batch pays for lazy set-up
    n_process = 2 if mode == "n_process2" else 1
    n = 0
    # Rows are written as they come, as annotate's workers write theirs (a list
    # of every row would slow the loop with Python's garbage collection).
    with (work / f"{mode}_rows.jsonl").open("w", encoding="utf8") as f:
        start = time.perf_counter()
        docs = nlp.pipe(texts, batch_size=args.batch_size, n_process=n_process)
        for doc in docs:
            f.write(json.dumps(doc_row(doc), ensure_ascii=False) + "\n")
            n += 1
        seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "docs": n,
        "chars": chars,
        "seconds": round(seconds, 2),
        "docs_per_s": round(n / seconds, 1),
        "chars_per_s": round(chars / seconds),
        "workers": 2 if mode == "n_process2" else 1,
        # n_process workers get one thread each (hanzi_spacy/runtime.py)
        "torch_threads": 1 if mode == "n_process2" else torch_threads(),
        "peak_rss_mb_per_worker": round(
            children if mode == "n_process2" else peak_rss_mb(), 1
        ),
        "peak_rss_mb_parent": round(peak_rss_mb(), 1),
    }


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def run_ray(
    workers: int, args: argparse.Namespace, work: Path, n: int, chars: int
) -> Dict[str, Any]:
    import ray

    from hanzi_spacy.annotate import annotate

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    out = work / f"ray{workers}"
    busy: Dict[int, float] = {}

    def count(receipt: Dict[str, Any]) -> None:
        busy[receipt["pid"]] = busy.get(receipt["pid"], 0.0) + receipt["seconds"]

    summary = annotate(
        [work / "input.txt"], args.model, out, workers=workers,
        shard_size=args.shard_size, batch_size=args.batch_size, on_shard=count,
    )  # fmt: skip
    ray.shutdown()
    return {
        "docs": summary.annotated,
        "chars": summary.chars,
        "seconds": summary.seconds,
        "docs_per_s": summary.docs_per_s,
        "chars_per_s": round(summary.chars_per_s),
        "workers": workers,
        "shards": summary.shards,
        "shard_size": args.shard_size,
        "worker_busy_seconds": sorted(round(s, 2) for s in busy.values()),
        "peak_rss_mb_per_worker": summary.peak_rss_mb_per_worker,
        "errors": summary.errors,
    }


def lexeme_cost(model: str, n: int = 200_000, zones: int = 5) -> Dict[str, Any]:
    """Resident memory that ``n`` new strings cost the vocab, kept or in zones.

    ``python -m benchmarks.scale_out --one lexemes``: each string gets a lexeme
    (and its NORM, SHAPE, ... strings), as a new word in a doc does.
    """
    import gc

    import spacy

    nlp = spacy.load(model)

    def rss() -> float:
        gc.collect()
        return round(rss_mb(), 1)

    start = rss()
    for i in range(n):
        nlp.vocab[f"第{i}号词"]
    kept = rss()
    after_zones = []
    for zone in range(zones):
        with nlp.memory_zone():
            for i in range(n):
                nlp.vocab[f"第{i}号{zone}"]
        after_zones.append(rss())
    return {
        "new_strings": n,
        "rss_mb_before": start,
        "rss_mb_after_kept": kept,
        "bytes_per_kept_string": round((kept - start) * 2**20 / n),
        "rss_mb_after_each_zone_of_as_many": after_zones,
        "strings_after_zones": len(nlp.vocab.strings),
    }


def stream_texts(texts: List[str], n: int) -> Iterator[str]:
    """``n`` texts cycled from ``texts``, each with a serial number of its own."""
    for i, text in enumerate(islice(cycle(texts), n)):
        yield f"{text}第{i}号"


def run_stream(mode: str, args: argparse.Namespace, texts: List[str]) -> Dict:
    import spacy

    from hanzi_spacy.annotate import pipe_in_zones

    nlp = spacy.load(args.model)
    zones = mode == "stream_zones"
    limit = args.stream_docs_limit if zones else args.stream_plain_docs
    stream = stream_texts(texts, limit)
    if zones:
        docs = pipe_in_zones(nlp, stream, len, batch_size=args.batch_size)
    else:
        docs = (len(doc) for doc in nlp.pipe(stream, batch_size=args.batch_size))
    curve = []
    start = time.perf_counter()
    n = 0
    for _ in docs:
        n += 1
        if n % args.sample_every == 0:
            elapsed = time.perf_counter() - start
            curve.append(
                {
                    "docs": n,
                    "seconds": round(elapsed, 1),
                    "rss_mb": round(rss_mb(), 1),
                    "strings": len(nlp.vocab.strings),
                }
            )
            if elapsed > args.stream_seconds:
                break
    return {"docs": n, "curve": curve}


def subprocess_run(mode: str, argv: List[str], log) -> Dict[str, Any]:
    """Run one mode in a fresh interpreter; RETURNS its result and the load."""
    from .machine import load_average

    before = load_average()
    command = [sys.executable, "-m", "benchmarks.scale_out", "--one", mode, *argv]
    env = dict(os.environ)
    if mode in ONE_THREAD:
        env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    log.write(done.stderr)
    if done.returncode:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_average_before_after"] = [before, load_average()]
    if mode in ONE_THREAD:
        result["env"] = {"OMP_NUM_THREADS": "1"}
    return result


def compare(work: Path, folder: Path) -> Dict[str, Any]:
    """Row-by-row comparison of a Ray run's output with plain nlp.pipe's."""
    from hanzi_spacy.annotate.output import read_rows

    lines = (work / "plain1_rows.jsonl").read_text(encoding="utf8").splitlines()
    plain = [json.loads(line) for line in lines]
    rows = [r for p in (folder / "data").glob("*.parquet") for r in read_rows(p)]
    rows.sort(key=lambda r: r["line"])
    keys = ("text", "words", "spaces", "tags", "pos", "ents", "sents")
    same = same_words = 0
    cats_diff = 0.0
    for row, ref in zip(rows, plain):
        analysis = all(row[k] == ref[k] for k in keys)
        diff = max((abs(row["cats"][k] - v) for k, v in ref["cats"].items()), default=0)
        cats_diff = max(cats_diff, diff)
        same += analysis and diff < 1e-4
        same_words += row["words"] == ref["words"]
    return {
        "rows": len(rows),
        "reference_rows": len(plain),
        "lines_in_order": [r["line"] for r in rows] == list(range(1, len(rows) + 1)),
        "identical_analysis": same,
        "identical_words": same_words,
        "max_cats_abs_diff": cats_diff,
    }


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale_out")
    parser.add_argument("--model", default="training/model-best")
    parser.add_argument("--test", type=Path, default=Path("corpus/test.spacy"))
    parser.add_argument("--train-text", type=Path, default=Path("corpus/train.txt"))
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--shard-size", type=int, default=1280)
    parser.add_argument("--modes", default=",".join(MODES + ("stream",)))
    parser.add_argument("--stream-plain-docs", type=int, default=100_000)
    parser.add_argument("--stream-seconds", type=float, default=540)
    parser.add_argument("--stream-docs-limit", type=int, default=5_000_000)
    parser.add_argument("--sample-every", type=int, default=5_000)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--output", type=Path, default=Path("metrics/scale_out.json"))
    parser.add_argument(
        "--update", action="store_true", help="Keep the other results in --output"
    )
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_mode(args.one, args)))
        return 0
    from .machine import describe_machine

    work = Path(args.work_dir or tempfile.mkdtemp(prefix="scale_out_"))
    work.mkdir(parents=True, exist_ok=True)
    texts = build_texts(args.test, args.train_text, args.docs)
    (work / "input.txt").write_text("\n".join(texts) + "\n", encoding="utf8")
    passed = [
        "--model", args.model, "--batch-size", str(args.batch_size),
        "--shard-size", str(args.shard_size), "--work-dir", str(work),
        "--stream-plain-docs", str(args.stream_plain_docs),
        "--stream-seconds", str(args.stream_seconds),
        "--stream-docs-limit", str(args.stream_docs_limit),
        "--sample-every", str(args.sample_every),
    ]  # fmt: skip
    command = "python -m benchmarks.scale_out " + " ".join(argv or sys.argv[1:])
    old = {}
    if args.update and args.output.exists():
        old = json.loads(args.output.read_text(encoding="utf8"))
    previous = old.get("commands") or ([old["command"]] if "command" in old else [])
    report: Dict[str, Any] = {
        "commands": previous + [command],
        "machine": describe_machine(),
        "texts": {
            "docs": len(texts),
            "chars": sum(map(len, texts)),
            "source": f"sentences of {args.test}, then {args.train_text}, ≤40 chars",
        },
        "batch_size": args.batch_size,
        "results": old.get("results", {}),
    }
    for key, value in old.items():
        if key != "command":
            report.setdefault(key, value)
    modes = args.modes.split(",")
    with (work / "log.txt").open("w", encoding="utf8") as log:
        for mode in [m for m in MODES if m in modes]:
            report["results"][mode] = subprocess_run(mode, passed, log)
            print(mode, json.dumps(report["results"][mode]), flush=True)
            write(args.output, report)
        if "plain1" in modes and "ray2" in modes:
            report["ray2_vs_plain1"] = compare(work, work / "ray2")
        results = report["results"]
        if "n_process2" in results and "ray2" in results:
            report["ray2_over_n_process2"] = round(
                results["ray2"]["docs_per_s"] / results["n_process2"]["docs_per_s"], 3
            )
        if "stream" in modes:
            for mode in ("stream_plain", "stream_zones"):
                report["results"][mode] = subprocess_run(mode, passed, log)
                print(mode, report["results"][mode]["docs"], flush=True)
                write(args.output, report)
    write(args.output, report)
    return 0


def write(path: Path, report: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf8")


if __name__ == "__main__":
    raise SystemExit(main())
