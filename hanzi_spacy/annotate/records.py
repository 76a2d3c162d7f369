"""Input records: which files, cut into shards, and the documents of a shard.

Three formats, chosen by the file name or ``input_format``:

- ``text`` (any other suffix): one document per line, UTF-8;
- ``jsonl`` (``.jsonl``, ``.ndjson``): one JSON object per line, the document in
  its ``text_field``;
- ``parquet`` (``.parquet``): the document in the string column ``text_field``.

A shard is a run of ``shard_size`` consecutive lines (rows) of one file. Its id
is made from the file's name, a fingerprint of the file (resolved path, size,
modification time) and the shard's number, so the same input and settings give
the same ids on every run, and a changed file gets new ones. Planning reads
text files once in binary, counting newlines in fixed-size blocks (the byte
offset of every shard's first line), and Parquet files' footers only.

Reading a shard yields a ``Record`` per document and a ``BadRecord`` per line
that cannot be one: invalid UTF-8, a line that is not a JSON object, no string
in the text field, more characters than ``max_chars``. Blank lines are counted
and skipped. A line is never held whole when it is longer than the limit allows:
it is read in bounded pieces and reported.
"""

import glob
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Union

from ..errors import Errors, HanziError

FORMATS = ("text", "jsonl", "parquet")
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
BLOCK = 1 << 20  # bytes read at a time when scanning and skipping
# Error kinds, the ``error`` field of the errors file.
INVALID_UTF8, INVALID_JSON, NO_TEXT, TOO_LONG = (
    "invalid_utf8",
    "invalid_json",
    "no_text",
    "too_long",
)


@dataclass(frozen=True)
class Shard:
    """A run of consecutive lines (or Parquet rows) of one input file.

    id (str): Deterministic name, the stem of the shard's output files.
    path (str): The input file.
    fmt (str): "text", "jsonl" or "parquet".
    first_line (int): 1-based number of its first line (row).
    n_lines (int): How many lines (rows) it covers.
    start (int): Byte offset of its first line (text formats; 0 for Parquet).
    end (int): Byte offset after its last line (text formats; 0 for Parquet).
    """

    id: str
    path: str
    fmt: str
    first_line: int
    n_lines: int
    start: int = 0
    end: int = 0

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Shard":
        return cls(**{k: _plain(data[k]) for k in cls.__dataclass_fields__})


@dataclass
class Record:
    """A document to annotate and where it came from."""

    source: str
    line: int
    text: str
    id: Optional[str] = None


@dataclass
class BadRecord:
    """A line that is not a document, with the reason (an ``Errors`` message)."""

    source: str
    line: int
    error: str
    message: str

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReadOptions:
    """How records are read: the JSON/Parquet fields and the size limit."""

    text_field: str = "text"
    id_field: Optional[str] = None
    max_chars: int = 100_000


def expand_inputs(inputs: Iterable[Union[str, Path]]) -> List[Path]:
    """Files named by paths, folders (their files) or glob patterns, in order.

    RETURNS (List[Path]): Each file once, in the order given; the matches of a
        pattern or a folder sorted by name.
    """
    files: List[Path] = []
    for spec in map(str, inputs):
        if Path(spec).is_dir():
            matches = sorted(str(p) for p in Path(spec).iterdir() if p.is_file())
        elif glob.has_magic(spec):
            matches = sorted(p for p in glob.glob(spec, recursive=True))
            matches = [p for p in matches if Path(p).is_file()]
        else:
            matches = [spec] if Path(spec).is_file() else []
        if not matches:
            raise HanziError(Errors.E501.format(spec=spec))
        files.extend(Path(p) for p in matches if Path(p) not in files)
    return files


def input_format(path: Path, fmt: Optional[str] = None) -> str:
    """The format of an input file: ``fmt`` if given, else from its suffix."""
    if fmt:
        if fmt not in FORMATS:
            raise HanziError(Errors.E502.format(fmt=fmt, formats=", ".join(FORMATS)))
        return fmt
    return SUFFIXES.get(path.suffix.lower(), "text")


def plan_shards(
    paths: Iterable[Path],
    shard_size: int,
    fmt: Optional[str] = None,
    options: ReadOptions = ReadOptions(),
) -> Iterator[Shard]:
    """The shards of the input files, in order (see the module docstring).

    shard_size (int): Lines (rows) per shard.
    fmt (Optional[str]): Force one format for every file.
    """
    for path in paths:
        kind = input_format(path, fmt)
        prefix = f"{_safe_stem(path)}-{_fingerprint(path)}"
        if kind == "parquet":
            n_rows = _parquet_rows(path, options)
            for i, first in enumerate(range(0, n_rows, shard_size)):
                n = min(shard_size, n_rows - first)
                yield Shard(f"{prefix}-{i:06d}", str(path), kind, first + 1, n)
            continue
        offsets = _line_offsets(path, shard_size)
        for i, (start, end, first, n) in enumerate(offsets):
            yield Shard(f"{prefix}-{i:06d}", str(path), kind, first, n, start, end)


def read_shard(
    shard: Shard, options: ReadOptions
) -> Iterator[Union[Record, BadRecord, None]]:
    """The records of a shard in order; ``None`` for a blank line."""
    if shard.fmt == "parquet":
        yield from _parquet_records(shard, options)
        return
    byte_limit = 4 * options.max_chars + 2  # UTF-8: at most 4 bytes a character
    if shard.fmt == "jsonl":  # escapes (\uXXXX) and other fields
        byte_limit = 12 * options.max_chars + BLOCK
    with open(shard.path, "rb") as f:
        f.seek(shard.start)
        for number in range(shard.first_line, shard.first_line + shard.n_lines):
            raw = f.readline(byte_limit)
            if len(raw) == byte_limit and not raw.endswith(b"\n"):
                _skip_rest_of_line(f)
                message = Errors.E509.format(
                    path=shard.path, line=number, bytes=byte_limit,
                    limit=options.max_chars,
                )  # fmt: skip
                yield BadRecord(shard.path, number, TOO_LONG, message)
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte order mark
            yield _parse_line(raw, shard, number, options)


def _parse_line(
    raw: bytes, shard: Shard, number: int, options: ReadOptions
) -> Union[Record, BadRecord, None]:
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as e:
        message = Errors.E503.format(path=shard.path, line=number, reason=e.reason)
        return BadRecord(shard.path, number, INVALID_UTF8, message)
    if not line.strip():
        return None
    if shard.fmt == "text":
        return _checked(Record(shard.path, number, line), options)
    try:
        obj = json.loads(line)
    except ValueError as e:
        message = Errors.E504.format(path=shard.path, line=number, reason=e)
        return BadRecord(shard.path, number, INVALID_JSON, message)
    if not isinstance(obj, dict):
        reason = f"a JSON {type(obj).__name__}, not an object"
        message = Errors.E504.format(path=shard.path, line=number, reason=reason)
        return BadRecord(shard.path, number, INVALID_JSON, message)
    return _record(shard.path, number, obj.get(options.text_field), obj, options)


def _record(
    source: str, number: int, text: Any, obj: Dict[str, Any], options: ReadOptions
) -> Union[Record, BadRecord]:
    if not isinstance(text, str):
        got = "nothing" if text is None else type(text).__name__
        message = Errors.E505.format(
            path=source, line=number, field=options.text_field, got=got
        )
        return BadRecord(source, number, NO_TEXT, message)
    value = obj.get(options.id_field) if options.id_field else None
    record = Record(source, number, text, None if value is None else str(value))
    return _checked(record, options)


def _checked(record: Record, options: ReadOptions) -> Union[Record, BadRecord]:
    if len(record.text) <= options.max_chars:
        return record
    message = Errors.E506.format(
        path=record.source, line=record.line, n=len(record.text),
        limit=options.max_chars,
    )  # fmt: skip
    return BadRecord(record.source, record.line, TOO_LONG, message)


def _skip_rest_of_line(f) -> None:
    while True:
        piece = f.readline(BLOCK)
        if not piece or piece.endswith(b"\n"):
            return


def _line_offsets(path: Path, shard_size: int) -> List[tuple]:
    """(start byte, end byte, first line, lines) of each run of ``shard_size`` lines.

    The last line counts even without a final newline; an empty file has none.
    """
    shards: List[tuple] = []
    start, first, lines, pos = 0, 1, 0, 0
    with open(path, "rb") as f:
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            at = 0
            while True:
                newline = block.find(b"\n", at)
                if newline < 0:
                    break
                lines += 1
                at = newline + 1
                if lines == shard_size:
                    shards.append((start, pos + at, first, lines))
                    start, first, lines = pos + at, first + lines, 0
            pos += len(block)
    if pos > start:  # lines after the last full shard; the last may lack "\n"
        tail = lines + (0 if _ends_with_newline(path, pos) else 1)
        shards.append((start, pos, first, tail))
    return shards


def _ends_with_newline(path: Path, size: int) -> bool:
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1) == b"\n"


def _parquet_rows(path: Path, options: ReadOptions) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    for name in filter(None, (options.text_field, options.id_field)):
        if name not in schema.names:
            columns = ", ".join(schema.names)
            raise HanziError(Errors.E507.format(path=path, field=name, columns=columns))
    kind = schema.field(options.text_field).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise HanziError(
            Errors.E508.format(path=path, field=options.text_field, type=kind)
        )
    return pq.ParquetFile(path).metadata.num_rows


def _parquet_records(
    shard: Shard, options: ReadOptions
) -> Iterator[Union[Record, BadRecord, None]]:
    """The rows of a shard, reading only the row groups it overlaps."""
    import pyarrow.parquet as pq

    columns = [c for c in (options.text_field, options.id_field) if c]
    parquet = pq.ParquetFile(shard.path)
    first, last = shard.first_line - 1, shard.first_line - 1 + shard.n_lines
    offset = 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        lo, hi = max(first, offset), min(last, offset + size)
        if lo < hi:
            table = parquet.read_row_group(group, columns=columns)
            rows = table.slice(lo - offset, hi - lo).to_pylist()
            for number, row in enumerate(rows, start=lo + 1):
                text = row[options.text_field]
                if isinstance(text, str) and not text.strip():
                    yield None  # blank, as a blank line
                    continue
                yield _record(shard.path, number, text, row, options)
        offset += size


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    key = f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return hashlib.sha1(key.encode("utf8", "surrogateescape")).hexdigest()[:10]


def _safe_stem(path: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in path.stem)
    return stem[:40] or "input"


def _plain(value: Any) -> Any:
    """A Python value from what Ray Data hands back (numpy scalars)."""
    return value.item() if hasattr(value, "item") else value


__all__ = [
    "FORMATS",
    "Shard",
    "Record",
    "BadRecord",
    "ReadOptions",
    "expand_inputs",
    "input_format",
    "plan_shards",
    "read_shard",
]
