"""``python -m hanzi_spacy evaluate PIPELINE DATA.spacy --train TRAIN.spacy``.

Scores every component on held-out docs with the pipeline's scorers (each
component's scorer skips the docs that lack its annotation), scores entities on
character offsets (see pipeline/ents_scorer.py), and, given the training split,
word recall in and out of the training vocabulary and entity recall on seen and
unseen names (see seen_unseen.py). Adds the speed and the number of docs of each
kind, writes the scores as JSON and prints a table. The docs go through
``nlp.pipe`` with the pipeline's own batch size unless one is given, so the
scores are those a user of the pipeline gets.
"""

import time
from pathlib import Path
from typing import Dict, List, Optional, Set

import spacy
import srsly
from spacy.scorer import Scorer, get_ner_prf
from spacy.training import Example
from tqdm import tqdm

from .corpus.docbin import read_docs
from .pipeline.ents_scorer import score_char_ents
from .seen_unseen import TrainingVocabulary, score_seen_unseen
from .util import HAS_WORDS

TABLE = [
    ("token_f", "Words F1 (character spans)"),
    ("token_p", "Words precision"),
    ("token_r", "Words recall"),
    ("token_r_iv", "Words recall, in vocabulary"),
    ("token_r_oov", "Words recall, out of vocabulary"),
    ("token_oov_rate", "Out-of-vocabulary rate"),
    ("tag_acc", "PKU tag accuracy"),
    ("pos_acc", "UPOS accuracy"),
    ("ents_f", "Entities F1"),
    ("ents_p", "Entities precision"),
    ("ents_r", "Entities recall"),
    ("ents_r_seen", "Entities recall, seen in train"),
    ("ents_r_unseen", "Entities recall, unseen"),
    ("ents_f_spacy_aligned", "Entities F1, spaCy's scorer"),
    ("cats_score", "Reviews macro F1"),
    ("cats_acc", "Reviews accuracy"),
    ("sents_f", "Sentences F1"),
    ("chars_per_second", "Characters per second"),
]


def load_examples(nlp, path: Path) -> List[Example]:
    docs = read_docs(path, nlp.vocab)
    return [Example(nlp.make_doc(doc.text), doc) for doc in docs]


def evaluate_pipeline(
    model: str,
    data: Path,
    batch_size: Optional[int] = None,
    train: Optional[Path] = None,
    labels: Optional[Set[str]] = None,
) -> Dict:
    """Score a pipeline on a .spacy file.

    batch_size (Optional[int]): Docs per batch; default the pipeline's own.
    train (Optional[Path]): The training split, for in/out-of-vocabulary scores.
    labels (Optional[Set[str]]): The entity labels the data annotates, where it
        annotates fewer than the pipeline finds (a corpus of names only):
        entities are scored on the labels both have.
    RETURNS (Dict): spaCy's score keys plus speed and document counts.
    """
    nlp = spacy.load(model)
    batch_size = batch_size or nlp.batch_size
    examples = load_examples(nlp, data)
    start = time.perf_counter()
    texts = (eg.predicted for eg in examples)
    docs = nlp.pipe(texts, batch_size=batch_size)
    progress = tqdm(docs, total=len(examples), desc="Evaluating", disable=None)
    for eg, doc in zip(examples, progress):
        eg.predicted = doc
    seconds = time.perf_counter() - start
    scores = score_examples(nlp, examples, labels)
    labels = scored_entity_labels(nlp, labels)
    if train is not None:
        vocabulary = TrainingVocabulary.from_disk(train)
        scores.update(score_seen_unseen(examples, vocabulary, labels=labels))
    characters = sum(len(eg.reference.text) for eg in examples)
    scores["chars_per_second"] = characters / seconds if seconds else None
    scores["docs_with_words"] = sum(
        bool(eg.reference.user_data.get(HAS_WORDS)) for eg in examples
    )
    scores["docs_with_cats"] = sum(bool(eg.reference.cats) for eg in examples)
    scores["characters"] = characters
    scores["pipeline"] = str(model)
    scores["data"] = str(data)
    scores["batch_size"] = batch_size
    return scores


def score_examples(
    nlp, examples: List[Example], labels: Optional[Set[str]] = None
) -> Dict:
    """Score predictions already in ``examples`` as ``evaluate_pipeline`` does.

    labels (Optional[Set[str]]): As ``evaluate_pipeline``'s.
    RETURNS (Dict): spaCy's score keys, with entities on character offsets.
    """
    # What nlp.evaluate does, on predictions we keep: its examples are copies.
    scores = Scorer(nlp).score(examples)
    # Entities are scored on character offsets, whatever scorer the pipeline's
    # config names; spaCy's token-aligned figure, which counts a predicted entity
    # that only touches the gold words as a hit, is kept apart.
    if any(eg.reference.has_annotation("ENT_IOB") for eg in examples):
        scores["ents_f_spacy_aligned"] = get_ner_prf(examples)["ents_f"]
        scores.update(
            score_char_ents(examples, labels=scored_entity_labels(nlp, labels))
        )
    return scores


def scored_entity_labels(nlp, labels: Optional[Set[str]]) -> Optional[Set[str]]:
    """The entity labels a pipeline is scored on: those it was trained to find,
    and of those only ``labels`` when given, so one trained on names only is not
    charged for the dates of a corpus that has them."""
    found = entity_labels(nlp)
    if labels is not None:
        found = set(labels) if found is None else found & set(labels)
    return found


def entity_labels(nlp) -> Optional[Set[str]]:
    """The labels of the components that set ``doc.ents``; None if there are none."""
    labels: Set[str] = set()
    found = False
    for name, pipe in nlp.pipeline:
        if "doc.ents" in nlp.get_pipe_meta(name).assigns and hasattr(pipe, "labels"):
            found = True
            labels.update(pipe.labels)
    return labels if found else None


def format_table(scores: Dict) -> str:
    rows = []
    for key, label in TABLE:
        value = scores.get(key)
        if value is None:
            continue
        text = f"{value:,.0f}" if key == "chars_per_second" else f"{value:.4f}"
        rows.append(f"{label:<34} {key:<20} {text:>10}")
    for label, prf in sorted((scores.get("ents_per_type") or {}).items()):
        rows.append(
            f"{'  entities ' + label:<34} {'ents_per_type':<20} {prf['f']:>10.4f}"
        )
    per_type = scores.get("ents_per_type_seen_unseen") or {}
    for label, recall in sorted(per_type.items()):
        for kind in ("seen", "unseen"):
            value = recall[f"r_{kind}"]
            if value is not None:
                name = f"  {label} recall, {kind} ({recall[kind]})"
                rows.append(f"{name:<34} {'ents_per_type':<20} {value:>10.4f}")
    return "\n".join(rows)


def evaluate(
    model: str,
    data: Path,
    output: Optional[Path] = None,
    train: Optional[Path] = None,
    batch_size: Optional[int] = None,
) -> Dict:
    """Score a pipeline, write the scores as JSON and print a table."""
    scores = evaluate_pipeline(model, Path(data), batch_size, train)
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output, scores)
    print(format_table(scores))
    return scores
