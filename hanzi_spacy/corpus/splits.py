"""Deterministic, deduplicated train/dev/test splits by a hash of the text.

A doc's split is decided by the SHA-1 of its text alone, so the same text always
lands in the same split (two copies can never straddle a split), the assignment
does not depend on file order or on a random seed, and adding documents never
moves the existing ones. Exact duplicates are merged before splitting.
"""

import hashlib
from typing import Dict, Iterable, List, Tuple

from spacy.tokens import Doc

SPLITS = ("train", "dev", "test")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")


def split_of(text: str, ratios: Tuple[float, float, float] = DEFAULT_RATIOS) -> str:
    """The split a text belongs to.

    text (str): The document text.
    ratios (Tuple[float, float, float]): Train, dev and test fractions.
    RETURNS (str): "train", "dev" or "test".
    """
    position = (text_hash(text) % 10_000) / 10_000
    if position < ratios[0]:
        return "train"
    if position < ratios[0] + ratios[1]:
        return "dev"
    return "test"


def split_docs(
    docs: Iterable[Doc], ratios: Tuple[float, float, float] = DEFAULT_RATIOS
) -> Tuple[Dict[str, List[Doc]], int]:
    """Deduplicate docs by text and split them.

    RETURNS (Tuple[Dict[str, List[Doc]], int]): Docs per split, each ordered by
        the hash of its text (a fixed shuffle, so corpora interleave), and the
        number of duplicate docs dropped (the first copy is kept).
    """
    seen = set()
    splits: Dict[str, List[Doc]] = {name: [] for name in SPLITS}
    duplicates = 0
    for doc in docs:
        if doc.text in seen:
            duplicates += 1
            continue
        seen.add(doc.text)
        splits[split_of(doc.text, ratios)].append(doc)
    for name in SPLITS:
        splits[name].sort(key=lambda d: text_hash(d.text))
    return splits, duplicates
