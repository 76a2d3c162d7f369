"""Command line: ``python -m experiments COMMAND ...`` (from the repository root).

The project's studies (``project.yml`` names each); not installed with the
package. Each command lives in its own module with ``add_parser(subparsers)``.
Errors a user can act on (HanziError) print one line, not a traceback.
"""

import argparse
from typing import List, Optional

from workflow import cli

from . import (
    ablation,
    backbone_probe,
    entity_sample,
    fewshot,
    finetune,
    heldout_perplexity,
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
    entity_sample,
    recheck_on_dev,
)


def build_parser() -> argparse.ArgumentParser:
    return cli.build_parser("python -m experiments", COMMANDS)


def main(argv: Optional[List[str]] = None) -> int:
    return cli.run("python -m experiments", COMMANDS, argv)


if __name__ == "__main__":
    raise SystemExit(main())
