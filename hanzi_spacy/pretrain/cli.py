"""``python -m hanzi_spacy pretrain``: build a character vocabulary and pretrain."""

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``pretrain`` sub-command.

    subparsers (argparse._SubParsersAction): The dispatcher's sub-parsers.
    """
    parser = subparsers.add_parser(
        "pretrain",
        help="pretrain a character-level BERT backbone on raw text",
        description=(
            "Build a character vocabulary from raw text (one text per line) and "
            "pretrain a BERT masked-language model with whole-word masking. "
            "Writes a Hugging Face folder that AutoModel, AutoTokenizer and "
            "spacy-transformers load. Runs unchanged under torchrun or "
            "accelerate launch."
        ),
    )
    parser.add_argument("texts", nargs="+", type=Path, metavar="TEXT")
    parser.add_argument("--output", "-o", required=True, type=Path, metavar="DIR")
    parser.add_argument(
        "--preset",
        default="tiny",
        help="tiny, small, base, or a preset JSON file (default: tiny)",
    )
    parser.add_argument("--max-steps", type=int, help="optimizer steps")
    parser.add_argument("--epochs", type=float, help="passes over the text")
    parser.add_argument("--seed", type=int, default=0)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume", action="store_true", help="continue from the last checkpoint"
    )
    mode.add_argument(
        "--force", action="store_true", help="delete a non-empty output folder first"
    )
    parser.add_argument(
        "--keep-checkpoints",
        action="store_true",
        help="keep DIR/checkpoints (optimizer states) after finishing",
    )
    parser.add_argument(
        "--metrics", type=Path, default=Path("metrics/pretrain.json"), metavar="PATH"
    )
    parser.add_argument(
        "--eval-fraction",
        type=float,
        default=0.02,
        metavar="F",
        help="share of distinct lines held out (at most 1,000; default 0.02)",
    )
    parser.add_argument(
        "--min-count",
        type=int,
        help="occurrences a character needs to get its own id (preset: 2)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the command.

    args (argparse.Namespace): Parsed arguments.
    RETURNS (int): The exit code.
    """
    from .train import is_main_process, pretrain  # torch loads only here

    metrics = pretrain(
        args.texts,
        args.output,
        args.preset,
        max_steps=args.max_steps,
        epochs=args.epochs,
        seed=args.seed,
        resume=args.resume,
        force=args.force,
        keep_checkpoints=args.keep_checkpoints,
        eval_fraction=args.eval_fraction,
        min_count=args.min_count,
        metrics_path=args.metrics,
        log=lambda message: print(message, flush=True),
    )
    if not is_main_process():
        return 0
    print(
        f"Saved {args.output} ({metrics['parameters']:,} parameters, vocabulary "
        f"{metrics['vocab_size']:,}); metrics in {args.metrics}"
    )
    return 0
