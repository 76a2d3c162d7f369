"""How much a pretrained backbone gives the tasks, outside spaCy: fine-tune it
with a bare linear head for a fixed number of steps and score the dev split.

Two probes, each from the same seed and data order for every backbone:
- segmentation and tags: a token head over joint labels (B/I x PKU tag) on the
  People's Daily docs of ``corpus/train.spacy``, in chunks of at most 126
  characters; dev word F1 and word+tag F1 on the dev split's People's Daily docs;
- reviews: a sequence head on the review docs; dev accuracy.

A backbone is a Hugging Face folder; ``DIR:random`` is the same architecture and
vocabulary with random weights, so every backbone is compared with its own
random initialisation. Steps are fixed, so the scores do not depend on the load
of the machine; the seconds do.

Usage: python -m experiments backbone-probe training/backbone-tiny \
           training/backbone-tiny:random [--steps 600] [--output metrics/probe.json]
"""

import argparse
import json
import random
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import spacy
import torch
from spacy.tokens import DocBin
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
)

WIDTH = 126
BATCH = 32


def read_docs(path: Path) -> Tuple[list, list]:
    nlp = spacy.blank("zh")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    return [d for d in docs if not d.cats], [d for d in docs if d.cats]


def tagged_chunks(docs) -> List[Tuple[str, List[str]]]:
    chunks = []
    for doc in docs:
        chars, labels = [], []
        for token in doc:
            for i, char in enumerate(token.text):
                chars.append(char)
                labels.append(("B-" if i == 0 else "I-") + token.tag_)
        for start in range(0, len(chars), WIDTH):
            chunks.append(
                ("".join(chars[start : start + WIDTH]), labels[start : start + WIDTH])
            )
    return chunks


def spans(labels: Sequence[str], tagged: bool) -> set:
    out, start = set(), 0
    for k in range(1, len(labels) + 1):
        if k == len(labels) or labels[k].startswith("B-"):
            out.add((start, k, labels[start][2:] if tagged else ""))
            start = k
    return out


class Encoder:
    """Characters to ids one for one, through the tokenizer's normaliser."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.normalizer = tokenizer.backend_tokenizer.normalizer
        self.vocab = tokenizer.get_vocab()

    def ids(self, text: str) -> List[int]:
        out = []
        for char in text[:WIDTH]:
            piece = self.normalizer.normalize_str(char) if self.normalizer else char
            out.append(self.vocab.get(piece, self.tokenizer.unk_token_id))
        return [self.tokenizer.cls_token_id] + out + [self.tokenizer.sep_token_id]

    def batch(self, texts: Sequence[str]) -> Tuple[torch.Tensor, torch.Tensor]:
        rows = [self.ids(t) for t in texts]
        width = max(map(len, rows))
        x = torch.full((len(rows), width), self.tokenizer.pad_token_id)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            x[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return x, mask


def load(cls, spec: str, **kwargs):
    path, _, random_init = spec.partition(":")
    torch.manual_seed(0)  # the new head's weights (and all of a random model's)
    if random_init:
        return cls.from_config(AutoConfig.from_pretrained(path, **kwargs))
    return cls.from_pretrained(path, **kwargs)


def make_optimizer(model, lr: float):
    torch.manual_seed(0)
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)


def batches(items: Sequence, steps: int):
    """(step, batch) for ``steps`` steps over passes in a seeded random order."""
    rng, step = random.Random(0), 0
    while True:
        order = list(range(len(items)))
        rng.shuffle(order)
        for start in range(0, len(order) - BATCH + 1, BATCH):
            step += 1
            yield step, [items[j] for j in order[start : start + BATCH]]
            if step == steps:
                return


def train_step(model, optimizer, **inputs) -> None:
    model.train()
    model(**inputs).loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad()


def probe_segmentation(spec, encoder, train, dev, steps, every, lr) -> List[Dict]:
    names = sorted({label for _, labels in train for label in labels})
    index = {name: i for i, name in enumerate(names)}
    model = load(AutoModelForTokenClassification, spec, num_labels=len(names))
    optimizer = make_optimizer(model, lr)
    points, started = [], time.perf_counter()
    for step, batch in batches(train, steps):
        x, mask = encoder.batch([text for text, _ in batch])
        y = torch.full(x.shape, -100)
        for i, (_, labels) in enumerate(batch):
            y[i, 1 : 1 + len(labels)] = torch.tensor([index[n] for n in labels])
        train_step(model, optimizer, input_ids=x, attention_mask=mask, labels=y)
        if step % every == 0 or step == steps:
            score = score_segmentation(model, encoder, dev, names)
            score.update(step=step, seconds=round(time.perf_counter() - started))
            points.append(score)
            print(spec, "segmentation", json.dumps(score), flush=True)
    return points


def score_segmentation(model, encoder, dev, names) -> Dict[str, float]:
    model.eval()
    counts = {False: [0, 0, 0], True: [0, 0, 0]}  # tp, predicted, gold
    with torch.no_grad():
        for start in range(0, len(dev), 64):
            batch = dev[start : start + 64]
            x, mask = encoder.batch([text for text, _ in batch])
            best = model(input_ids=x, attention_mask=mask).logits.argmax(-1)
            for i, (_, gold) in enumerate(batch):
                guess = [names[k] for k in best[i, 1 : 1 + len(gold)].tolist()]
                guess[0] = "B-" + guess[0][2:]
                for tagged in (False, True):
                    p, g = spans(guess, tagged), spans(gold, tagged)
                    c = counts[tagged]
                    c[0], c[1], c[2] = c[0] + len(p & g), c[1] + len(p), c[2] + len(g)
    model.train()

    def f1(c):
        return 2 * c[0] / (c[1] + c[2]) if c[1] + c[2] else 0.0

    return {
        "word_f1": round(f1(counts[False]), 4),
        "tag_f1": round(f1(counts[True]), 4),
    }


def probe_reviews(spec, encoder, train, dev, steps, lr) -> Dict[str, float]:
    labels = sorted(train[0].cats)
    model = load(AutoModelForSequenceClassification, spec, num_labels=len(labels))
    optimizer = make_optimizer(model, lr)
    gold = lambda doc: max(labels, key=lambda name: doc.cats[name])  # noqa: E731
    started = time.perf_counter()
    for _, batch in batches(train, steps):
        x, mask = encoder.batch([d.text for d in batch])
        y = torch.tensor([labels.index(gold(d)) for d in batch])
        train_step(model, optimizer, input_ids=x, attention_mask=mask, labels=y)
    model.eval()
    right = 0
    with torch.no_grad():
        for start in range(0, len(dev), 64):
            batch = dev[start : start + 64]
            x, mask = encoder.batch([d.text for d in batch])
            best = model(input_ids=x, attention_mask=mask).logits.argmax(-1).tolist()
            right += sum(labels[k] == gold(d) for k, d in zip(best, batch))
    result = {
        "accuracy": round(right / len(dev), 4),
        "steps": steps,
        "seconds": round(time.perf_counter() - started),
    }
    print(spec, "reviews", json.dumps(result), flush=True)
    return result


def probe(args: argparse.Namespace) -> int:
    train_seg, train_reviews = read_docs(Path(args.corpus) / "train.spacy")
    dev_seg, dev_reviews = read_docs(Path(args.corpus) / "dev.spacy")
    train_chunks = tagged_chunks(train_seg)
    dev_chunks = tagged_chunks(dev_seg[: args.dev_docs])
    output = Path(args.output)
    results = json.loads(output.read_text()) if output.is_file() else {}
    for spec in args.backbones:
        encoder = Encoder(AutoTokenizer.from_pretrained(spec.partition(":")[0]))
        results[spec] = {
            "segmentation": probe_segmentation(
                spec, encoder, train_chunks, dev_chunks, args.steps, args.every, args.lr
            ),
            "reviews": probe_reviews(
                spec, encoder, train_reviews, dev_reviews, args.review_steps, args.lr
            )
            if args.review_steps
            else None,
            "settings": {
                k: v
                for k, v in vars(args).items()
                if k not in ("backbones", "command", "func")
            },
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def add_parser(subparsers) -> None:
    summary = __doc__.splitlines()[0]
    parser = subparsers.add_parser(
        "backbone-probe",
        help="fine-tune backbones with a bare head",
        description=summary,
    )
    parser.add_argument("backbones", nargs="+")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--every", type=int, default=200)
    parser.add_argument("--review-steps", type=int, default=400, help="0: none")
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--dev-docs", type=int, default=600)
    parser.add_argument("--output", default="metrics/probe.json")
    parser.set_defaults(func=probe)
