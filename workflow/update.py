"""``python -m workflow update``: train a shipped pipeline on new data, versioned.

Starts from a trained pipeline (``training/model-best``, or an installed one's
folder), writes a config whose components are all sourced from it (spaCy's
``source = ...``: weights, labels and settings as they were; nothing is
initialized again), trains it on the new docs with one strategy against
forgetting, scores the base and the result on the old and the new test split,
and writes the new pipeline with its version bumped (0.1.0 → 0.2.0) and, with
``--package``, its wheel (``workflow/package.py``). The strategies, each a
config choice (docs/continual.md):

- ``naive``: the new docs alone;
- ``replay``: plus a random sample of the old gold training docs
  (``hanzi-spacy.MixedCorpus.v1``, ``mix_ratio`` characters of old per new);
- ``pseudo``: plus old-domain raw text (lines of ``corpus/train.txt``)
  annotated by the frozen base pipeline, as silver docs (the same reader);
- ``ewc``: the new docs alone, with ``hanzi-spacy.ewc_penalty.v1`` as
  ``[training.before_update]``: a Fisher-weighted pull of the backbone's
  weights towards the base's, inside spaCy's own update.

The dev set that picks model-best mixes the new dev docs with as many
characters of old dev docs, the same for every strategy, so the choice weighs
both domains. Per-task LoRA adapters on a frozen backbone are not a strategy
here yet: they come with the parameter-efficient work (issue #16).
"""

import argparse
import io
import re
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import srsly
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_nlp
from thinc.api import Config

from hanzi_spacy.errors import Errors, HanziError
from hanzi_spacy.evaluate import evaluate_pipeline

from .strategies import STRATEGIES, characters, silver_docs, update_config

SCORES = ("token_f", "tag_acc", "pos_acc", "ents_f", "cats_score")
STEP_ROW = re.compile(r"^\s*\d+\s+(\d+)\s", re.M)


def bump_minor(version: str) -> str:
    """0.1.0 → 0.2.0."""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise HanziError(Errors.E527.format(version=version))
    return f"{parts[0]}.{int(parts[1]) + 1}.0"


def check_base(base: Path) -> None:
    if not (base / "config.cfg").exists() or not (base / "meta.json").exists():
        raise HanziError(Errors.E522.format(path=base))


class Tee(io.TextIOBase):
    """Writes to a stream and keeps a copy (the training log)."""

    def __init__(self, stream) -> None:
        self.stream, self.copy = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def train(config: Config, output: Path, gpu_id: int) -> int:
    """Train with spaCy's own loop.

    RETURNS (int): The step of the last evaluation (spaCy logs a row at each).
    """
    nlp = init_nlp(config, use_gpu=gpu_id)
    log = Tee(sys.stdout)
    train_nlp(nlp, output, use_gpu=gpu_id, stdout=log, stderr=sys.stderr)
    steps = [int(step) for step in STEP_ROW.findall(log.copy.getvalue())]
    return max(steps, default=0)


def scores(model: Path, data: Path) -> Dict[str, Optional[float]]:
    result = evaluate_pipeline(str(model), data)
    return {key: result.get(key) for key in SCORES}


def update(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    base, output = Path(args.base), Path(args.output)
    check_base(base)
    output.mkdir(parents=True, exist_ok=True)
    new_train = Path(args.new_train)
    mix_path = Path(args.old_train)
    if args.strategy == "pseudo":
        budget = args.mix_ratio * characters(new_train)
        mix_path = output / "silver.spacy"
        n = silver_docs(base, Path(args.old_text), budget, args.seed, mix_path)
        print(f"{mix_path}: {n} docs annotated by {base}")
    config = update_config(
        base,
        args.strategy,
        new_train=new_train,
        new_dev=Path(args.new_dev),
        old_dev=Path(args.old_dev),
        mix_path=mix_path,
        mix_ratio=args.mix_ratio,
        fisher_path=Path(args.old_train),
        ewc_strength=args.ewc_strength,
        steps=args.steps,
        eval_frequency=args.eval_frequency,
        learn_rate=args.learn_rate,
        seed=args.seed,
    )
    config.to_disk(output / "config.cfg")
    train_start = time.perf_counter()
    last_step = train(config, output, args.gpu_id)
    train_seconds = time.perf_counter() - train_start
    model = output / "model-best"
    base_meta = srsly.read_json(base / "meta.json")
    base_version = args.base_version or base_meta.get("version", "0.0.0")
    version = args.version or bump_minor(base_version)
    meta = srsly.read_json(model / "meta.json")
    meta["version"] = version
    meta["update"] = {
        "base": str(base),
        "base_version": base_version,
        "strategy": args.strategy,
        "new_train": str(new_train),
        "steps_run": last_step,
    }
    srsly.write_json(model / "meta.json", meta)
    report = record_scores(args, base, model, last_step, train_seconds)
    if args.package:
        from .package import package

        package(
            argparse.Namespace(
                model=str(model),
                output=args.packages,
                name=args.package_name,
                version=version,
            )
        )
    report["update_seconds"] = round(time.perf_counter() - start, 1)
    write_report(Path(args.metrics), args.strategy, report)
    print(f"{model}: version {version}, {last_step} steps")
    return 0


def record_scores(
    args: argparse.Namespace, base: Path, model: Path, steps: int, seconds: float
) -> Dict:
    old_test, new_test = Path(args.old_test), Path(args.new_test)
    return {
        "model": str(model),
        "base": str(base),
        "steps": steps,
        "max_steps": args.steps,
        "train_seconds": round(seconds, 1),
        "settings": {
            "mix_ratio": args.mix_ratio if args.strategy in ("replay", "pseudo") else 0,
            "ewc_strength": args.ewc_strength if args.strategy == "ewc" else 0,
            "learn_rate": args.learn_rate,
            "seed": args.seed,
        },
        "before": base_scores(Path(args.metrics), base, old_test, new_test),
        "after": {
            "old_test": scores(model, old_test),
            "new_test": scores(model, new_test),
        },
        "old_test": str(old_test),
        "new_test": str(new_test),
        "command": " ".join(["python -m workflow", *sys.argv[1:]]),
    }


def base_scores(metrics: Path, base: Path, old_test: Path, new_test: Path) -> Dict:
    """The base's scores, taken from an earlier run's report when it has them."""
    tests = {"old_test": str(old_test), "new_test": str(new_test)}
    if metrics.exists():
        for run in srsly.read_json(metrics).values():
            same = {key: run.get(key) for key in tests} == tests
            if same and run.get("base") == str(base) and "before" in run:
                return run["before"]
    return {"old_test": scores(base, old_test), "new_test": scores(base, new_test)}


def write_report(path: Path, strategy: str, report: Dict) -> None:
    """Add one strategy's run to the report, keeping the others'."""
    results = srsly.read_json(path) if path.exists() else {}
    results[strategy] = report
    path.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(path, results)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "update", help="train a trained pipeline on new data without forgetting"
    )
    p.add_argument("--base", default="training/model-best")
    p.add_argument("--new-train", required=True)
    p.add_argument("--new-dev", required=True)
    p.add_argument("--new-test", required=True)
    p.add_argument("--old-train", default="corpus/train.spacy")
    p.add_argument("--old-dev", default="corpus/dev.spacy")
    p.add_argument("--old-test", default="corpus/test.spacy")
    p.add_argument("--old-text", default="corpus/train.txt")
    p.add_argument("--strategy", choices=STRATEGIES, default="replay")
    p.add_argument("--mix-ratio", type=float, default=1.0)
    p.add_argument("--ewc-strength", type=float, default=100.0)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--eval-frequency", type=int, default=50)
    p.add_argument("--learn-rate", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gpu-id", type=int, default=-1)
    p.add_argument("--output", default="training/update")
    p.add_argument("--metrics", default="metrics/update.json")
    p.add_argument(
        "--base-version",
        default=None,
        help="the base's version (default: its meta's; training/model-best says "
        "0.0.0 until packaged, so the project passes its package_version)",
    )
    p.add_argument("--version", default=None, help="default: the base's, minor + 1")
    p.add_argument("--package", action="store_true", help="also build the wheel")
    p.add_argument("--packages", default="packages")
    p.add_argument("--package-name", default="hanzi_trf")
    p.set_defaults(func=update)
