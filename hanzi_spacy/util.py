"""Small parts shared by the runtime and the corpus converters.

- ``HAS_WORDS``: the ``doc.user_data`` key of docs whose word boundaries are
  annotated, so the segmenter learns only from them and the scorers score only
  them (a review doc has no word boundaries).
- ``read_lines``: a UTF-8 text file's lines with their numbers, for errors that
  name the line.
- ``read_user_dictionary``: a word list (user dictionary, lexicon) in the
  ``word<TAB>TAG`` format.
"""

from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple, Union

from .errors import ConversionError, Errors, HanziError

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
