"""Characters into words: in place with ``doc.retokenize()``, or as a new Doc.

The segmenter decides where words begin (``word_plan``); two ways make the words:

- ``merge_in_place``: spaCy's retokenizer, on the Doc it was given. What
  ``set_annotations`` does, as spaCy's components do. It is the slowest part of
  the segmenter: spaCy's bulk merge walks a Span, its root, the lemmas and
  the vectors of every merged word in Python.
- ``merged_copy``: a new Doc built from the words, with their tags, POS,
  entities, the tensor rows, cats and user data (so ``doc._`` values and the
  transformer output) of the old one, in about half the retokenizer's time
  (docs/decisions.md). The segmenter returns it from
  ``__call__`` and ``pipe``, which spaCy allows (it takes each component's
  return value), when the doc carries nothing the copy would lose
  (``copy_keeps_everything``); otherwise it merges in place.

Both give the same tokens, tags, POS, entities and tensor; the tests compare them.
Tags and POS travel as hashes and ids in numpy arrays, and only words whose
characters disagree on their tag are voted on in Python, which is faster than
strings per word and ``Doc(tags=..., pos=...)`` (docs/decisions.md).
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy
from spacy.attrs import (
    ENT_IOB,
    ENT_KB_ID,
    ENT_TYPE,
    IDX,
    IS_SPACE,
    LENGTH,
    POS,
    SENT_START,
    SPACY,
    TAG,
)
from spacy.parts_of_speech import IDS
from spacy.strings import StringStore
from spacy.tokens import Doc

from ...upos import pku_to_upos
from .decoding import forced_starts, vote

SPACE_TAG, SPACE_POS = "_SP", "SPACE"
ENTITY_ATTRS = [ENT_IOB, ENT_TYPE, ENT_KB_ID]


@dataclass
class WordPlan:
    """Where each word begins and ends (token indices), its tag and its POS.

    ``tags`` are string-store hashes and ``pos`` Universal POS ids, one per word
    (uint64): what ``Doc.from_array`` takes, with no string lookup per token.
    """

    starts: numpy.ndarray
    ends: numpy.ndarray
    tags: numpy.ndarray
    pos: numpy.ndarray


def word_plan(
    doc: Doc, starts: numpy.ndarray, user_tags: Optional[Dict[int, str]] = None
) -> WordPlan:
    """The words of a doc of tagged characters, given where words may begin.

    doc (Doc): A doc of character tokens, tagged.
    starts (numpy.ndarray): One bool per token; forced starts are added.
    user_tags (Optional[Dict[int, str]]): Tags that replace the vote for the
        words beginning at these token indices.
    """
    begins = numpy.flatnonzero(numpy.asarray(starts, dtype=bool) | forced_starts(doc))
    ends = numpy.append(begins[1:], len(doc))
    attrs = doc.to_array([TAG, IS_SPACE]).reshape((-1, 2))
    tags = word_tags(attrs[:, 0], begins, ends)
    strings = doc.vocab.strings
    for start, tag in (user_tags or {}).items():
        tags[numpy.searchsorted(begins, start)] = strings.add(tag)
    pos = numpy.array([upos_id(tag, strings) for tag in tags.tolist()], "uint64")
    spaces = attrs[begins, 1].astype(bool)
    tags[spaces] = strings.add(SPACE_TAG)
    pos[spaces] = IDS[SPACE_POS]
    return WordPlan(begins, ends, tags, pos)


def word_tags(
    char_tags: numpy.ndarray, begins: numpy.ndarray, ends: numpy.ndarray
) -> numpy.ndarray:
    """The vote of each word's character tags (``words.vote``), as hashes.

    Most words have one tag on all their characters: those are read off with
    numpy, and only the others are voted on in Python.
    """
    last_tags = char_tags[ends - 1]
    agree = char_tags == numpy.repeat(last_tags, ends - begins)
    mixed = numpy.flatnonzero(~numpy.logical_and.reduceat(agree, begins))
    tags = last_tags.copy()
    for word in mixed.tolist():
        tags[word] = vote(char_tags[begins[word] : ends[word]].tolist())
    return tags


# Tag hash -> Universal POS id. A string's hash is the same in every vocab.
UPOS_OF_TAG: Dict[int, int] = {}


def upos_id(tag: int, strings: StringStore) -> int:
    """The Universal POS id of a PKU tag's hash (0, no tag: X)."""
    upos = UPOS_OF_TAG.get(tag)
    if upos is None:
        upos = UPOS_OF_TAG[tag] = IDS[pku_to_upos(strings[tag]) if tag else "X"]
    return upos


def merge_in_place(doc: Doc, plan: WordPlan) -> None:
    """Merge the characters of each planned word with ``doc.retokenize()``."""
    with doc.retokenize() as retokenizer:
        words = zip(plan.starts.tolist(), plan.ends.tolist())
        labels = zip(plan.tags.tolist(), plan.pos.tolist())
        for (start, end), (tag, pos) in zip(words, labels):
            if end - start > 1:
                retokenizer.merge(doc[start:end], attrs={TAG: tag, POS: pos})
            else:
                doc[start].tag = tag
                doc[start].pos = pos


def copy_keeps_everything(doc: Doc) -> bool:
    """Whether ``merged_copy`` keeps all the doc has: nothing it does not copy.

    Parses, lemmas, morphology, span groups and user hooks are left to the
    retokenizer, which knows how to merge them. Sentence starts are copied: every
    one begins a word (``forced_starts``).
    """
    return not (
        doc.spans
        or doc.user_hooks
        or doc.user_token_hooks
        or doc.user_span_hooks
        or any(doc.has_annotation(attr) for attr in ("DEP", "LEMMA", "MORPH"))
    )


def merged_copy(doc: Doc, plan: WordPlan) -> Doc:
    """A new Doc of the planned words, with what the characters' Doc carried.

    The text, tags, POS and entities are those ``merge_in_place`` gives; the
    tensor keeps the last character's row of each word, as the retokenizer
    does; cats and user data are shallow copies.
    """
    attrs = doc.to_array([IDX, LENGTH, SPACY]).reshape((-1, 3))
    last = plan.ends - 1
    begin_chars = attrs[plan.starts, 0].tolist()
    end_chars = (attrs[last, 0] + attrs[last, 1]).tolist()
    text = doc.text
    words = [text[begin:end] for begin, end in zip(begin_chars, end_chars)]
    new = Doc(doc.vocab, words=words, spaces=attrs[last, 2].astype(bool).tolist())
    new.from_array([TAG, POS], numpy.stack((plan.tags, plan.pos), axis=1))
    # spaCy counts a doc of one token as having sentence starts.
    if len(doc) > 1 and doc.has_annotation("SENT_START"):
        sent_starts = doc.to_array([SENT_START]).reshape(-1)[plan.starts]
        new.from_array([SENT_START], sent_starts.reshape((-1, 1)))
    if doc.has_annotation("ENT_IOB"):
        # No word crosses an entity boundary (forced_starts): a word's first
        # character has the word's B/I/O, missing value and entity label.
        entities = doc.to_array(ENTITY_ATTRS).reshape((-1, len(ENTITY_ATTRS)))
        new.from_array(ENTITY_ATTRS, entities[plan.starts])
    if doc.tensor is not None and doc.tensor.size:
        new.tensor = doc.tensor[last]
    new.cats = dict(doc.cats)
    new.user_data = dict(doc.user_data)
    new._context = doc._context  # nlp.pipe(..., as_tuples=True) keeps it there
    return new
