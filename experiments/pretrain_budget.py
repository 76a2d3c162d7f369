"""Pretraining runs of the default preset at several budgets (passes over the
text), each a whole run with its own warm-up and decay, so that the held-out
perplexity (the fixed evaluation) and the backbone probe's dev scores can be
read against pretraining minutes.

Each run writes its backbone into ``--into``/NAME-Eep and its metrics into
``--metrics``/pretrain-budget-NAME-Eep.json; ``collect`` gathers those and the
probe's results (``python -m experiments backbone-probe``) into one table.

Usage:
    python -m experiments pretrain-budget run corpus/train.txt --epochs 3,12,24 \
        [--name mlm] [--set objective=electra] [--into training/budget]
    python -m experiments backbone-probe training/budget/mlm-3ep ... \
        --output metrics/probe-budget.json
    python -m experiments pretrain-budget collect \
        --probe metrics/probe-budget.json ... \
        [--extra NAME-Eep=DIR:METRICS.json] [--output metrics/pretrain_budget.json]
"""

import argparse
import json
from pathlib import Path
from typing import Any, Dict

from hanzi_spacy.pretrain import pretrain


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def run(args: argparse.Namespace) -> None:
    overrides: Dict[str, Any] = {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        overrides[key] = parse_value(value)
    for epochs in [float(e) for e in args.epochs.split(",")]:
        tag = f"{args.name}-{epochs:g}ep"
        metrics = pretrain(
            [args.text],
            Path(args.into) / tag,
            args.preset,
            epochs=epochs,
            seed=args.seed,
            force=True,
            overrides=overrides,
            metrics_path=Path(args.metrics) / f"pretrain-budget-{tag}.json",
            progress=False,
            log=lambda message: print(message, flush=True),
        )
        print(
            f"{tag}: perplexity {metrics['heldout_perplexity_after']:.1f}, "
            f"{metrics['train_seconds'] / 60:.1f} min",
            flush=True,
        )


def collect(args: argparse.Namespace) -> None:
    probe = {}
    for path in args.probe:
        probe.update(json.loads(Path(path).read_text()))
    runs = {}
    for path in sorted(Path(args.metrics).glob("pretrain-budget-*.json")):
        tag = path.stem[len("pretrain-budget-") :]
        runs[tag] = (str(Path(args.into) / tag), json.loads(path.read_text()))
    for item in args.extra or []:
        tag, _, rest = item.partition("=")
        folder, _, metrics = rest.partition(":")
        runs[tag] = (folder, json.loads(Path(metrics).read_text()))
    rows = []
    for tag, (folder, metrics) in runs.items():
        scores = probe.get(folder)
        if scores is None:
            continue
        last = scores["segmentation"][-1]
        rows.append(
            {
                "run": tag,
                "preset": metrics.get("preset", "tiny"),
                "objective": metrics.get("objective", "mlm"),
                "epochs": round(metrics["epochs"], 2),
                "steps": metrics["steps"],
                "train_minutes": round(metrics["train_seconds"] / 60, 2),
                "device": metrics["device"],
                "heldout_perplexity": round(metrics["heldout_perplexity_after"], 1),
                "probe_word_f1": last["word_f1"],
                "probe_tag_f1": last["tag_f1"],
                "probe_steps": last["step"],
                "probe_reviews": scores.get("reviews", {}).get("accuracy"),
            }
        )
    rows.sort(key=lambda r: (r["preset"], r["objective"], r["train_minutes"]))
    output = Path(args.output)
    output.write_text(json.dumps(rows, indent=2) + "\n")
    plot(rows, output.with_suffix(".png"))
    for row in rows:
        print(json.dumps(row))


def plot(rows: list, path: Path) -> None:
    """Held-out perplexity and the probe's dev word F1 against minutes, a line
    per preset and objective."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for preset, objective in sorted({(r["preset"], r["objective"]) for r in rows}):
        mine = [r for r in rows if (r["preset"], r["objective"]) == (preset, objective)]
        minutes = [r["train_minutes"] for r in mine]
        marker = "o-" if objective == "mlm" else "s"
        name = f"{preset}, {objective}"
        label = name + (" (generator's)" if objective == "electra" else "")
        axes[0].plot(
            minutes, [r["heldout_perplexity"] for r in mine], marker, label=label
        )
        axes[1].plot(minutes, [r["probe_word_f1"] for r in mine], marker, label=name)
    axes[0].set_ylabel("held-out perplexity (fixed masking)")
    axes[1].set_ylabel("probe: dev word F1 after 600 steps")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("pretraining minutes (one CPU thread)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "pretrain-budget",
        help="pretraining runs at several budgets; collect them with the probe",
        description=__doc__.splitlines()[0],
    )
    sub = parser.add_subparsers(dest="phase", required=True)
    p = sub.add_parser("run")
    p.add_argument("text")
    p.add_argument("--epochs", default="3,12,24")
    p.add_argument("--name", default="mlm")
    p.add_argument("--preset", default="tiny")
    p.add_argument("--set", action="append", help="a preset setting, KEY=VALUE")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--into", default="training/budget")
    p.add_argument("--metrics", default="metrics")
    p.set_defaults(func=run)
    c = sub.add_parser("collect")
    c.add_argument("--probe", required=True, nargs="+", help="backbone-probe outputs")
    c.add_argument("--extra", action="append", help="TAG=DIR:METRICS.json")
    c.add_argument("--into", default="training/budget")
    c.add_argument("--metrics", default="metrics")
    c.add_argument("--output", default="metrics/pretrain_budget.json")
    c.set_defaults(func=collect)
