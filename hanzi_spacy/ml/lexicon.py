"""Word-lexicon features: which known words begin, end or cover each character.

Most of a character model's segmentation errors are words it never saw in
training and single characters wrongly joined to a neighbour (docs/decisions.md).
A character model that sees only ±3 characters cannot know whether a span is a
word it has seen. Dictionary features answer that (Zhang, Liu and Fu 2018,
"Neural networks incorporating dictionaries for Chinese word segmentation"),
and they are how a user's domain word list can help the segmenter softly,
instead of forcing its words whole as the segmenter's ``user_dict`` does.

Per token, one integer of bits: bit L-2 when a lexicon word of L tokens begins
here, bit 8+L-2 when one ends here (2 ≤ L ≤ ``max_length``), and bit 16 when
the token is strictly inside one. A word is a sequence of the pretokenizer's
units (CJK characters, alphanumeric runs) matched on their NORM hashes, never
across whitespace. The words are keyed by folding their units' NORM hashes, as
the bigram features are, so the lookups are a few numpy operations per doc.
"""

from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple, Union

import numpy
from spacy.attrs import IS_SPACE, NORM, SPACY
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..tokenizer import split_text
from ..util import read_user_dictionary

# The same odd multiplier as the bigram keys (ngram_embed.MIX).
MIX = numpy.uint64(0x100000001B3)
INSIDE = numpy.uint64(1 << 16)


def fold(norms: numpy.ndarray) -> numpy.uint64:
    """The key of a word from its units' NORM hashes: ((n0·MIX) ^ n1)·MIX ^ n2 …"""
    key = numpy.uint64(norms[0])
    with numpy.errstate(over="ignore"):
        for norm in norms[1:]:
            key = key * MIX ^ numpy.uint64(norm)
    return key


def word_keys(words: Iterable[str], vocab: Vocab, max_length: int) -> numpy.ndarray:
    """Sorted unique keys of the words of 2 to ``max_length`` units.

    Words with whitespace, of one unit, or longer than ``max_length`` units are
    left out: they can never match.
    """
    keys = set()
    for word in words:
        units, spaces = split_text(word)
        if not 2 <= len(units) <= max_length or any(spaces):
            continue
        if any(unit.isspace() for unit in units):
            continue
        keys.add(int(fold(numpy.array([vocab[unit].norm for unit in units], "uint64"))))
    return numpy.array(sorted(keys), dtype="uint64")


def read_lexicon(path: Union[str, Path]) -> List[str]:
    """The words of a lexicon file: one word per line, an optional <TAB>tag ignored.

    The format of the segmenter's user dictionary (``read_user_dictionary``),
    with the same errors for bad lines and an empty file.
    """
    return [word for word, _ in read_user_dictionary(path)]


def lexicon_bits(doc: Doc, keys: numpy.ndarray, max_length: int) -> numpy.ndarray:
    """The lexicon feature of each token of a doc, shape (n_tokens,), uint64."""
    return batch_lexicon_bits([doc], keys, max_length)[0]


def batch_lexicon_bits(
    docs: List[Doc], keys: numpy.ndarray, max_length: int
) -> List[numpy.ndarray]:
    """``lexicon_bits`` of each doc, looked up for the whole batch at once.

    The docs' tokens are put end to end, and no word may run on from the last
    token of a doc: one set of numpy operations per batch instead of per doc.
    """
    if not docs:
        return []
    norms, joinable, wordlike, ends = batch_attrs(docs)
    bits = token_bits(norms, joinable, wordlike, keys, max_length)
    return numpy.split(bits, ends[:-1])


def batch_attrs(
    docs: List[Doc],
) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The docs' tokens end to end: NORM, joinable, wordlike, and each doc's end.

    No word may run on from the last token of a doc (see ``token_bits``).
    """
    if not docs:
        empty = numpy.zeros((0,), dtype="uint64")
        return empty, empty.astype(bool), empty.astype(bool), empty.astype("int64")
    arrays = [doc.to_array([NORM, SPACY, IS_SPACE]).reshape((-1, 3)) for doc in docs]
    lengths = numpy.array([len(array) for array in arrays], dtype="int64")
    ends = numpy.cumsum(lengths)
    attrs = numpy.concatenate(arrays).astype("uint64")
    joinable = (attrs[:, 1] == 0) & (attrs[:, 2] == 0)
    joinable[ends[lengths > 0] - 1] = False
    return attrs[:, 0], joinable, attrs[:, 2] == 0, ends


def token_bits(
    norms: numpy.ndarray,
    joinable: numpy.ndarray,
    wordlike: numpy.ndarray,
    keys: numpy.ndarray,
    max_length: int,
) -> numpy.ndarray:
    """The lexicon bits of a sequence of tokens.

    norms (numpy.ndarray): NORM hash of each token, uint64.
    joinable (numpy.ndarray): whether a word may go on after each token (no
        whitespace after it, not a space, not the end of a doc).
    wordlike (numpy.ndarray): whether a word may begin at each token.
    keys (numpy.ndarray): sorted word keys (``word_keys``).
    max_length (int): longest word looked up, in tokens.
    """
    n = len(norms)
    bits = numpy.zeros(n, dtype="uint64")
    cover = numpy.zeros(n + 1, dtype="int64")
    for length, starts, _ in matches(norms, joinable, wordlike, keys, max_length):
        bits[starts] |= numpy.uint64(1 << (length - 2))
        bits[starts + length - 1] |= numpy.uint64(1 << (8 + length - 2))
        if length >= 3:
            numpy.add.at(cover, starts + 1, 1)
            numpy.add.at(cover, starts + length - 1, -1)
    bits[numpy.cumsum(cover[:n]) > 0] |= INSIDE
    return bits


def matches(
    norms: numpy.ndarray,
    joinable: numpy.ndarray,
    wordlike: numpy.ndarray,
    keys: numpy.ndarray,
    max_length: int,
) -> Iterator[Tuple[int, numpy.ndarray, numpy.ndarray]]:
    """(length, start tokens, key indices) of the lexicon words found, per length.

    Arguments as for ``token_bits``.
    """
    n = len(norms)
    if n < 2 or not len(keys):
        return
    key = norms.copy()
    ok = wordlike.copy()
    for length in range(2, max_length + 1):
        m = n - length + 1
        if m <= 0:
            break
        with numpy.errstate(over="ignore"):
            key = key[:m] * MIX ^ norms[length - 1 :]
        ok = ok[:m] & joinable[length - 2 : length - 2 + m]
        where = numpy.minimum(numpy.searchsorted(keys, key), len(keys) - 1)
        starts = numpy.flatnonzero(ok & (keys[where] == key))
        if len(starts):
            yield length, starts, where[starts]


def load_keys(
    path: Optional[Union[str, Path]], vocab: Vocab, max_length: int
) -> numpy.ndarray:
    """The keys of a lexicon file, or none without a file."""
    if path is None:
        return numpy.zeros((0,), dtype="uint64")
    return word_keys(read_lexicon(path), vocab, max_length)
