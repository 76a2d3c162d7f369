"""Command line: ``python -m hanzi_spacy COMMAND`` (typer and wasabi, as spaCy's).

Commands for users: ``convert`` (a corpus to a .spacy file), ``pretrain`` (a
backbone), ``evaluate`` (a pipeline on held-out data), ``annotate`` (a
corpus, sharded, on Ray) and ``serve`` (a pipeline over HTTP). The project's own
steps (fetching the default corpora, splitting them, packaging, the demo) live
in the project (``python -m workflow``), the benchmark in ``benchmarks/``.
Errors a user can act on (HanziError) print one line to stderr, not a traceback.
"""

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import HanziError

app = typer.Typer(
    name="hanzi_spacy",
    help="Chinese segmentation, POS, NER and text classification for spaCy.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.command("convert")
def convert_command(
    fmt: str = typer.Argument(
        ..., metavar="FORMAT", help="pku, reviews, sighan, conllu, bio, tsv or csv"
    ),
    inputs: List[str] = typer.Argument(
        ..., metavar="INPUT...", help="Input files (reviews: LABEL=FILE)"
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Output .spacy file"),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Skip and count malformed lines instead of stopping at the first",
    ),
) -> None:
    """Convert a corpus to a .spacy file (DocBin) for `spacy train`.

    A malformed line stops the conversion with its file and line number, and
    nothing is written.
    """
    from .corpus.convert import convert

    convert(fmt, inputs, output, skip_invalid)


@app.command("pretrain")
def pretrain_command(
    texts: List[Path] = typer.Argument(
        ..., metavar="TEXT...", help="Raw text files, one text per line"
    ),
    output: Path = typer.Option(..., "--output", "-o", metavar="DIR"),
    preset: str = typer.Option("tiny", help="tiny, small, base, or a preset JSON file"),
    init_from: Optional[str] = typer.Option(
        None,
        "--from",
        metavar="DIR",
        help="Continue pretraining this Hugging Face folder or hub name (keeps its "
        "tokenizer; the preset gives only the training settings)",
    ),
    max_steps: Optional[int] = typer.Option(None, help="Optimizer steps"),
    epochs: Optional[float] = typer.Option(None, help="Passes over the text"),
    seed: int = typer.Option(0),
    resume: bool = typer.Option(
        False, "--resume", help="Continue from the last checkpoint"
    ),
    force: bool = typer.Option(
        False, "--force", help="Delete a non-empty output folder first"
    ),
    keep_checkpoints: bool = typer.Option(
        False,
        "--keep-checkpoints",
        help="Keep DIR/checkpoints (optimizer states) after finishing",
    ),
    metrics: Path = typer.Option(Path("metrics/pretrain.json"), metavar="PATH"),
    eval_fraction: float = typer.Option(
        0.02,
        metavar="F",
        help="Share of distinct lines held out (at most 1,000)",
    ),
    min_count: Optional[int] = typer.Option(
        None, help="Occurrences a character needs to get its own id (preset: 2)"
    ),
    licence: Optional[str] = typer.Option(
        None, help="The terms of the training text, for the model card"
    ),
) -> None:
    """Pretrain a character-level BERT backbone on raw text.

    Builds a character vocabulary and pretrains a BERT masked-language model, or
    continues pretraining an existing one on new text (--from). Writes a Hugging
    Face folder that AutoModel, AutoTokenizer and spacy-transformers load, with a
    model card (README.md). Runs unchanged under torchrun or accelerate launch.
    """
    from .pretrain.cli import run

    if resume and force:
        raise HanziError("--resume and --force exclude each other: choose one")
    run(
        texts,
        output,
        preset,
        init_from=init_from,
        licence=licence,
        max_steps=max_steps,
        epochs=epochs,
        seed=seed,
        resume=resume,
        force=force,
        keep_checkpoints=keep_checkpoints,
        metrics=metrics,
        eval_fraction=eval_fraction,
        min_count=min_count,
    )


@app.command("evaluate")
def evaluate_command(
    model: str = typer.Argument(..., help="Pipeline folder or package name"),
    data: Path = typer.Argument(..., help=".spacy file with held-out docs"),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="JSON file for the scores"
    ),
    train: Optional[Path] = typer.Option(
        None,
        help="The training split (.spacy): adds R_iv/R_oov and seen/unseen "
        "entity recall",
    ),
    batch_size: Optional[int] = typer.Option(
        None, help="Docs per batch (default: the pipeline's own)"
    ),
) -> None:
    """Score every component of a pipeline on held-out docs."""
    from .evaluate import evaluate

    evaluate(model, data, output, train, batch_size)


@app.command("annotate")
def annotate_command(
    inputs: List[str] = typer.Argument(
        ..., metavar="INPUT...", help="Files, folders or globs: text, JSONL, Parquet"
    ),
    model: str = typer.Option(..., "--model", "-m", help="Pipeline name or folder"),
    output: Path = typer.Option(..., "--output", "-o", metavar="DIR"),
    fmt: str = typer.Option("parquet", "--format", help="parquet or spacy"),
    input_format: Optional[str] = typer.Option(
        None, help="text, jsonl or parquet for every input (default: by suffix)"
    ),
    text_field: str = typer.Option("text", help="JSON key or Parquet column"),
    id_field: Optional[str] = typer.Option(None, help="Key or column to keep as id"),
    address: Optional[str] = typer.Option(
        None, help="Ray cluster to join (default: a local Ray)"
    ),
    workers: Optional[int] = typer.Option(
        None, help="Ray workers (default: CPUs / --cpus-per-worker; 0: no Ray)"
    ),
    cpus_per_worker: float = typer.Option(1.0, help="CPUs and torch threads each"),
    gpus_per_worker: float = typer.Option(0.0, help="GPUs each (0: CPU)"),
    batch_size: Optional[int] = typer.Option(None, help="nlp.pipe batch size"),
    shard_size: int = typer.Option(10_000, help="Lines per shard (unit of resuming)"),
    max_chars: int = typer.Option(100_000, help="Longer documents are errors"),
    retries: int = typer.Option(3, help="Retries of a shard whose worker died"),
) -> None:
    """Annotate a corpus into sharded Parquet or .spacy files, on Ray.

    Bad records (invalid UTF-8, not JSON, no text, too long) go to
    DIR/errors.jsonl with their file and line; a rerun skips finished shards;
    DIR/summary.json counts what went in and out. See docs/scale_out.md.
    """
    from wasabi import msg

    from .annotate import annotate

    def progress(receipt: dict) -> None:
        msg.text(
            f"{receipt['shard']}: {receipt['annotated']} docs, "
            f"{receipt['errors']} errors, {receipt['seconds']:.1f} s"
        )

    summary = annotate(
        inputs, model, output,
        output_format=fmt, input_format=input_format, text_field=text_field,
        id_field=id_field, max_chars=max_chars, shard_size=shard_size,
        batch_size=batch_size, workers=workers, cpus_per_worker=cpus_per_worker,
        gpus_per_worker=gpus_per_worker, address=address, retries=retries,
        on_shard=progress,
    )  # fmt: skip
    msg.good(
        f"{summary.annotated} of {summary.records_in} records annotated, "
        f"{summary.errors} errors; shards: {summary.shards_written} written, "
        f"{summary.shards_skipped} skipped → {output}"
    )


@app.command(
    "serve",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def serve_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Pipeline folder or package name"),
    host: str = typer.Option("127.0.0.1", help="Address (0.0.0.0: every interface)"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, help="Processes, each with its own pipeline"),
    max_batch: int = typer.Option(32, help="Most texts in one nlp.pipe call"),
    max_wait_ms: float = typer.Option(
        5.0, help="How long a text waits for others to join its batch"
    ),
    max_chars: int = typer.Option(10_000, help="Longest text (characters)"),
    max_body: int = typer.Option(1_000_000, help="Largest request body (bytes)"),
    max_queue: int = typer.Option(
        1_024, help="Most texts waiting; more get 503 with Retry-After"
    ),
    log_level: str = typer.Option("info", help="uvicorn's log level"),
    ray_replicas: int = typer.Option(
        0, help="Ray Serve replicas instead of uvicorn (0: uvicorn)"
    ),
    ray_address: Optional[str] = typer.Option(
        None, help="Ray cluster for --ray-replicas (default: a local Ray)"
    ),
) -> None:
    """Serve a pipeline over HTTP (FastAPI on uvicorn, or on Ray Serve).

    POST /v1/analyze answers words, tags, entities, categories and sentences
    with character offsets; GET / is a page to try it; /docs the API; /health,
    /ready and /metrics for operations. Needs the serve extra (pip install
    'hanzi-spacy[serve]'). Config overrides as spaCy's:
    --components.transformer.model.prediction_dtype float32. See
    docs/serving.md.
    """
    from spacy.cli._util import parse_config_overrides

    from .serve import ServeSettings, serve

    settings = ServeSettings(
        model,
        config=parse_config_overrides(ctx.args),
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
        max_chars=max_chars,
        max_body=max_body,
        max_queue=max_queue,
    )
    serve(
        settings,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        ray_replicas=ray_replicas,
        ray_address=ray_address,
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Run a command; RETURNS the exit code (1 for a user error, 2 for usage)."""
    try:
        app(args=argv, prog_name="python -m hanzi_spacy", standalone_mode=False)
    except HanziError as e:
        print(f"✘ error: {e}", file=sys.stderr)
        return 1
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        return 1
    except USAGE_ERRORS as e:
        e.show()
        return getattr(e, "exit_code", 2)
    return 0


def _usage_errors() -> tuple:
    """The exceptions of bad command lines: typer 0.29 vendors its own click."""
    errors = [getattr(typer, "TyperException", None)]
    try:
        import click

        errors.append(click.ClickException)
    except ImportError:
        pass
    return tuple(error for error in errors if error is not None)


USAGE_ERRORS = _usage_errors()
