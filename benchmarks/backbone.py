"""The bare backbone: plain ``transformers`` over the same windows and batches.

The ceiling for a transformer pipeline's speed. It reproduces what
spacy-transformers does before and around the forward pass, and nothing else:

- the text is cut into the pipeline's units (``hanzi_spacy.tokenizer.split_text``:
  one per CJK character, alphanumeric runs whole), and windows of ``window``
  units with stride ``stride`` are taken as ``strided_spans.v1`` does;
- docs come in outer batches of ``batch_size`` (``nlp.pipe``), split by length so
  a batch holds at most ``max_batch_items`` units (``Transformer.pipe``), and all
  windows of a batch go through the tokenizer (padding to the longest) and are
  run under ``torch.no_grad`` in groups of similar length, as
  ``hanzi-spacy.TransformerModel.v1`` predicts (``length_buckets.py``), in the
  dtype the pipeline's transformer predicts in (bfloat16 under
  ``torch.autocast`` on a CPU that has it, ``precision.py``).

What it leaves out is the pipeline's overhead: Doc objects, alignment of
wordpieces to tokens, the heads of the tagger, NER, textcat and segmenter, and the
merge into words.
"""

from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from hanzi_spacy.ml.transformer.length_buckets import length_groups
from hanzi_spacy.tokenizer import split_text

from .pipelines import architecture
from .scoring import Prediction
from .systems import versions


def unit_offsets(text: str) -> List[Tuple[int, int]]:
    """Character span of each unit the pipeline's tokenizer makes (no spaces)."""
    words, spaces = split_text(text)
    offsets = []
    pos = 0
    for word, space in zip(words, spaces):
        offsets.append((pos, pos + len(word)))
        pos += len(word) + int(space)
    return offsets


def strided_windows(text: str, window: int, stride: int) -> List[str]:
    """The texts of ``strided_spans.v1``'s windows over the text's units."""
    units = unit_offsets(text)
    n = len(units)
    bounds: List[Tuple[int, int]] = []
    start = 0
    for _ in range(n // stride):
        bounds.append((start, min(start + window, n)))
        if start + window >= n:
            break
        start += stride
    else:
        if start < n:
            bounds.append((start, n))
    return [text[units[s][0] : units[e - 1][1]] for s, e in bounds]


def batch_by_length(lengths: Sequence[int], max_items: int) -> List[List[int]]:
    """Indices grouped as ``spacy_transformers.util.batch_by_length`` does."""
    batches: List[List[int]] = []
    batch: List[int] = []
    for length, i in sorted((n, i) for i, n in enumerate(lengths)):
        if batch and length * (len(batch) + 1) > max_items:
            batches.append(batch)
            batch = []
        batch.append(i)
    if batch:
        batches.append(batch)
    return [sorted(batch) for batch in reversed(batches)]


def minibatch(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Backbone:
    """``AutoTokenizer`` + ``AutoModel`` from a Hugging Face folder."""

    def __init__(
        self,
        path: Path,
        name: str = "backbone",
        window: int = 128,
        stride: int = 96,
        batch_size: int = 64,
        max_batch_items: int = 4096,
        dtype: str = "float32",
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.window = window
        self.stride = stride
        self.batch_size = batch_size
        self.max_batch_items = max_batch_items
        self.dtype = dtype
        self.tokenizer = None
        self.model = None

    def load(self) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(self.path, use_fast=True)
        self.model = AutoModel.from_pretrained(self.path).eval()

    def run(self, texts: Sequence[str]) -> None:
        import torch

        for outer in minibatch(texts, self.batch_size):
            lengths = [len(split_text(text)[0]) for text in outer]
            for indices in batch_by_length(lengths, self.max_batch_items):
                windows = [
                    w
                    for i in indices
                    for w in strided_windows(outer[i], self.window, self.stride)
                ]
                if not windows:
                    continue
                inputs = self.tokenizer(
                    windows, padding="longest", truncation=True, return_tensors="pt"
                )
                lengths = inputs["attention_mask"].sum(dim=1).numpy()
                bf16 = self.dtype == "bfloat16"
                with torch.no_grad(), torch.autocast("cpu", torch.bfloat16, bf16):
                    for rows in length_groups(lengths):
                        width = int(lengths[rows].max())
                        group = {k: v[rows, :width] for k, v in inputs.items()}
                        self.model(**group)

    def predict(self, texts: Sequence[str]) -> Optional[List[Prediction]]:
        self.run(texts)  # nothing to score: the pass is the warm-up
        return None

    def info(self) -> Dict[str, object]:
        import torch

        return {
            "path": str(self.path),
            "window": self.window,
            "stride": self.stride,
            "batch_size": self.batch_size,
            "max_batch_items": self.max_batch_items,
            "grouped_by_length": True,
            "dtype": self.dtype,
            "torch_threads": torch.get_num_threads(),
            "architecture": architecture(self.model.config),
            "versions": versions(["transformers", "tokenizers", "torch"]),
        }
