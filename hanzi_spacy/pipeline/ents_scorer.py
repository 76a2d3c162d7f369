"""Entity scores on character offsets, for pipelines whose words differ from gold's."""

from typing import Callable, Dict, Iterable, Optional, Set, Tuple

from spacy.scorer import PRFScore
from spacy.training import Example
from spacy.util import registry

Entity = Tuple[int, int, str]


@registry.scorers("hanzi-spacy.char_ents_scorer.v1")
def make_char_ents_scorer() -> Callable:
    return score_char_ents


def score_char_ents(
    examples: Iterable[Example], labels: Optional[Iterable[str]] = None, **kwargs
) -> Dict[str, object]:
    """ents_p/r/f and ents_per_type from (start_char, end_char, label) triples.

    spaCy's NER scorer (``spacy.scorer.get_ner_prf``) maps each predicted entity
    onto the reference tokens it touches and compares those token indices. When
    the words are predicted, a predicted "北京" inside a gold word "北京市" (LOC)
    touches that word and counts as a correct "北京市"; ``Scorer.score_spans``
    instead drops such an entity, neither hit nor false positive. Both flatter a
    pipeline that makes its own words. Here an entity is right only if its
    character offsets and label are the gold ones. Docs whose reference has no
    entity annotation are skipped, as spaCy's scorer does.

    examples (Iterable[Example]): Predicted and reference docs.
    labels (Optional[Iterable[str]]): Score only these labels (a component
        passes its own, so a pipeline trained on names only is not charged
        for the dates of a corpus that has them); None scores every label.
    RETURNS (Dict[str, object]): ents_p, ents_r, ents_f and ents_per_type
        ({label: {"p", "r", "f"}}), or None values if no doc was annotated.
    """
    total = PRFScore()
    per_type: Dict[str, PRFScore] = {}
    annotated = False
    wanted = set(labels) if labels is not None else None
    for eg in examples:
        if not eg.reference.has_annotation("ENT_IOB"):
            continue
        annotated = True
        gold = _entities(eg.reference, wanted)
        pred = _entities(eg.predicted, wanted)
        total.score_set(pred, gold)
        for label in {label for _, _, label in gold | pred}:
            per_type.setdefault(label, PRFScore()).score_set(
                {e for e in pred if e[2] == label}, {e for e in gold if e[2] == label}
            )
    if not annotated:
        return {"ents_p": None, "ents_r": None, "ents_f": None, "ents_per_type": None}
    return {
        "ents_p": total.precision,
        "ents_r": total.recall,
        "ents_f": total.fscore,
        "ents_per_type": {k: v.to_dict() for k, v in sorted(per_type.items())},
    }


def _entities(doc, labels: Optional[Set[str]] = None) -> Set[Entity]:
    return {
        (ent.start_char, ent.end_char, ent.label_)
        for ent in doc.ents
        if labels is None or ent.label_ in labels
    }
