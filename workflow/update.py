"""``python -m workflow update``: train a shipped pipeline on new data, versioned.

Starts from a trained pipeline (``training/model-best``, or an installed one's
folder), writes a config whose components are all sourced from it (spaCy's
``source = ...``: weights, labels and settings as they were; nothing is
initialized again), trains it on the new docs with one strategy against
forgetting, scores the base and the result on the old and the new dev and test
splits, and writes the new pipeline with its version bumped (0.1.0 → 0.2.0)
and, with ``--package``, its wheel (``workflow/package.py``). The strategies,
each a config choice (docs/continual.md):

- ``naive``: the new docs alone;
- ``replay``: plus a random sample of the old gold training docs
  (``hanzi-spacy.MixedCorpus.v1``, ``mix_ratio`` characters of old per new);
- ``pseudo``: plus old-domain raw text (lines of ``corpus/train.txt``)
  annotated by the frozen base pipeline, as silver docs (the same reader);
- ``ewc``: the new docs alone, with ``hanzi-spacy.ewc_penalty.v1`` as
  ``[training.before_update]``: a Fisher-weighted pull of the backbone's
  weights towards the base's, inside spaCy's own update;
- ``lora``: the new docs alone, with the backbone's weights frozen as shipped
  and LoRA trained on them (the base's backbone exported as a Hugging Face
  folder, as ``add-task`` does); ``lora-replay``: the same with replay's docs.

``--freeze`` keeps components as they are (spaCy's ``frozen_components``), e.g.
the CNN ``tok2vec``, which LoRA does not cover. The dev set that picks
model-best mixes the new dev docs with as many characters of old dev docs, the
same for every strategy, so the choice weighs both domains. The dev scores in
the report are for choosing settings; the test scores are only reported.
"""

import argparse
import io
import re
import resource
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import spacy.util
import srsly
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_nlp
from thinc.api import Config

from hanzi_spacy.errors import HanziError
from hanzi_spacy.evaluate import evaluate_pipeline

from .errors import Errors
from .strategies import (
    LORA,
    MIXING,
    STRATEGIES,
    characters,
    silver_docs,
    update_config,
)

SCORES = ("token_f", "tag_acc", "pos_acc", "ents_f", "cats_score")
# Dev to choose settings on, test to report: old and new domain each.
SPLITS = ("old_dev", "new_dev", "old_test", "new_test")
STEP_ROW = re.compile(r"^\s*\d+\s+(\d+)\s", re.M)


def bump_minor(version: str) -> str:
    """0.1.0 → 0.2.0."""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise HanziError(Errors.E527.format(version=version))
    return f"{parts[0]}.{int(parts[1]) + 1}.0"


def resolve_base(base: str) -> Path:
    """The folder of the pipeline to update: a path, or the data folder of an
    installed pipeline package (e.g. ``zh_hanzi_trf``), laid out as spaCy's
    ``load_model_from_init_py`` reads it."""
    path = Path(base)
    if not path.exists() and spacy.util.is_package(base):
        import importlib

        package = Path(importlib.import_module(base).__file__).parent
        meta = spacy.util.get_model_meta(package)
        path = package / f"{meta['lang']}_{meta['name']}-{meta['version']}"
    if not (path / "config.cfg").exists() or not (path / "meta.json").exists():
        raise HanziError(Errors.E522.format(path=base))
    return path


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
    base, output = resolve_base(args.base), Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    new_train = Path(args.new_train)
    mix_path = Path(args.old_train)
    if args.strategy == "pseudo":
        budget = args.mix_ratio * characters(new_train)
        mix_path = output / "silver.spacy"
        n = silver_docs(base, Path(args.old_text), budget, args.seed, mix_path)
        print(f"{mix_path}: {n} docs annotated by {base}")
    backbone = None
    if args.strategy in LORA:
        backbone = export_base_backbone(base, output / "backbone")
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
        backbone=backbone,
        lora_r=args.lora_r,
        freeze=args.freeze,
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
        "settings": settings(args),
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    write_report(Path(args.metrics), args.name or args.strategy, report)
    print(f"{model}: version {version}, {last_step} steps")
    return 0


def export_base_backbone(base: Path, output: Path) -> Path:
    """The base's transformer as a Hugging Face folder, for LoRA to adapt.

    LoRA the base already has is folded into its weights first (a base that an
    earlier ``lora`` update made), so the folder holds what the base computes.
    """
    import spacy

    from hanzi_spacy.ml.transformer.transformer_model import merge_peft_layers

    from .newtask import export_backbone

    nlp = spacy.load(base)
    names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "transformer"]
    if len(names) != 1:
        raise HanziError(Errors.E530.format(transformers=names, backbone=None))
    merge_peft_layers(nlp)
    return export_backbone(nlp, output, names[0])


def settings(args: argparse.Namespace) -> Dict:
    """The settings of a run, those its strategy does not use at 0 or None."""
    return {
        "mix_ratio": args.mix_ratio if args.strategy in MIXING else 0,
        "ewc_strength": args.ewc_strength if args.strategy == "ewc" else 0,
        "lora_r": args.lora_r if args.strategy in LORA else None,
        "freeze": list(args.freeze),
        "learn_rate": args.learn_rate,
        "seed": args.seed,
    }


def record_scores(
    args: argparse.Namespace, base: Path, model: Path, steps: int, seconds: float
) -> Dict:
    splits = {key: Path(getattr(args, key)) for key in SPLITS}
    reports = [Path(path) for path in [*args.before, args.metrics]]
    return {
        "model": str(model),
        "base": str(base),
        "strategy": args.strategy,
        "steps": steps,
        "max_steps": args.steps,
        "train_seconds": round(seconds, 1),
        "settings": settings(args),
        "before": base_scores(reports, base, splits),
        "after": {key: scores(model, path) for key, path in splits.items()},
        **{key: str(path) for key, path in splits.items()},
        "command": " ".join(["python -m workflow", *sys.argv[1:]]),
    }


def base_scores(reports: List[Path], base: Path, splits: Dict[str, Path]) -> Dict:
    """The base's scores, taken from an earlier run's report when one has them
    for the same base and splits."""
    wanted = {key: str(path) for key, path in splits.items()}
    for report in reports:
        if not report.exists():
            continue
        for run in srsly.read_json(report).values():
            same = {key: run.get(key) for key in wanted} == wanted
            if same and run.get("base") == str(base):
                if set(wanted) <= set(run.get("before", {})):
                    return run["before"]
    return {key: scores(base, path) for key, path in splits.items()}


def write_report(path: Path, name: str, report: Dict) -> None:
    """Add one run to the report, keeping the others'."""
    results = srsly.read_json(path) if path.exists() else {}
    results[name] = report
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
    p.add_argument("--lora-r", type=int, default=8, help="LoRA's rank (lora*)")
    p.add_argument(
        "--freeze",
        nargs="*",
        default=[],
        help="components that do not train, e.g. tok2vec (the CNN)",
    )
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--eval-frequency", type=int, default=50)
    p.add_argument("--learn-rate", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gpu-id", type=int, default=-1)
    p.add_argument("--output", default="training/update")
    p.add_argument("--metrics", default="metrics/update.json")
    p.add_argument(
        "--name", default=None, help="the run's key in the report (default: strategy)"
    )
    p.add_argument(
        "--before",
        nargs="*",
        default=[],
        help="earlier reports to take the base's scores from (and --metrics)",
    )
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
