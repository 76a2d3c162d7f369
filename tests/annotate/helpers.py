"""Reading a run's output back, and what nlp.pipe gives on the same texts."""

import json
from pathlib import Path
from typing import Dict, List

import pytest
from spacy.language import Language

from hanzi_spacy.annotate import doc_row
from hanzi_spacy.annotate.output import read_rows


def output_rows(folder: Path) -> List[Dict]:
    """Every row of a Parquet run, in input order (source, line)."""
    rows = [
        row for path in (folder / "data").glob("*.parquet") for row in read_rows(path)
    ]
    return sorted(rows, key=lambda row: (row["source"], row["line"]))


def reference_rows(nlp: Language, good: List[list], inputs: Path) -> List[Dict]:
    """``doc_row`` of ``nlp.pipe`` over the good records, with their sources."""
    rows = []
    for (name, line, _), doc in zip(good, nlp.pipe(text for *_, text in good)):
        row = doc_row(doc)
        row["source"], row["line"] = str(inputs / name), line
        rows.append(row)
    return rows


def assert_same_rows(rows: List[Dict], reference: List[Dict]) -> None:
    """Rows equal but for the ids, and the scores within float32 rounding (the
    batches differ)."""
    assert len(rows) == len(reference)
    for row, ref in zip(rows, reference):
        keys = [k for k in ref if k not in ("id", "cats")]
        assert {k: row[k] for k in keys} == {k: ref[k] for k in keys}
        assert row["cats"] == pytest.approx(ref["cats"], abs=1e-5)


def error_records(folder: Path) -> List[tuple]:
    lines = (folder / "errors.jsonl").read_text(encoding="utf8").splitlines()
    records = [json.loads(line) for line in lines]
    return [(Path(r["source"]).name, r["line"], r["error"]) for r in records]
