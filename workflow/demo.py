"""``python -m workflow demo PIPELINE``: analyse sentences, write a displaCy page.

The page shows, for each sentence, the words with their PKU tag and UPOS
(displaCy's token-and-tag view, without arcs) and the entities (displaCy's entity
view, each label in its own colour), and the categories.
"""

import argparse
from pathlib import Path
from typing import List

import spacy
from spacy import displacy

from hanzi_spacy.util import label_colour

SENTENCES = [
    "国务院总理李鹏今天在北京会见了日本外务大臣小渊惠三。",
    "新华社记者报道，上海浦东新区去年的国内生产总值增长了百分之十五。",
    "1998年1月1日下午三点，上海证券交易所的成交额达到50亿元，比去年增长3.5%。",
    "这本书写得很好，物流也快，推荐购买！",
    "质量太差了，用了两天就坏了，客服也不理人。",
    "iPhone 12 的价格是 5,499 元 😀",
]


def describe(doc) -> List[str]:
    lines = [doc.text]
    lines.append("  words: " + " ".join(f"{t.text}/{t.tag_}/{t.pos_}" for t in doc))
    ents = ", ".join(f"{e.text} ({e.label_})" for e in doc.ents) or "none"
    lines.append("  entities: " + ents)
    if doc.cats:
        cats = ", ".join(f"{k} {v:.2f}" for k, v in sorted(doc.cats.items()))
        lines.append("  categories: " + cats)
    return lines


def render_page(docs) -> str:
    """A displaCy page with the words and tags, then the entities, of each doc."""
    parts = []
    for doc in docs:
        words = {
            "words": [{"text": t.text, "tag": f"{t.tag_} {t.pos_}"} for t in doc],
            "arcs": [],
        }
        parts.append(
            displacy.render(
                words,
                style="dep",
                manual=True,
                options={"compact": True, "distance": 90, "offset_x": 40},
            )
        )
        colors = {e.label_: label_colour(e.label_) for e in doc.ents}
        parts.append(displacy.render(doc, style="ent", options={"colors": colors}))
        if doc.cats:
            cats = ", ".join(f"{k} {v:.2f}" for k, v in sorted(doc.cats.items()))
            parts.append(f"<p>categories: {cats}</p>")
    body = "\n<hr>\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        "<title>hanzi-spacy demo</title></head>\n"
        f'<body style="font-family: sans-serif">\n{body}\n</body></html>\n'
    )


def demo(args: argparse.Namespace) -> int:
    nlp = spacy.load(args.model)
    docs = list(nlp.pipe(args.texts or SENTENCES))
    for doc in docs:
        print("\n".join(describe(doc)))
    if args.html:
        Path(args.html).parent.mkdir(parents=True, exist_ok=True)
        Path(args.html).write_text(render_page(docs), encoding="utf-8")
        print(f"wrote {args.html}")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("demo", help="print the analysis of a few sentences")
    p.add_argument("model", help="pipeline folder or package name")
    p.add_argument("texts", nargs="*", help="texts to analyse (default: examples)")
    p.add_argument(
        "--html",
        default=None,
        help="write a displaCy page (words, tags, entities) here",
    )
    p.set_defaults(func=demo)
