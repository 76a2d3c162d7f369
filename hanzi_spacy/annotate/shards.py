"""Shard bookkeeping: the output folder, annotating one shard, resuming, the summary.

The output folder::

    manifest.json        the settings of the run; a rerun must use the same
    attempts/ID          attempts at a shard in progress (see ray_runner.py)
    data/ID.parquet      one file per shard (or ID.spacy)
    done/ID.json         the shard's receipt: counts, time, peak memory, and its
                         bad records; written last
    errors.jsonl         every bad record with its source and line (from the
                         receipts, in input order)
    summary.json         records in, annotated, errors, shards written/skipped

A shard is finished when its receipt exists. Its data file is written under a
temporary name and renamed before the receipt is written, so a worker killed
at any point leaves either nothing, a temporary file, or a whole data file
without a receipt; in each case the shard is annotated again and its data file
replaced, never appended to: no record is lost or written twice. A rerun skips
the shards that have a receipt.
"""

import json
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional

from spacy.language import Language

from ..errors import Errors, HanziError
from .output import ShardWriter, output_suffix
from .records import BadRecord, ReadOptions, Record, Shard, read_shard


@dataclass(frozen=True)
class Layout:
    """Where a run writes: its folder and the format of its data files."""

    root: Path
    fmt: str = "parquet"

    def data(self, shard_id: str) -> Path:
        return self.root / "data" / f"{shard_id}{output_suffix(self.fmt)}"

    def receipt(self, shard_id: str) -> Path:
        return self.root / "done" / f"{shard_id}.json"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def errors(self) -> Path:
        return self.root / "errors.jsonl"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"


def prepare(layout: Layout, settings: Dict[str, Any]) -> None:
    """Create the folder, or check that it holds a run with the same settings.

    Temporary files that a killed run left are removed.
    """
    for sub in ("data", "done", "attempts"):
        (layout.root / sub).mkdir(parents=True, exist_ok=True)
    settings = json.loads(json.dumps(settings))  # tuples as lists, as read back
    if layout.manifest.exists():
        old = json.loads(layout.manifest.read_text(encoding="utf8"))
        changed = [k for k in settings if old.get(k) != settings[k]]
        if changed:
            diff = "; ".join(f"{k}: {old.get(k)!r} -> {settings[k]!r}" for k in changed)
            raise HanziError(Errors.E511.format(path=layout.root, diff=diff))
    else:
        write_json(layout.manifest, settings)
    for sub in ("data", "done"):
        for tmp in (layout.root / sub).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    for attempts in (layout.root / "attempts").iterdir():
        attempts.unlink()  # a new run gives every shard its retries again


def count_attempt(layout: Layout, shard_id: str) -> int:
    """Count one more attempt at a shard; RETURNS the attempts so far.

    Kept in the output folder (one byte per attempt), so it survives the death
    of the worker that made it.
    """
    path = layout.root / "attempts" / shard_id
    with path.open("ab") as f:
        f.write(b".")
    return path.stat().st_size


def clear_attempts(layout: Layout, shard_id: str) -> None:
    (layout.root / "attempts" / shard_id).unlink(missing_ok=True)


def split_done(layout: Layout, shards: Iterable[Shard]) -> tuple:
    """(shards to annotate, ids of those already finished)."""
    todo: List[Shard] = []
    done: List[str] = []
    for shard in shards:
        if layout.receipt(shard.id).exists():
            done.append(shard.id)
        else:
            todo.append(shard)
    return todo, done


def run_shard(
    nlp: Language,
    shard: Shard,
    layout: Layout,
    options: ReadOptions,
    batch_size: Optional[int] = None,
) -> Dict[str, Any]:
    """Annotate one shard, write its data file and receipt; RETURNS the receipt.

    The whole shard is piped inside one ``nlp.memory_zone()`` (stream.py), so
    the strings it brings are freed after it, and the docs are written in
    batches of ``batch_size`` as they come.
    """
    start = time.perf_counter()
    batch_size = batch_size or nlp.batch_size
    counts: Counter = Counter()
    bad: List[BadRecord] = []
    writer = ShardWriter(layout.data(shard.id), layout.fmt)
    try:
        with nlp.memory_zone():
            records = _good_records(read_shard(shard, options), counts, bad)
            pairs = ((record.text, record) for record in records)
            docs, batch = [], []
            for doc, record in nlp.pipe(pairs, batch_size=batch_size, as_tuples=True):
                docs.append(doc)
                batch.append(record)
                counts["chars"] += len(record.text)
                if len(docs) == batch_size:
                    writer.write(docs, batch)
                    docs, batch = [], []
            if docs:
                writer.write(docs, batch)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    receipt = {
        "shard": shard.id,
        "source": shard.path,
        "first_line": shard.first_line,
        "lines": shard.n_lines,
        "records": counts["records"],
        "annotated": writer.rows,
        "blank": counts["blank"],
        "errors": len(bad),
        "chars": counts["chars"],
        "seconds": round(time.perf_counter() - start, 3),
        "pid": os.getpid(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "bad_records": [b.to_dict() for b in bad],
    }
    write_json(layout.receipt(shard.id), receipt)
    return receipt


def _good_records(
    records: Iterable[Any], counts: Counter, bad: List[BadRecord]
) -> Iterator[Record]:
    for record in records:
        if record is None:
            counts["blank"] += 1
            continue
        counts["records"] += 1
        if isinstance(record, BadRecord):
            bad.append(record)
        else:
            yield record


@dataclass
class Summary:
    """What a run read and wrote, over all its shards (this run's and earlier)."""

    records_in: int = 0
    annotated: int = 0
    errors: int = 0
    blank: int = 0
    chars: int = 0
    shards: int = 0
    shards_written: int = 0
    shards_skipped: int = 0
    seconds: float = 0.0
    docs_per_s: Optional[float] = None
    chars_per_s: Optional[float] = None
    workers: Optional[int] = None
    peak_rss_mb_per_worker: Optional[float] = None


def summarize(
    layout: Layout,
    shards: List[Shard],
    written: Iterable[str],
    skipped: Iterable[str],
    seconds: float,
    workers: Optional[int] = None,
) -> Summary:
    """Gather the receipts of every shard, write errors.jsonl and summary.json.

    Speeds count only the shards written in this run.
    """
    written = set(written)
    summary = Summary(shards=len(shards), shards_written=len(written))
    summary.shards_skipped = len(set(skipped))
    summary.seconds, summary.workers = round(seconds, 3), workers
    docs_now = chars_now = 0
    peaks: List[float] = []
    tmp = layout.errors.with_name(f".{layout.errors.name}.tmp")
    with tmp.open("w", encoding="utf8") as errors:
        for shard in shards:
            path = layout.receipt(shard.id)
            if not path.exists():
                raise HanziError(Errors.E512.format(shard=shard.id, path=path))
            receipt = json.loads(path.read_text(encoding="utf8"))
            for key in ("records", "annotated", "errors", "blank", "chars"):
                name = _field(key)
                setattr(summary, name, getattr(summary, name) + receipt[key])
            for bad in receipt["bad_records"]:
                errors.write(json.dumps({**bad, "shard": shard.id}) + "\n")
            if shard.id in written:
                docs_now += receipt["annotated"]
                chars_now += receipt["chars"]
                peaks.append(receipt["peak_rss_mb"])
    os.replace(tmp, layout.errors)
    if seconds > 0 and written:
        summary.docs_per_s = round(docs_now / seconds, 1)
        summary.chars_per_s = round(chars_now / seconds, 1)
    summary.peak_rss_mb_per_worker = max(peaks) if peaks else None
    write_json(layout.summary, asdict(summary))
    return summary


def _field(key: str) -> str:
    return "records_in" if key == "records" else key


def write_json(path: Path, data: Any) -> None:
    """Write JSON under a temporary name, then rename it (atomic on one filesystem)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf8")
    os.replace(tmp, path)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
