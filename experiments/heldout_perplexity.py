"""Score pretrained backbones on one fixed held-out evaluation.

The held-out lines are chosen from TEXT as ``pretrain`` chooses them (the same
hash, the same fraction) and masked as ``pretrain`` masks its evaluation
(whole words, 15%, one seed), so backbones trained with any settings compare,
as long as they share a tokenizer's view of the text.

Usage: python -m experiments heldout-perplexity corpus/train.txt BACKBONE...
       [--eval-fraction 0.02]
"""

import argparse
import json

from transformers import AutoTokenizer

from hanzi_spacy.pretrain.backbone import load_masked_lm
from hanzi_spacy.pretrain.data import read_texts, split_heldout
from hanzi_spacy.pretrain.masking import MaskingCollator
from hanzi_spacy.pretrain.train import HeldOut


def heldout_perplexity(args: argparse.Namespace) -> int:
    _, heldout_texts = split_heldout(read_texts([args.text]), args.eval_fraction)
    results = {}
    for backbone in args.backbones:
        tokenizer = AutoTokenizer.from_pretrained(backbone)
        model = load_masked_lm(backbone)
        collator = MaskingCollator(
            pad_token_id=tokenizer.pad_token_id,
            mask_token_id=tokenizer.mask_token_id,
            vocab_size=len(tokenizer),
            first_char_id=max(tokenizer.all_special_ids) + 1,
        )
        results[backbone] = HeldOut.masked(
            collator, tokenizer, heldout_texts, model
        ).score(model)
        print(backbone, json.dumps(results[backbone]), flush=True)
    return 0


def add_parser(subparsers) -> None:
    summary = __doc__.splitlines()[0]
    parser = subparsers.add_parser(
        "heldout-perplexity", help=summary.rstrip("."), description=summary
    )
    parser.add_argument("text")
    parser.add_argument("backbones", nargs="+")
    parser.add_argument("--eval-fraction", type=float, default=0.02)
    parser.set_defaults(func=heldout_perplexity)
