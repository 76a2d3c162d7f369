"""Command line: ``python -m workflow COMMAND ...`` (from the repository root).

The project's own steps (``project.yml`` calls them); not installed with the
package. Each command lives in its own module with ``add_parser(subparsers)``.
Errors a user can act on (HanziError) print one line, not a traceback.
"""

import argparse
import sys
from typing import List, Optional

from hanzi_spacy.errors import HanziError

from . import (
    backbone,
    demo,
    fetch,
    lexicons,
    newtask,
    package,
    preprocess,
    update,
)
from .hkcancor import convert as hkcancor
from .hkcancor import split as hkcancor_split

COMMANDS = (
    fetch,
    preprocess,
    lexicons,
    backbone,
    package,
    demo,
    hkcancor,
    hkcancor_split,
    update,
    newtask,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HanziError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
