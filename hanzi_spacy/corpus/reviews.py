"""Review lines (one text per line, one file per label) to docs with ``cats``.

Deduplicated across all files before anything is split: about half of the raw
lines of the default corpus are repeats, and splitting first would leak test
texts into training. A text that appears under two labels is dropped and counted.
"""

from pathlib import Path
from typing import Dict, Iterable, Iterator, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..tokenizer import split_text
from .lines import ConversionReport, read_lines


def text_doc(vocab: Vocab, text: str) -> Doc:
    """A doc with the pipeline's character tokens and no token annotation."""
    words, spaces = split_text(text)
    return Doc(vocab, words=words, spaces=spaces)


def convert_reviews(
    sources: Sequence[Tuple[str, Path]],
    vocab: Vocab,
    report: ConversionReport,
    skip_invalid: bool = False,
) -> Iterator[Doc]:
    """Read (label, file) pairs and yield one doc per distinct text.

    sources (Sequence[Tuple[str, Path]]): Each label with the file of its texts.
    RETURNS (Iterator[Doc]): Docs with exclusive ``cats`` over all labels, in
        order of first appearance; blank lines hold no text and are passed over.
    """
    labels = [label for label, _ in sources]

    def records() -> Iterator[Tuple[str, str]]:
        for label, path in sources:
            for _, line in read_lines(path, report, skip_invalid):
                if line.strip():
                    yield label, line.strip()

    yield from labelled_docs(records(), vocab, report, labels)


def labelled_docs(
    records: Iterable[Tuple[str, str]],
    vocab: Vocab,
    report: ConversionReport,
    labels: Optional[Sequence[str]] = None,
) -> Iterator[Doc]:
    """Deduplicate (label, text) records; yield docs in order of first appearance.

    labels (Optional[Sequence[str]]): All labels; default: those of the records.
    """
    first: Dict[str, str] = {}
    conflicted: Set[str] = set()
    seen_labels: Set[str] = set()
    n_records = 0
    for label, text in records:
        n_records += 1
        seen_labels.add(label)
        if first.setdefault(text, label) != label:
            conflicted.add(text)
    report.duplicates += n_records - len(first)
    report.conflicts += len(conflicted)
    names = list(labels) if labels is not None else sorted(seen_labels)
    for text, label in first.items():
        if text in conflicted:
            continue
        doc = text_doc(vocab, text)
        doc.cats = {name: float(name == label) for name in names}
        report.add(doc)
        yield doc
