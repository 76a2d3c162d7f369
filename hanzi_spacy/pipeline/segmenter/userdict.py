"""A user dictionary for the segmenter: words that must come out whole.

Matching uses an Aho–Corasick automaton (pyahocorasick, in C): one pass over the
text finds the leftmost-longest, non-overlapping occurrences of all words, so the
cost grows with the text, not with the size of the dictionary. When user words
overlap, the match that starts first wins, and among those the longest
(量子 and 量子纠缠态 in 量子纠缠态: 量子纠缠态). Words and text are matched
width-folded (``fold_width``): a word written ＡＢＣ or ABC finds both forms.
"""

from typing import Dict, Iterable, Iterator, Optional, Tuple, Union

import srsly

from ...errors import Errors, HanziError
from ...util import fold_width, read_user_dictionary

__all__ = ["UserDictionary", "WordEntry", "read_user_dictionary"]

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
            (end - length + 1, end + 1, tag)
            for end, (length, tag) in automaton.iter_long(fold_width(text))
        )

    def _build(self):
        if self._automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word, tag in self.entries.items():
                automaton.add_word(fold_width(word), (len(word), tag))
            automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def to_bytes(self) -> bytes:
        return srsly.msgpack_dumps(self.entries)

    def from_bytes(self, data: bytes) -> "UserDictionary":
        self.entries = dict(srsly.msgpack_loads(data))
        self._automaton = None
        return self
