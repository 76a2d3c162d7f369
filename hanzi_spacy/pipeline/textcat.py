"""``hanzi_textcat``: spaCy's exclusive text classifier, taught only by docs with cats.

spaCy's ``textcat`` treats a doc without ``cats`` as "every label is 0" and its
scorer counts it as a false positive. Our training corpus mixes docs annotated
for different things (a People's Daily paragraph has words and entities but no
document class), so a doc with no ``cats`` at all must be missing annotation:
no gradient in training, not scored in evaluation.
"""

from typing import Callable, Dict, Iterable, Optional, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline.textcat import TextCategorizer
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry
from thinc.api import Config, Model
from thinc.types import Floats2d

DEFAULT_CONFIG = """
[model]
@architectures = "spacy.TextCatReduce.v1"
exclusive_classes = true
use_reduce_first = false
use_reduce_last = false
use_reduce_max = true
use_reduce_mean = true
nO = null

[model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.tok2vec.pooling]
@layers = "reduce_mean.v1"
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_CONFIG)["model"]
# Select on cats_score; report the rest.
CATS_SCORE_WEIGHTS = {
    "cats_score": 1.0,
    "cats_acc": None,
    "cats_score_desc": None,
    "cats_micro_p": None,
    "cats_micro_r": None,
    "cats_micro_f": None,
    "cats_macro_p": None,
    "cats_macro_r": None,
    "cats_macro_f": None,
    "cats_macro_auc": None,
    "cats_f_per_type": None,
}


@registry.scorers("hanzi-spacy.textcat_scorer.v1")
def make_textcat_scorer() -> Callable:
    return score_annotated_cats


def score_annotated_cats(examples: Iterable[Example], **kwargs) -> Dict[str, object]:
    """spaCy's cats scores plus ``cats_acc``, over the docs that have gold cats.

    With ``labels`` (a component's own), only docs whose gold cats name one of
    them count, and nothing is scored if none does: a pipeline with two
    classifiers (``workflow/newtask.py``) reports each on its own data.
    """
    labels = set(kwargs.get("labels") or [])
    examples = [
        eg
        for eg in examples
        if eg.reference.cats and (not labels or labels & set(eg.reference.cats))
    ]
    if labels and not examples:
        return {}
    kwargs.setdefault("multi_label", False)
    scores = Scorer.score_cats(examples, "cats", **kwargs)
    correct = 0
    for eg in examples:
        gold = max(eg.reference.cats.items(), key=lambda kv: kv[1])[0]
        pred = {k: v for k, v in eg.predicted.cats.items() if not labels or k in labels}
        correct += bool(pred) and max(pred.items(), key=lambda kv: kv[1])[0] == gold
    scores["cats_acc"] = correct / len(examples) if examples else None
    return scores


@Language.factory(
    "hanzi_textcat",
    assigns=["doc.cats"],
    default_config={
        "threshold": 0.0,
        "model": DEFAULT_MODEL,
        "scorer": {"@scorers": "hanzi-spacy.textcat_scorer.v1"},
    },
    default_score_weights=CATS_SCORE_WEIGHTS,
)
def make_hanzi_textcat(
    nlp: Language,
    name: str,
    model: Model,
    *,
    threshold: float,
    scorer: Optional[Callable],
) -> "PartialTextCategorizer":
    return PartialTextCategorizer(
        nlp.vocab, model, name, threshold=threshold, scorer=scorer
    )


class PartialTextCategorizer(TextCategorizer):
    """Exclusive text classifier where a doc with no cats teaches nothing."""

    def predict(self, docs: Iterable[Doc]) -> Floats2d:
        """Scores for each doc; an empty doc gets the same score for every label.

        spaCy's pooling layers refuse a batch that mixes empty and non-empty docs,
        so the empty ones are scored apart (the same way alone or in a batch).
        """
        docs = list(docs)
        n_labels = max(len(self.labels), 1)
        scores = self.model.ops.alloc2f(len(docs), n_labels) + 1.0 / n_labels
        filled = [i for i, doc in enumerate(docs) if len(doc)]
        if filled:
            predicted = self.model.predict([docs[i] for i in filled])
            scores[self.model.ops.asarray1i(filled)] = predicted
        return scores

    def _examples_to_truth(
        self, examples: Iterable[Example]
    ) -> Tuple[numpy.ndarray, numpy.ndarray]:
        examples = list(examples)
        truths, not_missing = super()._examples_to_truth(examples)
        for i, eg in enumerate(examples):
            if not eg.reference.cats:
                not_missing[i, :] = 0.0
        return truths, not_missing
