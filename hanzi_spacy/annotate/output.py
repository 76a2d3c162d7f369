"""Annotated docs as rows, and the writers of one shard's output file.

A row holds what the pipeline predicts, in plain Python values, so it outlives
the doc (docs made inside ``nlp.memory_zone()`` do not) and can be compared
with ``nlp.pipe``'s output:

    source, line, id    where the document came from (id: the user's, if any)
    text                doc.text
    words, spaces       token texts and whether a space follows each
                        (``Doc(vocab, words=words, spaces=spaces)`` rebuilds it)
    tags, pos           PKU tags and Universal POS, one per word
    ents                [{start, end, label}], character offsets into text
    cats                {label: score}
    sents               [{start, end}], character offsets into text

Two output formats: ``parquet`` (those columns; one row group per batch of
docs, written as they come) and ``spacy`` (a DocBin of the word-level docs
with tags, POS, entities, sentence starts and cats; the source and line go in
``doc.user_data``). Both are written under a temporary name and renamed when
complete, so a file with the final name is always whole.
"""

import os
from pathlib import Path
from typing import Any, Dict, List, Optional

from spacy.tokens import Doc, DocBin

from ..errors import Errors, HanziError
from .records import Record

OUTPUT_FORMATS = {"parquet": ".parquet", "spacy": ".spacy"}
SOURCE_KEY = "hanzi_spacy.source"  # doc.user_data in .spacy output: (path, line)
DOCBIN_ATTRS = ["ORTH", "TAG", "POS", "ENT_IOB", "ENT_TYPE", "SENT_START"]


def doc_row(doc: Doc, record: Optional[Record] = None) -> Dict[str, Any]:
    """The analysis of a doc as plain values (see the module docstring)."""
    return {
        "source": record.source if record else None,
        "line": record.line if record else None,
        "id": record.id if record else None,
        "text": doc.text,
        "words": [t.text for t in doc],
        "spaces": [bool(t.whitespace_) for t in doc],
        "tags": [t.tag_ for t in doc],
        "pos": [t.pos_ for t in doc],
        "ents": [
            {"start": e.start_char, "end": e.end_char, "label": e.label_}
            for e in doc.ents
        ],
        "cats": {label: float(score) for label, score in sorted(doc.cats.items())},
        "sents": _sentences(doc),
    }


def _sentences(doc: Doc) -> List[Dict[str, int]]:
    if not len(doc) or not doc.has_annotation("SENT_START"):
        return [{"start": 0, "end": len(doc.text)}] if len(doc) else []
    return [{"start": s.start_char, "end": s.end_char} for s in doc.sents]


def row_schema():
    """The Parquet schema of the rows (pyarrow is imported here, not on import)."""
    import pyarrow as pa

    span = [("start", pa.int32()), ("end", pa.int32())]
    return pa.schema(
        [
            ("source", pa.string()),
            ("line", pa.int64()),
            ("id", pa.string()),
            ("text", pa.string()),
            ("words", pa.list_(pa.string())),
            ("spaces", pa.list_(pa.bool_())),
            ("tags", pa.list_(pa.string())),
            ("pos", pa.list_(pa.string())),
            ("ents", pa.list_(pa.struct(span + [("label", pa.string())]))),
            ("cats", pa.map_(pa.string(), pa.float64())),
            ("sents", pa.list_(pa.struct(span))),
        ]
    )


def read_rows(path: Path) -> List[Dict[str, Any]]:
    """The rows of a Parquet output file, as ``doc_row`` gives them."""
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    for row in rows:
        row["cats"] = dict(row["cats"] or [])
    return rows


def output_suffix(fmt: str) -> str:
    if fmt not in OUTPUT_FORMATS:
        options = ", ".join(OUTPUT_FORMATS)
        raise HanziError(Errors.E510.format(fmt=fmt, formats=options))
    return OUTPUT_FORMATS[fmt]


class ShardWriter:
    """Writes one shard's docs to ``path`` through a temporary file.

    path (Path): The final file; it appears only when ``close`` succeeds.
    fmt (str): "parquet" or "spacy".
    """

    def __init__(self, path: Path, fmt: str) -> None:
        output_suffix(fmt)
        self.path = Path(path)
        self.fmt = fmt
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self.rows = 0
        self._parquet = None
        self._docbin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)

    def write(self, docs: List[Doc], records: List[Record]) -> None:
        """Add a batch of annotated docs, each with its record."""
        self.rows += len(docs)
        if self.fmt == "spacy":
            for doc, record in zip(docs, records):
                self._docbin.add(_plain_doc(doc, record))
            return
        import pyarrow as pa

        table = pa.Table.from_pylist(
            [doc_row(d, r) for d, r in zip(docs, records)], schema=row_schema()
        )
        if self._parquet is None:
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(self.tmp, row_schema())
        self._parquet.write_table(table)

    def close(self) -> None:
        """Finish the file and give it its final name (atomically)."""
        if self.fmt == "spacy":
            self._docbin.to_disk(self.tmp)
        else:
            if self._parquet is None:  # no documents: an empty table
                import pyarrow.parquet as pq

                pq.write_table(row_schema().empty_table(), self.tmp)
            else:
                self._parquet.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Drop the temporary file."""
        if self._parquet is not None:
            self._parquet.close()
        self.tmp.unlink(missing_ok=True)


def _plain_doc(doc: Doc, record: Record) -> Doc:
    """The doc with its source as its only user data.

    The transformer's output (``doc._.trf_data``, in user_data) is large and not
    a result: it is left out. The doc is changed in place: it is not used again.
    """
    doc.user_data = {SOURCE_KEY: [record.source, record.line, record.id]}
    return doc
