"""The character pretokenizer: one token per CJK character, alphanumeric runs whole.

Every component listens to the transformer at character level and the segmenter
merges characters into words at the end (docs/architecture.md), so the tokenizer
only cuts text into the units the backbone sees:

- each CJK character, punctuation mark, emoji code point or other symbol is a token;
- a run of Latin letters or digits (ASCII, Latin-1/Extended letters, full-width
  forms) is one token, so "iPhone" or "１９９８" is a unit the segmenter never has to
  split and the backbone never collapses into a shared [UNK];
- whitespace follows spaCy's convention: one space after a token becomes that
  token's ``whitespace_``; any other whitespace is a token of its own.

Version 2 (``hanzi-spacy.char_pretokenizer.v2``, the configs' default) also keeps
whole: runs of letters of any alphabetic script (Cyrillic, Greek, kana, Hangul,
...), numbers with their separators, sign and percent sign (1.5, -1,000, 12:30,
3.5%), version strings, URLs, e-mail addresses, ASCII @handles and #hashtags,
emoji sequences (ZWJ, flags, skin tones) and characters with their combining
marks. It also sets what the CNN and the lexicon read: each token's NORM and
SHAPE are those of its script view (``script``, e.g. "t2s": Traditional as
Simplified) in NFKC form (full-width digits, letters and punctuation folded to
ASCII; NORM then lower-cased), computed once per distinct string by the
vocabulary. So "１．５" and "1.5", "國" and "国" are the same features, as they
are to the backbone, which reads the same view. ``token.text`` stays the
user's. Version 1 stays as it was, for pipelines trained with it.

The text round-trips exactly: ``doc.text == text`` for any ``str`` that UTF-8
can encode. A lone surrogate (U+D800-U+DFFF, what ``errors="surrogateescape"``
decoding of a broken file leaves) cannot be stored by spaCy at all (its string
store encodes every token as UTF-8): each becomes U+FFFD, one character for one,
so character offsets into the input stay right, and ``doc.user_data``
lists the positions under ``SURROGATES_KEY``. Nothing else is changed.
"""

import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Tuple

from spacy.attrs import NORM, SHAPE
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from .script import check_script, script_view

ALNUM = (
    "0-9A-Za-z"
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin-1 and Latin Extended letters
    "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # full-width digits and letters
)
# Alphanumeric runs, whitespace runs, or any single code point (re.S: newlines too).
TOKEN_RE = re.compile(f"[{ALNUM}]+|\\s+|.", re.S)
SURROGATE_RE = re.compile("[\ud800-\udfff]")
SURROGATES_KEY = "replaced_surrogates"  # doc.user_data: their character offsets


def split_text(
    text: str, pattern: re.Pattern = TOKEN_RE
) -> Tuple[List[str], List[bool]]:
    """Cut text into words and trailing-space flags for ``Doc(vocab, words, spaces)``.

    text (str): Any string.
    pattern (re.Pattern): The units (TOKEN_RE or TOKEN_RE_V2).
    RETURNS (Tuple[List[str], List[bool]]): Words and spaces; joining them with
        a space where the flag is set gives the text back.
    """
    words: List[str] = []
    spaces: List[bool] = []
    for piece in pattern.findall(text):
        if piece[0] == " " and words and not spaces[-1] and not words[-1].isspace():
            spaces[-1] = True
            piece = piece[1:]
            if not piece:
                continue
        words.append(piece)
        spaces.append(False)
    return words, spaces


# Version 2 units, tried in this order (see create_char_pretokenizer_v2).
DIGIT = "0-9\uff10-\uff19"
LETTERS = (
    ALNUM
    + "\u0370-\u03ff\u0400-\u052f"  # Greek, Cyrillic
    + "\u0531-\u0587\u05d0-\u05ea\u0620-\u064a\u066e-\u06d3"  # Armenian, Hebrew, Arabic
    + "\u0900-\u0963\u0e01-\u0e3a\u0e40-\u0e4e"  # Devanagari, Thai
    + "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"  # Hangul
    + "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"  # kana
    + "\uff66-\uff9f"  # half-width katakana
)
MARKS = (  # combining marks, variation selectors
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u064b-\u065f\u093a-\u094f"
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u3099\u309a\u20d0-\u20ff"
    "\ufe00-\ufe0f\ufe20-\ufe2f"
)
# A URL ends at whitespace, quotes, brackets, CJK punctuation or a CJK character:
# Chinese text often runs on right after one.
URL_STOP = (
    "\\s<>\"'，。！？、；：“”‘’（）《》【】「」『』"
    "\u2e80-\u9fff\uf900-\ufaff\uff01-\uff0f\U00020000-\U0003134f"
)
EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
EMOJI_MODIFIERS = "\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
UNITS_V2 = [
    rf"(?:https?|ftp)://[^{URL_STOP}]+[^{URL_STOP}.,;:!?)\]]",  # URLs
    rf"www\.[^{URL_STOP}]+[^{URL_STOP}.,;:!?)\]]",
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",  # e-mail
    r"[@#][A-Za-z0-9_]+",  # @handles, #hashtags (ASCII: CJK ones have no end)
    # Numbers with separators, a sign and a percent sign: 1.5, -3,000, 12:30, 3.5%
    rf"(?<![{DIGIT}])[+\-−]?[{DIGIT}]+(?:[.,:/．：][{DIGIT}]+)+[%％‰]?",
    rf"[{DIGIT}]+[%％‰]",
    rf"[{ALNUM}]+(?:[.][{DIGIT}]+)+",  # versions: v1.2, Python3.11
    # Runs of letters of any alphabetic script, apostrophes inside (don't)
    rf"[{LETTERS}][{LETTERS}{MARKS}'’]*[{LETTERS}{MARKS}]|[{LETTERS}][{MARKS}]*",
    r"[\U0001f1e6-\U0001f1ff]{2}",  # flags
    # Emoji with their modifiers, joined by zero-width joiners
    rf"[{EMOJI}][{EMOJI_MODIFIERS}]*(?:\u200d[{EMOJI}][{EMOJI_MODIFIERS}]*)*",
    r"\s+",
    rf".[{MARKS}]*",  # any other code point, with its combining marks
]
TOKEN_RE_V2 = re.compile("|".join(UNITS_V2), re.S)


class FoldedNorm:
    """A NORM (or SHAPE) getter that applies the script view (``script.py``:
    Traditional as Simplified) and NFKC before the language's own getter (NORM
    lower-cases and maps some punctuation, e.g. "。" to ".").

    norm (Optional[Callable[[str], str]]): The language's getter.
    script (str): The OpenCC conversion of the view, or "" for none.
    """

    def __init__(
        self, norm: Optional[Callable[[str], str]] = None, script: str = ""
    ) -> None:
        self.norm = norm
        self.script = script

    def __call__(self, string: str) -> str:
        folded = unicodedata.normalize("NFKC", script_view(string, self.script))
        return self.norm(folded) if self.norm else folded.lower()


class CharPretokenizer:
    """Tokenizer producing character tokens (alphanumeric runs kept whole).

    vocab (Vocab): The pipeline's vocabulary.
    version (int): 1: alphanumeric runs; 2: also runs of any alphabetic script,
        numbers with separators, URLs, e-mail addresses, @handles, #hashtags,
        emoji sequences and characters with their combining marks.
    """

    def __init__(self, vocab: Vocab, version: int = 1) -> None:
        self.vocab = vocab
        self.version = version
        self.pattern = TOKEN_RE_V2 if version == 2 else TOKEN_RE

    def __call__(self, text: str) -> Doc:
        replaced = [m.start() for m in SURROGATE_RE.finditer(text)]
        if replaced:
            text = SURROGATE_RE.sub("\ufffd", text)
        words, spaces = split_text(text, self.pattern)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if replaced:
            doc.user_data[SURROGATES_KEY] = replaced
        return doc

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


@registry.tokenizers("hanzi-spacy.char_pretokenizer.v2")
def create_char_pretokenizer_v2(script: str = "t2s") -> Callable[..., CharPretokenizer]:
    """Registered tokenizer factory: version 2 units (see CharPretokenizer),
    and NORM as the width-folded, script-normalised form of each token.

    script (str): "t2s" (Traditional read as Simplified), "tw2s", "hk2s" or ""
        (see ``script.py``); the transformer's ``script`` should say the same.
    """
    check_script(script)

    def make_tokenizer(nlp) -> CharPretokenizer:
        getters = nlp.vocab.lex_attr_getters
        for attr in (NORM, SHAPE):  # "１．５" has the shape of "1.5"
            getter = getters.get(attr)
            if isinstance(getter, FoldedNorm):
                getter = getter.norm
            getters[attr] = FoldedNorm(getter, script)
        return CharPretokenizer(nlp.vocab, version=2)

    return make_tokenizer
