"""Command line: ``python -m workflow COMMAND ...`` (from the repository root).

The project's own steps (``project.yml`` calls them); not installed with the
package. Each command lives in its own module with ``add_parser(subparsers)``.
Errors a user can act on (HanziError) print one line, not a traceback.
"""

import argparse
from typing import List, Optional

from . import (
    backbone,
    cli,
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
    return cli.build_parser("python -m workflow", COMMANDS)


def main(argv: Optional[List[str]] = None) -> int:
    return cli.run("python -m workflow", COMMANDS, argv)


if __name__ == "__main__":
    raise SystemExit(main())
