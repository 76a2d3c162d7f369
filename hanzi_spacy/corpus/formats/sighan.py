"""SIGHAN bakeoff segmented text to docs: one sentence per line, words separated
by whitespace (ASCII spaces, U+3000 or tabs).

The separators only mark word boundaries, so the words are joined without
spaces: ``doc.text`` is the unsegmented sentence. (A space that belonged to the
text, as in "iPhone 6", cannot be told from a separator and is lost.)
"""

from pathlib import Path
from typing import Iterator, Optional

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..lines import HAS_WORDS, ConversionReport, convert_lines


def parse_sighan_line(line: str, vocab: Vocab) -> Optional[Doc]:
    """The doc of one segmented line, or None for a blank line."""
    words = line.split()
    if not words:
        return None
    doc = Doc(vocab, words=words, spaces=[False] * len(words))
    doc.user_data[HAS_WORDS] = True
    return doc


def convert_sighan(
    path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Doc]:
    """Convert a SIGHAN-style segmented file, one doc per non-blank line."""

    def parse(line: str, path: Path, lineno: int) -> Optional[Doc]:
        return parse_sighan_line(line, vocab)

    yield from convert_lines(path, parse, report, skip_invalid)
