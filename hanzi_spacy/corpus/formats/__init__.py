"""Converters for user formats: sighan, conllu, bio, tsv and csv.

Each converter is ``(path, vocab, report, skip_invalid) -> Iterator[Doc]``: it
counts the docs it yields in ``report`` and, with ``skip_invalid``, skips and
counts malformed records instead of raising a ConversionError that names the
file and the line.
"""

from pathlib import Path
from typing import Callable, Dict, Iterator

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..lines import ConversionReport
from .bio import bio_converter, convert_bio
from .conllu import convert_conllu
from .labelled import convert_csv, convert_tsv
from .sighan import convert_sighan
from .tags import LABEL_ALIASES, SCHEMES

Converter = Callable[[Path, Vocab, ConversionReport, bool], Iterator[Doc]]

FORMATS: Dict[str, Converter] = {
    "sighan": convert_sighan,
    "conllu": convert_conllu,
    "bio": convert_bio,
    "tsv": convert_tsv,
    "csv": convert_csv,
}

__all__ = [
    "FORMATS",
    "LABEL_ALIASES",
    "SCHEMES",
    "Converter",
    "bio_converter",
    "convert_bio",
    "convert_conllu",
    "convert_csv",
    "convert_sighan",
    "convert_tsv",
]
