"""Command line: ``python -m hanzi_spacy COMMAND ...``.

Each command lives in its own module with ``add_parser(subparsers)``, which
registers a sub-parser whose ``func`` takes the parsed arguments and returns an
exit code. Errors a user can act on (HanziError) print one line, not a traceback.
"""

import argparse
import importlib
import sys
from typing import List, Optional

from .errors import HanziError

# module path -> it registers one or more sub-commands
COMMAND_MODULES = [
    "hanzi_spacy.corpus.fetch",
    "hanzi_spacy.corpus.convert",
    "hanzi_spacy.corpus.preprocess",
    "hanzi_spacy.pretrain.cli",
    "hanzi_spacy.evaluate",
    "hanzi_spacy.package",
    "hanzi_spacy.demo",
    "hanzi_spacy.benchmark.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hanzi_spacy")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HanziError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
