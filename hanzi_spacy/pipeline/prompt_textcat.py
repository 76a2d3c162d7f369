"""``hanzi_prompt_textcat``: text classification as the backbone's own cloze task.

The text is put in a template (``{text}。总之很[MASK]。``) and the masked language
model's head scores the label words at the mask (``ml/cloze/model.py``). With no
training at all this is a zero-shot classifier; with a few examples it learns
through the same cloze (PET: cross-entropy over the labels' words, every weight
trained, LoRA or another peft method on the frozen backbone, or soft prompts on
a frozen backbone: ``tune`` in the model config).

Probabilities. Exclusive classes: a softmax over the label scores. Multi-label:
each label's sigmoid of its score minus its content-free score (is the label
more likely for this text than for no text at all?). Calibration (Zhao et al.
2021, "contextual calibration"): the template alone, filled with content-free
texts (``content_free``, e.g. "" and "N/A"), gives the model's prior over the
labels, the mean of their label probabilities; every score is divided by it
(subtracted, in logs), so a template or a word the model simply prefers no
longer wins by default. ``content_free = []`` turns it off (exclusive only).
Training uses the same probabilities as prediction: the prior is computed,
without gradient, from the current weights at each update.

The component loads the whole masked LM from ``backbone`` when it is
initialised or first used, and saves it inside the pipeline folder (as
spacy-transformers does), so a saved pipeline needs the original folder no more.
"""

import shutil
import tempfile
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

import numpy
import srsly
from spacy import util
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer
from thinc.types import Floats2d

from ..errors import Errors, HanziError
from ..ml.cloze.model import cloze_module, is_loaded, load_cloze
from .textcat import CATS_SCORE_WEIGHTS

DEFAULT_CONFIG = """
[model]
@architectures = "hanzi-spacy.ClozeModel.v1"
tune = "all"
prompt_length = 0
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_CONFIG)["model"]
BACKBONE_DIR = "backbone"
SOFT_PROMPTS = "soft_prompts.safetensors"
TUNED_LAYERS = "tuned_layers.safetensors"  # the peft layers of tune = "peft"


@Language.factory(
    "hanzi_prompt_textcat",
    assigns=["doc.cats"],
    default_config={
        "backbone": None,
        "template": "{text}。总之很[MASK]。",
        "verbalizer": {"POSITIVE": ["好"], "NEGATIVE": ["差"]},
        "exclusive_classes": True,
        "content_free": ["", "N/A"],
        "threshold": 0.5,
        "max_length": 128,
        "keep": "first",
        "script": "t2s",
        "model": DEFAULT_MODEL,
        "scorer": {"@scorers": "hanzi-spacy.textcat_scorer.v1"},
    },
    default_score_weights=CATS_SCORE_WEIGHTS,
)
def make_prompt_textcat(
    nlp: Language,
    name: str,
    model: Model[List[Doc], Floats2d],
    *,
    backbone: Optional[str],
    template: str,
    verbalizer: Dict[str, List[str]],
    exclusive_classes: bool,
    content_free: List[str],
    threshold: float,
    max_length: int,
    keep: str,
    script: str,
    scorer: Optional[Callable],
) -> "PromptTextCategorizer":
    """Classify docs by the masked LM's label words in a template.

    backbone (str): A Hugging Face *ForMaskedLM folder or hub name.
    template (str): With "{text}" and "[MASK]" once each.
    verbalizer (Dict[str, List[str]]): Label → its words.
    exclusive_classes (bool): One label per doc (softmax) or any number (sigmoid).
    content_free (List[str]): Texts whose scores calibrate the labels; [] for none.
    threshold (float): Cut-off for a positive label in multi-label scoring.
    max_length (int): Pieces per input; longer texts are cut (``keep``). Our
        backbone is pretrained on 128-piece sequences.
    keep (str): "first" or "last" part of a long text.
    script (str): Read Traditional as Simplified ("t2s", ``script.py``) or "".
    """
    return PromptTextCategorizer(
        nlp.vocab,
        model,
        name,
        backbone=backbone,
        template=template,
        verbalizer=verbalizer,
        exclusive_classes=exclusive_classes,
        content_free=content_free,
        threshold=threshold,
        max_length=max_length,
        keep=keep,
        script=script,
        scorer=scorer,
    )


class PromptTextCategorizer(TrainablePipe):
    """Sets ``doc.cats`` from a masked LM's scores of label words in a template."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model[List[Doc], Floats2d],
        name: str = "hanzi_prompt_textcat",
        *,
        backbone: Optional[str],
        template: str,
        verbalizer: Dict[str, List[str]],
        exclusive_classes: bool = True,
        content_free: Iterable[str] = ("", "N/A"),
        threshold: float = 0.5,
        max_length: int = 128,
        keep: str = "first",
        script: str = "t2s",
        scorer: Optional[Callable] = None,
    ):
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        if not exclusive_classes and not content_free:
            raise HanziError(Errors.E552.format(name=name))
        self.cfg = {
            "labels": list(verbalizer),
            "backbone": None if backbone is None else str(backbone),
            "template": template,
            "verbalizer": {k: list(v) for k, v in verbalizer.items()},
            "exclusive_classes": exclusive_classes,
            "multi_label": not exclusive_classes,
            "content_free": list(content_free),
            "threshold": threshold,
            "max_length": max_length,
            "keep": keep,
            "script": script,
        }
        self._prior: Optional[numpy.ndarray] = None

    @property
    def labels(self) -> tuple:
        return tuple(self.cfg["labels"])

    def initialize(
        self, get_examples: Callable[[], Iterable[Example]], *, nlp=None
    ) -> None:
        """Load the backbone (fresh from its folder) and check the examples'
        labels against the verbalizer."""
        validate_examples(get_examples(), "PromptTextCategorizer.initialize")
        gold = {label for eg in get_examples() for label in eg.reference.cats}
        unknown = sorted(gold - set(self.labels))
        if unknown:
            raise HanziError(
                Errors.E551.format(name=self.name, unknown=unknown, labels=self.labels)
            )
        self._load(self.cfg["backbone"])

    def predict(self, docs: Iterable[Doc]) -> Floats2d:
        """Each doc's label log-probabilities, before calibration."""
        self._require_model()
        return self.model.predict(list(docs))

    def set_annotations(self, docs: Iterable[Doc], scores: Floats2d) -> None:
        probs = self.probabilities(scores)
        for doc, row in zip(docs, probs):
            doc.cats.update({label: float(p) for label, p in zip(self.labels, row)})

    def probabilities(self, scores: Floats2d) -> numpy.ndarray:
        """Label probabilities from label log-probabilities (see the module)."""
        logits = self.model.ops.to_numpy(scores).astype("float32") - self.prior()
        if self.cfg["exclusive_classes"]:
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = numpy.exp(logits)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + numpy.exp(-logits))

    def prior(self) -> numpy.ndarray:
        """The labels' log-prior on content-free input (zeros without calibration)."""
        if self._prior is None:
            self._require_model()
            self._prior = self._content_free_prior()
        return self._prior

    def _content_free_prior(self) -> numpy.ndarray:
        texts = self.cfg["content_free"]
        if not texts:
            return numpy.zeros(len(self.labels), dtype="float32")
        docs = [Doc(self.vocab, words=[t]) if t else Doc(self.vocab) for t in texts]
        scores = self.model.ops.to_numpy(self.model.predict(docs)).astype("float64")
        if self.cfg["exclusive_classes"]:
            scores = scores - numpy.logaddexp.reduce(scores, axis=1, keepdims=True)
        mean = numpy.logaddexp.reduce(scores, axis=0) - numpy.log(len(texts))
        return mean.astype("float32")

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Learn from the examples with cats through the cloze (PET).

        drop (float): Unused: the backbone applies its own dropout in training.
        """
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        validate_examples(examples, "PromptTextCategorizer.update")
        examples = [eg for eg in examples if eg.reference.cats]
        if not examples:
            return losses
        self._require_model()
        self._prior = None
        self.prior()  # from the weights before this step, no gradient
        scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        self._prior = None
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores: Floats2d):
        """Cross-entropy of the predicted probabilities with the gold cats:
        over the labels (exclusive) or per label (multi-label)."""
        examples = list(examples)
        truth = numpy.zeros((len(examples), len(self.labels)), dtype="float32")
        for i, eg in enumerate(examples):
            for j, label in enumerate(self.labels):
                truth[i, j] = eg.reference.cats.get(label, 0.0)
        probs = self.probabilities(scores)
        eps = 1e-8
        if self.cfg["exclusive_classes"]:
            truth = truth / numpy.maximum(truth.sum(axis=1, keepdims=True), eps)
            loss = -(truth * numpy.log(probs + eps)).sum()
        else:
            loss = -(
                truth * numpy.log(probs + eps)
                + (1 - truth) * numpy.log(1 - probs + eps)
            ).sum()
        d_scores = (probs - truth) / len(examples)
        return float(loss / len(examples)), self.model.ops.asarray2f(d_scores)

    def add_label(self, label: str) -> int:
        raise NotImplementedError("labels come from the verbalizer")

    def _require_model(self) -> None:
        """Zero-shot: a component never initialised loads its backbone on first use."""
        if not is_loaded(self.model):
            self._load(self.cfg["backbone"])

    def _load(self, path: Optional[str], soft_prompts=None, tuned_state=None) -> None:
        if path is None:
            raise HanziError(Errors.E550.format(name=self.name))
        cfg = self.cfg
        load_cloze(
            self.model,
            path,
            cfg["template"],
            cfg["verbalizer"],
            max_length=cfg["max_length"],
            keep=cfg["keep"],
            script=cfg["script"],
            soft_prompts=soft_prompts,
            tuned_state=tuned_state,
        )
        self._prior = None

    def to_disk(self, path, *, exclude=tuple()) -> None:
        """Save the cfg, the whole masked LM and tokenizer, and soft prompts or
        peft layers (the backbone folder holds the plain model's weights, so it
        loads as any Hugging Face masked LM)."""
        self._require_model()
        path = util.ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", self.cfg)
        # "model", as spaCy's components have: here only the model's settings
        # (a thinc-shaped message without params); the weights are the
        # Hugging Face folder and the soft prompts next to it.
        settings = {
            k: self.model.attrs.get(k)
            for k in ("tune", "prompt_length", "peft", "decoding")
        }
        srsly.write_msgpack(path / "model", {"attrs": settings, "params": []})
        from safetensors.torch import save_file

        module = cloze_module(self.model)
        if self.model.attrs.get("peft"):
            from ..ml.transformer.tuning import split_state

            base, tuned = split_state(module.mlm)
            module.mlm.save_pretrained(path / BACKBONE_DIR, state_dict=base)
            tuned = {k: v.detach().contiguous() for k, v in tuned.items()}
            save_file(tuned, path / TUNED_LAYERS)
        else:
            module.mlm.save_pretrained(path / BACKBONE_DIR)
        self.model.attrs["prompt"].tokenizer.save_pretrained(path / BACKBONE_DIR)
        if module.soft is not None:
            save_file({"soft": module.soft.detach().contiguous()}, path / SOFT_PROMPTS)

    def from_disk(self, path, *, exclude=tuple()) -> "PromptTextCategorizer":
        from safetensors.torch import load_file

        path = util.ensure_path(path)
        self.cfg.update(srsly.read_json(path / "cfg"))
        soft = None
        if (path / SOFT_PROMPTS).exists():
            soft = load_file(path / SOFT_PROMPTS)["soft"]
        tuned = None
        if (path / TUNED_LAYERS).exists():
            tuned = load_file(path / TUNED_LAYERS)
        self._load(str(path / BACKBONE_DIR), soft_prompts=soft, tuned_state=tuned)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        """The files of to_disk, in one msgpack message."""
        with tempfile.TemporaryDirectory() as tmp:
            self.to_disk(tmp, exclude=exclude)
            files = {
                str(f.relative_to(tmp)): f.read_bytes()
                for f in sorted(Path(tmp).rglob("*"))
                if f.is_file()
            }
        return srsly.msgpack_dumps(files)

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()):
        files = srsly.msgpack_loads(bytes_data)
        tmp = tempfile.mkdtemp()
        try:
            for name, data in files.items():
                target = Path(tmp) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            self.from_disk(tmp, exclude=exclude)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return self
