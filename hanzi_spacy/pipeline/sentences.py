"""``hanzi_sentencizer``: sentence boundaries by rule, on character tokens.

A sentence ends after sentence-final punctuation (。！？ and their ASCII and
half-width forms, the ellipsis …), together with the closing quotes and
brackets and any further final marks that follow it (。」, ？！, ……”), and at a
line break. An ASCII full stop ends a sentence only before whitespace or at the
end of the text, so "1.5" and "example.com" stay whole. The component runs on
the characters, before ``hanzi_segmenter``, which then begins a word at every
sentence start, so ``doc.sents`` holds on the words too.
"""

from typing import Callable, Dict, Iterable, Optional

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

FINAL = frozenset("。！？!?｡…︒﹒﹖﹗")
CLOSING = frozenset("”’」』）)》〉】〕〗］]｝}\"'")
FULL_STOP = "."


def sentence_starts(doc: Doc) -> numpy.ndarray:
    """Where the sentences of a doc of character tokens begin.

    doc (Doc): Character tokens (or words: the rules read token texts).
    RETURNS (numpy.ndarray): One bool per token; the first token is True.
    """
    n = len(doc)
    starts = numpy.zeros(n, dtype=bool)
    if n == 0:
        return starts
    starts[0] = True
    ended = False  # the sentence has ended; closing marks and spaces still join it
    for i, token in enumerate(doc):
        text = token.text
        if ended and not (token.is_space or _closes(text)):
            starts[i] = True
            ended = False
        if token.is_space:
            ended = ended or "\n" in text
        elif all(c in FINAL for c in text):
            ended = True
        elif text == FULL_STOP and _before_space(doc, i):
            ended = True
    return starts


def punctuation_starts(doc: Doc) -> numpy.ndarray:
    """Where sentence-final punctuation begins a word of its own: the first
    mark of a run of final marks (。, ？！, ……), and an ASCII full stop that ends
    a sentence (before whitespace or at the end). A full stop inside a word
    (1.5, 例.) and the marks after the first of a run are left to the model.

    doc (Doc): Character tokens.
    RETURNS (numpy.ndarray): One bool per token.
    """
    starts = numpy.zeros(len(doc), dtype=bool)
    previous_final = False
    for i, token in enumerate(doc):
        text = token.text
        final = bool(text) and all(c in FINAL for c in text)
        if final and not previous_final:
            starts[i] = True
        elif text == FULL_STOP and not previous_final and _before_space(doc, i):
            starts[i] = True
        previous_final = final or text == FULL_STOP
    return starts


def _closes(text: str) -> bool:
    return all(c in CLOSING or c in FINAL for c in text)


def _before_space(doc: Doc, i: int) -> bool:
    return bool(doc[i].whitespace_) or i + 1 == len(doc) or doc[i + 1].is_space


class HanziSentencizer:
    """Sets ``is_sent_start`` on every token of a doc, by the rules above."""

    def __init__(self, name: str = "hanzi_sentencizer", *, scorer=None) -> None:
        self.name = name
        self.scorer = scorer

    def __call__(self, doc: Doc) -> Doc:
        starts = sentence_starts(doc)
        if len(doc):
            # spaCy's arrays are uint64: -1 (not a start) is stored wrapped.
            values = numpy.where(starts, 1, -1).astype("int64").view("uint64")
            doc.from_array([SENT_START], values.reshape((-1, 1)))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    def score(self, examples: Iterable[Example], **kwargs) -> Dict[str, object]:
        return self.scorer(examples, **kwargs) if self.scorer else {}

    # Nothing to save: the rules are code.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "HanziSentencizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> "HanziSentencizer":
        return self


@registry.scorers("hanzi-spacy.sentence_scorer.v1")
def make_sentence_scorer() -> Callable:
    return score_sentences


def score_sentences(examples: Iterable[Example], **kwargs) -> Dict[str, object]:
    """sents_p/r/f against the reference's sentences; a reference without
    sentence annotation gets them from the same rules on its gold words."""
    examples = list(examples)
    for example in examples:
        reference = example.reference
        if len(reference) > 1 and not reference.has_annotation("SENT_START"):
            HanziSentencizer()(reference)
    return Scorer.score_spans(examples, "sents", **kwargs)


@Language.factory(
    "hanzi_sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={"scorer": {"@scorers": "hanzi-spacy.sentence_scorer.v1"}},
    default_score_weights={"sents_f": 0.0, "sents_p": None, "sents_r": None},
)
def make_hanzi_sentencizer(
    nlp: Language, name: str, scorer: Optional[Callable]
) -> HanziSentencizer:
    """Sentence boundaries by rule: final punctuation, closing marks, line breaks."""
    return HanziSentencizer(name, scorer=scorer)
