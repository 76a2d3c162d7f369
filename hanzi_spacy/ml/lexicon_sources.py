"""Dictionary sources as feature channels: where known words are, what, how common.

``lexicon.py`` gives one word list's boundaries. A dictionary such as jieba's
also says *what* a word is (a person's name, a place, an organisation, another
proper noun, a verb …) and how frequent it is; that is the knowledge a model
trained on one month of 1998 news lacks. Each source is its own channel, so
the model learns how far to trust each one: every dictionary has its own
segmentation standard and its own errors.

Per token and source, three uint64 features:

- bounds: which words of the source begin, end or cover the token (the bits of
  ``lexicon.token_bits``);
- classes: for each word matched over the token, bit ``3·class + position``
  (position 0 at its first token, 1 inside, 2 at its last);
- bands: bit ``2·band + side`` for each word beginning (side 0) or ending
  (side 1) here, the band being the word's frequency quartile in its source
  (band 0 when the source gives no frequency).

In training, each match is dropped with probability ``dropout`` (lexicon
dropout), so the model also sees the words a dictionary lacks, as it will on
text from elsewhere, and does not learn to copy one dictionary's standard.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy
from spacy.vocab import Vocab

from ..tokenizer import split_text
from ..util import dictionary_lines
from .lexicon import INSIDE, fold, matches

# The classes of a dictionary's words, from their tags (PKU's and jieba's
# tagsets share their prefixes); the first tag prefix that matches wins.
CLASSES = ("OTHER", "PER", "LOC", "ORG", "NZ", "N", "V", "A", "D", "M", "T", "I", "F")
TAG_CLASSES = (
    ("nr", "PER"),
    ("ns", "LOC"),
    ("nt", "ORG"),
    ("nz", "NZ"),
    ("n", "N"),
    ("v", "V"),
    ("a", "A"),
    ("b", "A"),
    ("z", "A"),
    ("d", "D"),
    ("m", "M"),
    ("q", "M"),
    ("t", "T"),
    ("f", "T"),
    ("s", "T"),
    ("i", "I"),
    ("l", "I"),
    ("j", "I"),
)
N_BANDS = 4


def tag_class(tag: Optional[str]) -> int:
    """The class index of a dictionary tag (``CLASSES``); 0 for none or another."""
    if tag:
        tag = tag.lower()
        for prefix, name in TAG_CLASSES:
            if tag.startswith(prefix):
                return CLASSES.index(name)
    return 0


@dataclass
class LexiconSource:
    """One dictionary as sorted word keys with each word's class and band."""

    keys: numpy.ndarray  # uint64, sorted, unique
    classes: numpy.ndarray  # uint8, aligned with keys
    bands: numpy.ndarray  # uint8, aligned with keys

    @classmethod
    def empty(cls) -> "LexiconSource":
        return cls(
            numpy.zeros((0,), "uint64"),
            numpy.zeros((0,), "uint8"),
            numpy.zeros((0,), "uint8"),
        )


def parse_entry(line: str) -> Optional[Tuple[str, Optional[int], Optional[str]]]:
    """(word, frequency, tag) of a source line, or None if it is not one.

    A line is a word, then optionally a frequency and a tag, separated by tabs
    or spaces, in either order: the user dictionary's ``word<TAB>TAG``, jieba's
    ``word freq tag`` and ``word<TAB>freq<TAB>tag`` are all read.
    """
    fields = line.split("\t") if "\t" in line else line.split()
    fields = [field.strip() for field in fields]
    if not fields or not fields[0] or len(fields) > 3 or " " in fields[0]:
        return None
    freq: Optional[int] = None
    tag: Optional[str] = None
    for field in fields[1:]:
        if field.isdigit() and freq is None:
            freq = int(field)
        elif field and not field.isdigit() and tag is None:
            tag = field
        else:
            return None
    return fields[0], freq, tag


def read_source(
    path: Union[str, Path],
) -> List[Tuple[str, Optional[int], Optional[str]]]:
    """The entries of a source file; a bad line is refused with its file and line."""
    return [entry for _, entry in dictionary_lines(path, parse_entry)]


def frequency_bands(freqs: List[Optional[int]]) -> numpy.ndarray:
    """Each word's frequency quartile within its source, 1 (rarest) to 4; 0 unknown."""
    bands = numpy.zeros(len(freqs), dtype="uint8")
    known = numpy.array([f is not None and f > 0 for f in freqs], dtype=bool)
    if not known.any():
        return bands
    values = numpy.log(numpy.array([f or 1 for f in freqs], dtype="float64"))
    edges = numpy.quantile(values[known], [0.25, 0.5, 0.75])
    bands[known] = 1 + numpy.searchsorted(edges, values[known], side="right")
    return numpy.minimum(bands, N_BANDS)


def build_source(
    entries: List[Tuple[str, Optional[int], Optional[str]]],
    vocab: Vocab,
    max_length: int,
) -> LexiconSource:
    """The keys, classes and bands of a source's words of 2 to ``max_length`` units.

    A word listed twice keeps its first class and its highest band.
    """
    bands = frequency_bands([freq for _, freq, _ in entries])
    table: Dict[int, Tuple[int, int]] = {}
    for (word, _, tag), band in zip(entries, bands):
        units, spaces = split_text(word)
        if not 2 <= len(units) <= max_length or any(spaces):
            continue
        if any(unit.isspace() for unit in units):
            continue
        key = int(fold(numpy.array([vocab[unit].norm for unit in units], "uint64")))
        if key in table:
            table[key] = (table[key][0], max(table[key][1], int(band)))
        else:
            table[key] = (tag_class(tag), int(band))
    keys = numpy.array(sorted(table), dtype="uint64")
    classes = numpy.array([table[int(k)][0] for k in keys], dtype="uint8")
    band_array = numpy.array([table[int(k)][1] for k in keys], dtype="uint8")
    return LexiconSource(keys, classes, band_array)


def load_source(path: Union[str, Path], vocab: Vocab, max_length: int) -> LexiconSource:
    """A source file read and keyed (``read_source``, ``build_source``)."""
    return build_source(read_source(path), vocab, max_length)


def source_features(
    norms: numpy.ndarray,
    joinable: numpy.ndarray,
    wordlike: numpy.ndarray,
    source: LexiconSource,
    max_length: int,
    dropout: float = 0.0,
    rng: Optional[numpy.random.Generator] = None,
) -> numpy.ndarray:
    """The bounds, classes and bands of each token, shape (n_tokens, 3), uint64.

    norms, joinable, wordlike: as for ``lexicon.token_bits``.
    dropout (float): Share of the matches left out (in training).
    rng (Optional[numpy.random.Generator]): Draws the matches left out.
    """
    n = len(norms)
    features = numpy.zeros((n, 3), dtype="uint64")
    cover = numpy.zeros(n + 1, dtype="int64")
    one = numpy.uint64(1)
    for length, starts, index in matches(
        norms, joinable, wordlike, source.keys, max_length
    ):
        if dropout > 0.0:
            kept = (rng or numpy.random.default_rng()).random(len(starts)) >= dropout
            starts, index = starts[kept], index[kept]
            if not len(starts):
                continue
        ends = starts + length - 1
        features[starts, 0] |= numpy.uint64(1 << (length - 2))
        features[ends, 0] |= numpy.uint64(1 << (8 + length - 2))
        if length >= 3:
            numpy.add.at(cover, starts + 1, 1)
            numpy.add.at(cover, ends, -1)
        base = source.classes[index].astype("uint64") * numpy.uint64(3)
        numpy.bitwise_or.at(features[:, 1], starts, one << base)
        numpy.bitwise_or.at(features[:, 1], ends, one << (base + numpy.uint64(2)))
        for offset in range(1, length - 1):
            numpy.bitwise_or.at(features[:, 1], starts + offset, one << (base + one))
        band = source.bands[index].astype("uint64") * numpy.uint64(2)
        numpy.bitwise_or.at(features[:, 2], starts, one << band)
        numpy.bitwise_or.at(features[:, 2], ends, one << (band + one))
    features[numpy.cumsum(cover[:n]) > 0, 0] |= INSIDE
    return features
