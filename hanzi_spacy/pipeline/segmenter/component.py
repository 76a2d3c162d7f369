"""``hanzi_segmenter``: predict word boundaries on characters, then merge them.

User dictionary: ``add_words``, ``remove_words``, ``load_words`` (or
``[initialize.components.hanzi_segmenter] user_dict = "words.txt"``). Every
occurrence of a user word becomes exactly one token, unless it overlaps an earlier
or longer user word (leftmost-longest match wins) or an entity boundary falls
inside it: entities come first, and that occurrence is left to the model.
The constraint is applied in decoding: the word's first character is forced to
begin a word, its other characters to continue it, and the character after it to
begin the next word; everywhere else the model's boundary scores decide (with
independent B/I decisions per character this is exactly the constrained optimum).
A user word's tag, when given, replaces the voted tag.

The last component of the pipeline. Its boundary classifier listens to the shared
transformer like the tagger and the NER; ``set_annotations`` merges the
characters of each word with ``doc.retokenize()``, gives the word one tag (see
``words.py``) and its Universal POS from the PKU table. A merge never crosses an
entity boundary or whitespace, so ``doc.text`` and ``doc.ents`` stay as they were.
``nlp()`` and ``nlp.pipe()`` get the same words as a new Doc, built in half the
time (``merge.py``).
"""

from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy
import srsly
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import minibatch, registry
from spacy.vocab import Vocab
from thinc.api import Config, Model, SequenceCategoricalCrossentropy
from thinc.types import Floats2d

from ...errors import Errors, HanziError
from ...util import HAS_WORDS
from .decoding import gold_starts, word_starts
from .merge import (
    WordPlan,
    copy_keeps_everything,
    merge_in_place,
    merged_copy,
    word_plan,
)
from .userdict import UserDictionary, WordEntry, read_user_dictionary

LABELS = ("B", "I")  # a word Begins at this character / continues (Inside)
LISTENER_LAYERS = ("transformer-listener", "tok2vec-listener")

DEFAULT_CONFIG = """
[model]
@architectures = "spacy.Tagger.v2"
nO = 2
normalize = false

[model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.tok2vec.pooling]
@layers = "reduce_mean.v1"
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_CONFIG)["model"]


def has_words(doc: Doc) -> bool:
    """Whether a reference doc annotates word boundaries."""
    return bool(doc.user_data.get(HAS_WORDS)) or doc.has_annotation("TAG")


@registry.scorers("hanzi-spacy.segmenter_scorer.v1")
def make_segmenter_scorer() -> Callable:
    return score_segmentation


def score_segmentation(examples: Iterable[Example], **kwargs) -> Dict[str, object]:
    """token_p/r/f/acc and pos_acc over the docs that annotate words.

    Review docs have no word boundaries: scoring them would compare our words
    with characters, so they are left out.
    """
    examples = [eg for eg in examples if has_words(eg.reference)]
    scores: Dict[str, object] = dict(Scorer.score_tokenization(examples))
    scores.update(Scorer.score_token_attr(examples, "pos", **kwargs))
    return scores


@Language.factory(
    "hanzi_segmenter",
    assigns=["token.tag", "token.pos"],
    requires=["token.tag"],
    retokenizes=True,
    default_config={
        "model": DEFAULT_MODEL,
        "scorer": {"@scorers": "hanzi-spacy.segmenter_scorer.v1"},
    },
    default_score_weights={
        "token_f": 1.0,
        "token_p": None,
        "token_r": None,
        "token_acc": None,
        "pos_acc": 0.5,
    },
)
def make_hanzi_segmenter(
    nlp: Language, name: str, model: Model, *, scorer: Optional[Callable]
) -> "HanziSegmenter":
    return HanziSegmenter(nlp.vocab, model, name, nlp=nlp, scorer=scorer)


class HanziSegmenter(TrainablePipe):
    """Predict where words begin and merge characters into words."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "hanzi_segmenter",
        *,
        nlp: Optional[Language] = None,
        scorer: Optional[Callable] = score_segmentation,
    ) -> None:
        """Initialize the segmenter.

        vocab (Vocab): The shared vocabulary.
        model (Model[List[Doc], List[Floats2d]]): Two scores per token: B, I.
        name (str): The component instance name.
        nlp (Language): The pipeline, to check that no listener comes after us.
        scorer (Optional[Callable]): Scores tokenization and POS.
        """
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: Dict[str, object] = {"labels": list(LABELS)}
        self._nlp = nlp
        self._checked_order: Optional[Tuple[str, ...]] = None
        self.user_dict = UserDictionary()

    @property
    def words(self) -> Dict[str, Optional[str]]:
        """The user dictionary: each word with its tag, or None."""
        return dict(self.user_dict.entries)

    def add_words(self, words: Iterable[WordEntry]) -> None:
        """Add user words: strings, or (word, PKU tag) pairs."""
        self.user_dict.add(words)

    def remove_words(self, words: Iterable[WordEntry]) -> None:
        """Remove user words; words not in the dictionary are passed over."""
        self.user_dict.remove(words)

    def load_words(self, path: Union[str, Path]) -> None:
        """Add the words of a file: one per line, optionally ``word<TAB>TAG``."""
        self.user_dict.add(read_user_dictionary(path))

    @property
    def labels(self) -> Tuple[str, ...]:
        return LABELS

    def check_order(self) -> None:
        """Raise if a component that listens to a shared encoder follows us."""
        if self._nlp is None or self.name not in self._nlp.pipe_names:
            return
        names = tuple(self._nlp.pipe_names)
        if names == self._checked_order:
            return
        for later in names[names.index(self.name) + 1 :]:
            model = getattr(self._nlp.get_pipe(later), "model", None)
            if isinstance(model, Model) and any(
                node.name in LISTENER_LAYERS for node in model.walk()
            ):
                raise HanziError(Errors.E300.format(name=later, segmenter=self.name))
        self._checked_order = names

    def __call__(self, doc: Doc) -> Doc:
        """Segment a doc; returns the doc of words, a new one (see ``merge.py``)."""
        self.check_order()
        error_handler = self.get_error_handler()
        try:
            return self.make_words([doc], self.predict([doc]))[0]
        except Exception as e:
            error_handler(self.name, self, [doc], e)

    def rehearse(self, examples: Iterable[Example], **kwargs) -> Dict[str, float]:
        """Refused with an error, where TrainablePipe's would silently do nothing.

        spaCy's ``nlp.rehearse`` updates each component towards the predictions
        of a frozen copy of its own model. Our components all listen to a
        shared transformer, and spaCy refuses rehearsal through listeners (its
        E203); a copy of the backbone per component would double its memory.
        Rehearsal is done through the data instead (pseudo-rehearsal): raw
        old-domain text annotated by the frozen original pipeline is mixed into
        the new training data as silver examples (``python -m workflow update
        --strategy pseudo``, docs/continual.md), which teaches every listener
        and the backbone through the ordinary ``nlp.update``.
        """
        raise HanziError(Errors.E520.format(name=self.name))

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        """Segment docs in batches; yields the docs of words, new ones."""
        self.check_order()
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                yield from self.make_words(docs, self.predict(docs))
            except Exception as e:
                error_handler(self.name, self, docs, e)

    def predict(self, docs: Iterable[Doc]) -> List[Floats2d]:
        """Boundary scores for each token of each doc."""
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return [self.model.ops.alloc2f(len(doc), len(LABELS)) for doc in docs]
        return self.model.predict(docs)

    def set_annotations(self, docs: Iterable[Doc], scores: List[Floats2d]) -> None:
        """Merge characters into words in place; set each word's tag and POS."""
        for doc, doc_scores in zip(docs, scores):
            if len(doc):
                merge_in_place(doc, self.plan(doc, doc_scores))

    def make_words(self, docs: Iterable[Doc], scores: List[Floats2d]) -> List[Doc]:
        """The docs of words: new Docs where nothing is lost, else merged in place.

        The same words, tags, POS and entities as ``set_annotations``, in about
        half the time (``merge.py``).
        """
        words = []
        for doc, doc_scores in zip(docs, scores):
            if not len(doc):
                words.append(doc)
            elif copy_keeps_everything(doc):
                words.append(merged_copy(doc, self.plan(doc, doc_scores)))
            else:
                merge_in_place(doc, self.plan(doc, doc_scores))
                words.append(doc)
        return words

    def plan(self, doc: Doc, doc_scores: Floats2d) -> WordPlan:
        """The words of a doc: the model's boundaries, the user words forced."""
        scores = self.model.ops.to_numpy(doc_scores)
        starts, user_tags = word_starts(doc, scores, self.user_dict or None)
        return word_plan(doc, starts, user_tags)

    def merge(
        self,
        doc: Doc,
        starts: numpy.ndarray,
        user_tags: Optional[Dict[int, str]] = None,
    ) -> None:
        """Merge a doc in place into words that begin where ``starts`` is set.

        doc (Doc): A doc of character tokens, tagged.
        starts (numpy.ndarray): One bool per token; forced starts are added.
        user_tags (Optional[Dict[int, str]]): Tags that replace the vote for the
            words beginning at these token indices.
        """
        merge_in_place(doc, word_plan(doc, starts, user_tags))

    def get_loss(
        self, examples: Iterable[Example], scores: List[Floats2d]
    ) -> Tuple[float, List[Floats2d]]:
        """Cross-entropy against gold word starts; docs without words are missing."""
        validate_examples(examples, "HanziSegmenter.get_loss")
        truths: List[List[Optional[str]]] = []
        for eg in examples:
            if has_words(eg.reference):
                truths.append(list(gold_starts(eg.reference, eg.predicted)))
            else:
                truths.append([None] * len(eg.predicted))
        loss_func = SequenceCategoricalCrossentropy(names=LABELS, normalize=False)
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError("NaN loss in hanzi_segmenter")
        return float(loss), d_scores

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        user_dict: Optional[Union[str, Path]] = None,
    ) -> None:
        """Check the pipeline order and initialize the model from sample docs.

        user_dict (Optional[Union[str, Path]]): A user dictionary file to load.
        """
        validate_get_examples(get_examples, "HanziSegmenter.initialize")
        if nlp is not None:
            self._nlp = nlp
        self._checked_order = None
        self.check_order()
        sample = [eg for eg in islice(get_examples(), 100)]
        if not any(has_words(eg.reference) for eg in get_examples()):
            raise HanziError(Errors.E301.format(segmenter=self.name))
        docs = [eg.predicted for eg in sample]
        label_sample = [
            self.model.ops.asarray2f(numpy.eye(len(LABELS))[[0] * len(doc)])
            for doc in docs
        ]
        self.model.initialize(X=docs, Y=label_sample)
        if user_dict is not None:
            self.load_words(user_dict)

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        data = srsly.msgpack_loads(super().to_bytes(exclude=exclude))
        data["user_dict"] = self.user_dict.to_bytes()
        return srsly.msgpack_dumps(data)

    def from_bytes(
        self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()
    ) -> "HanziSegmenter":
        data = srsly.msgpack_loads(bytes_data)
        if "user_dict" in data:
            self.user_dict.from_bytes(data.pop("user_dict"))
        return super().from_bytes(srsly.msgpack_dumps(data), exclude=exclude)

    def to_disk(self, path, *, exclude: Iterable[str] = tuple()) -> None:
        super().to_disk(path, exclude=exclude)
        (Path(path) / "user_dict.msgpack").write_bytes(self.user_dict.to_bytes())

    def from_disk(self, path, *, exclude: Iterable[str] = tuple()) -> "HanziSegmenter":
        super().from_disk(path, exclude=exclude)
        user_dict = Path(path) / "user_dict.msgpack"
        if user_dict.exists():
            self.user_dict.from_bytes(user_dict.read_bytes())
        return self

    def add_label(self, label: str) -> int:
        raise NotImplementedError("hanzi_segmenter has the fixed labels B and I")
