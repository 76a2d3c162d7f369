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
    Daily, and the faster (the scores: docs/pretraining.md, "Word boundaries").

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
    tokenizer: PreTrainedTokenizerFast,
    texts: Iterable[str],
    max_length: int,
    pack: bool = False,
) -> List[Example]:
    """Tokenize lines, mark words, and cut them into examples.

    Unpacked, each line is one example, or several when it is longer than
    max_length - 2 pieces. Packed, consecutive lines fill each example up to
    max_length, separated by [SEP], so a batch computes (almost) no padding and
    the model sees text across line ends; a line may continue into the next
    example.

    tokenizer (PreTrainedTokenizerFast): A fast tokenizer: ours, or any Hugging
        Face one (pieces map to words through their character offsets).
    texts (Iterable[str]): Lines of raw text.
    max_length (int): Pieces per example including [CLS] and [SEP].
    pack (bool): Fill examples with consecutive lines.
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
    ids: List[int] = []
    words: List[int] = []
    first_word = 0  # word indices are unique within a packed example
    for text, encoding in zip(texts, encodings):
        if not encoding.ids:
            continue
        line_words = word_index(text)
        # A piece belongs to the word of its first character (NFKC may expand
        # one character into several pieces; a WordPiece may span several).
        piece_words = [first_word + line_words[start] for start, _ in encoding.offsets]
        if pack and ids:
            ids.append(sep)
            words.append(-1)
        ids.extend(encoding.ids)
        words.extend(piece_words)
        first_word = piece_words[-1] + 1
        while len(ids) >= step or (not pack and ids):
            examples.append(
                {
                    "input_ids": [cls] + ids[:step] + [sep],
                    "word_ids": [-1] + words[:step] + [-1],
                }
            )
            del ids[:step], words[:step]
            if ids and ids[0] == sep:  # a cut right before a separator
                del ids[0], words[0]
    if ids:
        examples.append(
            {"input_ids": [cls] + ids + [sep], "word_ids": [-1] + words + [-1]}
        )
    return examples


def count_pieces(examples: Iterable[Example]) -> int:
    """The number of character pieces (no [CLS]/[SEP]) in examples."""
    return sum(len(e["input_ids"]) - 2 for e in examples)
