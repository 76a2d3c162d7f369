"""Print random samples of the entities the PKU rules recover, for checking by hand.

``org-sample`` samples the organisation names that ``compound_orgs`` recovers;
``value-sample`` the DATE, TIME, MONEY, PERCENT, QUANTITY, CARDINAL and ORDINAL
mentions of ``pku_values``, the same number of each type. By default the sample
is drawn from the lines of the train and dev blocks only, so that work on the
rules never looks at the test split. The checks reported in docs/ (the commands
are in ``project.yml``): organisations from the whole file, values from the dev
block, after the rules were developed on samples of the train block.
"""

import argparse
import random
from collections import defaultdict
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

from hanzi_spacy.corpus.pku import ORG_HEADS, compound_org_spans
from hanzi_spacy.corpus.pku_values import value_spans
from workflow.splits import block_bounds

Tokens = List[Tuple[str, str]]
Mention = Tuple[int, int, int, str]  # line, start word, end word, label
Finder = Callable[[Sequence[str], Sequence[str]], List[Tuple[int, int, str]]]


def read_mentions(corpus: Path, splits: str, find: Finder) -> Tuple[list, list]:
    """The corpus's lines as (word, tag) lists, and the mentions in wanted blocks."""
    lines: List[Tokens] = [
        [tuple(token.rpartition("/")[::2]) for token in line.split()]  # type: ignore[misc]
        for line in corpus.read_text(encoding="utf-8").splitlines()
    ]
    texts = ["".join(word for word, _ in tokens) for tokens in lines]
    wanted = set(splits.split(","))
    mentions: List[Mention] = []
    for name, begin, end in block_bounds(texts):
        if name not in wanted:
            continue
        for lineno in range(begin, end):
            words = [w for w, _ in lines[lineno]]
            tags = [t for _, t in lines[lineno]]
            mentions += [(lineno, s, e, label) for s, e, label in find(words, tags)]
    return lines, mentions


def print_sample(lines: List[Tokens], sample: List[Mention]) -> None:
    """One mention per line: number, label, text, its words with two around, and
    the corpus line it is on (counted from 0)."""
    for k, (i, s, e, label) in enumerate(sample):
        text = "".join(w for w, _ in lines[i][s:e])
        context = " ".join(f"{w}/{t}" for w, t in lines[i][max(0, s - 2) : e + 2])
        print(f"{k}\t{label}\t{text}\t{context}\t{i}")


def org_sample(args: argparse.Namespace) -> int:
    def find(words, tags):
        return [(s, e, "ORG") for s, e in compound_org_spans(words, tags)]

    lines, found = read_mentions(args.corpus, args.splits, find)
    names = {"".join(w for w, _ in lines[i][s:e]) for i, s, e, _ in found}
    print(f"{len(found)} mentions, {len(names)} distinct names")
    print_sample(lines, random.Random(args.seed).sample(found, args.n))
    return 0


def value_sample(args: argparse.Namespace) -> int:
    lines, found = read_mentions(args.corpus, args.splits, find_values)
    seen = set()
    for path in args.exclude:
        # The corpus lines of an earlier sample (its last column).
        for row in path.read_text(encoding="utf-8").splitlines():
            if row.count("\t") == 4:
                seen.add(int(row.rsplit("\t", 1)[1]))
            elif row.strip().isdigit():
                seen.add(int(row))
    by_label = defaultdict(list)
    for mention in found:
        if mention[0] in seen:
            continue
        by_label[mention[3]].append(mention)
    rng = random.Random(args.seed)
    sample: List[Mention] = []
    for label in sorted(by_label):
        mentions = by_label[label]
        print(f"{label}: {len(mentions)} mentions")
        sample += rng.sample(mentions, min(args.per_type, len(mentions)))
    print_sample(lines, sample)
    return 0


def find_values(words, tags):
    return value_spans(words, tags, ORG_HEADS)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("corpus", type=Path, help="a PKU word/TAG file")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--splits", default="train,dev", help="blocks to sample from (workflow.splits)"
    )


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "org-sample",
        help="a random sample of the recovered organisation names",
        description="A random sample of the organisation names compound_orgs recovers.",
    )
    _add_common(parser)
    parser.add_argument("--n", type=int, default=200)
    parser.set_defaults(func=org_sample)
    parser = subparsers.add_parser(
        "value-sample",
        help="a random sample of each value entity type (DATE, MONEY, ...)",
        description="A random sample of each type of value entity pku_values finds.",
    )
    _add_common(parser)
    parser.add_argument("--per-type", type=int, default=30)
    parser.add_argument(
        "--exclude",
        type=Path,
        nargs="*",
        default=[],
        help="earlier samples (this command's output, or one line number a line) "
        "whose corpus lines to leave out",
    )
    parser.set_defaults(func=value_sample)
