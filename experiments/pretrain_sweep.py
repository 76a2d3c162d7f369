"""Short pretraining runs of the tiny preset with one setting changed each,
compared on the fixed held-out evaluation (whole words, 15%, one seed).

Each run trains STEPS steps (twice as many for the half-batch runs, so every run
sees the same characters) and scores the held-out text every 400 steps.

Usage: python -m experiments pretrain-sweep corpus/train.txt --steps 800
       [--runs word,char,...] [--output metrics/pretrain_sweep.json]
"""

import argparse
import json
import tempfile
from pathlib import Path

from hanzi_spacy.pretrain import pretrain

BASE = {"pack": True, "bf16": True, "batch_size": 32, "eval_steps": 400}
BASE.update({"save_steps": 100_000, "logging_steps": 100})
RUNS = {
    "word": {},  # whole-word masking, absolute positions, lr 1e-3, batch 32
    "span": {"masking": "span"},
    "char": {"masking": "char"},
    "relative-positions": {"position_embedding_type": "relative_key"},
    "lr-3e-3": {"learning_rate": 0.003},
    "lr-5e-4": {"learning_rate": 0.0005},
    "batch-16": {"batch_size": 16, "steps_factor": 2},
    "padded": {"pack": False},
    "float32": {"bf16": False},
    "no-dropout": {
        "batch_size": 16,
        "steps_factor": 2,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
    },
    "no-dropout-lr-2e-3": {
        "batch_size": 16,
        "steps_factor": 2,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "learning_rate": 0.002,
    },
}


def sweep(args: argparse.Namespace) -> int:
    output = Path(args.output)
    results = json.loads(output.read_text()) if output.is_file() else {}
    for name in args.runs.split(","):
        settings = {**BASE, **RUNS[name]}
        steps = args.steps * settings.pop("steps_factor", 1)
        with tempfile.TemporaryDirectory() as tmp:
            metrics = pretrain(
                [args.text],
                tmp,
                "tiny",
                max_steps=steps,
                overrides=settings,
                progress=False,
            )
        results[name] = {
            "settings": RUNS[name],
            "steps": steps,
            "curve": [
                {k: round(p[k], 2) for k in ("step", "minutes", "perplexity")}
                for p in metrics["curve"]
            ],
            "heldout_perplexity": metrics["heldout_perplexity_after"],
            "train_minutes": metrics["train_seconds"] / 60,
            "chars_per_second": metrics["chars_per_second"],
        }
        print(name, json.dumps(results[name]), flush=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "pretrain-sweep",
        help="short pretraining runs, one setting changed each",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("text")
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--runs", default=",".join(RUNS))
    parser.add_argument("--output", default="metrics/pretrain_sweep.json")
    parser.set_defaults(func=sweep)
