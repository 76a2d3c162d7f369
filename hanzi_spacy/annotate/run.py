"""``annotate``: plan the shards, skip the finished ones, run the rest, summarize."""

import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Optional, Union

from ..errors import Errors, HanziError
from .records import ReadOptions, expand_inputs, plan_shards
from .shards import Layout, Summary, prepare, run_shard, split_done, summarize

ProgressCallback = Callable[[Dict[str, Any]], None]


def annotate(
    inputs: Iterable[Union[str, Path]],
    model: str,
    output: Union[str, Path],
    *,
    output_format: str = "parquet",
    input_format: Optional[str] = None,
    text_field: str = "text",
    id_field: Optional[str] = None,
    max_chars: int = 100_000,
    shard_size: int = 10_000,
    batch_size: Optional[int] = None,
    workers: Optional[int] = None,
    cpus_per_worker: float = 1,
    gpus_per_worker: float = 0,
    address: Optional[str] = None,
    retries: int = 3,
    config: Optional[Dict[str, Any]] = None,
    on_shard: Optional[ProgressCallback] = None,
    annotator: Optional[type] = None,
) -> Summary:
    """Annotate text files with a pipeline into sharded output, resumably.

    inputs (Iterable): Files, folders or glob patterns (text, JSONL, Parquet).
    model (str): Pipeline package name or folder (visible to every worker).
    output (Union[str, Path]): The output folder (shards.py describes it); a
        rerun into the same folder skips the finished shards.
    output_format (str): "parquet" or "spacy".
    input_format (Optional[str]): "text", "jsonl" or "parquet" for every file;
        None: from each file's suffix.
    text_field (str): JSON key or Parquet column of the text.
    id_field (Optional[str]): JSON key or Parquet column copied to the ``id``.
    max_chars (int): Longer documents go to the errors file.
    shard_size (int): Lines (rows) per shard: the unit of work and of resuming.
    batch_size (Optional[int]): ``nlp.pipe``'s; None: the pipeline's own.
    workers (Optional[int]): Ray workers; 0 runs in this process without Ray;
        None: as many as the cluster's CPUs allow.
    cpus_per_worker (float): CPUs (and torch threads) per worker.
    gpus_per_worker (float): GPUs per worker (0: CPU).
    address (Optional[str]): An existing Ray cluster; None: a local one.
    retries (int): Times a shard is retried after its worker died.
    config (Optional[Dict[str, Any]]): Overrides for ``spacy.load``.
    on_shard (Optional[ProgressCallback]): Called with each receipt.
    annotator (Optional[type]): The Ray actor class (a ShardAnnotator).
    RETURNS (Summary): Counts over every shard, also in ``summary.json``.
    """
    for name, value, least in (
        ("--shard-size", shard_size, 1),
        ("--max-chars", max_chars, 1),
        ("--batch-size", batch_size or 1, 1),
        ("--workers", 0 if workers is None else workers, 0),
        ("--retries", retries, 0),
    ):
        if not isinstance(value, int) or value < least:
            raise HanziError(Errors.E513.format(name=name, least=least, value=value))
    options = ReadOptions(text_field, id_field, max_chars)
    shards = list(plan_shards(expand_inputs(inputs), shard_size, input_format, options))
    layout = Layout(Path(output), output_format)
    settings = {
        "model": str(model),
        "config": config or {},
        "output_format": output_format,
        "input_format": input_format,
        "shard_size": shard_size,
        "read_options": options.__dict__,
    }
    prepare(layout, settings)
    todo, done = split_done(layout, shards)
    start = time.perf_counter()
    if workers == 0:
        receipts = _in_process(todo, model, layout, options, batch_size, config)
    else:
        from .ray_runner import ShardAnnotator, run_on_ray

        receipts = run_on_ray(
            todo, str(model), layout, options,
            workers=workers, cpus_per_worker=cpus_per_worker,
            gpus_per_worker=gpus_per_worker, batch_size=batch_size, config=config,
            address=address, retries=retries, annotator=annotator or ShardAnnotator,
        )  # fmt: skip
    for receipt in receipts:
        if on_shard is not None:
            on_shard(receipt)
    seconds = time.perf_counter() - start
    written = [shard.id for shard in todo]
    return summarize(layout, shards, written, done, seconds, workers)


def _in_process(todo, model, layout, options, batch_size, config):
    """The shards annotated one after another in this process (no Ray)."""
    if not todo:
        return
    from .ray_runner import load_pipeline

    nlp = load_pipeline(str(model), config)
    for shard in todo:
        yield run_shard(nlp, shard, layout, options, batch_size)
