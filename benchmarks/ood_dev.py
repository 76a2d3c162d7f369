"""Out-of-domain dev: ``python -m benchmarks.ood_dev MODEL --ood DIR --train T``.

Three small labelled sets from outside People's Daily 1998 and the default
reviews, converted with the project's own converters and scored with
``hanzi_spacy.evaluate`` (the scores a user of the pipeline gets):

- ``ud_gsdsimp_dev.conllu``: Wikipedia sentences in the UD segmentation
  standard: word F1, recall in and out of the train vocabulary, UPOS;
- ``resume_ner_dev.bmes``: resumes of executives: entity P/R/F and recall of
  entities unseen in training;
- ``reviews_shopping_dev.tsv``: reviews of other products: accuracy, beside a
  character 1–3-gram TF-IDF + logistic regression trained on the same train
  split (the bar the review classifier has to clear).

They are dev sets: choices are made on them and on People's Daily dev; they are
never trained on and never shipped. A missing folder or file is named, and the
sets that are there are still scored.
"""

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import srsly
from spacy.vocab import Vocab

from hanzi_spacy.corpus.convert import convert_files
from hanzi_spacy.corpus.lines import ConversionReport, write_docbin
from hanzi_spacy.evaluate import evaluate_pipeline

from .ood import OOD_SETS as OOD_FILES

# name → (file, score keys kept); the files and their formats: ``ood.OOD_SETS``.
KEPT: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "ud": (
        "ud_gsdsimp_dev.conllu",
        (
            "token_f",
            "token_p",
            "token_r",
            "token_r_iv",
            "token_r_oov",
            "token_oov_rate",
            "pos_acc",
            "sents_f",
            "chars_per_second",
        ),
    ),
    "resume": (
        "resume_ner_dev.bmes",
        (
            "ents_f",
            "ents_p",
            "ents_r",
            "ents_r_seen",
            "ents_r_unseen",
            "ents_per_type",
            "ents_per_type_seen_unseen",
            "chars_per_second",
        ),
    ),
    "shopping": (
        "reviews_shopping_dev.tsv",
        ("cats_acc", "cats_score", "chars_per_second"),
    ),
}
FORMATS = dict(OOD_FILES)
# The entity labels a set annotates, where it annotates fewer than the pipeline
# finds: the resumes mark names, not dates or numbers.
LABELS = {"resume": {"PER", "LOC", "ORG"}}
# The headline of each set, in the printed summary.
HEADLINE = {
    "ud": ("token_f", "token_r_oov", "pos_acc"),
    "resume": ("ents_f", "ents_r_unseen"),
    "shopping": ("cats_acc", "tfidf_acc"),
}


def find_sets(folder: Path) -> Tuple[Dict[str, Path], List[str]]:
    """The OOD files present in a folder, and a line for each one missing."""
    found: Dict[str, Path] = {}
    missing: List[str] = []
    for name, (filename, _) in KEPT.items():
        path = folder / filename
        if path.is_file():
            found[name] = path
        else:
            missing.append(f"{name}: {path} not found")
    return found, missing


def convert_set(name: str, path: Path, work: Path) -> Path:
    """Convert one OOD file with the project's converter to WORK/NAME.spacy."""
    fmt = FORMATS[KEPT[name][0]]
    report = ConversionReport()
    output = work / f"{name}.spacy"
    write_docbin(convert_files(fmt, [str(path)], Vocab(), report, False), output)
    print(f"{path} → {output}: {report.summary()}")
    return output


def tfidf_accuracy(train: Path, dev: Path) -> Optional[float]:
    """Accuracy of the character 1–3-gram TF-IDF + LR trained on ``train``'s reviews.

    The settings of the baseline the review classifier is measured against
    (sublinear tf, n-grams seen at least twice, C = 4). None without scikit-learn.
    """
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
    except ImportError:
        return None
    from .tfidf import review_texts

    texts, labels = review_texts(train)
    dev_texts, dev_labels = review_texts(dev)
    model = make_pipeline(
        TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2
        ),
        LogisticRegression(C=4, max_iter=2000),
    )
    model.fit(texts, labels)
    predicted = model.predict(dev_texts)
    return sum(p == g for p, g in zip(predicted, dev_labels)) / len(dev_labels)


def score_ood(
    model: str,
    folder: Path,
    train: Path,
    work: Path,
    baseline: bool = True,
) -> Dict[str, object]:
    """Scores of a pipeline on the OOD sets found in ``folder``.

    RETURNS (Dict[str, object]): One entry of scores per set found, and
        ``missing``: a line per file not found.
    """
    found, missing = find_sets(folder)
    work.mkdir(parents=True, exist_ok=True)
    result: Dict[str, object] = {"pipeline": str(model), "ood": str(folder)}
    for name, path in found.items():
        data = convert_set(name, path, work)
        scores = evaluate_pipeline(model, data, train=train, labels=LABELS.get(name))
        kept = {key: scores.get(key) for key in KEPT[name][1]}
        kept["file"] = path.name
        kept["docs"] = scores.get("docs_with_words") or scores.get("docs_with_cats")
        if name == "shopping" and baseline:
            kept["tfidf_acc"] = tfidf_accuracy(train, data)
        result[name] = kept
    result["missing"] = missing
    return result


def summary(result: Dict[str, object]) -> str:
    lines = []
    for name, keys in HEADLINE.items():
        scores = result.get(name)
        if not isinstance(scores, dict):
            continue
        cells = [
            f"{key} {scores[key]:.4f}"
            for key in keys
            if isinstance(scores.get(key), float)
        ]
        lines.append(f"{name:<9} " + "  ".join(cells))
    for line in result.get("missing") or []:
        lines.append(f"missing   {line}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ood_dev",
        description="Score a pipeline on the out-of-domain dev sets in a folder.",
    )
    parser.add_argument("model", help="A pipeline folder or package name")
    parser.add_argument(
        "--ood",
        type=Path,
        required=True,
        help="The folder of the OOD dev sets ("
        + ", ".join(filename for filename, _ in KEPT.values())
        + ")",
    )
    parser.add_argument("--train", type=Path, required=True, help="train .spacy")
    parser.add_argument(
        "--work", type=Path, default=Path("corpus/ood"), help="converted sets"
    )
    parser.add_argument("--output", type=Path, default=Path("metrics/ood_dev.json"))
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the TF-IDF + LR baseline"
    )
    args = parser.parse_args(argv)
    if not args.ood.is_dir():
        print(
            f"The OOD dev folder {args.ood} does not exist; it should hold "
            + ", ".join(filename for filename, _ in KEPT.values())
            + ". Pass its path, e.g. `spacy project run ood-dev --vars.ood PATH`.",
            file=sys.stderr,
        )
        return 1
    result = score_ood(
        args.model, args.ood, args.train, args.work, baseline=not args.no_baseline
    )
    if not any(name in result for name in KEPT):
        print("\n".join(result["missing"]), file=sys.stderr)  # type: ignore[arg-type]
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(args.output, result)
    print(summary(result))
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
