"""PKU (People's Daily 1998) part-of-speech tags mapped to Universal POS.

One table for the 44 tags of the 1998 corpus (including its three one-off typos
``vvn``, ``na`` and ``Yg``). Choices where the tagsets disagree, following
UD Chinese-GSD practice:

- classifiers (``q``), time words (``t``), place words (``s``) and verbal / adjectival
  nouns (``vn``, ``an``) are NOUN; localizers (``f``: 上, 中, 以来) are ADP;
- proper nouns (``nr``, ``ns``, ``nt``, ``nz``) are PROPN; abbreviations (``j``:
  中共, 人大) are PROPN, since most are names of organisations and places;
- idioms (``i``) and set phrases (``l``) have no single function: X;
- morphemes (``Ag``, ``Bg``, ``Dg``, ``Mg``, ``Ng``, ``Rg``, ``Tg``, ``Vg``, ``Yg``)
  take the POS of their class; prefixes (``h``) and suffixes (``k``) are PART.

Tags outside the table (other PKU variants such as ``nrf``, ``x``) fall back to
the entry of their first letter, else X.
"""

from typing import Dict

PKU_TO_UPOS: Dict[str, str] = {
    "Ag": "ADJ",  # adjective morpheme
    "a": "ADJ",  # adjective
    "ad": "ADV",  # adjective used as adverb
    "an": "NOUN",  # adjective used as noun
    "b": "ADJ",  # distinguishing word (non-predicate adjective)
    "Bg": "ADJ",  # distinguishing morpheme
    "c": "CCONJ",  # conjunction
    "d": "ADV",  # adverb
    "Dg": "ADV",  # adverb morpheme
    "e": "INTJ",  # exclamation
    "f": "ADP",  # localizer (postposition)
    "h": "PART",  # prefix
    "i": "X",  # idiom (成语)
    "j": "PROPN",  # abbreviation
    "k": "PART",  # suffix (们)
    "l": "X",  # set phrase (习用语)
    "m": "NUM",  # numeral
    "Mg": "NUM",  # numeral morpheme
    "n": "NOUN",  # noun
    "na": "NOUN",  # one-off typo for n in the 1998 corpus
    "Ng": "NOUN",  # noun morpheme
    "nr": "PROPN",  # person name
    "ns": "PROPN",  # place name
    "nt": "PROPN",  # organisation name
    "nx": "X",  # non-Chinese string (letters, codes)
    "nz": "PROPN",  # other proper noun
    "o": "INTJ",  # onomatopoeia
    "p": "ADP",  # preposition
    "q": "NOUN",  # classifier (UD Chinese: NOUN)
    "r": "PRON",  # pronoun
    "Rg": "PRON",  # pronoun morpheme
    "s": "NOUN",  # place word
    "t": "NOUN",  # time word
    "Tg": "NOUN",  # time morpheme
    "u": "PART",  # auxiliary (的, 了, 着)
    "v": "VERB",  # verb
    "vd": "ADV",  # verb used as adverb
    "Vg": "VERB",  # verb morpheme
    "vn": "NOUN",  # verb used as noun
    "vvn": "VERB",  # one-off typo in the 1998 corpus
    "w": "PUNCT",  # punctuation
    "y": "PART",  # modal particle (吗, 呢)
    "Yg": "PART",  # modal morpheme
    "z": "ADJ",  # status word
}


def pku_to_upos(tag: str) -> str:
    """Map a PKU tag to a Universal POS tag.

    tag (str): A PKU tag such as ``nr`` or ``vn``.
    RETURNS (str): The UPOS tag; unknown tags map through their first letter, else X.
    """
    upos = PKU_TO_UPOS.get(tag)
    if upos is None and tag:
        upos = PKU_TO_UPOS.get(tag[0], PKU_TO_UPOS.get(tag[0].lower()))
    return upos or "X"
