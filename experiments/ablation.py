"""``python -m experiments ablation``: what pretraining, the transformer and the
CNN add.

Trains the default config (``configs/trf.cfg``) four ways, with the same steps
and seed, and scores each ``model-best`` on the test split:

- ``pretrained``: the config as it is, on the pretrained backbone;
- ``random``: the same backbone architecture and tokenizer with random weights;
- ``trf-only``: no ``tok2vec``: every component listens to the transformer only;
- ``cnn-only``: no ``transformer``: every component listens to the CNN only;
- ``trf-only-random``: the transformer alone, on random weights: what
  pretraining gives when nothing else carries the tasks.

The variants' configs are derived from the one source config and written next
to their training output (``training/ablation/VARIANT/config.cfg``) and
trained by spaCy's training loop, as ``spacy train`` runs it. Each variant's
training seconds are those of ``spacy train`` less its imports: initialising
the pipeline, the steps and the evaluations on dev. The scores of variants run
earlier stay in the JSON, so the variants can be run one at a time.
"""

import argparse
import time
from pathlib import Path
from typing import Any, Dict, List

import srsly
from spacy.util import load_config
from thinc.api import Config

from hanzi_spacy.errors import HanziError

from .errors import Errors
from .tables import score_cell

VARIANTS = ("pretrained", "random", "trf-only", "cnn-only", "trf-only-random")
RANDOM = ("random", "trf-only-random")  # the variants on random weights
# (the component a variant removes, the upstream whose listeners it keeps)
REMOVED = {
    "trf-only": ("tok2vec", "transformer"),
    "cnn-only": ("transformer", "tok2vec"),
    "trf-only-random": ("tok2vec", "transformer"),
}
CONCAT = "hanzi-spacy.ConcatTok2Vec.v1"
# The test scores of each variant: (key in the evaluation, column of the table).
SCORES = (
    ("token_f", "word F1"),
    ("token_r_iv", "R_iv"),
    ("token_r_oov", "R_oov"),
    ("tag_acc", "tag acc"),
    ("pos_acc", "UPOS acc"),
    ("ents_f", "ents F1"),
    ("cats_score", "cats score"),
)


def variant_config(config: Config, variant: str, source: str = "config") -> Config:
    """The config of an ablation variant, derived from the default config.

    config (Config): The default config, not interpolated.
    variant (str): One of VARIANTS.
    source (str): The config's file, for error messages.
    RETURNS (Config): A new config; ``pretrained`` and ``random`` differ only in
        the backbone they are trained on, so their configs are the source's.
    """
    if variant not in VARIANTS:
        names = ", ".join(VARIANTS)
        raise HanziError(Errors.E403.format(name=variant, variants=names))
    config = Config(config).copy()
    if variant not in REMOVED:
        return config
    removed, kept = REMOVED[variant]
    config["nlp"]["pipeline"] = [n for n in config["nlp"]["pipeline"] if n != removed]
    del config["components"][removed]
    for name, component in config["components"].items():
        model = component.get("model", {})
        if "tok2vec" not in model:
            continue
        model["tok2vec"] = keep_listener(model["tok2vec"], kept)
        if listens_to(model, removed):
            raise HanziError(
                Errors.E404.format(
                    config=source,
                    component=name,
                    upstream=removed,
                    variant=variant,
                )
            )
    return config


def keep_listener(tok2vec: Dict[str, Any], upstream: str) -> Dict[str, Any]:
    """Replace a concatenation of listeners by its listener of ``upstream``."""
    if tok2vec.get("@architectures") != CONCAT:
        return tok2vec
    for part in (tok2vec["first"], tok2vec["second"]):
        if part.get("upstream") == upstream:
            return part
    return tok2vec


def listens_to(block: Any, upstream: str) -> bool:
    if not isinstance(block, dict):
        return False
    if block.get("upstream") == upstream:
        return True
    return any(listens_to(value, upstream) for value in block.values())


def save_random_weights(backbone: str, output: Path, seed: int) -> Path:
    """The backbone's architecture and tokenizer with randomly initialised weights.

    backbone (str): A Hugging Face folder or hub name.
    output (Path): The folder to write (config.json, model.safetensors, tokenizer).
    seed (int): Seed of the weights.
    RETURNS (Path): The output folder.
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer, set_seed

    set_seed(seed)
    model = AutoModel.from_config(AutoConfig.from_pretrained(backbone))
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output, safe_serialization=True)
    AutoTokenizer.from_pretrained(backbone, use_fast=True).save_pretrained(output)
    return output


def train(config: Path, output: Path, backbone: str, args: argparse.Namespace) -> float:
    """Train one variant as ``spacy train`` does; RETURNS the seconds it took.

    In this process, so that the seconds are those of initialising and
    training the pipeline, not of importing torch.
    """
    from spacy.cli.train import train as spacy_train

    overrides = {
        "paths.train": args.train,
        "paths.dev": args.dev,
        "paths.backbone": backbone,
        "paths.lexicon": args.lexicon,
        "system.seed": args.seed,
    }
    if args.steps is not None:
        overrides["training.max_steps"] = args.steps
    start = time.perf_counter()
    spacy_train(config, output, use_gpu=args.gpu_id, overrides=overrides)
    return time.perf_counter() - start


def run_variant(variant: str, source: Config, args: argparse.Namespace) -> Dict:
    """Write the variant's config, train it and score it on the test split."""
    from hanzi_spacy.evaluate import evaluate

    folder = Path(args.training_dir) / variant
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.cfg"
    variant_config(source, variant, args.config).to_disk(config_path)
    backbone = args.backbone
    if variant in RANDOM:
        backbone = str(save_random_weights(backbone, folder / "backbone", args.seed))
    seconds = train(config_path, folder, backbone, args)
    scores = evaluate(
        str(folder / "model-best"),
        Path(args.test),
        output=folder / "test-scores.json",
        train=Path(args.train),
    )
    steps = args.steps
    if steps is None:
        steps = load_config(config_path)["training"]["max_steps"]
    result = {key: scores.get(key) for key, _ in SCORES}
    # The dev scores of model-best, for choices (the test scores only report).
    performance = srsly.read_json(folder / "model-best" / "meta.json")["performance"]
    result["dev"] = {key: performance.get(key) for key, _ in SCORES}
    result.update(
        train_seconds=round(seconds, 1),
        steps=steps,
        seed=args.seed,
        backbone=None if variant == "cnn-only" else backbone,
        config=str(config_path),
        model=str(folder / "model-best"),
        test=args.test,
    )
    return result


def markdown_table(results: Dict[str, Dict], json_path: Path) -> str:
    """The results as a markdown table, one row per variant."""
    header = ["variant", *(label for _, label in SCORES), "train s", "steps", "seed"]
    tests = sorted({result["test"] for result in results.values()})
    lines = [
        f"Test scores (`{'`, `'.join(tests)}`) of the ablation variants, by "
        f"`python -m experiments ablation`; each one's config, backbone and model "
        f"are in `{json_path.name}`.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for variant in [v for v in VARIANTS if v in results]:
        result = results[variant]
        cells = [variant]
        cells += [score_cell(result.get(key)) for key, _ in SCORES]
        cells += [f"{result['train_seconds']:,.0f}", str(result["steps"])]
        cells.append(str(result["seed"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse_variants(text: str) -> List[str]:
    variants = [name.strip() for name in text.split(",") if name.strip()]
    for name in variants:
        if name not in VARIANTS:
            names = ", ".join(VARIANTS)
            raise HanziError(Errors.E403.format(name=name, variants=names))
    return variants


def ablation(args: argparse.Namespace) -> int:
    variants = parse_variants(args.variants)
    source = load_config(args.config)
    output = Path(args.output)
    results = srsly.read_json(output) if output.exists() else {}
    for variant in variants:
        results[variant] = run_variant(variant, source, args)
        # Written after each variant: a later failure keeps the earlier ones.
        output.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output, results)
        table = markdown_table(results, output)
        output.with_suffix(".md").write_text(table, encoding="utf-8")
    print(markdown_table(results, output))
    return 0


def add_training_arguments(p: argparse.ArgumentParser) -> None:
    """The corpora, lexicon and device of ``train`` (shared with finetune-compare)."""
    p.add_argument("--train", default="corpus/train.spacy")
    p.add_argument("--dev", default="corpus/dev.spacy")
    p.add_argument("--test", default="corpus/test.spacy")
    p.add_argument("--lexicon", default="corpus/lexicon.txt")
    p.add_argument("--gpu-id", type=int, default=-1)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "ablation",
        help="train the default config without pretraining, transformer or CNN",
    )
    p.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, from {', '.join(VARIANTS)} (default: all)",
    )
    p.add_argument("--config", default="configs/trf.cfg", help="the source config")
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help="training steps of every variant (default: the config's max_steps)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--backbone",
        default="training/backbone-tiny",
        help="the pretrained backbone (folder or hub name)",
    )
    add_training_arguments(p)
    p.add_argument(
        "--training-dir",
        default="training/ablation",
        help="each variant's config, model and test scores go in a folder here",
    )
    p.add_argument(
        "--output",
        default="metrics/ablation.json",
        help="JSON of the scores; a markdown table goes next to it (.md)",
    )
    p.set_defaults(func=ablation)
