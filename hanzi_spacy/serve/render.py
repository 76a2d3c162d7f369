"""displaCy's views of an analysis, for the page at ``GET /``.

The page asks ``/v1/analyze`` and then ``/v1/render`` with the text and its
analysis, so what a person sees is what the API answers. Two views:

- entities: displaCy's ``ent`` style, every label coloured
  (``util.label_colour``);
- words: displaCy's ``dep`` style without arcs, each word with its PKU tag
  under it (displaCy's lemma row) and its Universal POS under that.

displaCy escapes the texts it draws. A lone surrogate in what it is given
(which UTF-8 cannot carry) is drawn as U+FFFD, as the tokenizer reads it.
"""

from typing import Any, Dict, List

from spacy import displacy

from ..tokenizer import SURROGATE_RE
from ..util import label_colour
from .schema import TextResult


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
