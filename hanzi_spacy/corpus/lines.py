"""Line reading shared by every converter: UTF-8 checks, line numbers, skip policy."""

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional

from spacy.tokens import Doc, DocBin

from ..errors import ConversionError
from ..util import HAS_WORDS, read_lines

__all__ = ["HAS_WORDS", "ConversionError", "read_lines"]


@dataclass
class ConversionReport:
    """What a conversion wrote and what it skipped."""

    docs: int = 0
    tokens: int = 0
    entities: int = 0
    labels: Counter = field(default_factory=Counter)
    skipped: List[str] = field(default_factory=list)
    duplicates: int = 0  # repeated texts merged into one doc
    conflicts: int = 0  # texts dropped because they carry two different labels

    def add(self, doc: Doc) -> None:
        self.docs += 1
        if doc.user_data.get(HAS_WORDS):
            self.tokens += len(doc)
        self.entities += len(doc.ents)
        for label, value in doc.cats.items():
            if value:
                self.labels[label] += 1

    def summary(self) -> str:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        text = (
            f"{self.docs} docs, {self.tokens} tokens, {self.entities} entities, "
            f"labels: {labels or 'none'}"
        )
        if self.duplicates:
            text += f"; merged {self.duplicates} duplicate texts"
        if self.conflicts:
            text += f"; dropped {self.conflicts} texts with conflicting labels"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} invalid lines"
        return text


def convert_lines(
    path: Path,
    parse: Callable[[str, Path, int], Optional[Doc]],
    report: ConversionReport,
    skip_invalid: bool = False,
) -> Iterator[Doc]:
    """Apply a one-line-one-doc parser to each line of a file.

    parse (Callable): (line, path, line number) -> Doc, or None for a line that
        holds no document (blank). Raises ConversionError on a malformed line.
    report (ConversionReport): Counts what was written and skipped.
    skip_invalid (bool): Count and report malformed lines instead of stopping.
    YIELDS (Doc): One doc per non-blank valid line.
    """
    records = read_lines(path, report, skip_invalid)
    parses = (partial(parse, line, path, lineno) for lineno, line in records)
    yield from parsed_docs(parses, report, skip_invalid)


def parsed_docs(
    parses: Iterable[Callable[[], Optional[Doc]]],
    report: ConversionReport,
    skip_invalid: bool = False,
) -> Iterator[Doc]:
    """Run each parse; count its doc, or stop (or skip and count) on bad input.

    parses (Iterable[Callable[[], Optional[Doc]]]): One call per record, returning
        a doc, None for a record without a document, or raising ConversionError.
    YIELDS (Doc): The docs of the valid records.
    """
    for parse in parses:
        try:
            doc = parse()
        except ConversionError as e:
            if not skip_invalid:
                raise
            report.skipped.append(str(e))
            continue
        if doc is not None:
            report.add(doc)
            yield doc


def write_docbin(docs: Iterable[Doc], output: Path) -> int:
    """Write docs to a .spacy file atomically: nothing is left behind on failure.

    RETURNS (int): The number of docs written.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    db = DocBin(store_user_data=True)
    for doc in docs:
        db.add(doc)
    fd, tmp = tempfile.mkstemp(dir=output.parent, suffix=".tmp")
    os.close(fd)
    try:
        db.to_disk(tmp)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(db)
