"""The character pretokenizer: one token per CJK character, alphanumeric runs whole.

Every component listens to the transformer at character level and the segmenter
merges characters into words at the end (see DESIGN.md), so the tokenizer only
cuts text into the units the backbone sees:

- each CJK character, punctuation mark, emoji code point or other symbol is a token;
- a run of Latin letters or digits (ASCII, Latin-1/Extended letters, full-width
  forms) is one token, so "iPhone" or "１９９８" is a unit the segmenter never has to
  split and the backbone never collapses into a shared [UNK];
- whitespace follows spaCy's convention: one space after a token becomes that
  token's ``whitespace_``; any other whitespace is a token of its own.

The text round-trips exactly: ``doc.text == text`` for any ``str``.
"""

import re
from pathlib import Path
from typing import Callable, Iterable, List, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

ALNUM = (
    "0-9A-Za-z"
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin-1 and Latin Extended letters
    "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # full-width digits and letters
)
# Alphanumeric runs, whitespace runs, or any single code point (re.S: newlines too).
TOKEN_RE = re.compile(f"[{ALNUM}]+|\\s+|.", re.S)


def split_text(text: str) -> Tuple[List[str], List[bool]]:
    """Cut text into words and trailing-space flags for ``Doc(vocab, words, spaces)``.

    text (str): Any string.
    RETURNS (Tuple[List[str], List[bool]]): Words and spaces; joining them with
        a space where the flag is set gives the text back.
    """
    words: List[str] = []
    spaces: List[bool] = []
    for piece in TOKEN_RE.findall(text):
        if piece[0] == " " and words and not spaces[-1] and not words[-1].isspace():
            spaces[-1] = True
            piece = piece[1:]
            if not piece:
                continue
        words.append(piece)
        spaces.append(False)
    return words, spaces


class CharPretokenizer:
    """Tokenizer producing character tokens (alphanumeric runs kept whole)."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = split_text(text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        for text in texts:
            yield self(text)

    # Nothing to save: the rules are code. These keep nlp.to_disk/from_disk working.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "CharPretokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> "CharPretokenizer":
        # spaCy reads the tokenizer before any component: check the whole saved
        # pipeline here, so a broken folder fails with a clear error, not deep
        # inside torch (see loading.py).
        from .loading import check_pipeline_folder

        check_pipeline_folder(Path(path).parent)
        return self


@registry.tokenizers("hanzi-spacy.char_pretokenizer.v1")
def create_char_pretokenizer() -> Callable[..., CharPretokenizer]:
    """Registered tokenizer factory for ``[nlp.tokenizer]``."""

    def make_tokenizer(nlp) -> CharPretokenizer:
        return CharPretokenizer(nlp.vocab)

    return make_tokenizer
