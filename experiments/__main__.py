"""Command line: ``python -m experiments COMMAND ...`` (from the repository root).

The project's studies (``project.yml`` names each); not installed with the
package. Each command lives in its own module with ``add_parser(subparsers)``.
Errors a user can act on (HanziError) print one line, not a traceback.
"""

import argparse
import sys
from typing import List, Optional

from hanzi_spacy.errors import HanziError

from . import (
    ablation,
    backbone_probe,
    fewshot,
    finetune,
    heldout_perplexity,
    org_sample,
    pet_hard_diagnosis,
    pretrain_budget,
    pretrain_overhead,
    pretrain_sweep,
    recheck_on_dev,
)

COMMANDS = (
    ablation,
    finetune,
    fewshot,
    pet_hard_diagnosis,
    pretrain_sweep,
    pretrain_budget,
    pretrain_overhead,
    heldout_perplexity,
    backbone_probe,
    org_sample,
    recheck_on_dev,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments")
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
