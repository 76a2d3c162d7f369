"""Masking for a character-level masked language model: words, spans or characters.

Masking single characters lets the model guess a character from the rest of
its word (having seen "中华人民共和", "国" is easy), which teaches little about
words. BERT-wwm-Chinese masks all characters of a word at once (``unit="word"``;
the words come from jieba, see data.py, computed once per line). SpanBERT masks
random spans whatever the words (``unit="span"``, lengths drawn from a geometric
distribution of mean ``span_length``), and BERT single pieces (``unit="char"``).

Per sequence, units are taken in random order until about
``mask_probability`` of the characters are chosen; a unit that would overshoot
is skipped (as in transformers' DataCollatorForWholeWordMask), and one unit is
always chosen. Every character of a chosen unit then follows BERT's rule: 80%
[MASK], 10% a random character, 10% unchanged. Labels are -100 elsewhere.

The held-out evaluation of a pretraining run is masked by whole words at 15%
with one fixed seed (``EVAL_MASKING``), whatever the run trains with, so that
held-out perplexities of runs are comparable.

Randomness comes from ``generator``, or from torch's global generator when it is
None: the Trainer seeds that one and restores it from a checkpoint on resume,
so a run and its resumption draw the same masks.
"""

import dataclasses
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
import torch

from .data import Example

IGNORE_INDEX = -100  # labels the loss skips
UNITS = ("word", "span", "char")
EVAL_MASKING = {"unit": "word", "mask_probability": 0.15, "seed": 0, "max_length": 128}


@dataclass
class MaskingCollator:
    """Pad examples into a batch and mask whole words, spans or characters.

    pad_token_id (int): Id of [PAD].
    mask_token_id (int): Id of [MASK].
    vocab_size (int): Size of the vocabulary; random replacements are drawn from
        ids ``first_char_id`` .. vocab_size - 1.
    first_char_id (int): The first id that is a character, not a special token.
    mask_probability (float): Share of characters to predict.
    unit (str): What is masked at once: "word", "span" or "char".
    span_length (float): Mean length of a span (unit="span").
    generator (Optional[torch.Generator]): Source of randomness; None for torch's
        global generator.
    boundaries (bool): Also return ``boundary_labels``: 1 where a character
        begins a jieba word, 0 where it continues one, -100 on special tokens,
        padding and the characters chosen for the MLM (a run of [MASK] would
        give their words' edges away).
    """

    pad_token_id: int
    mask_token_id: int
    vocab_size: int
    first_char_id: int = 5
    mask_probability: float = 0.15
    unit: str = "word"
    span_length: float = 3.0
    generator: Optional[torch.Generator] = None
    boundaries: bool = False

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, not {self.unit!r}")

    def __call__(self, features: Sequence[Example]) -> Dict[str, torch.Tensor]:
        """Collate a batch. Examples that already carry ``labels`` (a fixed
        evaluation set, see ``mask_once``) are only padded.

        features (Sequence[Example]): Examples with input_ids and word_ids.
        RETURNS (Dict[str, torch.Tensor]): input_ids, attention_mask, labels, and
            boundary_labels when ``boundaries`` is set.
        """
        width = max(len(f["input_ids"]) for f in features)
        input_ids = _pad(features, "input_ids", width, self.pad_token_id)
        attention_mask = (
            torch.arange(width)[None, :]
            < torch.tensor([len(f["input_ids"]) for f in features])[:, None]
        ).long()
        if "labels" in features[0]:
            labels = _pad(features, "labels", width, IGNORE_INDEX)
            return {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "labels": labels,
            }
        word_ids = _pad(features, "word_ids", width, -1)
        masked, labels = self.mask(input_ids, word_ids)
        batch = {
            "input_ids": masked,
            "attention_mask": attention_mask,
            "labels": labels,
        }
        if self.boundaries:
            batch["boundary_labels"] = boundary_labels(word_ids, labels)
        return batch

    def mask(
        self, input_ids: torch.Tensor, word_ids: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Choose units and apply the 80/10/10 rule.

        input_ids (torch.Tensor): (batch, length) ids.
        word_ids (torch.Tensor): (batch, length) word indices, -1 where nothing
            may be masked ([CLS], [SEP], padding).
        RETURNS (Tuple[torch.Tensor, torch.Tensor]): (masked ids, labels).
        """
        shape = input_ids.shape
        word_ids = self._units(word_ids)
        priority = torch.rand(shape, generator=self.generator).numpy()
        rule = torch.rand(shape, generator=self.generator)
        random_ids = torch.randint(
            self.first_char_id, self.vocab_size, shape, generator=self.generator
        )
        words = word_ids.numpy()
        chosen = numpy.zeros(shape, dtype=bool)
        for row in range(shape[0]):
            chosen[row] = self._choose_words(words[row], priority[row])
        chosen_t = torch.from_numpy(chosen)
        labels = torch.where(chosen_t, input_ids, IGNORE_INDEX)
        masked = input_ids.clone()
        masked[chosen_t & (rule < 0.8)] = self.mask_token_id
        replace = chosen_t & (rule >= 0.8) & (rule < 0.9)
        masked[replace] = random_ids[replace]
        return masked, labels

    def _units(self, word_ids: torch.Tensor) -> torch.Tensor:
        """The unit index of each position: words, random spans or characters."""
        if self.unit == "word":
            return word_ids
        if self.unit == "char":
            starts = torch.ones(word_ids.shape, dtype=torch.bool)
        else:
            draw = torch.rand(word_ids.shape, generator=self.generator)
            starts = draw < 1.0 / self.span_length  # geometric span lengths
        units = torch.cumsum(starts.long(), dim=1)
        return torch.where(word_ids >= 0, units, -1)

    def _choose_words(
        self, words: numpy.ndarray, priority: numpy.ndarray
    ) -> numpy.ndarray:
        chosen = numpy.zeros(len(words), dtype=bool)
        valid = words >= 0
        if not valid.any():
            return chosen
        _, inverse, sizes = numpy.unique(
            words[valid], return_inverse=True, return_counts=True
        )
        target = max(1, round(int(valid.sum()) * self.mask_probability))
        picked = numpy.zeros(len(sizes), dtype=bool)
        count = 0
        order = numpy.argsort(priority[: len(sizes)], kind="stable").tolist()
        for w in order:
            size = int(sizes[w])
            if count + size > target:
                continue
            picked[w] = True
            count += size
            if count >= target:
                break
        if count == 0:  # every word is longer than the target: take one anyway
            picked[order[0]] = True
        chosen[valid] = picked[inverse]
        return chosen

    def mask_once(self, examples: Sequence[Example], seed: int) -> List[Example]:
        """Mask examples with a fixed seed, for an evaluation set whose loss is
        comparable between evaluations.

        examples (Sequence[Example]): Examples with input_ids and word_ids.
        seed (int): Seed of the masks.
        RETURNS (List[Example]): Examples with masked input_ids and labels.
        """
        generator = torch.Generator().manual_seed(seed)
        collator = dataclasses.replace(self, generator=generator)
        masked: List[Example] = []
        for example in examples:
            ids = torch.tensor([example["input_ids"]])
            words = torch.tensor([example["word_ids"]])
            new_ids, labels = collator.mask(ids, words)
            masked.append(
                {"input_ids": new_ids[0].tolist(), "labels": labels[0].tolist()}
            )
        return masked


def boundary_labels(word_ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """1 where a piece begins a word, 0 where it continues one; -100 where
    word_ids is -1 or the piece is masked (labels not -100).

    word_ids (torch.Tensor): (batch, length) word indices, -1 on special tokens.
    labels (torch.Tensor): (batch, length) MLM labels.
    RETURNS (torch.Tensor): (batch, length) boundary labels.
    """
    previous = torch.nn.functional.pad(word_ids[:, :-1], (1, 0), value=-1)
    begins = (word_ids != previous).long()
    hidden = (word_ids < 0) | (labels != IGNORE_INDEX)
    return torch.where(hidden, IGNORE_INDEX, begins)


def _pad(features: Sequence[Example], key: str, width: int, value: int) -> torch.Tensor:
    out = torch.full((len(features), width), value, dtype=torch.long)
    for i, feature in enumerate(features):
        out[i, : len(feature[key])] = torch.tensor(feature[key], dtype=torch.long)
    return out
