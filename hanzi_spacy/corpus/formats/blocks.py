"""Blocks of lines separated by blank lines: sentences of CoNLL-U and BIO files."""

from functools import partial
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

from spacy.tokens import Doc

from ..lines import ConversionReport, parsed_docs, read_lines

Block = List[Tuple[int, str]]  # (line number, line) of each non-blank line


def read_blocks(
    path: Path, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Block]:
    """Yield the runs of non-blank lines of a file, with their line numbers.

    A block that lost a line to invalid UTF-8 (skipped and counted by read_lines
    under skip_invalid) is dropped whole: a sentence missing a character would
    teach wrong words and entities.
    """
    block: Block = []
    broken = False
    last = 0
    for lineno, line in read_lines(path, report, skip_invalid):
        broken = broken or lineno != last + 1
        last = lineno
        if line.strip(" \t"):
            block.append((lineno, line))
            continue
        if block and not broken:
            yield block
        block, broken = [], False
    if block and not broken:
        yield block


def convert_blocks(
    path: Path,
    parse: Callable[[Block], Optional[Doc]],
    report: ConversionReport,
    skip_invalid: bool = False,
) -> Iterator[Doc]:
    """Apply a one-block-one-doc parser to each block of a file.

    parse (Callable): block -> Doc, or None for a block without a document.
        Raises ConversionError on a malformed line.
    YIELDS (Doc): One doc per valid block; skip_invalid counts invalid blocks in
        report.skipped instead of raising.
    """
    parses = (
        partial(parse, block) for block in read_blocks(path, report, skip_invalid)
    )
    yield from parsed_docs(parses, report, skip_invalid)
