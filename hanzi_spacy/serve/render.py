"""displaCy's views of an analysis, for the page at ``GET /``.

The page asks ``/v1/analyze`` and then ``/v1/render`` with the text and its
analysis, so what a person sees is what the API answers. Two views:

- entities: displaCy's ``ent`` style, every label coloured: displaCy's own
  colours where it has one (ORG, LOC...), else one of a fixed palette chosen by
  the label's name, so a label keeps its colour between texts and servers;
- words: displaCy's ``dep`` style without arcs, each word with its PKU tag
  under it (displaCy's lemma row) and its Universal POS under that.

displaCy escapes the texts it draws. A lone surrogate in what it is given
(which UTF-8 cannot carry) is drawn as U+FFFD, as the tokenizer reads it.
"""

import zlib
from typing import Any, Dict, List

from spacy import displacy
from spacy.displacy.render import DEFAULT_LABEL_COLORS

from ..tokenizer import SURROGATE_RE
from .schema import TextResult

PALETTE = (
    "#aa9cfc",
    "#7aecec",
    "#feca74",
    "#ff9561",
    "#bfeeb7",
    "#c887fb",
    "#9cc9cc",
    "#ffeb80",
    "#ff8197",
    "#f0d0ff",
    "#bfe1d9",
    "#e4e7d2",
)
OWN_COLOURS = {"PER": "#aa9cfc"}  # displaCy's PERSON colour for our PER


def label_colour(label: str) -> str:
    """The colour of an entity label (stable across runs)."""
    if label in OWN_COLOURS:
        return OWN_COLOURS[label]
    if label in DEFAULT_LABEL_COLORS:
        return DEFAULT_LABEL_COLORS[label]
    return PALETTE[zlib.crc32(label.encode("utf8")) % len(PALETTE)]


def render_entities(text: str, analysis: TextResult) -> str:
    """displaCy's entity view of ``text`` with the analysis' entities."""
    ents = [
        {"start": e.start, "end": e.end, "label": e.label}
        for e in analysis.entities or []
        if 0 <= e.start < e.end <= len(text)
    ]
    colours = {e["label"]: label_colour(e["label"]) for e in ents}
    doc = {"text": text, "ents": ents, "title": None}
    html = displacy.render(
        doc, style="ent", manual=True, page=False, options={"colors": colours}
    )
    return SURROGATE_RE.sub("\ufffd", html)


def render_words(analysis: TextResult) -> str:
    """displaCy's dependency view without arcs: the words with their POS."""
    words: List[Dict[str, Any]] = [
        {"text": w.text, "tag": w.upos or "", "lemma": w.tag or ""}
        for w in analysis.words or []
    ]
    if not words:
        return ""
    options = {"add_lemma": True, "compact": True, "distance": 90, "offset_x": 30}
    doc = {"words": words, "arcs": []}
    html = displacy.render(doc, style="dep", manual=True, page=False, options=options)
    return SURROGATE_RE.sub("\ufffd", html)
