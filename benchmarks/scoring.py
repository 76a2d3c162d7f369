"""The one scorer every system goes through, on character spans.

A system's prediction for a text is plain data (``Prediction``): its words as
character spans, optionally a tag and a UPOS per word, entities as character
spans, category scores. The reference is the test split (``gold.Reference``).

- Words: precision / recall / F1 of word spans against the reference words, over
  the docs that annotate words, micro-averaged; whitespace-only words on either
  side are ignored. This is spaCy's ``token_p/r/f`` (``Scorer.score_tokenization``)
  for any segmenter, not only for ``Doc`` objects.
- Entities: P/R/F of (start, end, label) character spans, overall and per label,
  over the docs that annotate words (the reference has entities only there).
- Tags (``tag``/``upos``): spaCy's ``tag_acc``/``pos_acc`` definition. Each
  reference word with a tag contributes a (word, tag) pair; each predicted
  non-whitespace word that lies inside exactly one reference word contributes
  (that word, its tag); the score is the F-measure of the two sets. It rewards
  getting the words and their tags right together; note that a piece of a
  reference word also counts (spaCy's alignment allows it), so it is not
  strictly "over the words reproduced exactly". ``*_exact`` is that stricter
  number: among the reference words the system reproduced exactly, the share
  tagged right.
- Reviews: accuracy of the argmax of the predicted categories.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypedDict,
)

if TYPE_CHECKING:  # gold imports spaCy, which a peer's worker does not need
    from .gold import Reference

EPS = 1e-100


class Prediction(TypedDict, total=False):
    """What one system says about one text; absent keys are not predicted."""

    spans: List[Tuple[int, int]]  # words, in order; whitespace-only ones ignored
    tags: List[str]  # native tag per word (PKU for our pipelines)
    upos: List[str]  # UPOS per word
    ents: List[Tuple[int, int, str]]
    cats: Dict[str, float]


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def score_set(self, cand: Set, gold: Set) -> None:
        self.tp += len(cand & gold)
        self.fp += len(cand - gold)
        self.fn += len(gold - cand)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp + EPS)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn + EPS)

    @property
    def fscore(self) -> float:
        p, r = self.precision, self.recall
        return 2 * (p * r) / (p + r + EPS)

    def to_dict(self) -> Dict[str, float]:
        return {"p": self.precision, "r": self.recall, "f": self.fscore}


def _words(text: str, spans: Iterable[Sequence[int]]) -> List[Tuple[int, int]]:
    return [(s, e) for s, e in spans if not text[s:e].isspace()]


def score_words(refs: Sequence["Reference"], preds: Sequence[Prediction]) -> PRF:
    """P/R/F of word spans over the docs that annotate words."""
    prf = PRF()
    for ref, pred in zip(refs, preds):
        if ref.words is None or "spans" not in pred:
            continue
        gold = set(_words(ref.text, ref.words))
        prf.score_set(set(_words(ref.text, pred["spans"])), gold)
    return prf


# The entity labels every system finds: the overall NER score is theirs, so that
# a peer that finds names only is compared with us on names only; each label of
# the reference (DATE, MONEY, ...) is scored on its own as well.
NAME_LABELS = frozenset(("PER", "LOC", "ORG"))


def score_entities(
    refs: Sequence["Reference"],
    preds: Sequence[Prediction],
    overall: Optional[frozenset] = NAME_LABELS,
) -> Tuple[PRF, Dict[str, PRF]]:
    """Overall (over the ``overall`` labels; None: all) and per-label P/R/F of
    entity character spans."""
    total = PRF()
    per_label: Dict[str, PRF] = defaultdict(PRF)
    for ref, pred in zip(refs, preds):
        if ref.ents is None or pred.get("ents") is None:
            continue
        gold = {tuple(e) for e in ref.ents}
        cand = {tuple(e) for e in pred["ents"]}
        if overall is None:
            total.score_set(cand, gold)
        else:
            total.score_set(
                {e for e in cand if e[2] in overall},
                {e for e in gold if e[2] in overall},
            )
        for label in {e[2] for e in gold | cand}:
            per_label[label].score_set(
                {e for e in cand if e[2] == label}, {e for e in gold if e[2] == label}
            )
    return total, dict(per_label)


def score_attr(
    refs: Sequence["Reference"], preds: Sequence[Prediction], attr: str
) -> Dict[str, Optional[float]]:
    """spaCy's accuracy of a word attribute (``tags`` or ``upos``), and the exact one.

    RETURNS (Dict[str, Optional[float]]): ``acc`` (spaCy's definition), ``exact``
        (accuracy over the reference words reproduced exactly) and ``coverage``
        (the share of reference words reproduced exactly); None when nothing
        was scored.
    """
    prf = PRF()
    exact_right = exact_total = gold_total = 0
    for ref, pred in zip(refs, preds):
        gold_values = getattr(ref, attr)
        if ref.words is None or gold_values is None or pred.get(attr) is None:
            continue
        owner = [-1] * (len(ref.text) + 1)
        gold: Set[Tuple[int, str]] = set()
        gold_at: Dict[Tuple[int, int], str] = {}
        for i, ((start, end), value) in enumerate(zip(ref.words, gold_values)):
            owner[start:end] = [i] * (end - start)
            if value:
                gold.add((i, value))
                gold_at[(start, end)] = value
        cand: Set[Tuple[int, str]] = set()
        for (start, end), value in zip(pred["spans"], pred[attr]):
            if ref.text[start:end].isspace():
                continue
            inside = set(owner[start:end]) - {-1}
            if len(inside) == 1:
                i = inside.pop()
                if gold_values[i]:
                    cand.add((i, value))
            if (start, end) in gold_at:
                exact_total += 1
                exact_right += gold_at[(start, end)] == value
        prf.score_set(cand, gold)
        gold_total += len(gold_at)
    if not gold_total:
        return {"acc": None, "exact": None, "coverage": None}
    return {
        "acc": prf.fscore,
        "exact": exact_right / exact_total if exact_total else 0.0,
        "coverage": exact_total / gold_total,
    }


def score_cats(
    refs: Sequence["Reference"], preds: Sequence[Prediction]
) -> Optional[float]:
    """Accuracy of the argmax category over the docs that have a label."""
    right = total = 0
    for ref, pred in zip(refs, preds):
        cats = pred.get("cats")
        if ref.label is None or not cats:
            continue
        total += 1
        right += max(cats, key=cats.get) == ref.label
    return right / total if total else None


def score_system(
    refs: Sequence["Reference"], preds: Sequence[Prediction]
) -> Dict[str, object]:
    """Every metric the system's predictions and the references allow.

    Words and entities are left out when no reference annotates them (an
    out-of-domain set may have entities without words, or words without
    entities): a score of 0 there would say the system was wrong.
    """
    scores: Dict[str, object] = {}
    has = {
        key: any(key in p and p[key] is not None for p in preds)
        for key in ("spans", "tags", "upos", "ents", "cats")
    }
    has["spans"] = has["spans"] and any(r.words is not None for r in refs)
    has["ents"] = has["ents"] and any(r.ents is not None for r in refs)
    if has["spans"]:
        words = score_words(refs, preds)
        scores.update(
            token_p=words.precision, token_r=words.recall, token_f=words.fscore
        )
    if has["ents"]:
        total, per_label = score_entities(refs, preds)
        scores.update(ents_p=total.precision, ents_r=total.recall, ents_f=total.fscore)
        scores["ents_per_type"] = {k: v.to_dict() for k, v in sorted(per_label.items())}
    for attr, key in (("upos", "pos"), ("tags", "tag")):
        if has[attr]:
            result = score_attr(refs, preds, attr)
            scores[f"{key}_acc"] = result["acc"]
            scores[f"{key}_acc_exact"] = result["exact"]
            scores["words_exact"] = result["coverage"]
    if has["cats"]:
        scores["cats_acc"] = score_cats(refs, preds)
    return scores
