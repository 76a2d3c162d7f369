"""CoNLL-U to docs, one doc per sentence, through spaCy's own sentence reader.

Lines are checked here first (10 columns, IDs in order, HEAD in range) so that a
bad line fails with its file and line number; spaCy's
``conllu_sentence_to_doc`` then reads each valid sentence. Choices:

- Multi-word tokens (``3-4`` ranges) become one token with the surface form
  (``merge_subtokens=True``; with False the text would be the concatenated
  syntactic words, "de el" for "del", and would not match the sentence). The
  merged token keeps the first word's UPOS, spaCy joins the XPOS with "_".
- Spaces: ``# text`` is the truth where present (``doc.text`` equals it, a run
  of whitespace between two tokens becomes one space). Without it, ``SpaceAfter=No``
  decides, but never a space at the end of the sentence nor between two wide
  (CJK) characters: Chinese files often lack SpaceAfter=No on some tokens, and a
  spurious space there would teach the segmenter text it never sees.
- One doc per sentence: ``conllu_to_docs`` groups sentences with
  ``Doc.from_docs``, which puts a space between them.
- UPOS goes to ``pos_``, XPOS to ``tag_`` (UPOS where XPOS is "_"); "_" lemmas
  and tags are missing values. Heads and labels are kept only where every word of
  the sentence has a HEAD: spaCy reads "_" as a self-loop, which would cut the
  sentence into one-word sentences.
- Entities: ``NER=``, ``NE=`` or ``name=`` in MISC, in any scheme of tags.py,
  detected per file. If any word of the file has one, every sentence is
  annotated (words without one are O); if none does, entities are missing.
"""

import re
import unicodedata
from pathlib import Path
from typing import Iterator, List, Optional, Set, Tuple

from spacy.tokens import Doc, Span
from spacy.training.converters.conllu_to_docs import conllu_sentence_to_doc
from spacy.vocab import Vocab

from ...errors import Errors
from ..lines import HAS_WORDS, ConversionError, ConversionReport, read_lines
from .blocks import Block, convert_blocks
from .tags import LABEL_ALIASES, Scheme, decode_tags, detect_scheme

WORD_ID = re.compile(r"[1-9][0-9]*")
RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
EMPTY_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")
NER_KEYS = ("NER", "NE", "name")

Row = Tuple[int, List[str]]  # line number, the 10 columns


def misc_ner(misc: str) -> Optional[str]:
    """The entity tag in a MISC column, or None."""
    for part in misc.split("|"):
        key, sep, value = part.partition("=")
        if sep and key in NER_KEYS:
            return value
    return None


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def parse_conllu_block(
    block: Block, vocab: Vocab, path: Path, scheme: Optional[Scheme]
) -> Optional[Doc]:
    """The doc of one sentence; None for a block of comments only.

    scheme (Optional[Scheme]): The entity tag scheme of the file, None if the
        file has no entity tags.
    """
    text, text_line, rows = read_rows(block, path)
    if not rows:
        return None
    words, surface, word_surface = check_ids(rows, path)
    n = len(words)
    for lineno, cols in words:
        head = cols[6]
        if head != "_" and not (head.isdigit() and int(head) <= n):
            raise ConversionError(
                Errors.E103.format(path=path, line=lineno, head=head, n=n)
            )
    forms = [cols[1] for _, cols in surface]
    if text is not None:
        spaces = spaces_from_text(forms, text)
        if spaces is None:
            raise ConversionError(
                Errors.E106.format(path=path, line=text_line, words=forms, text=text)
            )
    else:
        spaces = spaces_from_misc(surface)
    try:
        parsed = conllu_sentence_to_doc(
            vocab, ["\t".join(cols) for _, cols in rows], "", merge_subtokens=True
        )
    except (ValueError, KeyError, IndexError) as e:
        raise ConversionError(
            Errors.E107.format(path=path, line=rows[0][0], error=e)
        ) from e
    # A fresh doc: spaCy's carries its merge bookkeeping in user_data.
    has_deps = all(cols[6] != "_" for _, cols in words)
    doc = Doc(
        vocab,
        words=forms,
        spaces=spaces,
        tags=[t.tag_ if t.tag_ != "_" else "" for t in parsed],
        pos=[t.pos_ for t in parsed],
        morphs=[str(t.morph) for t in parsed],
        lemmas=[t.lemma_ if t.lemma_ != "_" or t.text == "_" else "" for t in parsed],
        heads=[t.head.i for t in parsed] if has_deps else None,
        deps=[t.dep_ for t in parsed] if has_deps else None,
    )
    if scheme is not None:
        doc.set_ents(
            entity_spans(doc, words, word_surface, scheme, path), default="outside"
        )
    doc.user_data[HAS_WORDS] = True
    return doc


def read_rows(block: Block, path: Path) -> Tuple[Optional[str], int, List[Row]]:
    """The ``# text`` comment (or None), its line, and the rows of the words and
    multi-word ranges; empty nodes carry no surface token and are left out.
    """
    text, text_line = None, 0
    rows: List[Row] = []
    for lineno, line in block:
        if line.startswith("#"):
            key, sep, value = line[1:].partition("=")
            if sep and key.strip() == "text":
                text, text_line = value.strip(), lineno
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise ConversionError(
                Errors.E100.format(path=path, line=lineno, n=len(cols))
            )
        if not cols[1]:
            raise ConversionError(Errors.E105.format(path=path, line=lineno))
        if not EMPTY_ID.fullmatch(cols[0]):
            rows.append((lineno, cols))
    return text, text_line, rows


def check_ids(rows: List[Row], path: Path) -> Tuple[List[Row], List[Row], List[int]]:
    """Check the IDs; return the word rows, the surface rows (ranges and the
    words outside them) and the index of each word's surface token.
    """
    words: List[Row] = []
    surface: List[Row] = []
    word_surface: List[int] = []
    range_end, range_row = 0, rows[0]
    for row in rows:
        lineno, cols = row
        match = RANGE_ID.fullmatch(cols[0])
        if match is None and not WORD_ID.fullmatch(cols[0]):
            raise ConversionError(
                Errors.E101.format(path=path, line=lineno, id=cols[0])
            )
        start = int(match[1]) if match else int(cols[0])
        expected = len(words) + 1
        if start != expected or (match and start <= range_end):
            raise ConversionError(
                Errors.E102.format(
                    path=path, line=lineno, id=cols[0], expected=expected
                )
            )
        if match:
            if int(match[2]) <= start:
                raise ConversionError(
                    Errors.E101.format(path=path, line=lineno, id=cols[0])
                )
            range_end, range_row = int(match[2]), row
            surface.append(row)
            continue
        if start > range_end:
            surface.append(row)
        words.append(row)
        word_surface.append(len(surface) - 1)
    if range_end > len(words):
        lineno, cols = range_row
        raise ConversionError(
            Errors.E104.format(path=path, line=lineno, id=cols[0], n=len(words))
        )
    return words, surface, word_surface


def entity_spans(
    doc: Doc, words: List[Row], word_surface: List[int], scheme: Scheme, path: Path
) -> List[Span]:
    """Decode the words' entity tags and move them onto the surface tokens."""
    tags = [(lineno, misc_ner(cols[9]) or "O") for lineno, cols in words]
    spans: List[Span] = []
    for start, end, label in decode_tags(tags, scheme, path, LABEL_ALIASES):
        first, last = word_surface[start], word_surface[end - 1] + 1
        if spans and first < spans[-1].end:
            raise ConversionError(Errors.E108.format(path=path, line=tags[start][0]))
        spans.append(Span(doc, first, last, label=label))
    return spans


def spaces_from_text(forms: List[str], text: str) -> Optional[List[bool]]:
    """Whether whitespace follows each form in text; None if they do not match."""
    spaces: List[bool] = []
    pos = 0
    for form in forms:
        start = pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if spaces:
            spaces[-1] = pos > start
        if not text.startswith(form, pos):
            return None
        pos += len(form)
        spaces.append(False)
    return spaces if not text[pos:].strip() else None


def spaces_from_misc(surface: List[Row]) -> List[bool]:
    """SpaceAfter=No, no space at the end nor between two wide characters."""
    spaces = []
    for i, (_, cols) in enumerate(surface):
        if i + 1 == len(surface):
            spaces.append(False)
            continue
        after = "SpaceAfter=No" not in cols[9].split("|")
        spaces.append(
            after and not (is_wide(cols[1][-1]) and is_wide(surface[i + 1][1][1][0]))
        )
    return spaces


def file_entity_tags(path: Path) -> Set[str]:
    """The distinct entity tags in the MISC column of a whole file."""
    tags: Set[str] = set()
    for _, line in read_lines(path, None, skip_invalid=True):
        cols = line.split("\t")
        if len(cols) == 10 and not line.startswith("#"):
            tag = misc_ner(cols[9])
            if tag is not None:
                tags.add(tag)
    return tags


def convert_conllu(
    path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Doc]:
    """Convert a CoNLL-U file, one doc per sentence, with HAS_WORDS set."""
    tags = file_entity_tags(path)
    scheme = detect_scheme(tags) if tags else None

    def parse(block: Block) -> Optional[Doc]:
        return parse_conllu_block(block, vocab, path, scheme)

    yield from convert_blocks(path, parse, report, skip_invalid)
