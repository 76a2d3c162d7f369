"""Review lines (one text per line, one file per label) to docs with ``cats``.

Deduplicated across all files before anything is split: about half of the raw
lines of the default corpus are repeats, and splitting first would leak test
texts into training. A text that appears under two labels is dropped and counted.
"""

from pathlib import Path
from typing import Dict, Iterator, Sequence, Tuple

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
    first: Dict[str, str] = {}
    conflicted = set()
    n_texts = 0
    for label, path in sources:
        for _, line in read_lines(path, report, skip_invalid):
            text = line.strip()
            if not text:
                continue
            n_texts += 1
            seen = first.setdefault(text, label)
            if seen != label:
                conflicted.add(text)
    report.duplicates += n_texts - len(first)
    report.conflicts += len(conflicted)
    for text, label in first.items():
        if text in conflicted:
            continue
        doc = text_doc(vocab, text)
        doc.cats = {name: float(name == label) for name in labels}
        report.add(doc)
        yield doc
