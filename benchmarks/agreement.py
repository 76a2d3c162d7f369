"""spaCy's own scores for our pipelines' predictions, to check ``scoring`` against.

The predictions come back from the worker as data; they are rebuilt into Docs
(same text, words, whitespace, tags, POS) and scored with spaCy's ``Scorer``
against the reference docs that annotate words. Entities are not part of the
check: spaCy's span scorers align predicted entities to the gold words first,
so they measure something else when the words are predicted, and our entity
scorer (``pipeline/ents_scorer.py``) is tested on its own.
"""

from typing import Dict, Optional, Sequence

from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from .gold import Reference
from .scoring import Prediction

CHECKED = ("token_p", "token_r", "token_f", "tag_acc", "pos_acc")


def prediction_doc(ref: Reference, pred: Prediction) -> Doc:
    """A Doc with the predicted annotation, on the reference doc's vocab."""
    text = ref.text
    words = [text[s:e] for s, e in pred["spans"]]
    doc = Doc(
        ref.doc.vocab,
        words=words,
        spaces=pred["ws"],
        tags=pred.get("tags"),
        pos=pred.get("upos"),
    )
    spans = [doc.char_span(s, e, label=label) for s, e, label in pred.get("ents", [])]
    doc.set_ents([span for span in spans if span is not None], default="outside")
    return doc


def spacy_scores(
    refs: Sequence[Reference], preds: Sequence[Prediction]
) -> Dict[str, Optional[float]]:
    """token_p/r/f, tag_acc and pos_acc from spaCy's Scorer."""
    examples = [
        Example(prediction_doc(ref, pred), ref.doc)
        for ref, pred in zip(refs, preds)
        if ref.has_words
    ]
    scores: Dict[str, Optional[float]] = {}
    scores.update(Scorer.score_tokenization(examples))
    scores.update(Scorer.score_token_attr(examples, "tag"))
    scores.update(Scorer.score_token_attr(examples, "pos"))
    return {key: scores.get(key) for key in CHECKED}


def compare(
    ours: Dict[str, object], theirs: Dict[str, Optional[float]], tol: float = 1e-9
) -> Dict[str, object]:
    """Per metric: both values and whether they agree within ``tol``."""
    result: Dict[str, object] = {}
    for key in CHECKED:
        a, b = ours.get(key), theirs.get(key)
        agree = a is None and b is None
        if isinstance(a, float) and isinstance(b, float):
            agree = abs(a - b) <= tol
        result[key] = {"ours": a, "spacy": b, "agree": agree}
    return result
