"""People's Daily (PKU) ``word/TAG`` lines to spaCy docs with tags, POS and entities.

Entities come from the tags: ``nr`` → PER, where consecutive ``nr`` tokens are one
person (the corpus tags surname and given name separately: 江/nr 泽民/nr); ``ns`` →
LOC and ``nt`` → ORG, one entity per token.
"""

from pathlib import Path
from typing import Iterator, List, Optional

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..errors import Errors
from ..upos import pku_to_upos
from .lines import HAS_WORDS, ConversionError, ConversionReport, convert_lines

ENTITY_TAGS = {"nr": "PER", "ns": "LOC", "nt": "ORG"}


def parse_pku_line(line: str, vocab: Vocab, path: Path, lineno: int) -> Optional[Doc]:
    """Parse one line of ``word/TAG`` tokens separated by whitespace.

    RETURNS (Optional[Doc]): The doc, or None for a blank line.
    """
    words: List[str] = []
    tags: List[str] = []
    for token in line.split():
        word, slash, tag = token.rpartition("/")
        if not slash:
            raise ConversionError(
                Errors.E021.format(path=path, line=lineno, token=token)
            )
        if not word or not tag:
            raise ConversionError(
                Errors.E022.format(path=path, line=lineno, token=token)
            )
        words.append(word)
        tags.append(tag)
    if not words:
        return None
    doc = Doc(
        vocab,
        words=words,
        spaces=[False] * len(words),
        tags=tags,
        pos=[pku_to_upos(t) for t in tags],
    )
    doc.set_ents(entity_spans(doc, tags), default="outside")
    doc.user_data[HAS_WORDS] = True
    return doc


def entity_spans(doc: Doc, tags: List[str]) -> List[Span]:
    """Entity spans from PKU tags: runs of ``nr`` merge into one PER."""
    spans: List[Span] = []
    i = 0
    while i < len(tags):
        label = ENTITY_TAGS.get(tags[i])
        end = i + 1
        if label == "PER":
            while end < len(tags) and tags[end] == "nr":
                end += 1
        if label:
            spans.append(Span(doc, i, end, label=label))
        i = end
    return spans


def convert_pku(
    path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Doc]:
    """Convert a PKU-format file, one paragraph per line, to docs."""

    def parse(line: str, path: Path, lineno: int) -> Optional[Doc]:
        return parse_pku_line(line, vocab, path, lineno)

    yield from convert_lines(path, parse, report, skip_invalid)
