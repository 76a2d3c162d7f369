"""Word boundaries and word tags from character-level predictions.

Where words must start (gold, forced by whitespace and entities, forced by the
user dictionary) and how a word gets one tag.

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
from typing import Dict, Hashable, List, Optional, Sequence, Tuple, TypeVar

import numpy
from spacy.tokens import Doc

from ..sentences import punctuation_starts
from .userdict import UserDictionary

Tag = TypeVar("Tag", bound=Hashable)  # a tag string, or its hash


def gold_starts(reference: Doc, predicted: Doc) -> List[str]:
    """'B' for each predicted token where a reference word starts, else 'I'.

    Both docs have the same text; tokens are compared by character offset, so a
    predicted token that covers more than one reference word (an alphanumeric run
    the corpus splits) is labelled by its first character.
    """
    starts = {token.idx for token in reference}
    return ["B" if token.idx in starts else "I" for token in predicted]


def word_starts(
    doc: Doc, scores: numpy.ndarray, user_dict: Optional[UserDictionary] = None
) -> Tuple[numpy.ndarray, Dict[int, str]]:
    """Where the words of a doc begin, and the user tags of forced words.

    The model's boundaries (``scores``: one row per token, column 0 "a word
    begins here"), then the user dictionary's words forced whole
    (``force_user_words``), then the starts that whitespace and entities force
    (``forced_starts``), which nothing overrides.
    """
    starts = numpy.asarray(scores).argmax(axis=1) == 0
    user_tags = force_user_words(doc, starts, user_dict) if user_dict else {}
    return starts | forced_starts(doc), user_tags


def forced_starts(doc: Doc) -> numpy.ndarray:
    """Positions where a word must start whatever the model says.

    The first token; whitespace tokens and the token after one or after a trailing
    space (a word never spans whitespace); each entity's first token and the token
    after it (a merge never crosses an entity boundary); each sentence start
    (a word never spans two sentences) and the sentence-final punctuation that
    ends it (``sentences.punctuation_starts``: "啊." is two words).
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
    if n > 1 and doc.has_annotation("SENT_START"):
        forced |= doc.to_array("SENT_START") == 1
        forced |= punctuation_starts(doc)
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


def force_user_words(
    doc: Doc, starts: numpy.ndarray, user_dict: UserDictionary
) -> Dict[int, str]:
    """Force the boundaries of user words into ``starts`` (changed in place).

    doc (Doc): A doc of character tokens, with its entities.
    starts (numpy.ndarray): One bool per token: where the model starts words.
    user_dict (UserDictionary): The words to force.
    RETURNS (Dict[int, str]): Token index of each forced word → its user tag.
    """
    offsets = doc.to_array(["IDX", "LENGTH"]).astype("int64")
    token_starts = offsets[:, 0]
    token_ends = token_starts + offsets[:, 1]
    entity_bounds = numpy.zeros(len(doc) + 1, dtype=bool)
    for ent in doc.ents:
        entity_bounds[[ent.start, ent.end]] = True
    user_tags: Dict[int, str] = {}
    for start_char, end_char, tag in user_dict.matches(doc.text):
        first = int(numpy.searchsorted(token_starts, start_char))
        last = int(numpy.searchsorted(token_ends, end_char))
        if (
            first >= len(doc)
            or last >= len(doc)
            or token_starts[first] != start_char
            or token_ends[last] != end_char
        ):
            continue  # inside an alphanumeric run: not on token boundaries
        if entity_bounds[first + 1 : last + 1].any():
            continue  # an entity boundary falls inside: the entity wins
        starts[first] = True
        starts[first + 1 : last + 1] = False
        if last + 1 < len(doc):
            starts[last + 1] = True
        if tag:
            user_tags[first] = tag
    return user_tags
