"""How right iPET's hard labels are: the k-shot teacher of each dev-choice draw
labels its 2,000 unlabeled train reviews, and the reviews it is surest of
(``experiments.fewshot.confident``) are checked against their own labels, which
the few-shot run never reads. A diagnosis, not a choice.

    python -m experiments pet-hard-diagnosis --backbone training/budget/mlm-24ep \
        --choices metrics/fewshot_dev-24ep.json \
        --output metrics/fewshot-hard-diagnosis.json
"""

import argparse
import json
from pathlib import Path

from . import fewshot
from .fewshot_systems import prompt_nlp, soft_labels, train


def diagnose(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    texts, labels = fewshot.reviews(args.train)
    choices = json.loads(Path(args.choices).read_text(encoding="utf-8"))
    teacher = fewshot.settings_at(choices, "prompt", args.k)
    out = {}
    for d in range(args.draws):
        chosen = fewshot.draw(labels, args.k, 1000 + d)  # the dev-choice draws
        x, y = [texts[i] for i in chosen], [labels[i] for i in chosen]
        pool_ids = fewshot.unlabeled_pool(len(texts), chosen, args.unlabeled, 1000 + d)
        pool = [texts[i] for i in pool_ids]
        gold = [labels[i] for i in pool_ids]
        nlp = prompt_nlp(args.backbone, teacher)
        nlp = train(
            nlp, x, y, steps=teacher["steps"], lr=teacher["lr"], batch_size=16, seed=d
        )
        soft = soft_labels([nlp], pool)
        predicted = [max(cats, key=cats.get) for cats in soft]
        picked, picked_labels = fewshot.confident(pool, soft, args.factor * args.k)
        right = dict(zip(pool, gold))
        out[str(d)] = {
            "pool_accuracy": sum(p == g for p, g in zip(predicted, gold)) / len(gold),
            "pool_predicted": {lab: predicted.count(lab) for lab in fewshot.LABELS},
            "picked_accuracy": sum(
                right[t] == lab for t, lab in zip(picked, picked_labels)
            )
            / len(picked),
            "picked": {lab: picked_labels.count(lab) for lab in fewshot.LABELS},
            "picked_accuracy_by_label": {
                lab: sum(
                    right[t] == lab
                    for t, said in zip(picked, picked_labels)
                    if said == lab
                )
                / max(1, picked_labels.count(lab))
                for lab in fewshot.LABELS
            },
            "mean_chars_picked": sum(map(len, picked)) / len(picked),
            "mean_chars_pool": sum(map(len, pool)) / len(pool),
        }
        print(d, out[str(d)], flush=True)
    Path(args.output).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "pet-hard-diagnosis",
        help="how right iPET's hard labels are",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--backbone", required=True)
    p.add_argument("--choices", required=True)
    p.add_argument("--train", default="corpus/train.spacy")
    p.add_argument("--k", type=int, default=32)
    p.add_argument("--draws", type=int, default=2)
    p.add_argument("--unlabeled", type=int, default=2000)
    p.add_argument("--factor", type=int, default=5, help="picked per label: × k")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--output", required=True)
    p.set_defaults(func=diagnose)
