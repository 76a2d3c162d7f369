"""Pretraining data: read the text, hold out lines, mark words, cut into examples.

Each example is a dict with ``input_ids`` ([CLS] characters [SEP]) and
``word_ids`` (the same length; -1 on [CLS]/[SEP], otherwise the index of the
jieba word the character belongs to), which the whole-word-masking collator
uses. Words come from jieba once, here, so the collator stays cheap.
"""

import functools
import hashlib
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from transformers import PreTrainedTokenizerFast

from ..errors import Errors, HanziError
from ..util import read_lines

Example = Dict[str, List[int]]


def read_texts(paths: Sequence[Path]) -> List[str]:
    """Read the non-blank lines of UTF-8 text files, in order.

    paths (Sequence[Path]): The input files; all are checked to exist first.
    RETURNS (List[str]): The lines without their newline.
    """
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise HanziError(Errors.E200.format(path=path))
    texts: List[str] = []
    for path in paths:
        lines = [line for _, line in read_lines(path) if line.strip()]
        if not lines:
            raise HanziError(Errors.E201.format(path=path))
        texts.extend(lines)
    return texts


def line_hash(text: str) -> float:
    """A stable hash of a line in [0, 1): the same in every process and run."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def split_heldout(
    texts: Sequence[str], fraction: float, max_lines: int = 1000
) -> Tuple[List[str], List[str]]:
    """Hold out a deterministic share of the distinct lines for evaluation.

    A line is held out when its hash is below ``fraction``, so repeated lines
    fall on one side and never leak into the evaluation. When no line's hash is
    low enough (little text), the line with the lowest hash is held out.

    texts (Sequence[str]): All input lines.
    fraction (float): Share of distinct lines to hold out, in [0, 1).
    max_lines (int): At most this many held-out lines (those of lowest hash).
    RETURNS (Tuple[List[str], List[str]]): (training lines, held-out distinct
        lines), both in input order.
    """
    distinct = dict.fromkeys(texts)
    if fraction <= 0 or len(distinct) < 2:
        return list(texts), []
    ranked = sorted(distinct, key=line_hash)
    chosen = [t for t in ranked[:max_lines] if line_hash(t) < fraction] or ranked[:1]
    heldout = set(chosen)
    train = [t for t in texts if t not in heldout]
    return train, [t for t in distinct if t in heldout]


@functools.lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    # A fresh Tokenizer with the default dictionary: words a user added to the
    # global jieba instance do not change our segmentation.
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter


def word_index(text: str) -> List[int]:
    """The word index of each character of ``text``, from jieba (no HMM).

    jieba without its HMM is the more accurate of its two modes on People's
    Daily (F1 0.833 vs 0.811, DESIGN.md) and faster.

    text (str): A line.
    RETURNS (List[int]): len(text) word indices, increasing.
    """
    index: List[int] = []
    for i, word in enumerate(_jieba().lcut(text, HMM=False)):
        index.extend([i] * len(word))
    if len(index) != len(text):  # jieba lost or added a character: no words
        return list(range(len(text)))
    return index


def make_examples(
    tokenizer: PreTrainedTokenizerFast, texts: Iterable[str], max_length: int
) -> List[Example]:
    """Tokenize lines, mark words, and cut long lines into chunks.

    tokenizer (PreTrainedTokenizerFast): The character tokenizer.
    texts (Iterable[str]): Lines of raw text.
    max_length (int): Pieces per example including [CLS] and [SEP]; a line with
        more characters is cut into chunks of max_length - 2 characters.
    RETURNS (List[Example]): Examples with input_ids and word_ids.
    """
    texts = list(texts)
    step = max_length - 2
    if step < 1:
        raise HanziError(
            Errors.E207.format(name="max_length", expected=">= 3", value=max_length)
        )
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    encodings = tokenizer.backend_tokenizer.encode_batch(
        texts, add_special_tokens=False
    )
    examples: List[Example] = []
    for text, encoding in zip(texts, encodings):
        words = word_index(text)
        ids = encoding.ids
        # NFKC may expand one character into several pieces: they share its word.
        piece_words = [words[start] for start, _ in encoding.offsets]
        for i in range(0, len(ids), step):
            examples.append(
                {
                    "input_ids": [cls] + ids[i : i + step] + [sep],
                    "word_ids": [-1] + piece_words[i : i + step] + [-1],
                }
            )
    return examples


def count_pieces(examples: Iterable[Example]) -> int:
    """The number of character pieces (no [CLS]/[SEP]) in examples."""
    return sum(len(e["input_ids"]) - 2 for e in examples)
