"""Recall on what the training data showed and on what it did not.

Held-out scores mix two abilities: recalling words and names seen in training
(memory) and finding new ones (generalisation). The field reports them apart:

- Segmentation, as in the SIGHAN bakeoffs: ``token_r_iv`` is the recall of the
  gold words whose text is a word of the training data, ``token_r_oov`` the
  recall of the others (out of vocabulary), with ``token_oov_rate`` the share
  of gold words that are out of vocabulary.
- Entities: ``ents_r_seen`` is the recall of gold entities whose text is an
  entity of the same type in the training data, ``ents_r_unseen`` that of the
  others, overall and per type (``ents_per_type_seen_unseen``). A recalled
  entity has the gold character offsets and label.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Optional, Set, Tuple

from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from .corpus.docbin import read_docs
from .util import HAS_WORDS


@dataclass
class TrainingVocabulary:
    """The word and entity texts of a training corpus."""

    words: Set[str] = field(default_factory=set)
    entities: Set[Tuple[str, str]] = field(default_factory=set)  # (text, label)

    def add(self, doc: Doc) -> None:
        if doc.user_data.get(HAS_WORDS):
            self.words.update(t.text for t in doc if not t.is_space)
        self.entities.update((e.text, e.label_) for e in doc.ents)

    @classmethod
    def from_docs(cls, docs: Iterable[Doc]) -> "TrainingVocabulary":
        vocabulary = cls()
        for doc in docs:
            vocabulary.add(doc)
        return vocabulary

    @classmethod
    def from_disk(cls, path: Path) -> "TrainingVocabulary":
        """Read a .spacy file (the training split)."""
        return cls.from_docs(read_docs(path, Vocab()))


def _ratio(hits: int, total: int) -> Optional[float]:
    return hits / total if total else None


def score_seen_unseen(
    examples: Iterable[Example],
    vocabulary: TrainingVocabulary,
    labels: Optional[Set[str]] = None,
) -> Dict[str, object]:
    """R_iv, R_oov and the OOV rate of words; seen and unseen entity recall.

    examples (Iterable[Example]): Predicted and reference docs; words are scored
        on docs whose reference marks word boundaries, entities on docs whose
        reference annotates entities.
    labels (Optional[Set[str]]): Count only the gold entities of these labels
        (those the pipeline was trained on); None counts all.
    RETURNS (Dict[str, object]): The keys of the module docstring, each None
        where nothing was there to score.
    """
    words = {"iv": [0, 0], "oov": [0, 0]}  # [recalled, total]
    ents: Dict[str, Dict[str, list]] = {}
    for eg in examples:
        ref, pred = eg.reference, eg.predicted
        if ref.user_data.get(HAS_WORDS):
            predicted = {(t.idx, t.idx + len(t)) for t in pred if not t.is_space}
            for token in ref:
                if token.is_space:
                    continue
                kind = "iv" if token.text in vocabulary.words else "oov"
                words[kind][1] += 1
                words[kind][0] += (token.idx, token.idx + len(token)) in predicted
        if ref.has_annotation("ENT_IOB"):
            found = {(e.start_char, e.end_char, e.label_) for e in pred.ents}
            for ent in ref.ents:
                if labels is not None and ent.label_ not in labels:
                    continue
                seen = (ent.text, ent.label_) in vocabulary.entities
                counts = ents.setdefault(ent.label_, {"seen": [0, 0], "unseen": [0, 0]})
                kind = counts["seen" if seen else "unseen"]
                kind[1] += 1
                kind[0] += (ent.start_char, ent.end_char, ent.label_) in found
    n_words = words["iv"][1] + words["oov"][1]
    scores: Dict[str, object] = {
        "token_r_iv": _ratio(*words["iv"]),
        "token_r_oov": _ratio(*words["oov"]),
        "token_oov_rate": _ratio(words["oov"][1], n_words),
    }
    for kind in ("seen", "unseen"):
        hits = sum(c[kind][0] for c in ents.values())
        total = sum(c[kind][1] for c in ents.values())
        scores[f"ents_r_{kind}"] = _ratio(hits, total)
        scores[f"ents_{kind}_count"] = total if ents else None
    scores["ents_per_type_seen_unseen"] = (
        {
            label: {
                "r_seen": _ratio(*c["seen"]),
                "r_unseen": _ratio(*c["unseen"]),
                "seen": c["seen"][1],
                "unseen": c["unseen"][1],
            }
            for label, c in sorted(ents.items())
        }
        if ents
        else None
    )
    return scores
