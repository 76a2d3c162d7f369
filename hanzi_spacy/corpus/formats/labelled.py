"""Labelled texts to text classification docs: ``tsv`` (``label<TAB>text`` lines,
no header) and ``csv`` (a header row naming the ``label`` and ``text`` columns).

The classes are exclusive: ``doc.cats`` holds every label of the file, 1.0 for
the doc's own. Texts are stripped of surrounding whitespace and deduplicated, so
the whole file is read before the first doc is yielded: a text that occurs twice
becomes one doc (counted in ``report.duplicates``), and a text that occurs under
two labels is dropped (counted in ``report.conflicts``), as in reviews.py. The
tokens are the pipeline's character tokens, without annotation.
"""

import csv
from pathlib import Path
from typing import Iterator, List, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ...errors import Errors
from ..lines import ConversionError, ConversionReport, read_lines
from ..reviews import labelled_docs

Record = Tuple[str, str]  # label, text


def check_record(label: str, text: str, path: Path, lineno: int) -> Record:
    """The stripped (label, text), or a ConversionError if either is empty."""
    label, text = label.strip(), text.strip()
    if not label:
        raise ConversionError(Errors.E121.format(path=path, line=lineno))
    if not text:
        raise ConversionError(Errors.E122.format(path=path, line=lineno))
    return label, text


def tsv_records(
    path: Path, report: ConversionReport, skip_invalid: bool
) -> Iterator[Record]:
    """The records of ``label<TAB>text`` lines; blank lines are passed over."""
    for lineno, line in read_lines(path, report, skip_invalid):
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        try:
            if not sep:
                raise ConversionError(Errors.E120.format(path=path, line=lineno))
            yield check_record(label, text, path, lineno)
        except ConversionError as e:
            if not skip_invalid:
                raise
            report.skipped.append(str(e))


def csv_records(
    path: Path, report: ConversionReport, skip_invalid: bool
) -> Iterator[Record]:
    """The records of a CSV file with a header; blank rows are passed over.

    Errors name the first line of the record (a quoted text may span lines).
    """
    fed: List[int] = []  # line numbers of the lines read for the current record

    def lines() -> Iterator[str]:
        for lineno, line in read_lines(path, report, skip_invalid):
            fed.append(lineno)
            yield line + "\n"

    reader = csv.reader(lines(), strict=True)
    columns = None
    while True:
        fed.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            error = ConversionError(
                Errors.E125.format(path=path, line=fed[0] if fed else 0, reason=e)
            )
            if not skip_invalid:
                raise error from e
            report.skipped.append(str(error))
            continue
        if not any(cell.strip() for cell in row):
            continue
        lineno = fed[0]
        if columns is None:  # the header
            header = [cell.strip().lower() for cell in row]
            if "label" not in header or "text" not in header:
                raise ConversionError(
                    Errors.E123.format(path=path, line=lineno, header=row)
                )
            columns = header.index("label"), header.index("text")
            continue
        try:
            needed = max(columns) + 1
            if len(row) < needed:
                raise ConversionError(
                    Errors.E124.format(
                        path=path, line=lineno, n=len(row), needed=needed
                    )
                )
            yield check_record(row[columns[0]], row[columns[1]], path, lineno)
        except ConversionError as e:
            if not skip_invalid:
                raise
            report.skipped.append(str(e))


def convert_tsv(
    path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Doc]:
    """Convert ``label<TAB>text`` lines to docs with exclusive cats."""
    yield from labelled_docs(tsv_records(path, report, skip_invalid), vocab, report)


def convert_csv(
    path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Doc]:
    """Convert a CSV file with ``label`` and ``text`` columns to docs with cats."""
    yield from labelled_docs(csv_records(path, report, skip_invalid), vocab, report)
