"""Word boundaries and word tags from character-level predictions.

How a word gets one tag from its characters' tags, the options:

- the tag of the first or the last character: cheap, but loses when that one
  character is wrong;
- summing the tagger's probabilities over the characters: the best estimate, but
  the tagger keeps only its argmax on the doc and a second pass costs time;
- a vote of the characters' tags, ties going to the last character (Chinese words
  are head-final: 工作者 is a noun because of 者).

We take the vote: as accurate as the sum in our measurements' resolution and
it needs nothing the tagger does not already write.
"""

from collections import Counter
from typing import Hashable, List, Sequence, TypeVar

import numpy
from spacy.tokens import Doc

Tag = TypeVar("Tag", bound=Hashable)  # a tag string, or its hash


def gold_starts(reference: Doc, predicted: Doc) -> List[str]:
    """'B' for each predicted token where a reference word starts, else 'I'.

    Both docs have the same text; tokens are compared by character offset, so a
    predicted token that covers more than one reference word (an alphanumeric run
    the corpus splits) is labelled by its first character.
    """
    starts = {token.idx for token in reference}
    return ["B" if token.idx in starts else "I" for token in predicted]


def forced_starts(doc: Doc) -> numpy.ndarray:
    """Positions where a word must start whatever the model says.

    The first token; whitespace tokens and the token after one or after a trailing
    space (a word never spans whitespace); each entity's first token and the token
    after it (a merge never crosses an entity boundary).
    """
    n = len(doc)
    forced = numpy.zeros(n, dtype=bool)
    if n == 0:
        return forced
    forced[0] = True
    spacy_arr = doc.to_array(["SPACY", "IS_SPACE"])
    trailing, is_space = spacy_arr[:, 0].astype(bool), spacy_arr[:, 1].astype(bool)
    forced |= is_space
    forced[1:] |= trailing[:-1] | is_space[:-1]
    for ent in doc.ents:
        forced[ent.start] = True
        if ent.end < n:
            forced[ent.end] = True
    return forced


def vote(tags: Sequence[Tag]) -> Tag:
    """The most frequent tag; ties go to the tag closest to the end of the word."""
    if len(tags) == 1:
        return tags[0]
    counts = Counter(tags)
    best = max(counts.values())
    for tag in reversed(tags):
        if counts[tag] == best:
            return tag
    return tags[-1]
