"""The HTTP server under load: clients, a soak, bad requests, a worker killed.

    python -m benchmarks.serve_load training/model-best --test corpus/test.spacy \\
        --output metrics/serve.json
    python -m benchmarks.serve_load training/model-best --quick   # a smoke run

The server is the serve command itself (serve_process.py), on a free loopback
port, with the default limits given explicitly; the client is this process
(load_client.py). Each request holds one text of the test split, drawn at
random with ``--seed`` so that the requests' lengths follow the split's, and
asks for every field. The phases (``--phases``, serve_phases.py), each bounded
in requests and in time, are written to ``--output`` as each ends:

- ``levels``: for each of ``--clients``, a warm-up, then ``--requests``
  requests in at most ``--level-s`` s: docs/s and chars/s answered,
  p50/p95/p99 latency, failures, the server's mean batch (``/metrics``);
- ``mixed``: ``--mixed-requests``, one in ten malformed or over a limit: every
  good one must be answered, every bad one refused with its status and code;
- ``soak``: ``--soak-clients`` clients for ``--soak-s`` s, the resident memory
  of the server's processes (the command and all its descendants) sampled every
  ``--sample-s`` s; the drift after ``--soak-warmup-s``; the 5xx count;
- ``kill``: a second server with ``--kill-workers`` uvicorn workers; after
  ``--kill-warm-s`` s of load one worker gets SIGKILL: the failed requests, the
  seconds until uvicorn replaced it and until the new one has loaded;
- ``reference``: ``nlp.pipe`` in this process on the texts of a level, in
  batches of the server's ``--max-batch``, once no server runs; then the ratio
  of the server at 16 clients to it (``over_nlp_pipe_at_16``).

The client shares the machine with the server: at many clients the numbers
are those of the pair. ``--quick`` runs every phase small to see that it works;
its numbers are no measurement.
"""

import argparse
import json
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from hanzi_spacy.errors import Errors, HanziError

from .serve_phases import describe, kill_worker, levels, mixed, soak
from .serve_process import ServerProcess

PHASES = ("levels", "mixed", "soak", "kill", "reference")
LIMITS = {"max_chars": 10_000, "max_body": 1_000_000, "max_queue": 1_024}
MAX_BATCH = 32
QUICK = dict(
    requests=32, level_s=30, soak_s=10, sample_s=1, soak_warmup_s=3,
    mixed_requests=60, kill_warm_s=2, kill_after_s=1,
)  # fmt: skip


def split_texts(path: Path) -> List[str]:
    """The texts of a DocBin (the test split), blank ones left out."""
    import spacy
    from spacy.tokens import DocBin

    if not path.is_file():
        raise HanziError(Errors.E024.format(path=path))
    vocab = spacy.blank("zh").vocab
    return [d.text for d in DocBin().from_disk(path).get_docs(vocab) if d.text.strip()]


def draw(texts: List[str], n: int, seed: int) -> List[str]:
    """``n`` texts drawn at random (with replacement) from ``texts``."""
    return random.Random(seed).choices(texts, k=n)


def reference(model: str, texts: List[str], batch_size: int) -> Dict[str, Any]:
    """``nlp.pipe`` on the texts in this process, after a warm-up batch."""
    import spacy
    import torch

    nlp = spacy.load(model)
    list(nlp.pipe(texts[:batch_size], batch_size=batch_size))
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    wall = time.perf_counter() - start
    return {
        "docs": len(texts),
        "seconds": round(wall, 3),
        "docs_per_s": round(len(texts) / wall, 2),
        "chars_per_s": round(sum(map(len, texts)) / wall, 1),
        "batch_size": batch_size,
        "torch_threads": torch.get_num_threads(),
    }


def run(args: argparse.Namespace, command: str) -> Dict[str, Any]:
    """Every phase asked for; ``--output`` is written as each ends."""
    from .machine import describe_machine

    phases = [p for p in args.phases.split(",") if p]
    split = split_texts(args.test)
    texts = draw(split, max(args.requests, args.mixed_requests, 64), args.seed)
    logs = args.log_dir or Path(tempfile.mkdtemp(prefix="serve_load_"))
    logs.mkdir(parents=True, exist_ok=True)
    report: Dict[str, Any] = {
        "command": command,
        "quick": args.quick,
        "machine": describe_machine(),
        "texts": {
            "source": str(args.test),
            "split_docs": len(split),
            "split_mean_chars": round(sum(map(len, split)) / len(split), 1),
            "seed": args.seed,
        },
    }

    def done(phase: str, found: Dict[str, Any]) -> None:
        report[phase] = found
        if "answered" in found:
            log(describe(phase, found))
        _write(args.output, report)

    limits = [f"--{k.replace('_', '-')}={v}" for k, v in LIMITS.items()]
    options = ["--workers", str(args.workers), f"--max-batch={MAX_BATCH}", *limits]
    if {"levels", "mixed", "soak"} & set(phases):
        options += shlex.split(args.server_args)
        with ServerProcess(args.model, options, logs / "server.log") as server:
            startup = server.wait_ready(args.startup_s)
            log(f"server ready after {startup:.0f} s: {shlex.join(server.command)}")
            report["server"] = {"command": server.command, "startup_s": round(startup)}
            if "levels" in phases:
                clients = [int(c) for c in args.clients.split(",") if c]
                found = levels(
                    server.url, texts, clients, args.requests, args.level_s, log
                )
                done("levels", found)
            if "mixed" in phases:
                found = mixed(
                    server.url,
                    texts,
                    LIMITS,
                    args.mixed_clients,
                    args.mixed_requests,
                    args.level_s,
                )
                done("mixed", found)
            if "soak" in phases:
                found = soak(
                    server,
                    texts,
                    args.soak_clients,
                    args.soak_s,
                    args.sample_s,
                    args.soak_warmup_s,
                )
                done("soak", found)
                log(f"soak memory: {found['memory']}")
            report["server"]["exit_code"] = server.stop()
            _write(args.output, report)
    if "kill" in phases:
        options = ["--workers", str(args.kill_workers), f"--max-batch={MAX_BATCH}"]
        with ServerProcess(args.model, options + limits, logs / "kill.log") as server:
            startup = server.wait_ready(args.startup_s, workers=args.kill_workers)
            found = kill_worker(
                server,
                texts,
                args.kill_clients,
                args.kill_warm_s,
                args.kill_after_s,
                args.kill_timeout_s,
            )
            found.update(startup_s=round(startup), exit_code=server.stop())
        done("kill", found)
        replaced, whole = found.get("replaced_s"), found.get("whole_s")
        failed = found["failed_after_kill"]
        log(f"kill: replaced in {replaced} s, whole in {whole} s, {failed} failed")
    if "reference" in phases:
        found = reference(args.model, texts[: args.requests], MAX_BATCH)
        log(f"reference: nlp.pipe {found}")
        done("reference", found)
        report["over_nlp_pipe_at_16"] = _ratio(report)
        log(f"server at 16 clients / nlp.pipe: {report['over_nlp_pipe_at_16']}")
        _write(args.output, report)
    log(f"wrote {args.output} (server logs in {logs})")
    return report


def _ratio(report: Dict[str, Any]) -> Optional[Dict[str, float]]:
    level, pipe = report.get("levels", {}).get("16"), report.get("reference")
    if not level or not pipe:
        return None
    return {k: round(level[k] / pipe[k], 3) for k in ("docs_per_s", "chars_per_s")}


def _write(path: Path, report: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf8")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.serve_load")
    p.add_argument("model", help="pipeline folder or package to serve")
    p.add_argument("--test", type=Path, default=Path("corpus/test.spacy"))
    p.add_argument("--output", type=Path, default=Path("metrics/serve.json"))
    p.add_argument("--phases", default=",".join(PHASES))
    p.add_argument("--clients", default="1,4,16,64")
    p.add_argument("--requests", type=int, default=2000, help="per level")
    p.add_argument("--level-s", type=float, default=120, help="at most, per level")
    p.add_argument("--mixed-requests", type=int, default=1000)
    p.add_argument("--mixed-clients", type=int, default=16)
    p.add_argument("--soak-s", type=float, default=600)
    p.add_argument("--soak-clients", type=int, default=16)
    p.add_argument("--soak-warmup-s", type=float, default=60)
    p.add_argument("--sample-s", type=float, default=5, help="RSS sampling period")
    p.add_argument("--kill-workers", type=int, default=2)
    p.add_argument("--kill-clients", type=int, default=16)
    p.add_argument("--kill-warm-s", type=float, default=10)
    p.add_argument("--kill-after-s", type=float, default=5)
    p.add_argument("--kill-timeout-s", type=float, default=600)
    p.add_argument("--workers", type=int, default=1, help="of the server measured")
    p.add_argument(
        "--server-args",
        default="",
        help="more options of the server measured, e.g. '--ray-replicas 2'",
    )
    p.add_argument("--startup-s", type=float, default=600)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-dir", type=Path, default=None, help="for server logs")
    p.add_argument("--quick", action="store_true", help="every phase, small")
    return p


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The options; with ``--quick``, ``QUICK``'s values where none is given."""
    parser = build_parser()
    if parser.parse_args(argv).quick:
        parser.set_defaults(**QUICK)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    command = "python -m benchmarks.serve_load " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    try:
        run(args, command)
    except HanziError as e:
        log(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
