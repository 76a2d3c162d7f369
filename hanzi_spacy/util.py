"""Small parts shared by the runtime and the corpus converters.

- ``HAS_WORDS``: the ``doc.user_data`` key of docs whose word boundaries are
  annotated, so the segmenter learns only from them and the scorers score only
  them (a review doc has no word boundaries).
- ``read_lines``: a UTF-8 text file's lines with their numbers, for errors that
  name the line.
- ``read_user_dictionary``: a word list (user dictionary, lexicon) in the
  ``word<TAB>TAG`` format or jieba's ``word [freq] [tag]``.
- ``fold_width``: full-width ASCII forms to ASCII, one character for one.
- ``label_colour``: the colour displaCy draws an entity label in.
"""

import zlib
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple, TypeVar, Union

from spacy.displacy.render import DEFAULT_LABEL_COLORS

from .errors import ConversionError, Errors, HanziError

T = TypeVar("T")

HAS_WORDS = "hanzi_spacy.has_words"


def read_lines(
    path: Path,
    report: Optional[Any] = None,
    skip_invalid: bool = False,
) -> Iterator[Tuple[int, str]]:
    """Yield (line number, text without the newline) for each line of a UTF-8 file.

    path (Path): The file.
    report (Optional[Any]): Where skipped lines are counted: anything with a
        ``skipped`` list, such as a corpus ConversionReport.
    skip_invalid (bool): Skip and count lines that are not valid UTF-8 instead of
        raising a ConversionError that names the line.
    YIELDS (Tuple[int, str]): 1-based line number and line; a byte order mark is
        dropped.
    """
    path = Path(path)
    if not path.is_file():
        raise HanziError(Errors.E024.format(path=path))
    with path.open("rb") as f:
        for i, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                error = ConversionError(
                    Errors.E020.format(path=path, line=i, reason=e.reason)
                )
                if not skip_invalid:
                    raise error from e
                if report is not None:
                    report.skipped.append(str(error))
                continue
            if i == 1:
                line = line.lstrip("\ufeff")
            yield i, line.rstrip("\r\n")


# Full-width ASCII forms U+FF01-U+FF5E to ASCII U+0021-U+007E.
FULLWIDTH_ASCII = {0xFF01 + i: 0x21 + i for i in range(0x5E)}
# The same and the ideographic space to a space.
WIDTH_TABLE = FULLWIDTH_ASCII | {0x3000: 0x20}


def fold_width(text: str) -> str:
    """Full-width ASCII forms (１２３ＡＢＣ，) to ASCII (123ABC,), one character
    for one, so offsets into the folded text are offsets into the original."""
    return text.translate(WIDTH_TABLE)


def read_user_dictionary(path: Union[str, Path]) -> List[Tuple[str, Optional[str]]]:
    """Read a dictionary file: one word per line, as ``word<TAB>TAG`` (the tag
    optional) or in jieba's format, ``word [freq] [tag]`` separated by spaces
    (the frequency is read and ignored: a user word is always kept whole).

    Blank lines and lines starting with ``#`` are passed over. A line that is not
    one word with an optional frequency and tag, a tag outside the PKU tagset,
    and an empty file raise an error naming the file and line.
    """
    from .upos import PKU_TO_UPOS

    entries = dictionary_lines(path, _dictionary_entry)
    for lineno, (word, tag) in entries:
        if tag is not None and tag not in PKU_TO_UPOS:
            raise HanziError(
                Errors.E320.format(path=path, line=lineno, tag=tag, word=word)
            )
    return [entry for _, entry in entries]


def dictionary_lines(
    path: Union[str, Path], parse: Callable[[str], Optional[T]]
) -> List[Tuple[int, T]]:
    """The parsed entries of a dictionary file, with their line numbers.

    Blank lines and lines starting with ``#`` are passed over; a line ``parse``
    cannot read (it returns None) and an empty file raise an error naming the
    file and line.
    """
    entries: List[Tuple[int, T]] = []
    for lineno, line in read_lines(Path(path)):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        entry = parse(line)
        if entry is None:
            raise HanziError(Errors.E302.format(path=path, line=lineno, text=line))
        entries.append((lineno, entry))
    if not entries:
        raise HanziError(Errors.E303.format(path=path))
    return entries


def _dictionary_entry(line: str) -> Optional[Tuple[str, Optional[str]]]:
    """(word, tag) from a ``word<TAB>TAG`` or ``word [freq] [tag]`` line, or None."""
    if "\t" in line.rstrip():
        fields = [f.strip() for f in line.rstrip().split("\t")]
        if len(fields) != 2 or not all(fields) or " " in fields[0]:
            return None
        return fields[0], fields[1]
    fields = line.split()
    if len(fields) == 1:
        return fields[0], None
    if len(fields) == 2:
        return fields[0], None if fields[1].isdigit() else fields[1]
    if len(fields) == 3 and fields[1].isdigit():
        return fields[0], fields[2]
    return None


PALETTE = (
    "#aa9cfc",
    "#7aecec",
    "#feca74",
    "#ff9561",
    "#bfeeb7",
    "#c887fb",
    "#9cc9cc",
    "#ffeb80",
    "#ff8197",
    "#f0d0ff",
    "#bfe1d9",
    "#e4e7d2",
)
# displaCy's PERSON colour for our PER; the value types, which displaCy draws
# in two colours, one each.
OWN_COLOURS = {
    "PER": "#aa9cfc",
    "DATE": "#bfe1d9",
    "TIME": "#80cbc4",
    "MONEY": "#feca74",
    "PERCENT": "#ffeb80",
    "QUANTITY": "#c887fb",
    "CARDINAL": "#e4e7d2",
    "ORDINAL": "#f0d0ff",
}


def label_colour(label: str) -> str:
    """The colour of an entity label: displaCy's own where it has one (ORG, DATE,
    MONEY...), else one of a fixed palette chosen by the label's name, so that a
    label keeps its colour between texts, pages and servers."""
    if label in OWN_COLOURS:
        return OWN_COLOURS[label]
    if label in DEFAULT_LABEL_COLORS:
        return DEFAULT_LABEL_COLORS[label]
    return PALETTE[zlib.crc32(label.encode("utf8")) % len(PALETTE)]
