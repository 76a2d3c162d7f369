"""Text variants of gold docs that keep the gold annotation: half-width, traditional.

A variant changes a doc's characters, not its analysis: the words keep their
boundaries, spaces, tags, POS, entities, sentence starts, ``cats`` and
``user_data``, so a pipeline can be scored on the variant against the same gold.

- **Half-width**: every full-width ASCII form U+FF01-U+FF5E becomes its ASCII
  form U+0021-U+007E, one character for one (``hanzi_spacy.util.FULLWIDTH_ASCII``;
  not the ideographic space, which ``fold_width`` also folds).
- **Traditional**: OpenCC's simplified-to-traditional conversions (``s2t``,
  ``s2tw``, ``s2hk``).

How the words are cut in the converted text. Converting each word alone loses
OpenCC's phrase context (it picks among one-to-many characters by the phrase a
character is in: 头发 → 頭髮, 发展 → 發展), so the whole text is converted and
the words are cut at their old character offsets. That needs the converted
text to keep its length; where it does not (a phrase mapped to one of another
length), the doc falls back to converting word by word, and a word whose length
still changes stays unconverted. The docs that fell back and the words kept are
counted, so a score is read with them.
"""

from dataclasses import dataclass
from typing import Callable, Iterable, List, Tuple

from spacy.attrs import ENT_IOB, ENT_TYPE, POS, SENT_START, TAG
from spacy.tokens import Doc

from hanzi_spacy.util import FULLWIDTH_ASCII

# The gold token attributes a variant copies (0 where a doc leaves one unset).
GOLD_ATTRS = [TAG, POS, ENT_IOB, ENT_TYPE, SENT_START]
OPENCC_CONFIGS = ("s2t", "s2tw", "s2hk")

Convert = Callable[[str], str]


def to_halfwidth(text: str) -> str:
    """U+FF01-U+FF5E to U+0021-U+007E, one character for one."""
    return text.translate(FULLWIDTH_ASCII)


def opencc_converter(config: str) -> Convert:
    """OpenCC's conversion by config name (``s2t``, ``s2tw``, ``s2hk``, ...)."""
    import opencc

    return opencc.OpenCC(config).convert


@dataclass
class VariantReport:
    """What a variant changed, and where it could not keep the offsets."""

    docs: int = 0
    docs_changed: int = 0
    characters_changed: int = 0
    fallback_docs: int = 0  # converted word by word: the text changed length
    words_unconverted: int = 0  # words of those whose length would change

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def variant_words(doc: Doc, convert: Convert) -> Tuple[List[str], int, bool]:
    """The doc's words in the converted text.

    RETURNS (Tuple[List[str], int, bool]): The words, the number left unconverted
        and whether the doc fell back to converting word by word.
    """
    text = convert(doc.text)
    if len(text) == len(doc.text):
        words = [text[t.idx : t.idx + len(t.text)] for t in doc]
        rebuilt = "".join(w + t.whitespace_ for w, t in zip(words, doc))
        if rebuilt == text:
            return words, 0, False
    words, kept = [], 0
    for token in doc:
        word = convert(token.text)
        if len(word) != len(token.text):
            word, kept = token.text, kept + 1
        words.append(word)
    return words, kept, True


def variant_doc(doc: Doc, convert: Convert) -> Tuple[Doc, int, bool]:
    """A copy of a gold doc with its text converted and its annotation kept.

    RETURNS (Tuple[Doc, int, bool]): The doc, the words left unconverted and
        whether the doc fell back to converting word by word.
    """
    words, kept, fallback = variant_words(doc, convert)
    spaces = [bool(t.whitespace_) for t in doc]
    new = Doc(doc.vocab, words=words, spaces=spaces)
    new.from_array(GOLD_ATTRS, doc.to_array(GOLD_ATTRS))
    new.cats = dict(doc.cats)
    new.user_data.update(doc.user_data)
    return new, kept, fallback


def variant_docs(
    docs: Iterable[Doc], convert: Convert, report: VariantReport
) -> List[Doc]:
    """The variants of docs; counts in report what changed and what fell back."""
    variants = []
    for doc in docs:
        new, kept, fallback = variant_doc(doc, convert)
        report.docs += 1
        changed = sum(a != b for a, b in zip(doc.text, new.text))
        report.docs_changed += bool(changed)
        report.characters_changed += changed
        report.fallback_docs += fallback
        report.words_unconverted += kept
        variants.append(new)
    return variants
