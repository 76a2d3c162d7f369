"""``python -m hanzi_spacy convert FORMAT INPUT... --output FILE.spacy``.

The conversion behind the command (``hanzi_spacy/cli.py``).

Formats: ``pku`` (word/TAG lines), ``reviews`` (inputs as LABEL=FILE, one text per
line), and the user formats of ``formats.py`` (sighan, conllu, bio, tsv, csv).
"""

from pathlib import Path
from typing import Callable, Dict, Iterator, List

from spacy.tokens import Doc
from spacy.vocab import Vocab
from tqdm import tqdm

from ..errors import Errors, HanziError
from .lines import ConversionReport, write_docbin
from .pku import convert_pku
from .reviews import convert_reviews

Converter = Callable[[Path, Vocab, ConversionReport, bool], Iterator[Doc]]


def converters() -> Dict[str, Converter]:
    """All single-file converters by format name."""
    from .formats import FORMATS

    return {"pku": convert_pku, **FORMATS}


def parse_labelled(inputs: List[str]) -> List[tuple]:
    pairs = []
    for item in inputs:
        label, sep, path = item.partition("=")
        if not sep or not label or not path:
            raise HanziError(
                Errors.E026.format(
                    fmt=item, formats="LABEL=FILE for the reviews format"
                )
            )
        pairs.append((label, Path(path)))
    return pairs


def convert_files(
    fmt: str, inputs: List[str], vocab: Vocab, report: ConversionReport, skip: bool
) -> Iterator[Doc]:
    """Docs from the input files in the given format."""
    if fmt == "reviews":
        yield from convert_reviews(parse_labelled(inputs), vocab, report, skip)
        return
    table = converters()
    if fmt not in table:
        formats = ", ".join(sorted([*table, "reviews"]))
        raise HanziError(Errors.E026.format(fmt=fmt, formats=formats))
    for path in inputs:
        yield from table[fmt](Path(path), vocab, report, skip)


def convert(fmt: str, inputs: List[str], output: Path, skip_invalid: bool) -> int:
    """Convert the input files to one .spacy file; print what was written.

    RETURNS (int): The number of docs written.
    """
    report = ConversionReport()
    docs = convert_files(fmt, inputs, Vocab(), report, skip_invalid)
    docs = tqdm(docs, desc="Converting", unit=" docs", disable=None, leave=False)
    n = write_docbin(docs, Path(output))
    if n == 0:
        Path(output).unlink()
        raise HanziError(Errors.E025.format(path=", ".join(inputs)))
    # Printed whole, not through wasabi, which wraps long lines.
    print(f"{output}: {report.summary()}")
    for message in report.skipped[:20]:
        print(f"  skipped: {message}")
    return n
