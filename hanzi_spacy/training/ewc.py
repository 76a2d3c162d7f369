"""``hanzi-spacy.ewc_penalty.v1``: elastic weight consolidation on the backbone.

EWC (Kirkpatrick et al. 2017) keeps the weights that mattered for the old
tasks near their old values: the loss gets ``strength/2 * sum_i F_i (w_i -
w*_i)^2``, with ``w*`` the original weights and ``F`` the diagonal of the Fisher
information, estimated as the mean squared gradient of the old tasks' loss.

It runs inside spaCy's own loop, as ``[training.before_update]``. At its first
call (step 0, before any update) it estimates ``F`` on a sample of the old
gold docs through ``nlp.update`` (every component's loss, through the
listeners, as training computes it), then registers a hook on each trainable
backbone weight that adds ``strength * F_i/mean(F) * (w_i - w*_i)`` to its
gradient, so each later backward pass of the transformer carries the penalty.
``F`` is divided by its mean so that ``strength`` does not depend on the size
of the losses: a weight of average importance that has moved by d gets a pull
of strength * d. The estimate uses the gradient of a batch of docs (``batch_size``
docs each), not of each doc: one backward pass per batch instead of one per doc.
"""

import random
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

from spacy.language import Language
from spacy.training import Example
from spacy.util import minibatch, registry

from ..corpus.docbin import read_docs
from ..errors import Errors, HanziError


@registry.callbacks("hanzi-spacy.ewc_penalty.v1")
def create_ewc_penalty(
    fisher_path: Union[str, Path],
    strength: float = 100.0,
    n_docs: int = 128,
    batch_size: int = 8,
    transformer: str = "transformer",
    seed: int = 0,
) -> Callable[[Language, Dict[str, Any]], None]:
    """A before_update callback that adds the EWC penalty to the backbone's gradients.

    fisher_path (Union[str, Path]): Old gold docs (.spacy) to estimate F on.
    strength (float): The pull towards the old weights (module docstring).
    n_docs (int): How many docs of fisher_path, drawn at random with seed.
    batch_size (int): Docs per backward pass of the estimate.
    transformer (str): The name of the transformer component.
    RETURNS (Callable[[Language, Dict[str, Any]], None]): The callback.
    """
    for name, value, least in (("n_docs", n_docs, 1), ("batch_size", batch_size, 1)):
        if value < least:
            raise HanziError(
                Errors.E523.format(name=name, expected=f">= {least}", value=value)
            )
    if strength < 0:
        raise HanziError(
            Errors.E523.format(name="strength", expected=">= 0", value=strength)
        )
    return EWCPenalty(fisher_path, strength, n_docs, batch_size, transformer, seed)


class EWCPenalty:
    """Estimates F once, then keeps the gradient hooks on the backbone's weights."""

    def __init__(
        self,
        fisher_path: Union[str, Path],
        strength: float,
        n_docs: int,
        batch_size: int,
        transformer: str,
        seed: int,
    ) -> None:
        self.fisher_path = Path(fisher_path)
        self.strength, self.n_docs, self.batch_size = strength, n_docs, batch_size
        self.transformer, self.seed = transformer, seed
        self.fisher: Optional[Dict[str, Any]] = None
        self.anchor: Dict[str, Any] = {}
        self.handles: List[Any] = []

    def __call__(self, nlp: Language, info: Dict[str, Any]) -> None:
        if self.fisher is not None:
            return
        params = backbone_parameters(nlp, self.transformer)
        examples = self.sample(nlp)
        self.fisher = estimate_fisher(nlp, examples, params, self.batch_size)
        self.install(params)

    def sample(self, nlp: Language) -> List[Example]:
        """n_docs docs of fisher_path at random, as examples."""
        docs = list(read_docs(self.fisher_path, nlp.vocab))
        if not docs:
            raise HanziError(
                Errors.E524.format(path=self.fisher_path, what="estimate EWC on")
            )
        random.Random(self.seed).shuffle(docs)
        return [Example(nlp.make_doc(doc.text), doc) for doc in docs[: self.n_docs]]

    def install(self, params: Dict[str, Any]) -> None:
        """Hook each weight: its gradient gets strength * F/mean(F) * (w - w*)."""
        import torch

        total = sum(float(f.sum()) for f in self.fisher.values())
        count = sum(f.numel() for f in self.fisher.values())
        mean = total / count if count and total > 0 else 1.0
        for name, param in params.items():
            self.anchor[name] = param.detach().clone()
            weight = (self.strength / mean) * self.fisher[name]

            def hook(grad, param=param, weight=weight, anchor=self.anchor[name]):
                with torch.no_grad():
                    return grad + weight * (param - anchor)

            self.handles.append(param.register_hook(hook))

    def remove(self) -> None:
        """Remove the hooks: later updates are not penalized."""
        for handle in self.handles:
            handle.remove()
        self.handles = []


def backbone_parameters(nlp: Language, name: str) -> Dict[str, Any]:
    """The trainable torch weights of the transformer component name, by name."""
    model = nlp.get_pipe(name).model if name in nlp.pipe_names else None
    if model is None or not hasattr(model, "transformer"):
        raise HanziError(Errors.E525.format(name=name, pipe_names=nlp.pipe_names))
    return {n: p for n, p in model.transformer.named_parameters() if p.requires_grad}


def estimate_fisher(
    nlp: Language,
    examples: List[Example],
    params: Dict[str, Any],
    batch_size: int,
) -> Dict[str, Any]:
    """The mean squared gradient of each weight over batches of examples.

    The pipeline's weights are left as they were: the gradients of every other
    layer are discarded.
    """
    import torch

    fisher = {name: torch.zeros_like(p) for name, p in params.items()}
    n_batches = 0
    for batch in minibatch(examples, size=batch_size):
        for p in params.values():
            p.grad = None
        nlp.update(batch, drop=0.0, sgd=False, losses={})
        for name, p in params.items():
            if p.grad is not None:
                fisher[name] += p.grad.detach() ** 2
        n_batches += 1
    discard_gradients(nlp)
    return {name: f / max(n_batches, 1) for name, f in fisher.items()}


def discard_gradients(nlp: Language) -> None:
    """Zero every gradient that nlp.update(sgd=False) left, changing no weight."""
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if hasattr(model, "finish_update"):
            model.finish_update(_keep_weights)


def _keep_weights(key, param, grad):
    grad.fill(0)
    return param, grad
