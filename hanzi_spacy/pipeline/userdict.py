"""A user dictionary for the segmenter: words that must come out whole.

Matching uses an Aho–Corasick automaton (pyahocorasick, in C): one pass over the
text finds the leftmost-longest, non-overlapping occurrences of all words, so the
cost grows with the text, not with the size of the dictionary. When user words
overlap, the match that starts first wins, and among those the longest
(量子 and 量子纠缠态 in 量子纠缠态: 量子纠缠态).
"""

from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Tuple, Union

import numpy
import srsly
from spacy.tokens import Doc

from ..corpus.lines import read_lines
from ..errors import Errors, HanziError

WordEntry = Union[str, Tuple[str, Optional[str]]]


class UserDictionary:
    """Words (each with an optional PKU tag) and the automaton that finds them."""

    def __init__(self) -> None:
        self.entries: Dict[str, Optional[str]] = {}
        self._automaton = None

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, words: Iterable[WordEntry]) -> None:
        for entry in words:
            word, tag = (entry, None) if isinstance(entry, str) else entry
            if not isinstance(word, str) or not word or any(c.isspace() for c in word):
                raise HanziError(Errors.E304.format(word=word))
            self.entries[word] = tag or None
        self._automaton = None

    def remove(self, words: Iterable[WordEntry]) -> None:
        for entry in words:
            word = entry if isinstance(entry, str) else entry[0]
            self.entries.pop(word, None)
        self._automaton = None

    def matches(self, text: str) -> Iterator[Tuple[int, int, Optional[str]]]:
        """Leftmost-longest non-overlapping occurrences as (start, end, tag)."""
        if not self.entries or not text:
            return iter(())
        automaton = self._build()
        return (
            (end - len(word) + 1, end + 1, tag)
            for end, (word, tag) in automaton.iter_long(text)
        )

    def _build(self):
        if self._automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word, tag in self.entries.items():
                automaton.add_word(word, (word, tag))
            automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def to_bytes(self) -> bytes:
        return srsly.msgpack_dumps(self.entries)

    def from_bytes(self, data: bytes) -> "UserDictionary":
        self.entries = dict(srsly.msgpack_loads(data))
        self._automaton = None
        return self


def read_user_dictionary(path: Union[str, Path]) -> List[Tuple[str, Optional[str]]]:
    """Read a dictionary file: one word per line, optionally ``word<TAB>TAG``.

    Blank lines and lines starting with ``#`` are passed over; anything else that
    is not one word (no spaces) with an optional tag raises an error naming the
    line, as does an empty file.
    """
    entries: List[Tuple[str, Optional[str]]] = []
    for lineno, line in read_lines(Path(path)):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = line.rstrip().split("\t")
        if len(fields) > 2 or any(not f.strip() for f in fields) or " " in fields[0]:
            raise HanziError(Errors.E302.format(path=path, line=lineno, text=line))
        entries.append(
            (fields[0].strip(), fields[1].strip() if len(fields) > 1 else None)
        )
    if not entries:
        raise HanziError(Errors.E303.format(path=path))
    return entries


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
