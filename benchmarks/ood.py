"""The out-of-domain dev sets, read as references for the scorer.

``--ood DIR`` names a folder holding the three sets (their README is in the
folder; the project does not ship them). Each is converted with the project's
own converter and scored like the test split, by the same ``score_system``:

- ``ud_gsdsimp_dev.conllu`` (``conllu``): words and UPOS, UD's segmentation
  standard; no entities, and its XPOS are not PKU tags, so neither is scored.
- ``resume_ner_dev.bmes`` (``bio``): entities on characters; no words.
- ``reviews_shopping_dev.tsv`` (``tsv``): one label per review.

A set that is absent or does not convert is noted and left out; the others are
scored.
"""

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.convert import converters
from hanzi_spacy.corpus.lines import HAS_WORDS, ConversionReport
from hanzi_spacy.errors import HanziError

from .gold import Reference

# file name -> the converter's format
OOD_SETS: Tuple[Tuple[str, str], ...] = (
    ("ud_gsdsimp_dev.conllu", "conllu"),
    ("resume_ner_dev.bmes", "bio"),
    ("reviews_shopping_dev.tsv", "tsv"),
)


def ood_reference(doc: Doc) -> Reference:
    """What an out-of-domain doc annotates; what it does not is None.

    Unlike the test split's ``reference_from_doc``, entities are known without
    words (the BMES set) and unknown with them (the CoNLL-U set carries none),
    and no PKU tags are read.
    """
    has_words = bool(doc.user_data.get(HAS_WORDS))
    return Reference(
        text=doc.text,
        words=[(t.idx, t.idx + len(t)) for t in doc] if has_words else None,
        tags=None,
        upos=[t.pos_ for t in doc] if has_words and doc.has_annotation("POS") else None,
        ents=[(e.start_char, e.end_char, e.label_) for e in doc.ents]
        if doc.has_annotation("ENT_IOB")
        else None,
        label=max(doc.cats, key=doc.cats.get) if doc.cats else None,
        doc=doc,
    )


def load_ood(
    folder: Path, notes: List[str], vocab: Optional[Vocab] = None
) -> Dict[str, List[Reference]]:
    """The references of each set found in the folder, by file name.

    notes (List[str]): Receives one line per set that is missing or fails.
    """
    folder = Path(folder)
    if not folder.is_dir():
        notes.append(f"ood: folder {folder} does not exist, no out-of-domain set")
        return {}
    table = converters()
    vocab = vocab or Vocab()
    sets: Dict[str, List[Reference]] = {}
    for name, fmt in OOD_SETS:
        path = folder / name
        if not path.is_file():
            notes.append(f"ood: {path} is missing, not scored")
            continue
        try:
            docs = list(table[fmt](path, vocab, ConversionReport(), False))
        except HanziError as e:
            notes.append(f"ood: {path} does not convert ({e}), not scored")
            continue
        sets[name] = [ood_reference(doc) for doc in docs]
    return sets
