"""``python -m benchmarks.text_variants PIPELINE``: text variants and HKCanCor.

    python -m benchmarks.text_variants training/model-best \\
        --test corpus/test.spacy --train corpus/train.spacy \\
        --hkcancor corpus/hkcancor.spacy --variants-dir corpus/variants \\
        --output-dir metrics

Writes the test split's variants (``variants.py``) to ``--variants-dir``, scores
the pipeline on the original and on each with ``hanzi_spacy.evaluate`` (the
same scorers as ``python -m hanzi_spacy evaluate``, against the same gold), and
writes two files:

- ``halfwidth.json``: original against half-width (words, words out of the
  training vocabulary, PKU tags, UPOS, entities) and the differences;
- ``traditional.json``: original against OpenCC's ``s2t``, ``s2tw`` and ``s2hk``
  (words, tags, entities), the differences and how many docs needed the word by
  word fallback, and, with ``--hkcancor``, word scores on HKCanCor (out of
  domain: conversational Cantonese, with its own segmentation standard).
"""

import argparse
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

import srsly
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import write_docbin
from hanzi_spacy.errors import Errors, HanziError

from .variants import (
    OPENCC_CONFIGS,
    VariantReport,
    opencc_converter,
    to_halfwidth,
    variant_docs,
)

HALFWIDTH_KEYS = ("token_f", "token_r_oov", "tag_acc", "pos_acc", "ents_f")
TRADITIONAL_KEYS = ("token_f", "tag_acc", "ents_f")
HKCANCOR_KEYS = ("token_f", "token_p", "token_r")
HALFWIDTH_NOTE = (
    "Every full-width ASCII form U+FF01-U+FF5E replaced by its ASCII form "
    "U+0021-U+007E, one character for one; words, tags and entities as in the gold."
)
TRADITIONAL_NOTE = (
    "The test split converted with OpenCC; the gold words cut at the same character "
    "offsets, or, where a doc's text changed length, converted word by word "
    "(fallback_docs; a word that still changed length kept unconverted, "
    "words_unconverted)."
)
HKCANCOR_NOTE = (
    "HKCanCor (Hong Kong Cantonese Corpus, CC BY 4.0, from pycantonese 3.4.0): "
    "conversational Cantonese in traditional characters, one doc per utterance, "
    "ASCII punctuation as transcribed. Its words follow HKCanCor's own "
    "segmentation guidelines for Cantonese, not PKU's, so these scores mix the "
    "domain gap (speech, Cantonese, traditional script, ASCII punctuation) with "
    "the disagreement between two standards: they are not comparable with the "
    "test split's."
)

Score = Callable[[Path], Dict]


def pick(scores: Dict, keys) -> Dict[str, Optional[float]]:
    return {key: scores.get(key) for key in keys}


def differences(
    base: Dict[str, Optional[float]], other: Dict[str, Optional[float]]
) -> Dict[str, Optional[float]]:
    """other - base for each key, None where either is missing."""
    return {
        key: None if base[key] is None or other[key] is None else other[key] - base[key]
        for key in base
    }


def write_variants(test: Path, folder: Path, limit: int = 0) -> Dict[str, tuple]:
    """Write the original (first ``limit`` docs, 0: all) and its variants.

    RETURNS (Dict[str, tuple]): (path, VariantReport or None) by variant name,
        ``original`` first.
    """
    docs = list(DocBin().from_disk(test).get_docs(Vocab()))
    if limit:
        docs = docs[:limit]
    written = {"original": (folder / "original.spacy", None)}
    write_docbin(docs, folder / "original.spacy")
    converters = [("halfwidth", to_halfwidth)]
    converters += [(name, opencc_converter(name)) for name in OPENCC_CONFIGS]
    for name, convert in converters:
        report = VariantReport()
        path = folder / f"{name}.spacy"
        write_docbin(variant_docs(docs, convert, report), path)
        written[name] = (path, report)
    return written


def halfwidth_metrics(scores: Dict[str, Dict], report: VariantReport) -> Dict:
    original = pick(scores["original"], HALFWIDTH_KEYS)
    halfwidth = pick(scores["halfwidth"], HALFWIDTH_KEYS)
    return {
        "note": HALFWIDTH_NOTE,
        "original": original,
        "halfwidth": halfwidth,
        "difference": differences(original, halfwidth),
        "changed": report.to_dict(),
    }


def traditional_metrics(scores: Dict[str, Dict], reports: Dict) -> Dict:
    original = pick(scores["original"], TRADITIONAL_KEYS)
    result: Dict = {"note": TRADITIONAL_NOTE, "original": original}
    for name in OPENCC_CONFIGS:
        variant = pick(scores[name], TRADITIONAL_KEYS)
        result[name] = {
            **variant,
            "difference": differences(original, variant),
            **reports[name].to_dict(),
        }
    return result


def hkcancor_metrics(scores: Dict) -> Dict:
    return {
        **pick(scores, HKCANCOR_KEYS),
        "utterances": scores["docs_with_words"],
        "characters": scores["characters"],
        "note": HKCANCOR_NOTE,
    }


def run_text_variants(
    pipeline: Path,
    test: Path,
    train: Optional[Path],
    variants_dir: Path,
    output_dir: Path,
    hkcancor: Optional[Path] = None,
    limit: int = 0,
    score: Optional[Score] = None,
) -> Dict[str, Dict]:
    """Write the variants, score them, write halfwidth.json and traditional.json.

    score (Optional[Score]): Scores a .spacy file; default evaluate_pipeline on
        ``pipeline`` with ``train`` for the out-of-vocabulary recall.
    RETURNS (Dict[str, Dict]): The two files' contents by file name.
    """
    for path in (test, train, hkcancor):
        if path is not None and not Path(path).is_file():
            raise HanziError(Errors.E024.format(path=path))
    if score is None and not Path(pipeline).is_dir():
        raise HanziError(Errors.E024.format(path=pipeline))
    if score is None:
        from hanzi_spacy.evaluate import evaluate_pipeline

        def score(data: Path) -> Dict:
            return evaluate_pipeline(str(pipeline), data, train=train)

    written = write_variants(test, variants_dir, limit)
    scores = {name: score(path) for name, (path, _) in written.items()}
    reports = {name: report for name, (_, report) in written.items()}
    docs = len(DocBin().from_disk(written["original"][0]))
    common = {"pipeline": str(pipeline), "test": str(test), "docs": docs}
    results = {
        "halfwidth.json": {**common, **halfwidth_metrics(scores, reports["halfwidth"])},
        "traditional.json": {**common, **traditional_metrics(scores, reports)},
    }
    if hkcancor is not None:
        data = Path(hkcancor)
        if limit:
            data = variants_dir / "hkcancor.spacy"
            docs = list(DocBin().from_disk(hkcancor).get_docs(Vocab()))[:limit]
            write_docbin(docs, data)
        hk = hkcancor_metrics(score(data))
        results["traditional.json"]["hkcancor"] = {"data": str(hkcancor), **hk}
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, content in results.items():
        srsly.write_json(output_dir / name, content)
    return results


def format_summary(results: Dict[str, Dict]) -> List[str]:
    """One line per variant: its token_f and the difference to the original."""
    lines = []
    half, trad = results["halfwidth.json"], results["traditional.json"]
    rows = [("halfwidth", half["halfwidth"], half["difference"])]
    rows += [(name, trad[name], trad[name]["difference"]) for name in OPENCC_CONFIGS]
    lines.append(f"{'original':<10} token_f {_num(half['original']['token_f'])}")
    for name, values, diff in rows:
        lines.append(
            f"{name:<10} token_f {_num(values['token_f'])} "
            f"({_num(diff['token_f'], signed=True)})"
        )
    if "hkcancor" in trad:
        lines.append(f"{'hkcancor':<10} token_f {_num(trad['hkcancor']['token_f'])}")
    return lines


def _num(value: Optional[float], signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.text_variants",
        description="Score a pipeline on half-width and traditional variants of "
        "the test split and on HKCanCor.",
    )
    p.add_argument("pipeline", help="a trained pipeline folder")
    p.add_argument("--test", default="corpus/test.spacy")
    p.add_argument(
        "--train",
        default="corpus/train.spacy",
        help="the training split, for recall out of its vocabulary",
    )
    p.add_argument(
        "--hkcancor", default=None, help="HKCanCor as .spacy (convert-hkcancor)"
    )
    p.add_argument("--variants-dir", default="corpus/variants")
    p.add_argument("--output-dir", default="metrics")
    p.add_argument("--limit", type=int, default=0, help="first N docs (0: all)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Errors a user can act on (HanziError) print one line, not a traceback."""
    args = build_parser().parse_args(argv)
    try:
        results = run_text_variants(
            Path(args.pipeline),
            Path(args.test),
            Path(args.train) if args.train else None,
            Path(args.variants_dir),
            Path(args.output_dir),
            hkcancor=Path(args.hkcancor) if args.hkcancor else None,
            limit=args.limit,
        )
    except HanziError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for line in format_summary(results):
        print(line)
    out = Path(args.output_dir)
    print(f"wrote {out / 'halfwidth.json'}, {out / 'traditional.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
