"""Deterministic train/dev/test splits that share no text and no article.

Two kinds of corpus, two ways to split:

- **Running text in article order** (People's Daily): paragraphs of one article
  share names, organisations and phrasing, so assigning paragraphs one by one
  puts the same article in train and test. ``split_blocks`` cuts the file into
  ``sections`` contiguous sections and each section into contiguous train, dev
  and test blocks (80/10/10). Test and dev therefore sample the whole month (all
  of its news sections and dates) while each held-out block is whole articles.
  The corpus carries no article ids, so each cut is moved forward to the next
  line that looks like an article's headline (``starts_article``); only where
  none is found within ``SNAP_LINES`` lines is an article cut in two.
- **Independent short texts** (reviews): ``split_docs`` assigns each text by
  the SHA-1 of its normalised form, so exact and near duplicates (texts equal
  after width folding, lower-casing and dropping punctuation and spaces) always
  land together and are merged; the assignment depends on neither file order
  nor a seed.

Both drop a doc whose text (normalised) was seen before, so no text is shared
between splits, and report how many they dropped.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc

SPLITS = ("train", "dev", "test")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)
SECTIONS = 10
# How far a cut may move to reach an article start.
SNAP_LINES = 60

_NOT_TEXT = re.compile(r"[\W_]+")
# A paragraph that ends like this closes a piece of body text.
_BODY_END = tuple("。！？”’」』）)…")
# A headline never ends like this.
_NOT_HEADLINE_END = tuple("。！？：；，、”’」』）)…:;,")


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")


def near_duplicate_key(text: str) -> str:
    """The text with width and case folded and punctuation and spaces removed."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())


def split_of(text: str, ratios: Tuple[float, float, float] = DEFAULT_RATIOS) -> str:
    """The split an independent text belongs to, by the hash of its normalised form.

    text (str): The document text.
    ratios (Tuple[float, float, float]): Train, dev and test fractions.
    RETURNS (str): "train", "dev" or "test".
    """
    position = (text_hash(near_duplicate_key(text)) % 10_000) / 10_000
    if position < ratios[0]:
        return "train"
    if position < ratios[0] + ratios[1]:
        return "dev"
    return "test"


@dataclass
class SplitReport:
    """What a split dropped and where it cut."""

    duplicates: int = 0  # docs dropped: their normalised text was seen before
    cuts: int = 0  # boundaries between blocks (split_blocks only)
    cuts_inside_article: int = 0  # cuts that found no article start nearby


def split_docs(
    docs: Iterable[Doc],
    ratios: Tuple[float, float, float] = DEFAULT_RATIOS,
    report: Optional[SplitReport] = None,
) -> Dict[str, List[Doc]]:
    """Deduplicate independent texts (exact and near duplicates) and split them.

    RETURNS (Dict[str, List[Doc]]): Docs per split, each ordered by the hash of
        its text (a fixed shuffle, so corpora interleave). Of a group of near
        duplicates the first is kept.
    """
    report = report if report is not None else SplitReport()
    seen = set()
    splits: Dict[str, List[Doc]] = {name: [] for name in SPLITS}
    for doc in docs:
        key = near_duplicate_key(doc.text)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        splits[split_of(doc.text, ratios)].append(doc)
    for name in SPLITS:
        splits[name].sort(key=lambda d: text_hash(d.text))
    return splits


def starts_article(texts: Sequence[str], i: int) -> bool:
    """Whether line i looks like an article's first line (its headline).

    A headline is short, does not open with a bracket (photo credits and
    datelines do), does not end like a sentence, and follows a line that ended
    one (the end of the previous article's body).
    """
    text = texts[i].strip()
    if not 2 <= len(text) <= 40 or text[0] in "（(《“":
        return False
    if text.endswith(_NOT_HEADLINE_END):
        return False
    return i == 0 or texts[i - 1].strip().endswith(_BODY_END)


def block_bounds(
    texts: Sequence[str],
    ratios: Tuple[float, float, float] = DEFAULT_RATIOS,
    sections: int = SECTIONS,
    report: Optional[SplitReport] = None,
) -> List[Tuple[str, int, int]]:
    """(split, begin, end) line ranges of contiguous blocks, in file order."""
    report = report if report is not None else SplitReport()
    n = len(texts)
    cuts: List[int] = []
    for s in range(sections):
        begin = n * s // sections
        size = n * (s + 1) // sections - begin
        cuts.append(begin + round(size * ratios[0]))
        cuts.append(begin + round(size * (ratios[0] + ratios[1])))
        cuts.append(n * (s + 1) // sections)
    snapped = [0]
    for cut in cuts[:-1]:
        report.cuts += 1
        cut = max(cut, snapped[-1])
        for j in range(cut, min(cut + SNAP_LINES, n)):
            if starts_article(texts, j):
                cut = j
                break
        else:
            report.cuts_inside_article += 1
        snapped.append(cut)
    snapped.append(n)
    names = [SPLITS[k % 3] for k in range(len(snapped) - 1)]
    return [
        (name, b, e) for name, b, e in zip(names, snapped[:-1], snapped[1:]) if e > b
    ]


def split_blocks(
    docs: Sequence[Doc],
    ratios: Tuple[float, float, float] = DEFAULT_RATIOS,
    sections: int = SECTIONS,
    report: Optional[SplitReport] = None,
) -> Dict[str, List[Doc]]:
    """Split running text in file order into contiguous blocks of whole articles.

    docs (Sequence[Doc]): One doc per paragraph, in the order of the file.
    sections (int): How many train/dev/test runs the file is cut into.
    RETURNS (Dict[str, List[Doc]]): Docs per split, in file order. A doc whose
        normalised text occurred earlier in the file is dropped (boilerplate
        such as photo credits recurs across articles and days).
    """
    report = report if report is not None else SplitReport()
    texts = [doc.text for doc in docs]
    splits: Dict[str, List[Doc]] = {name: [] for name in SPLITS}
    seen = set()
    for name, begin, end in block_bounds(texts, ratios, sections, report):
        for doc in docs[begin:end]:
            key = near_duplicate_key(doc.text)
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            splits[name].append(doc)
    return splits
