"""The review-classification baseline: character 1–3-gram TF-IDF + logistic regression.

Trained on the review docs of the train split (docs with non-empty ``cats``),
the same texts our textcat learns from; its accuracy is what a linear model on
surface n-grams gets, the bar our textcat has to clear.
"""

import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from .scoring import Prediction
from .systems import versions


def review_texts(path: Path, limit: int = 0) -> Tuple[List[str], List[str]]:
    """Texts and argmax labels of the docs with ``cats`` in a .spacy file.

    limit (int): Keep the first N review docs (0: all).
    """
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    texts: List[str] = []
    labels: List[str] = []
    for doc in DocBin().from_disk(path).get_docs(Vocab()):
        if doc.cats:
            texts.append(doc.text)
            labels.append(max(doc.cats, key=doc.cats.get))
            if limit and len(texts) >= limit:
                break
    return texts, labels


class TfidfBaseline:
    """Character 1–3-gram ``TfidfVectorizer`` + ``LogisticRegression``.

    ``load`` trains it; ``run`` classifies all texts in one call (scikit-learn
    prefers one big batch).
    """

    def __init__(self, train: Path, name: str = "tfidf-logreg", limit: int = 0):
        self.name = name
        self.train = Path(train)
        self.limit = limit
        self.model = None
        self.stats: Dict[str, object] = {}

    def load(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        texts, labels = review_texts(self.train, self.limit)
        start = time.perf_counter()
        self.model = make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(max_iter=1000),
        )
        self.model.fit(texts, labels)
        self.stats = {
            "train_docs": len(texts),
            "train_seconds": time.perf_counter() - start,
            "features": len(self.model[0].vocabulary_),
        }

    def run(self, texts: Sequence[str]) -> None:
        self.model.predict_proba(list(texts))

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        classes = [str(c) for c in self.model.classes_]
        probs = self.model.predict_proba(list(texts))
        return [{"cats": dict(zip(classes, map(float, row)))} for row in probs]

    def info(self) -> Dict[str, object]:
        return {
            "train": str(self.train),
            **self.stats,
            "versions": versions(["scikit-learn"]),
        }
