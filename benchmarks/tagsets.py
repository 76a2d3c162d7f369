"""Peers' tagsets as data: their tags mapped to Universal POS and to entity labels.

Each ``tagsets/NAME.json`` holds ``tags`` (tag → ``upos`` and a gloss),
``entities`` (tag → PER / LOC / ORG), ``merge_runs`` (entity labels whose
consecutive tokens make one entity, as the reference does for ``nr`` → PER) and
``disagreements`` (where the tagset and the reference's PKU tags differ, written
into ``benchmark.md``).
"""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

TAGSET_DIR = Path(__file__).parent / "tagsets"
UPOS = frozenset(
    (
        "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X"
    ).split()
)
ENTITY_LABELS = ("PER", "LOC", "ORG")

Span = Tuple[int, int]


@dataclass(frozen=True)
class Tagset:
    """A peer's tagset and how it maps onto the reference's annotation."""

    name: str
    upos: Dict[str, str]
    entities: Dict[str, str]
    merge_runs: Tuple[str, ...] = ()
    disagreements: Tuple[str, ...] = field(default=())

    def to_upos(self, tag: str) -> str:
        """The UPOS of a tag; tags outside the table are X."""
        return self.upos.get(tag, "X")

    def entity_spans(
        self, spans: Sequence[Span], tags: Sequence[str]
    ) -> List[Tuple[int, int, str]]:
        """Entities (start, end, label) from the tags of consecutive words.

        Words are given as character spans in text order; runs of a label in
        ``merge_runs`` become one entity (江/nr 泽民/nr → one PER), as the
        reference conversion does (hanzi_spacy/corpus/pku.py); words separated by
        text in between (a space) are not merged.
        """
        ents: List[Tuple[int, int, str]] = []
        previous: Optional[str] = None
        for (start, end), tag in zip(spans, tags):
            label = self.entities.get(tag)
            if (
                label
                and label == previous
                and label in self.merge_runs
                and ents[-1][1] == start
            ):
                ents[-1] = (ents[-1][0], end, label)
            elif label:
                ents.append((start, end, label))
            previous = label
        return ents


@lru_cache(maxsize=None)
def load_tagset(name: str) -> Tagset:
    """Read ``tagsets/{name}.json``."""
    data = json.loads((TAGSET_DIR / f"{name}.json").read_text(encoding="utf8"))
    return Tagset(
        name=data["name"],
        upos={tag: entry["upos"] for tag, entry in data["tags"].items()},
        entities=dict(data["entities"]),
        merge_runs=tuple(data.get("merge_runs", ())),
        disagreements=tuple(data.get("disagreements", ())),
    )


def tagset_names() -> List[str]:
    return sorted(path.stem for path in TAGSET_DIR.glob("*.json"))
