"""Line reading shared by every converter: UTF-8 checks, line numbers, skip policy."""

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Tuple

from spacy.tokens import Doc, DocBin

from ..errors import Errors, HanziError

# Docs whose word boundaries are annotated carry this key in ``doc.user_data``,
# so the segmenter learns only from them (a review doc has no word boundaries).
HAS_WORDS = "hanzi_spacy.has_words"


class ConversionError(HanziError):
    """A malformed input line; the message names the file and the line."""


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


def read_lines(
    path: Path,
    report: Optional[ConversionReport] = None,
    skip_invalid: bool = False,
) -> Iterator[Tuple[int, str]]:
    """Yield (line number, text without the newline) for each line of a UTF-8 file.

    path (Path): The file.
    report (ConversionReport): Where skipped lines are counted.
    skip_invalid (bool): Skip and count lines that are not valid UTF-8 instead of
        raising a ConversionError that names the line.
    YIELDS (Tuple[int, str]): 1-based line number and line; a byte order mark is
        dropped.
    """
    path = Path(path)
    if not path.is_file():
        raise HanziError(Errors.E024.format(path=path))
    with path.open("rb") as f:
        for i, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                error = ConversionError(
                    Errors.E020.format(path=path, line=i, reason=e.reason)
                )
                if not skip_invalid:
                    raise error from e
                if report is not None:
                    report.skipped.append(str(error))
                continue
            if i == 1:
                line = line.lstrip("\ufeff")
            yield i, line.rstrip("\r\n")


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
