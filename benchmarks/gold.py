"""The reference: what the test split says about each text, as plain data."""

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.docbin import read_docs
from hanzi_spacy.corpus.lines import HAS_WORDS
from hanzi_spacy.errors import Errors, HanziError

Span = Tuple[int, int]


@dataclass
class Reference:
    """One test doc: its text and the annotation it carries.

    ``words``, ``tags``, ``upos`` and ``ents`` are None for a doc that does not
    annotate words (a review); ``label`` is None for a doc without ``cats``.
    """

    text: str
    words: Optional[List[Span]]
    tags: Optional[List[str]]
    upos: Optional[List[str]]
    ents: Optional[List[Tuple[int, int, str]]]
    label: Optional[str]
    doc: Doc

    @property
    def has_words(self) -> bool:
        return self.words is not None


def reference_from_doc(doc: Doc) -> Reference:
    """Plain data from a reference doc of the test split."""
    label = max(doc.cats, key=doc.cats.get) if doc.cats else None
    if not doc.user_data.get(HAS_WORDS):
        return Reference(doc.text, None, None, None, None, label, doc)
    return Reference(
        text=doc.text,
        words=[(t.idx, t.idx + len(t)) for t in doc],
        tags=[t.tag_ for t in doc],
        upos=[t.pos_ for t in doc],
        ents=[(e.start_char, e.end_char, e.label_) for e in doc.ents],
        label=label,
        doc=doc,
    )


def load_references(
    path: Path, limit: int = 0, vocab: Optional[Vocab] = None
) -> List[Reference]:
    """Read a .spacy file.

    limit (int): Keep the first N docs (0: all). The splits are in hash order,
        so the first docs mix both corpora.
    """
    path = Path(path)
    if not path.is_file():
        raise HanziError(Errors.E024.format(path=path))
    refs: List[Reference] = []
    for doc in read_docs(path, vocab or Vocab()):
        refs.append(reference_from_doc(doc))
        if limit and len(refs) >= limit:
            break
    return refs


def count_kinds(refs: List[Reference]) -> Dict[str, int]:
    return {
        "docs": len(refs),
        "docs_with_words": sum(r.has_words for r in refs),
        "docs_with_cats": sum(r.label is not None for r in refs),
        "characters": sum(len(r.text) for r in refs),
        "characters_with_words": sum(len(r.text) for r in refs if r.has_words),
    }
