"""The peers: jieba and THULAC, each called the way its documentation shows.

Both are called once per text (their API takes one string); their words are put
back on the text with ``align.word_spans``, their tags mapped with the data files
in ``tagsets/``.
"""

import logging
from typing import Dict, List, Optional, Sequence, Tuple

from .align import word_spans
from .scoring import Prediction
from .systems import versions
from .tagsets import load_tagset

WordTag = Tuple[str, str]


def tagged_prediction(text: str, pairs: Sequence[WordTag], tagset: str) -> Prediction:
    """Words, UPOS and entities from (word, tag) pairs.

    The native tags are not kept as ``tags``: that key holds PKU tags, which
    only our pipelines predict.
    """
    mapping = load_tagset(tagset)
    spans, kept = word_spans(text, [word for word, _ in pairs])
    tags = [pairs[i][1] for i in kept]
    return {
        "spans": spans,
        "upos": [mapping.to_upos(tag) for tag in tags],
        "ents": mapping.entity_spans(spans, tags),
    }


class JiebaCut:
    """``jieba.lcut(text, HMM=...)``: segmentation only."""

    def __init__(self, name: str = "jieba", hmm: bool = True) -> None:
        self.name = name
        self.hmm = hmm

    def load(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()

    def run(self, texts: Sequence[str]) -> None:
        import jieba

        for text in texts:
            jieba.lcut(text, HMM=self.hmm)

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        import jieba

        return [
            {"spans": word_spans(text, jieba.lcut(text, HMM=self.hmm))[0]}
            for text in texts
        ]

    def info(self) -> Dict[str, object]:
        return {
            "call": f"jieba.lcut(text, HMM={self.hmm})",
            "versions": versions(["jieba"]),
        }


class JiebaPosseg:
    """``jieba.posseg.lcut(text)``: words with ICTCLAS/PKU-like tags."""

    def __init__(self, name: str = "jieba-posseg", hmm: bool = True) -> None:
        self.name = name
        self.hmm = hmm

    def load(self) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        jieba.posseg.lcut("预热", HMM=self.hmm)

    def run(self, texts: Sequence[str]) -> None:
        import jieba.posseg

        for text in texts:
            jieba.posseg.lcut(text, HMM=self.hmm)

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        import jieba.posseg

        preds = []
        for text in texts:
            pairs = [(p.word, p.flag) for p in jieba.posseg.lcut(text, HMM=self.hmm)]
            preds.append(tagged_prediction(text, pairs, "jieba"))
        return preds

    def info(self) -> Dict[str, object]:
        return {
            "call": f"jieba.posseg.lcut(text, HMM={self.hmm})",
            "versions": versions(["jieba"]),
        }


class Thulac:
    """``thulac.thulac(seg_only=...).cut(text)``."""

    def __init__(self, name: str = "thulac", seg_only: bool = True) -> None:
        self.name = name
        self.seg_only = seg_only
        self.model = None

    def load(self) -> None:
        import thulac

        self.model = thulac.thulac(seg_only=self.seg_only)

    def run(self, texts: Sequence[str]) -> None:
        for text in texts:
            self.model.cut(text)

    def predict(self, texts: Sequence[str]) -> Optional[List[Prediction]]:
        preds: List[Prediction] = []
        for text in texts:
            pairs = [(word, tag) for word, tag in self.model.cut(text)]
            if self.seg_only:
                preds.append({"spans": word_spans(text, [w for w, _ in pairs])[0]})
            else:
                preds.append(tagged_prediction(text, pairs, "thulac"))
        return preds

    def info(self) -> Dict[str, object]:
        return {
            "call": f"thulac.thulac(seg_only={self.seg_only}).cut(text)",
            "versions": versions(["thulac"]),
        }
