"""``python -m experiments finetune-compare``: full fine-tuning against the
parameter-efficient methods, on one config, backbone, step count and seed.

Methods (options of ``hanzi-spacy.TransformerModel.v1``, ``ml/transformer/tuning.py``):

- ``full``: every backbone weight trains (the default);
- ``frozen``: no backbone weight trains, only the components' own layers;
- ``lower``: the embeddings and the lower half of the layers are frozen;
- ``lora-4``, ``lora-8``, ``lora-16``: LoRA of that rank on the attention's
  query and value projections (alpha = 2 × rank, ``--lora-scale``);
- ``lora-all-8``, ``lora-all-12``: LoRA of that rank on every linear layer of
  each block (query, key, value, the attention's output, the feed-forward's two
  layers);
- ``lora-emb-4``, ``lora-emb-8``: the same of that rank, and LoRA of that rank
  on the character embeddings too (over half of the tiny backbone's weights);
- ``lora-upper-16``: LoRA of rank 16 on every linear layer of the upper half of
  the layers only (as many weights as ``lora-all-8``); as with ``lower``, no
  gradient flows below them;
- ``adapters``: Pfeiffer bottleneck adapters, a quarter of the width wide.

For each: the backbone's trainable parameters; seconds per training step and
the peak resident memory of a process that builds the pipeline and takes
steps (``finetune-step``, one fresh process per method, batches from the
config's batcher); the bytes that a task must keep beyond the shared backbone
(the tuned backbone weights: all of them for ``full``, the injected ones for
LoRA and adapters, none when frozen; plus the components' weights); and the
dev (model-best) and test scores after ``spacy train``.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import srsly
from spacy.util import load_config

from hanzi_spacy.errors import HanziError

from .ablation import SCORES, add_training_arguments, train, variant_config
from .errors import Errors
from .tables import score_cell

METHODS = (
    "full",
    "frozen",
    "lower",
    "lora-4",
    "lora-8",
    "lora-16",
    "lora-all-8",
    "lora-all-12",
    "lora-emb-4",
    "lora-emb-8",
    "lora-upper-16",
    "adapters",
)
# Module names peft matches by suffix: every linear layer of a BERT block, not
# the pooler's.
EVERY_LINEAR = ["query", "key", "value", "intermediate.dense", "output.dense"]
LORA_TARGETS = {
    "lora": ["query", "value"],
    "lora-all": EVERY_LINEAR,
    "lora-upper": EVERY_LINEAR,  # of the upper half of the layers
    "lora-emb": [*EVERY_LINEAR, "word_embeddings"],
}
MODEL = "components.transformer.model"


def method_overrides(
    method: str,
    n_layers: int,
    width: int,
    learn_rate: Optional[float] = None,
    lora_scale: int = 2,
    lora_dropout: float = 0.05,
    lora_bias: str = "none",
    lora_dora: bool = False,
) -> Dict[str, object]:
    """The config overrides of a method, for a backbone of that shape, and its
    peak learning rate if not the config's. lora_scale: LoRA's alpha as a
    multiple of its rank (its update is scaled by alpha / rank: a larger scale
    moves the LoRA weights faster at the learning rate the heads get).
    lora_dropout: the dropout LoRA applies to its layers' inputs (0 spares
    peft a copy of every input). lora_bias: peft's bias option, which of the
    backbone's biases train beside LoRA ("none", "all", "lora_only").
    lora_dora: DoRA (LoRA's update of each weight's direction, and a trained
    magnitude per output)."""
    lora_options = {
        "scale": lora_scale,
        "lora_dropout": lora_dropout,
        "bias": lora_bias,
        "use_dora": lora_dora,
    }
    overrides = _tuning_overrides(method, n_layers, width, lora_options)
    if learn_rate is not None:
        overrides["training.optimizer.learn_rate.initial_rate"] = learn_rate
    return overrides


def _tuning_overrides(
    method: str, n_layers: int, width: int, lora_options: Dict[str, object]
) -> Dict[str, object]:
    if method == "full":
        return {}
    if method == "frozen":
        return {f"{MODEL}.frozen_layers": n_layers}
    if method == "lower":
        return {f"{MODEL}.frozen_layers": n_layers // 2}
    if method.startswith("lora-"):
        family, _, rank_text = method.rpartition("-")
        rank = int(rank_text)
        lora = {
            "peft_type": "LORA",
            "r": rank,
            "lora_alpha": lora_options["scale"] * rank,
            "lora_dropout": lora_options["lora_dropout"],
            "bias": lora_options["bias"],
            "use_dora": lora_options["use_dora"],
            "target_modules": LORA_TARGETS[family],
        }
        if family == "lora-upper":  # the gradient stops where LoRA starts
            lora["layers_to_transform"] = list(range(n_layers // 2, n_layers))
        return {f"{MODEL}.peft": lora}
    if method == "adapters":
        return {f"{MODEL}.adapters": {"size": max(width // 4, 8)}}
    raise HanziError(Errors.E405.format(name=method, methods=", ".join(METHODS)))


def backbone_shape(backbone: str) -> Dict[str, int]:
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(backbone)
    return {"n_layers": config.num_hidden_layers, "width": config.hidden_size}


def write_config(
    source: Path, overrides: Dict[str, object], output: Path, variant: str = ""
) -> Path:
    """The source config with the method's options, as a file spaCy trains.

    variant (str): An ablation variant of the source first ("trf-only": every
        component listens to the transformer alone, so the backbone carries
        the tasks), or "" for the source as it is.
    """
    config = load_config(source)
    if variant:
        config = variant_config(config, variant, str(source))
    for dotted, value in overrides.items():
        *parents, key = dotted.split(".")
        section = config
        for part in parents:
            section = section[part]
        section[key] = value
    output.parent.mkdir(parents=True, exist_ok=True)
    config.to_disk(output)
    return output


def step_benchmark(config: Path, args: argparse.Namespace) -> Dict[str, float]:
    """Seconds per step, peak memory and trainable parameters, in a fresh process."""
    command = [
        sys.executable,
        "-m",
        "experiments",
        "finetune-step",
        str(config),
        "--backbone",
        args.backbone,
        "--train",
        args.train,
        "--lexicon",
        args.lexicon,
        "--steps",
        str(args.benchmark_steps),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HanziError(
            Errors.E406.format(command=" ".join(command), output=result.stderr[-2000:])
        )
    return srsly.json_loads(result.stdout.strip().splitlines()[-1])


def task_bytes(model: Path) -> Dict[str, int]:
    """What a task keeps beyond the shared backbone, and the whole pipeline."""
    import spacy

    from hanzi_spacy.ml.transformer.tuning import split_state, tensors_to_bytes

    nlp = spacy.load(model)
    transformer = nlp.get_pipe("transformer").model
    base, tuned = split_state(transformer.transformer)
    trains = any(p.requires_grad for p in transformer.transformer.parameters())
    backbone = len(tensors_to_bytes(tuned)) if tuned else 0
    if not tuned and trains:  # full or partly frozen: the trained weights
        names = {
            n for n, p in transformer.transformer.named_parameters() if p.requires_grad
        }
        backbone = len(tensors_to_bytes({k: v for k, v in base.items() if k in names}))
    heads = sum(
        len(nlp.get_pipe(name).to_bytes(exclude=["vocab"]))
        for name in nlp.pipe_names
        if name != "transformer"
    )
    pipeline = sum(f.stat().st_size for f in model.rglob("*") if f.is_file())
    return {
        "backbone_bytes": backbone,
        "heads_bytes": heads,
        "pipeline_bytes": pipeline,
    }


def run_method(method: str, args: argparse.Namespace, result: Dict) -> Dict:
    """Train and score a method, or (``--phase benchmark``) time its steps.

    The two phases can run apart, so that the timing runs on an idle machine;
    each keeps what the other wrote in ``result``.
    """
    from hanzi_spacy.evaluate import evaluate

    shape = backbone_shape(args.backbone)
    overrides = method_overrides(
        method,
        shape["n_layers"],
        shape["width"],
        args.learn_rate,
        args.lora_scale,
        args.lora_dropout,
        args.lora_bias,
        args.lora_dora,
    )
    folder = Path(args.training_dir) / method
    config = write_config(
        Path(args.config), overrides, folder / "config.cfg", args.variant
    )
    result = {**result, "options": overrides, "config": str(config)}
    if args.phase in ("train", "all"):
        result["train_seconds"] = round(train(config, folder, args.backbone, args), 1)
        model = folder / "model-best"
        result.update(task_bytes(model))
        scores = evaluate(
            str(model),
            Path(args.test),
            output=folder / "test-scores.json",
            train=Path(args.train),
        )
        result.update({key: scores.get(key) for key, _ in SCORES})
        performance = srsly.read_json(model / "meta.json")["performance"]
        result["dev"] = {key: performance.get(key) for key, _ in SCORES}
        result.update(steps=args.steps, seed=args.seed, test=args.test)
    if args.phase in ("benchmark", "all"):
        result.update(step_benchmark(config, args))
    result["backbone"] = args.backbone
    result["variant"] = args.variant or "default"
    return result


COLUMNS = (
    ("trainable", "trainable backbone params", "{:,}"),
    ("trainable_share", "share", "{:.1%}"),
    ("seconds_per_step", "s/step", "{:.3f}"),
    ("peak_rss_mib", "peak MiB", "{:,.0f}"),
    ("backbone_bytes", "task's backbone bytes", "{:,}"),
    ("heads_bytes", "heads bytes", "{:,}"),
)
TABLE_SCORES = (
    ("token_f", "word F1"),
    ("ents_f", "ents F1"),
    ("cats_score", "reviews F1"),
)


def markdown_table(results: Dict[str, Dict], json_path: Path) -> str:
    header = [label for _, label, _ in COLUMNS]
    header += [f"dev {label}" for _, label in TABLE_SCORES]
    header += [f"test {label}" for _, label in TABLE_SCORES]
    any_result = next(iter(results.values()))
    variant = any_result.get("variant", "default")
    lines = [
        f"`python -m experiments finetune-compare` ({variant} "
        f"config) on `{any_result['backbone']}`, "
        f"{any_result.get('steps')} steps, seed {any_result.get('seed')}; configs and "
        f"models in `{json_path.name}`.",
        "",
        "| method | " + " | ".join(header) + " |",
        "|" + "---|" * (len(header) + 1),
    ]
    for method in [m for m in METHODS if m in results]:
        result = results[method]
        cells = [method]
        cells += [
            "" if result.get(key) is None else fmt.format(result[key])
            for key, _, fmt in COLUMNS
        ]
        cells += [score_cell(result.get("dev", {}).get(key)) for key, _ in TABLE_SCORES]
        cells += [score_cell(result.get(key)) for key, _ in TABLE_SCORES]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse_methods(text: str) -> List[str]:
    methods = [name.strip() for name in text.split(",") if name.strip()]
    for name in methods:
        if name not in METHODS:
            raise HanziError(Errors.E405.format(name=name, methods=", ".join(METHODS)))
    return methods


def compare(args: argparse.Namespace) -> int:
    methods = parse_methods(args.methods)
    output = Path(args.output)
    results = srsly.read_json(output) if output.exists() else {}
    for method in methods:
        results[method] = run_method(method, args, results.get(method, {}))
        output.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output, results)
        output.with_suffix(".md").write_text(
            markdown_table(results, output), encoding="utf-8"
        )
    print(markdown_table(results, output))
    return 0


def step(args: argparse.Namespace) -> int:
    """Build the pipeline of a config, take steps, print what they cost (JSON)."""
    import random

    from spacy.training import Corpus
    from spacy.util import load_model_from_config, registry
    from thinc.api import fix_random_seed

    fix_random_seed(0)
    overrides = {
        "paths.backbone": args.backbone,
        "paths.lexicon": args.lexicon,
        "paths.train": args.train,
    }
    config = load_config(args.config, overrides=overrides, interpolate=True)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    examples = list(Corpus(args.train, limit=args.examples)(nlp))
    nlp.initialize(lambda: examples)
    training = registry.resolve(config["training"])
    optimizer = training["optimizer"]
    batches = list(training["batcher"](examples))
    random.Random(0).shuffle(batches)
    timed = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        nlp.update(batches[i % len(batches)], sgd=optimizer, losses={})
        if i >= args.warmup:
            timed.append(time.perf_counter() - start)
    backbone = nlp.get_pipe("transformer").model.transformer
    trainable = sum(p.numel() for p in backbone.parameters() if p.requires_grad)
    total = sum(p.numel() for p in backbone.parameters())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        srsly.json_dumps(
            {
                "trainable": trainable,
                "backbone_params": total,
                "trainable_share": trainable / total,
                "seconds_per_step": sum(timed) / len(timed),
                "peak_rss_mib": peak_kib / 1024,
                "benchmark_steps": args.steps,
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "finetune-compare",
        help="full fine-tuning, frozen backbone, lower layers frozen, LoRA, adapters",
    )
    p.add_argument(
        "--methods", default=",".join(METHODS), help=f"from {', '.join(METHODS)}"
    )
    p.add_argument("--config", default="configs/trf.cfg")
    p.add_argument(
        "--variant",
        default="",
        help="an ablation variant of the config, e.g. trf-only (default: as it is)",
    )
    p.add_argument(
        "--steps", type=int, default=None, help="training steps (default: the config's)"
    )
    p.add_argument(
        "--benchmark-steps", type=int, default=20, help="steps timed per method"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--learn-rate",
        type=float,
        default=None,
        help="peak learning rate of every method (default: the config's)",
    )
    p.add_argument(
        "--lora-scale",
        type=int,
        default=2,
        help="LoRA's alpha as a multiple of its rank (its updates scale with it)",
    )
    p.add_argument(
        "--lora-dropout",
        type=float,
        default=0.05,
        help="dropout on the inputs of LoRA's layers",
    )
    p.add_argument(
        "--lora-bias",
        choices=("none", "all", "lora_only"),
        default="none",
        help="which backbone biases train beside LoRA (peft's bias option)",
    )
    p.add_argument(
        "--lora-dora",
        action="store_true",
        help="DoRA: LoRA on each weight's direction, and its magnitude trained",
    )
    p.add_argument("--backbone", default="training/backbone-tiny")
    add_training_arguments(p)
    p.add_argument(
        "--phase",
        choices=("all", "train", "benchmark"),
        default="all",
        help="train and score, time the steps, or both",
    )
    p.add_argument("--training-dir", default="training/finetune")
    p.add_argument("--output", default="metrics/finetune.json")
    p.set_defaults(func=compare)

    s = subparsers.add_parser(
        "finetune-step", help="time training steps of a config (JSON)"
    )
    s.add_argument("config")
    s.add_argument("--backbone", required=True)
    s.add_argument("--train", required=True)
    s.add_argument("--lexicon", default=None)
    s.add_argument("--steps", type=int, default=20)
    s.add_argument("--warmup", type=int, default=3)
    s.add_argument(
        "--examples", type=int, default=2000, help="train docs to batch from"
    )
    s.set_defaults(func=step)
