"""``hanzi_sentencizer``: sentence boundaries by rule, on character tokens.

A sentence ends after sentence-final punctuation (。！？ and their ASCII and
half-width forms, the ellipsis …), together with the closing quotes and
brackets and any further final marks that follow it (。」, ？！, ……”), and at a
line break. An ASCII full stop ends a sentence only before whitespace or at the
end of the text, so "1.5" and "example.com" stay whole. The component runs on
the characters, before ``hanzi_segmenter``, which then begins a word at every
sentence start, so ``doc.sents`` holds on the words too.
"""

from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.attrs import IS_SPACE, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

FINAL = frozenset("。！？!?｡…︒﹒﹖﹗")
CLOSING = frozenset("”’」』）)》〉】〕〗］]｝}\"'")
FULL_STOP = "."


# What a token is to the rules; each distinct string is classified once per doc.
OTHER, FINAL_MARK, CLOSE, STOP, NEWLINE, SPACE = range(6)


def sentence_starts(doc: Doc) -> numpy.ndarray:
    """Where the sentences of a doc of character tokens begin.

    doc (Doc): Character tokens (or words: the rules read token texts).
    RETURNS (numpy.ndarray): One bool per token; the first token is True.
    """
    kinds, before_space = _marks(doc)
    starts = numpy.zeros(len(kinds), dtype=bool)
    if not kinds:
        return starts
    starts[0] = True
    ended = False  # the sentence has ended; closing marks and spaces still join it
    for i, kind in enumerate(kinds):
        if ended and kind not in (FINAL_MARK, CLOSE, NEWLINE, SPACE):
            starts[i] = True
            ended = False
        if kind in (FINAL_MARK, NEWLINE) or (kind == STOP and before_space[i]):
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
    kinds, before_space = _marks(doc)
    starts = numpy.zeros(len(kinds), dtype=bool)
    previous = OTHER
    for i, kind in enumerate(kinds):
        if previous not in (FINAL_MARK, STOP):
            if kind == FINAL_MARK or (kind == STOP and before_space[i]):
                starts[i] = True
        previous = kind
    return starts


def _marks(doc: Doc) -> Tuple[List[int], List[bool]]:
    """Each token's kind, and whether whitespace or the end of the doc follows it."""
    n = len(doc)
    if n == 0:
        return [], []
    attrs = doc.to_array([ORTH, SPACY, IS_SPACE]).reshape((-1, 3))
    orths, inverse = numpy.unique(attrs[:, 0], return_inverse=True)
    strings = doc.vocab.strings
    kind_of = numpy.array([_kind(strings[int(orth)]) for orth in orths])
    kinds = kind_of[inverse.reshape(-1)]
    after = numpy.ones(n, dtype=bool)  # the end of the doc counts as whitespace
    after[:-1] = attrs[1:, 2].astype(bool)
    before_space = attrs[:, 1].astype(bool) | after
    return kinds.tolist(), before_space.tolist()


def _kind(text: str) -> int:
    if text.isspace():
        return NEWLINE if "\n" in text else SPACE
    if text == FULL_STOP:
        return STOP
    if all(c in FINAL for c in text):
        return FINAL_MARK
    if all(c in CLOSING or c in FINAL for c in text):
        return CLOSE
    return OTHER


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
