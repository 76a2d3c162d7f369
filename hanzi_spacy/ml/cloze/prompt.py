"""A classification task written as a cloze: a template, label words, token ids.

``{text}。总之很[MASK]。`` with the verbalizer ``{"POSITIVE": ["好"], "NEGATIVE":
["差"]}`` asks the masked language model which word fills the blank. This module
turns texts into the backbone's token ids for that question; ``cloze.py`` scores
the answers. No torch here, only the backbone's tokenizer.

How a text is made to fit ``max_length``: the template, the masks and the
special tokens always stay; the text loses pieces at its end (``keep="first"``,
as spacy-transformers truncates) or at its start (``keep="last"``: reviews often
conclude at the end). The cut is made on the text's own pieces, then the whole
input is tokenized at once; should that give more pieces than the text alone
(a Latin word joined to the template), the text is cut further.

A multi-piece label word gets one mask per piece (see ``cloze.py`` for how it
is scored), so each distinct word length is one input per text.
"""

from typing import Dict, List, Sequence, Tuple

import numpy

from ...errors import Errors, HanziError
from ...script import check_script, script_view

TEXT = "{text}"
MASK = "[MASK]"
KEEP = ("first", "last")


class ClozePrompt:
    """The template and verbalizer of a cloze task, tokenized for one backbone.

    tokenizer: A Hugging Face fast tokenizer with a mask token.
    template (str): Contains "{text}" once and "[MASK]" once; "[MASK]" stands
        for the tokenizer's mask token, repeated for multi-piece words.
    verbalizer (Dict[str, List[str]]): Label → label words (one or more).
    max_length (int): Pieces per input, special tokens and soft prompts included.
    keep (str): Which part of a long text is kept, "first" or "last".
    script (str): The text is read converted by OpenCC (``script.py``).
    prompt_length (int): Extra soft prompt positions after the first special
        token (their ids are padding; the model replaces their embeddings).
    """

    def __init__(
        self,
        tokenizer,
        template: str,
        verbalizer: Dict[str, List[str]],
        *,
        max_length: int = 128,
        keep: str = "first",
        script: str = "t2s",
        prompt_length: int = 0,
    ):
        check_template(template)
        if keep not in KEEP:
            raise HanziError(Errors.E543.format(keep=keep, options=", ".join(KEEP)))
        if tokenizer.mask_token is None or not tokenizer.is_fast:
            raise HanziError(Errors.E544.format(tokenizer=type(tokenizer).__name__))
        self.tokenizer = tokenizer
        self.template = template
        self.labels = list(verbalizer)
        self.max_length = max_length
        self.keep = keep
        self.script = check_script(script)
        self.prompt_length = prompt_length
        self.words, self.word_labels = verbalize(tokenizer, verbalizer)
        self.lengths = sorted({len(pieces) for pieces in self.words})
        self._template_sizes = {n: self._template_size(n) for n in self.lengths}
        # soft prompt vectors: one per template piece, after the extra ones (a
        # text whose end joins the template's first piece keeps it hard)
        self._n_soft = prompt_length + len(self.template_ids())
        if min(self._template_sizes.values()) <= 0:
            raise HanziError(
                Errors.E545.format(template=template, max_length=max_length)
            )

    def parts(self, n_masks: int) -> Tuple[str, str]:
        """The template's text before and after "{text}", with n_masks masks."""
        filled = self.template.replace(MASK, self.tokenizer.mask_token * n_masks)
        before, after = filled.split(TEXT)
        return before, after

    def template_ids(self, n_masks: int = 1) -> List[int]:
        """The ids of the template's own pieces (not masks, not special tokens)."""
        before, after = self.parts(n_masks)
        ids = self.tokenizer(before + after, add_special_tokens=False)["input_ids"]
        return [i for i in ids if i != self.tokenizer.mask_token_id]

    def encode(self, texts: Sequence[str], n_masks: int) -> Dict[str, numpy.ndarray]:
        """Padded inputs for the texts with n_masks masks.

        RETURNS (Dict[str, numpy.ndarray]): "input_ids", "attention_mask" (B, T),
            "mask_positions" (B, n_masks), "prompt_index" (B, T): the number of
            each template piece and soft prompt position (counted from 0 in
            reading order, soft prompts first), -1 elsewhere.
        """
        rows = [self._encode_one(text, n_masks) for text in texts]
        width = max((len(ids) for ids, _, _ in rows), default=0)
        pad = self.tokenizer.pad_token_id or 0
        batch = {
            "input_ids": numpy.full((len(rows), width), pad, dtype="int64"),
            "attention_mask": numpy.zeros((len(rows), width), dtype="int64"),
            "mask_positions": numpy.zeros((len(rows), n_masks), dtype="int64"),
            "prompt_index": numpy.full((len(rows), width), -1, dtype="int64"),
        }
        for i, (ids, masks, prompt) in enumerate(rows):
            batch["input_ids"][i, : len(ids)] = ids
            batch["attention_mask"][i, : len(ids)] = 1
            batch["mask_positions"][i] = masks
            batch["prompt_index"][i, : len(ids)] = prompt
        return batch

    def _template_size(self, n_masks: int) -> int:
        """Pieces left for the text once template, masks and specials are in."""
        before, after = self.parts(n_masks)
        ids = self.tokenizer(before + after, add_special_tokens=True)["input_ids"]
        return self.max_length - len(ids) - self.prompt_length

    def _encode_one(self, text: str, n_masks: int) -> Tuple[list, list, list]:
        mask_token = self.tokenizer.mask_token
        text = script_view(text, self.script).replace(mask_token, "")
        before, after = self.parts(n_masks)
        budget = self._template_sizes[n_masks]
        while True:
            cut = self._cut(text, budget)
            full = before + cut + after
            enc = self.tokenizer(full, return_offsets_mapping=True, verbose=False)
            ids = enc["input_ids"]
            excess = len(ids) + self.prompt_length - self.max_length
            if excess <= 0 or not cut:
                break
            budget -= excess
        text_start, text_end = len(before), len(before) + len(cut)
        masks, prompt = [], []
        n_template = self.prompt_length
        for position, (start, end) in enumerate(enc["offset_mapping"]):
            in_template = end > start and not text_start <= start < text_end
            if ids[position] == self.tokenizer.mask_token_id and in_template:
                masks.append(position)
                prompt.append(-1)
            elif in_template and n_template < self._n_soft:
                prompt.append(n_template)
                n_template += 1
            else:
                prompt.append(-1)
        if self.prompt_length:
            # soft positions right after the first special token ([CLS])
            at = 1 if enc["offset_mapping"][0] == (0, 0) else 0
            pad = self.tokenizer.pad_token_id or 0
            ids = ids[:at] + [pad] * self.prompt_length + ids[at:]
            prompt = prompt[:at] + list(range(self.prompt_length)) + prompt[at:]
            masks = [m + self.prompt_length if m >= at else m for m in masks]
        return ids, masks, prompt

    def _cut(self, text: str, budget: int) -> str:
        """text with at most budget of its pieces, from the end kept by self.keep."""
        if budget <= 0:
            return ""
        enc = self.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        offsets = enc["offset_mapping"]
        if len(offsets) <= budget:
            return text
        if self.keep == "first":
            return text[: offsets[budget - 1][1]]
        return text[offsets[-budget][0] :]


def check_template(template: str) -> str:
    """template, if it has "{text}" once and "[MASK]" once; else E540."""
    if template.count(TEXT) != 1 or template.count(MASK) != 1:
        raise HanziError(Errors.E540.format(template=template))
    return template


def verbalize(
    tokenizer, verbalizer: Dict[str, List[str]]
) -> Tuple[List[List[int]], List[int]]:
    """Each label word's piece ids, and the index of its label.

    RETURNS (Tuple[List[List[int]], List[int]]): Piece ids per word, in the
        verbalizer's order, and the label (its index in the verbalizer) of each.
    """
    if len(verbalizer) < 2 or not all(verbalizer.values()):
        raise HanziError(Errors.E541.format(verbalizer=verbalizer))
    words, labels = [], []
    for i, (label, label_words) in enumerate(verbalizer.items()):
        for word in label_words:
            ids = tokenizer(word, add_special_tokens=False)["input_ids"]
            if not ids or tokenizer.unk_token_id in ids:
                raise HanziError(Errors.E542.format(word=word, label=label))
            words.append(list(ids))
            labels.append(i)
    return words, labels
