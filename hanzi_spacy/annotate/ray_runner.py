"""Annotate shards on Ray Data: one actor per worker, the pipeline loaded once.

The dataset is the list of shards still to do (records.py plans them, shards.py
knows which are done), one shard per block; ``map_batches`` hands each to a
``ShardAnnotator`` actor, which reads the shard's records from the input file
itself, annotates them and writes the shard's output file and receipt
(shards.py). What travels through Ray is the shard's description and its
receipt, never the texts: the driver's memory does not grow with the input, and
the input and output folders must be visible to every node (one machine, or a
shared filesystem on a cluster).

Options weighed for the work unit: Ray Data's own readers and ``write_parquet``
(block boundaries are Ray's, so a rerun cannot tell which records are done,
and a bad line fails the read) against shards we plan, with deterministic ids
and one output file each (a retried or rerun shard replaces its file). We take
the second.

Faults: an actor that dies (killed, out of memory, a crashed extension) is
restarted by Ray with the pipeline loaded again and its shard tried again (Ray
Data's defaults for actor pools: ``max_restarts`` and ``max_task_retries`` -1,
which map_batches no longer takes as arguments from Ray 2.64). Ray would retry
forever, so each actor counts the attempts of a shard in the output folder
(``attempts/ID``): a shard that killed its worker ``retries`` times fails the
run with an error that names it, instead of looping; a rerun resumes. An
exception in Python (a HanziError: a Parquet file without the text column)
fails the run at once.

Threads: each actor asks Ray for ``cpus_per_worker`` CPUs and runs torch with
that many threads, so N workers on N cores do not oversubscribe them.
"""

from typing import Any, Dict, Iterator, List, Optional

from ..errors import Errors, HanziError
from .records import ReadOptions, Shard
from .shards import Layout, clear_attempts, count_attempt, run_shard


def load_pipeline(
    model: str,
    config: Optional[Dict[str, Any]] = None,
    threads: Optional[int] = None,
    use_gpu: bool = False,
):
    """Load a pipeline (package name or folder) for a worker.

    threads (Optional[int]): torch's intra-op threads; None leaves torch's own.
    use_gpu (bool): Run on the worker's GPU (``spacy.require_gpu``).
    """
    import spacy

    if threads:
        import torch

        torch.set_num_threads(threads)
    if use_gpu:
        spacy.require_gpu()
    return spacy.load(model, config=config or {})


class ShardAnnotator:
    """The ``map_batches`` callable: a Ray actor that annotates whole shards.

    model (str): The pipeline's package name or folder, as ``spacy.load`` takes.
    root (str): The output folder. fmt (str): "parquet" or "spacy".
    options (Dict[str, Any]): ``ReadOptions`` fields.
    config (Optional[Dict[str, Any]]): Overrides for ``spacy.load``.
    batch_size (Optional[int]): ``nlp.pipe``'s batch size.
    threads (int): torch threads. use_gpu (bool): Predict on the GPU Ray gave it.
    """

    def __init__(
        self,
        model: str,
        root: str,
        fmt: str,
        options: Dict[str, Any],
        config: Optional[Dict[str, Any]] = None,
        batch_size: Optional[int] = None,
        threads: int = 1,
        use_gpu: bool = False,
        retries: int = 3,
    ) -> None:
        from pathlib import Path

        self.nlp = load_pipeline(model, config, threads, use_gpu)
        self.layout = Layout(Path(root), fmt)
        self.options = ReadOptions(**options)
        self.batch_size = batch_size
        self.retries = retries

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, List[Any]]:
        """Annotate the shards of a batch; RETURNS their receipts (no bad records)."""
        receipts = [self.annotate(shard) for shard in _shards(batch)]
        keys = [k for k in receipts[0] if k != "bad_records"] if receipts else []
        return {k: [r[k] for r in receipts] for k in keys}

    def annotate(self, shard: Shard) -> Dict[str, Any]:
        """Annotate a shard, unless it has killed its worker ``retries`` times."""
        attempts = count_attempt(self.layout, shard.id)
        if attempts > self.retries + 1:
            raise HanziError(
                Errors.E514.format(
                    shard=shard.id, n=attempts - 1, path=shard.path,
                    first=shard.first_line, last=shard.first_line + shard.n_lines - 1,
                )
            )  # fmt: skip
        receipt = run_shard(self.nlp, shard, self.layout, self.options, self.batch_size)
        clear_attempts(self.layout, shard.id)
        return receipt


def _shards(batch: Dict[str, Any]) -> Iterator[Shard]:
    n = len(batch["id"])
    for i in range(n):
        yield Shard.from_dict({key: values[i] for key, values in batch.items()})


def run_on_ray(
    shards: List[Shard],
    model: str,
    layout: Layout,
    options: ReadOptions,
    *,
    workers: Optional[int] = None,
    cpus_per_worker: float = 1,
    gpus_per_worker: float = 0,
    batch_size: Optional[int] = None,
    config: Optional[Dict[str, Any]] = None,
    address: Optional[str] = None,
    retries: int = 3,
    annotator: type = ShardAnnotator,
) -> Iterator[Dict[str, Any]]:
    """Annotate shards on Ray; YIELDS each shard's receipt as it finishes.

    workers (Optional[int]): Actors; None: the cluster's CPUs (or GPUs) divided
        by what each worker asks for.
    address (Optional[str]): An existing cluster ("auto", "ray://host:10001");
        None starts Ray on this machine, unless it is already running here.
    retries (int): Times a shard is tried again after its worker died.
    annotator (type): The actor class (ShardAnnotator or a subclass).
    """
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False)
    if not shards:
        return
    workers = workers or _default_workers(ray, cpus_per_worker, gpus_per_worker)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    dataset = ray.data.from_items(
        [shard.to_dict() for shard in shards], override_num_blocks=len(shards)
    )
    constructor = {
        "model": model,
        "root": str(layout.root.resolve()),
        "fmt": layout.fmt,
        "options": options.__dict__,
        "config": config,
        "batch_size": batch_size,
        "threads": max(1, int(cpus_per_worker)),
        "use_gpu": gpus_per_worker > 0,
        "retries": retries,
    }
    receipts = dataset.map_batches(
        annotator,
        fn_constructor_kwargs=constructor,
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=min(workers, len(shards))),
        num_cpus=cpus_per_worker,
        num_gpus=gpus_per_worker or None,
    )
    for row in receipts.iter_rows():
        yield {key: _plain(value) for key, value in row.items()}


def _default_workers(ray, cpus: float, gpus: float) -> int:
    resources = ray.cluster_resources()
    if gpus:
        return max(1, int(resources.get("GPU", 0) // gpus))
    return max(1, int(resources.get("CPU", 1) // cpus))


def import_ray():
    """Ray, or a HanziError that says how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:
        raise HanziError(Errors.E500.format(error=e)) from e
    return ray


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
