"""``hanzi_ner``: entities as BILUO tags on characters, decoded with Viterbi.

spaCy's transition-based ``ner`` walks the doc one action at a time, and on our
character tokens that is one step per character (a large share of the pipeline's
time, docs/decisions.md). Here one softmax layer scores the BILUO tags of all
characters at once, like the POS tagger, and a Viterbi pass over the whole batch
finds the best sequence that is valid BILUO (no I- or L- without a B- of the
same label before it, no B- or I- at the end), so every output is a well-formed
set of non-overlapping entities; whitespace tokens are always O, as spaCy's ner
keeps them out of entities. Docs whose reference has no entity annotation (the
reviews) give no gradient."""

from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import numpy
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, SequenceCategoricalCrossentropy
from thinc.types import Floats2d

from ...errors import Errors, HanziError
from ...ml.resize import resize_output_rows
from ..ents_scorer import score_char_ents
from .biluo import biluo_names, decode, softmax, tags_to_spans, transition_scores

DEFAULT_CONFIG = """
[model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.tok2vec.pooling]
@layers = "reduce_mean.v1"
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_CONFIG)["model"]


@Language.factory(
    "hanzi_ner",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={
        "model": DEFAULT_MODEL,
        "scorer": {"@scorers": "hanzi-spacy.char_ents_scorer.v1"},
    },
    default_score_weights={
        "ents_f": 1.0,
        "ents_p": 0.0,
        "ents_r": 0.0,
        "ents_per_type": None,
    },
)
def make_hanzi_ner(
    nlp: Language, name: str, model: Model, *, scorer: Optional[Callable]
) -> "HanziNER":
    return HanziNER(nlp.vocab, model, name, scorer=scorer)


class HanziNER(TrainablePipe):
    """Tag each character with B/I/L/U-label or O and set ``doc.ents``."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "hanzi_ner",
        *,
        scorer: Optional[Callable] = score_char_ents,
    ) -> None:
        """Initialize the entity tagger.

        vocab (Vocab): The shared vocabulary.
        model (Model[List[Doc], List[Floats2d]]): Tag probabilities per token,
            over ``biluo_names(labels)``.
        name (str): The component instance name.
        scorer (Optional[Callable]): Scores doc.ents.
        """
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: Dict[str, object] = {"labels": []}
        # The labels the transition scores were made for, and those scores.
        self._decoder: Optional[Tuple[tuple, Tuple[numpy.ndarray, ...]]] = None

    @property
    def labels(self) -> Tuple[str, ...]:
        """The entity labels, e.g. ("LOC", "ORG", "PER")."""
        return tuple(self.cfg["labels"])  # type: ignore[arg-type]

    @property
    def tag_names(self) -> List[str]:
        return biluo_names(self.labels)

    @property
    def label_data(self) -> List[str]:
        return list(self.labels)

    def add_label(self, label: str) -> int:
        """Add an entity label; returns 1 if new, else 0.

        On a trained component the output layer gets the new label's four tags
        and keeps the weights of the old ones (``hanzi_spacy/ml/resize.py``), so
        the old labels are predicted as before until training teaches the new
        one. Update with a new optimizer: one that has already stepped holds
        moments of the old size.
        """
        if not isinstance(label, str) or not label:
            raise ValueError(f"An entity label must be a non-empty string: {label!r}")
        if label in self.labels:
            return 0
        old_names = self.tag_names
        self.cfg["labels"] = sorted([*self.labels, label])
        index = {name: i for i, name in enumerate(old_names)}
        rows = [index.get(name) for name in self.tag_names]
        resize_output_rows(self.model, self.model.get_ref("output_layer"), rows)
        self._decoder = None
        self.vocab.strings.add(label)
        return 1

    def rehearse(self, examples: Iterable[Example], **kwargs) -> Dict[str, float]:
        """Refused: rehearsal is done through the data (see HanziSegmenter.rehearse)."""
        raise HanziError(Errors.E520.format(name=self.name))

    def predict(self, docs: Iterable[Doc]) -> List[numpy.ndarray]:
        """The best valid BILUO tag indices of each doc's tokens."""
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return [numpy.zeros((0,), dtype="int64") for _ in docs]
        scores = [self.model.ops.to_numpy(s) for s in self.model.predict(docs)]
        if not self.model.get_ref("output_layer").attrs.get("softmax_normalize", True):
            # Tagger.v2 with normalize = false gives logits at inference.
            scores = [softmax(s) for s in scores]
        for doc, doc_scores in zip(docs, scores):
            # As in spaCy's ner, whitespace is never part of an entity.
            space = doc.to_array(IS_SPACE).astype(bool)
            if space.any():
                doc_scores[space] = 0.0
                doc_scores[space, 0] = 1.0
        return decode(scores, *self._transitions())

    def _transitions(self) -> Tuple[numpy.ndarray, ...]:
        if self._decoder is None or self._decoder[0] != self.labels:
            self._decoder = (self.labels, transition_scores(self.labels))
        return self._decoder[1]

    def set_annotations(self, docs: Iterable[Doc], paths: List[numpy.ndarray]) -> None:
        """Set ``doc.ents`` from the decoded tags; every other token is outside."""
        labels = self.labels
        for doc, path in zip(docs, paths):
            doc.ents = tags_to_spans(doc, path, labels)

    def get_loss(
        self, examples: Iterable[Example], scores: List[Floats2d]
    ) -> Tuple[float, List[Floats2d]]:
        """Cross-entropy against the gold BILUO tags; unannotated tokens are missing.

        Entities of labels the component was not given (the dates of a corpus,
        for a component trained on names only) are outside for it.
        """
        validate_examples(examples, "HanziNER.get_loss")
        names = self.tag_names
        known = set(names)
        truths = [
            [_known_tag(tag, known) for tag in eg.get_aligned_ner()] for eg in examples
        ]
        loss_func = SequenceCategoricalCrossentropy(names=names, normalize=False)
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError("NaN loss in hanzi_ner")
        return float(loss), d_scores

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        labels: Optional[Sequence[str]] = None,
    ) -> None:
        """Collect the entity labels and initialize the model from sample docs.

        labels (Optional[Sequence[str]]): The entity labels; by default those
            of the training docs' entities.
        """
        validate_get_examples(get_examples, "HanziNER.initialize")
        if labels is None:
            labels = sorted(
                {ent.label_ for eg in get_examples() for ent in eg.reference.ents}
            )
        if not labels:
            raise HanziError(Errors.E306.format(name=self.name))
        self.cfg["labels"] = sorted(labels)
        for label in labels:
            self.vocab.strings.add(label)
        self._decoder = None
        docs = [eg.predicted for eg in islice(get_examples(), 100)]
        n_tags = len(self.tag_names)
        sample = [self.model.ops.alloc2f(len(doc), n_tags) for doc in docs]
        for doc_sample in sample:
            doc_sample[:, 0] = 1.0
        self.model.initialize(X=docs, Y=sample)


def _known_tag(tag: Optional[str], known: Set[str]) -> Optional[str]:
    """The gold tag, "O" for an entity of another label, None where it is missing."""
    if tag is None or tag in known:
        return tag
    if tag == "-" or "-" not in tag:
        return None
    return "O"
