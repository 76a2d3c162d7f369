"""``hanzi_ner``: entities as BILUO tags on characters, decoded with Viterbi."""

from .component import HanziNER, make_hanzi_ner

__all__ = ["HanziNER", "make_hanzi_ner"]
