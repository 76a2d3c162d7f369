"""Re-check the prediction-time choices of the default pipeline on the dev split.

Each variant loads the trained pipeline with one setting changed, annotates the
dev split with ``nlp.pipe`` and scores it (words, tags, entities on character
offsets, reviews) and times it. The variants are the choices that were once made
on test scores: the NER's ``SURE_OUTSIDE`` shortcut of Viterbi decoding, the
window stride, the prediction dtype and the ``nlp.pipe`` batch size.

    python -m experiments recheck-on-dev training/model-best corpus/dev.spacy \
        --output metrics/dev_choices.json
"""

import argparse
import functools
import json
import time
from pathlib import Path

import spacy
from spacy.scorer import Scorer

import hanzi_spacy.pipeline.ner.component as ner_tagger
from hanzi_spacy.evaluate import load_examples
from hanzi_spacy.pipeline.ents_scorer import score_char_ents
from hanzi_spacy.pipeline.ner.biluo import SURE_OUTSIDE, decode

KEYS = ("token_f", "tag_acc", "pos_acc", "ents_f", "cats_acc")
STRIDE = "components.transformer.model.get_spans.stride"
DTYPE = "components.transformer.model.prediction_dtype"


def run(model: str, data: Path, config: dict, batch_size=None, sure=SURE_OUTSIDE):
    ner_tagger.decode = functools.partial(decode, sure_outside=sure)
    nlp = spacy.load(model, config=config)
    examples = load_examples(nlp, data)
    start = time.perf_counter()
    docs = nlp.pipe((eg.predicted for eg in examples), batch_size=batch_size)
    for eg, doc in zip(examples, docs):
        eg.predicted = doc
    seconds = time.perf_counter() - start
    scores = Scorer(nlp).score(examples)
    scores.update(score_char_ents(examples))
    result = {key: scores.get(key) for key in KEYS}
    result["seconds"] = seconds
    result["ents"] = [
        [(e.start_char, e.end_char, e.label_) for e in eg.predicted.ents]
        for eg in examples
    ]
    return result


def recheck(args: argparse.Namespace) -> int:
    variants = {
        "default": {},
        "full Viterbi (no SURE_OUTSIDE)": {"sure": 2.0},
        "SURE_OUTSIDE 0.99": {"sure": 0.99},
        "stride 96 (overlapping windows)": {"config": {STRIDE: 96}},
        "float32 prediction": {"config": {DTYPE: "float32"}},
        "batch size 64": {"batch_size": 64},
    }
    results = {}
    for name, kwargs in variants.items():
        results[name] = run(args.model, args.data, **{"config": {}, **kwargs})
        reference = results["default"]["ents"]
        differ = sum(a != b for a, b in zip(results[name]["ents"], reference))
        results[name]["docs_with_other_entities_than_default"] = differ
        shown = {k: v for k, v in results[name].items() if k != "ents"}
        print(name, json.dumps(shown), flush=True)
    for result in results.values():
        del result["ents"]
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "recheck-on-dev",
        help="re-check the prediction-time choices on the dev split",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("model")
    parser.add_argument("data", type=Path)
    parser.add_argument("--output", type=Path, default=None)
    parser.set_defaults(func=recheck)
