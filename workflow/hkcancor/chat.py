"""CHAT transcripts (CHILDES/TalkBank's format) to gold word docs, one per utterance.

HKCanCor as PyCantonese ships it: ``@`` headers, then each utterance as a
``*SPEAKER:<TAB>words`` line (the speaker code varies: ``*XXA:``, ``*XB；:``)
followed by its ``%mor`` tier; a long line goes on in tab-indented lines. The
words are separated by spaces, punctuation included. Tiers other than the
utterance (``%mor``) are passed over: the docs carry words only, no tags.

A doc's text is the words joined without spaces, as Chinese is written, except
one space where a word ending in an ASCII letter or digit meets one beginning
with one ("Hong Kong", but "CD 機" gives "CD機"): without it the two words would
be one alphanumeric token that no segmenter could split.

What is not a word and is skipped (CHAT manual conventions; the HKCanCor files
of pycantonese 3.4.0 hold none of them, which the conversion's counts show):

- ``[...]`` annotations, with what they hold (``[/]`` retracing, ``[: word]``
  replacement, ``[= text]`` explanation, ``[*]`` error mark);
- ``<`` and ``>``, which mark the scope of the annotation after them: the
  words inside were said and are kept;
- ``xxx``, ``yyy``, ``www``: unintelligible or untranscribed speech;
- ``&...``: fragments, fillers and sounds (``&uh``, ``&=laughs``);
- ``+...``: special terminators and linkers (``+...``, ``+/.``, ``+"``);
- ``0word``: a word the speaker left out, so not said;
- ``(.)``, ``(..)``, ``(...)``: pauses;
- the ``@...`` suffix of a special form (``word@s``): the word is kept.

``_`` joins the parts of a compound (``New_Zealand``): the parts become words of
their own, as the text writes them with a space. Kept as words: the terminator
that ends every utterance (``.``, ``?``, ``!``), the other punctuation (``,``,
``"``, ``...``, and ``-`` where a speaker breaks off), Jyutping syllables that
stand for a sound with no character (``ei3``, ``lyut6``) and ``○``.
"""

import re
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import (
    HAS_WORDS,
    ConversionError,
    ConversionReport,
    parsed_docs,
    read_lines,
)

from ..errors import Errors

ANNOTATION_RE = re.compile(r"\[[^\[\]]*\]")
PAUSE_RE = re.compile(r"\(\.+\)")
OMITTED_RE = re.compile(r"0\D.*")
UNSPOKEN = {"xxx", "yyy", "www"}


def read_utterances(
    path: Path, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Tuple[int, str]]:
    """Yield (line number, words) of each utterance, continuation lines joined.

    A line that is not a header, utterance, tier or continuation, or a
    continuation with nothing to continue, raises a ConversionError naming the
    line (skip_invalid counts it in report.skipped instead).
    """
    utterance: Optional[Tuple[int, List[str]]] = None
    in_record = False
    for lineno, line in read_lines(path, report, skip_invalid):
        if line.startswith("\t") and in_record:
            if utterance is not None:
                utterance[1].append(line)
            continue
        if utterance is not None:
            yield utterance[0], " ".join(utterance[1])
        utterance, in_record = None, False
        error = None
        if line.startswith("*"):
            _, colon, words = line.partition(":")
            if colon:
                utterance, in_record = (lineno, [words]), True
            else:
                error = Errors.E411.format(path=path, line=lineno, text=line)
        elif line.startswith(("@", "%")):
            in_record = True
        elif line.strip():
            error = Errors.E410.format(path=path, line=lineno, text=line)
        if error is not None:
            if not skip_invalid:
                raise ConversionError(error)
            report.skipped.append(error)
    if utterance is not None:
        yield utterance[0], " ".join(utterance[1])


def markup_kind(token: str) -> Optional[str]:
    """The kind of CHAT markup a token is (module docstring), or None for a word."""
    if token.lower() in UNSPOKEN:
        return "unintelligible"
    if len(token) > 1 and token[0] == "&":
        return "fragment or filler"
    if len(token) > 1 and token[0] == "+":
        return "terminator or linker"
    if PAUSE_RE.fullmatch(token):
        return "pause"
    if OMITTED_RE.fullmatch(token):
        return "omitted word"
    return None


def utterance_words(
    text: str, path: Path, lineno: int, skipped: Optional[Counter] = None
) -> List[str]:
    """The words of an utterance's text, without the CHAT markup.

    skipped (Optional[Counter]): Counts what was skipped, by kind.
    """
    skipped = Counter() if skipped is None else skipped
    text, n = ANNOTATION_RE.subn(" ", text)
    skipped["annotation"] += n
    if "[" in text or "]" in text:
        raise ConversionError(Errors.E412.format(path=path, line=lineno, text=text))
    words: List[str] = []
    for token in text.split():
        if len(token) > 1:
            token = token.lstrip("<").rstrip(">") or token
        kind = markup_kind(token)
        if kind is not None:
            skipped[kind] += 1
            continue
        if "@" in token[1:]:
            token = token[: token.index("@", 1)]
        words.extend(part for part in token.split("_") if part)
    return words


def is_alnum_edge(char: str) -> bool:
    return char.isascii() and char.isalnum()


def utterance_doc(vocab: Vocab, words: List[str]) -> Optional[Doc]:
    """A gold doc of the words (None for none): joined without spaces, except
    between two ASCII letters or digits."""
    if not words:
        return None
    spaces = [
        is_alnum_edge(word[-1]) and is_alnum_edge(after[0])
        for word, after in zip(words, words[1:])
    ]
    doc = Doc(vocab, words=words, spaces=spaces + [False])
    doc.user_data[HAS_WORDS] = True
    return doc


def convert_chat(
    path: Path,
    vocab: Vocab,
    report: ConversionReport,
    skip_invalid: bool = False,
    skipped: Optional[Counter] = None,
) -> Iterator[Doc]:
    """Convert a CHAT file, one doc per utterance with words.

    skipped (Optional[Counter]): Counts the markup skipped, by kind, and the
        utterances left without words.
    """
    skipped = Counter() if skipped is None else skipped

    def parse(lineno: int, text: str) -> Optional[Doc]:
        doc = utterance_doc(vocab, utterance_words(text, path, lineno, skipped))
        if doc is None:
            skipped["utterance without words"] += 1
        return doc

    utterances = read_utterances(path, report, skip_invalid)
    parses = (partial(parse, lineno, text) for lineno, text in utterances)
    yield from parsed_docs(parses, report, skip_invalid)
