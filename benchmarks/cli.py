"""``python -m benchmarks``: measure, score, write JSON, Markdown, plot.

    python -m benchmarks --test corpus/test.spacy \\
        --train corpus/train.spacy --pipeline trf=training/model-best \\
        --backbone training/backbone-tiny --output-dir metrics
"""

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from hanzi_spacy.errors import Errors, HanziError

from .runner import PEERS, Settings, run_benchmark


def parse_pipeline(value: str) -> Tuple[str, Path]:
    """``NAME=PATH`` (or a bare PATH, named after its folder)."""
    name, sep, path = value.partition("=")
    if not sep:
        name, path = Path(value).name, value
    if not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {value!r}")
    return name, Path(path)


def benchmark(args: argparse.Namespace) -> int:
    if not Path(args.test).is_file():
        raise HanziError(Errors.E024.format(path=args.test))
    pipelines: List[Tuple[str, Path]] = args.pipeline or []
    settings = Settings(
        test=Path(args.test),
        train=Path(args.train) if args.train else None,
        pipelines=pipelines,
        backbone=Path(args.backbone) if args.backbone else None,
        limit=args.limit,
        train_limit=args.train_limit,
        repeat=args.repeat,
        n_process=args.n_process,
        batch_size=args.batch_size,
        peers=[p for p in args.peers.split(",") if p] if args.peers else [],
        profile_docs=args.profile_docs,
        user_words=args.user_words,
        stream_docs=args.stream_docs,
        timeout=args.timeout,
        ood=Path(args.ood) if args.ood else None,
    )
    results = run_benchmark(settings, log=lambda m: print(m, flush=True))

    from .plot import write_plot
    from .report import write_json, write_markdown

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_json(results, out / "benchmark.json")
    plot = "benchmark.png" if write_plot(results, out / "benchmark.png") else None
    write_markdown(results, out / "benchmark.md", plot=plot)
    for note in results["notes"]:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"wrote {out / 'benchmark.json'}, {out / 'benchmark.md'}"
        + (f", {out / plot}" if plot else "")
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Compare pipelines with jieba, THULAC, LAC, pkuseg, jiagu "
        "and a TF-IDF baseline.",
    )
    p.add_argument("--test", default="corpus/test.spacy", help="held-out .spacy")
    p.add_argument(
        "--train",
        default="corpus/train.spacy",
        help=".spacy whose review docs train the TF-IDF baseline",
    )
    p.add_argument(
        "--pipeline",
        action="append",
        type=parse_pipeline,
        metavar="NAME=PATH",
        help="a trained pipeline (repeatable); missing ones are skipped",
    )
    p.add_argument(
        "--backbone",
        default=None,
        help="Hugging Face folder of the transformer pipelines' backbone, for the "
        "bare forward-pass speed and the overhead ratio",
    )
    p.add_argument(
        "--ood",
        default=None,
        metavar="DIR",
        help="folder of the out-of-domain dev sets (ud_gsdsimp_dev.conllu, "
        "resume_ner_dev.bmes, reviews_shopping_dev.tsv): every system is also "
        "scored on each one there; speed stays measured on --test",
    )
    p.add_argument("--output-dir", default="metrics")
    p.add_argument("--limit", type=int, default=0, help="first N test docs (0: all)")
    p.add_argument(
        "--train-limit",
        type=int,
        default=0,
        help="first N training reviews for the baseline (0: all)",
    )
    p.add_argument("--repeat", type=int, default=3, help="timed runs per system")
    p.add_argument(
        "--n-process", type=int, default=2, help="also time nlp.pipe(n_process=N)"
    )
    p.add_argument("--batch-size", type=int, default=None, help="nlp.pipe batch size")
    p.add_argument(
        "--peers",
        default=",".join(PEERS),
        help=f"comma-separated peers to run, from: {', '.join(PEERS)}",
    )
    p.add_argument("--profile-docs", type=int, default=200)
    p.add_argument(
        "--user-words", type=int, default=100_000, help="0 skips the measurement"
    )
    p.add_argument(
        "--stream-docs", type=int, default=100_000, help="0 skips the measurement"
    )
    p.add_argument(
        "--timeout", type=float, default=None, help="seconds per measurement"
    )
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Errors a user can act on (HanziError) print one line, not a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return benchmark(args)
    except HanziError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
