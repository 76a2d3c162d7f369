"""Character-per-line NER files (``char<TAB>tag`` or ``char tag``) to docs.

One character and its tag per line, a blank line between sentences, tags in the
BIO (IOB2), BIOES, BILUO or BMES scheme (see tags.py), detected from the file or
given. The tokens are the characters, joined without spaces, so ``doc.text`` is
the sentence. Every character gets entity annotation (O outside entities); word
boundaries are unknown, so the docs do not carry HAS_WORDS.

A space character can only be written in the tab-separated form (`` <TAB>O``): in
the space-separated form it reads as a separator. U+3000 works in both.
"""

from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ...errors import Errors
from ..lines import ConversionError, ConversionReport, read_lines
from .blocks import Block, convert_blocks
from .tags import LABEL_ALIASES, Scheme, decode_tags, detect_scheme, get_scheme


def split_fields(line: str) -> List[str]:
    """The fields of a line: split on tabs if it has one, else on ASCII spaces."""
    line = line.rstrip(" \t")
    if "\t" in line:
        return line.split("\t")
    return [field for field in line.split(" ") if field]


def parse_bio_block(
    block: Block,
    vocab: Vocab,
    path: Path,
    scheme: Scheme,
    aliases: Dict[str, str] = LABEL_ALIASES,
) -> Doc:
    """Build the doc of one sentence: character tokens and entities."""
    words: List[str] = []
    tags: List[Tuple[int, str]] = []
    for lineno, line in block:
        fields = split_fields(line)
        if len(fields) != 2:
            raise ConversionError(
                Errors.E110.format(path=path, line=lineno, n=len(fields))
            )
        if not fields[0]:
            raise ConversionError(Errors.E116.format(path=path, line=lineno))
        words.append(fields[0])
        tags.append((lineno, fields[1]))
    entities = decode_tags(tags, scheme, path, aliases)
    doc = Doc(vocab, words=words, spaces=[False] * len(words))
    spans = [Span(doc, start, end, label=label) for start, end, label in entities]
    doc.set_ents(spans, default="outside")
    return doc


def bio_converter(
    scheme: str = "auto", aliases: Dict[str, str] = LABEL_ALIASES
) -> Callable[[Path, Vocab, ConversionReport, bool], Iterator[Doc]]:
    """A converter for character-per-line NER files in one tag scheme.

    scheme (str): "auto" (detect from all the tags of each file: M → BMES, L or U
        → BILUO, E or S → BIOES, else BIO) or one of BIO, IOB2, BIOES, IOBES,
        BILUO, BMES; a tag outside the scheme fails at its line.
    aliases (Dict[str, str]): Upper-case label -> entity label (nr → PER, ...).
    RETURNS (Callable): (path, vocab, report, skip_invalid) -> docs.
    """
    fixed = None if scheme == "auto" else get_scheme(scheme)

    def convert_bio(
        path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
    ) -> Iterator[Doc]:
        """Convert a character-per-line NER file, one doc per sentence."""
        chosen = fixed or detect_scheme(file_tags(path))

        def parse(block: Block) -> Doc:
            return parse_bio_block(block, vocab, path, chosen, aliases)

        yield from convert_blocks(path, parse, report, skip_invalid)

    return convert_bio


def file_tags(path: Path) -> Iterator[str]:
    """The tags of a file, for scheme detection; bad lines are left to the parser."""
    for _, line in read_lines(path, None, skip_invalid=True):
        fields = split_fields(line)
        if len(fields) == 2:
            yield fields[1]


convert_bio = bio_converter("auto")
