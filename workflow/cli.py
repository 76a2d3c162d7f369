"""The command line of the project's rooms: one subcommand per module.

Each module has ``add_parser(subparsers)``, which sets ``func``. Errors a user
can act on (HanziError) print one line, not a traceback.
"""

import argparse
import sys
from types import ModuleType
from typing import List, Optional, Sequence

from hanzi_spacy.errors import HanziError


def build_parser(prog: str, commands: Sequence[ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in commands:
        module.add_parser(subparsers)
    return parser


def run(
    prog: str, commands: Sequence[ModuleType], argv: Optional[List[str]] = None
) -> int:
    """Parse the command line and run its command; RETURNS the exit code."""
    args = build_parser(prog, commands).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HanziError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
