"""Label scores from a masked language model's head: the cloze model.

For each doc, the log-probability of each label: the model reads the doc in the
template (``prompt.py``) and scores every label word at the masks.

How a word of n pieces is scored (``decoding``), always as the mean of its
pieces' log-probabilities, which puts words of different lengths on one scale
(the sum would favour short words):
- "parallel" (the default): n masks in one input, each piece read at its own
  mask (PET's training objective for multi-token verbalizers); one forward per
  distinct word length, the same for every doc.
- "sequential": PET's decoding. Of the word's pieces not yet placed, the one
  the model is most certain of is written into its mask and the model runs
  again, so every later piece is read knowing the earlier ones; n forwards per
  word of n pieces (one shared first forward per word length).

How a label with several words is scored: the log of the mean of its words'
probabilities (``logsumexp - log n``): a label is likely when any of its words
is, and a label with more words gains nothing from their number alone.

Training (``tune``): "all" fine-tunes every weight of the backbone through the
cloze (PET); "peft" trains only the layers a peft config (``peft``, e.g. LoRA
on the attention's query and value) injects, through the same cloze, while the
backbone and its masked-LM head stay frozen; "prompt" freezes the backbone and
learns only soft prompt vectors (P-tuning style): each piece of the template
becomes a trainable embedding, initialised to the piece's own embedding (so
before training the output is the hard template's), plus ``prompt_length``
extra vectors after ``[CLS]``, initialised to the mean of the backbone's input
embeddings.

Runs in float32 on the device of the weights (``PyTorchShim``); torch and
transformers are imported only when a backbone is loaded.
"""

import functools
from typing import Any, Callable, Dict, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d

from ...errors import Errors, HanziError
from ...runtime import one_torch_thread_in_forked_workers
from .prompt import ClozePrompt

TUNE = ("all", "prompt", "peft")
DECODING = ("parallel", "sequential")


@registry.architectures("hanzi-spacy.ClozeModel.v1")
def build_cloze_model(
    tune: str = "all",
    prompt_length: int = 0,
    peft: Optional[Dict[str, Any]] = None,
    decoding: str = "parallel",
) -> Model[List[Doc], Floats2d]:
    """Label log-probabilities of docs from a masked LM, read through a cloze.

    The backbone, template and verbalizer are given by the component
    (``load_cloze``), which loads them when it is initialised or read from disk.

    tune (str): "all" (every backbone weight trains) or "prompt" (only soft
        prompt vectors train; the backbone is frozen).
    prompt_length (int): Extra soft prompt vectors (with tune="prompt").
    peft (Optional[Dict[str, Any]]): A peft config with its ``peft_type`` (with
        tune="peft"), e.g. {"peft_type": "LORA", "r": 8, "lora_alpha": 16,
        "target_modules": ["query", "value"]}.
    decoding (str): How a label word of several pieces is read: "parallel" (all
        its masks in one forward) or "sequential" (PET: one piece at a time,
        the most certain first).
    RETURNS (Model[List[Doc], Floats2d]): Scores of shape (docs, labels).
    """
    if tune not in TUNE:
        raise HanziError(Errors.E546.format(tune=tune, options=", ".join(TUNE)))
    if decoding not in DECODING:
        raise HanziError(
            Errors.E555.format(decoding=decoding, options=", ".join(DECODING))
        )
    if prompt_length and tune != "prompt":
        raise HanziError(Errors.E547.format(prompt_length=prompt_length))
    if (tune == "peft") != bool(peft):
        raise HanziError(Errors.E553.format(tune=tune))
    if peft:
        from ..transformer.tuning import check_tuning

        peft = check_tuning(peft=peft)["peft"]
    return Model(
        "cloze",
        forward,
        attrs={
            "tune": tune,
            "prompt_length": prompt_length,
            "peft": peft,
            "decoding": decoding,
            "prompt": None,
        },
    )


def is_loaded(model: Model) -> bool:
    """Whether load_cloze has given the model a backbone."""
    return model.attrs.get("prompt") is not None and bool(model.shims)


def load_cloze(
    model: Model,
    path: str,
    template: str,
    verbalizer: Dict[str, List[str]],
    *,
    max_length: int,
    keep: str,
    script: str,
    soft_prompts: Optional[Any] = None,
    tuned_state: Optional[Dict[str, Any]] = None,
) -> None:
    """Load a Hugging Face masked LM folder (or hub name) into the model.

    path (str): A folder with config.json, the *ForMaskedLM weights and a fast
        tokenizer, or a hub name.
    soft_prompts (Optional[torch.Tensor]): Saved soft prompt vectors, which
        replace the initial ones (tune="prompt").
    tuned_state (Optional[Dict[str, torch.Tensor]]): Saved weights of the
        injected peft layers (tune="peft"), which replace the initial ones.
    """
    from thinc.api import PyTorchShim
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from ..transformer.attention import BackboneConfig

    one_torch_thread_in_forked_workers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), use_fast=True)
        mlm, loading = AutoModelForMaskedLM.from_pretrained(
            str(path),
            config=BackboneConfig.from_pretrained(str(path)),
            output_loading_info=True,
        )
    except (OSError, ValueError) as e:
        raise HanziError(Errors.E548.format(path=path, reason=e)) from e
    # Weights outside the encoder are the masked-LM head: newly initialised,
    # they would score the label words at random.
    encoder = mlm.base_model_prefix + "."
    head = [k for k in loading["missing_keys"] if not k.startswith(encoder)]
    if head:
        raise HanziError(Errors.E554.format(path=path, missing=", ".join(head[:3])))
    if model.attrs.get("peft"):
        from ..transformer.tuning import apply_tuning, load_tuned_state

        apply_tuning(mlm, {"peft": model.attrs["peft"]})
        if tuned_state is not None:
            load_tuned_state(mlm, tuned_state)
    prompt = ClozePrompt(
        tokenizer,
        template,
        verbalizer,
        max_length=max_length,
        keep=keep,
        script=script,
        prompt_length=model.attrs["prompt_length"],
    )
    module = ClozeModule(
        mlm,
        prompt,
        soft=model.attrs["tune"] == "prompt",
        sequential=model.attrs.get("decoding") == "sequential",
    )
    if soft_prompts is not None:
        if module.soft is None or module.soft.shape != soft_prompts.shape:
            raise HanziError(Errors.E549.format(path=path))
        module.soft.data.copy_(soft_prompts)
    model.attrs["prompt"] = prompt
    model.shims[:] = [PyTorchShim(module)]


def cloze_module(model: Model):
    """The torch module (ClozeModule) of a loaded cloze model."""
    return model.shims[0]._model


def forward(
    model: Model[List[Doc], Floats2d], docs: List[Doc], is_train: bool
) -> Tuple[Floats2d, Callable]:
    prompt: ClozePrompt = model.attrs["prompt"]
    if not docs:
        return model.ops.alloc2f(0, len(prompt.labels)), lambda d_scores: []
    texts = [doc.text for doc in docs]
    module = cloze_module(model)
    device = module.device()
    inputs = {
        n: {k: xp2torch(v, device=device) for k, v in prompt.encode(texts, n).items()}
        for n in prompt.lengths
    }
    scores_t, backprop_t = model.shims[0](
        ArgsKwargs(args=(inputs,), kwargs={}), is_train
    )
    scores = model.ops.asarray2f(torch2xp(scores_t.detach()))

    def backprop(d_scores: Floats2d) -> List[Doc]:
        grads = xp2torch(model.ops.asarray2f(d_scores), device=device)
        backprop_t(ArgsKwargs(args=(scores_t,), kwargs={"grad_tensors": grads}))
        return []

    return scores, backprop


@functools.lru_cache(maxsize=1)
def _torch_module():
    import torch

    class ClozeModule(torch.nn.Module):
        """A masked LM that returns label log-probabilities at the masks."""

        def __init__(self, mlm, prompt: ClozePrompt, soft: bool, sequential: bool):
            super().__init__()
            self.mlm = mlm
            self.sequential = sequential
            by_length: Dict[int, List[int]] = {n: [] for n in prompt.lengths}
            for w, pieces in enumerate(prompt.words):
                by_length[len(pieces)].append(w)
            # word order: by length, as the scores are concatenated in forward
            order = [w for n in prompt.lengths for w in by_length[n]]
            for n in prompt.lengths:
                ids = [prompt.words[w] for w in by_length[n]]
                self.register_buffer(f"words_{n}", torch.tensor(ids), persistent=False)
            # (labels, words): 0 where the word belongs to the label, -inf elsewhere
            member = torch.full((len(prompt.labels), len(order)), float("-inf"))
            for column, w in enumerate(order):
                member[prompt.word_labels[w], column] = 0.0
            self.register_buffer("member", member, persistent=False)
            counts = (member == 0).sum(1).float()
            self.register_buffer("log_counts", counts.log(), persistent=False)
            self.lengths = list(prompt.lengths)
            self.soft = None
            if soft:
                for param in self.mlm.parameters():
                    param.requires_grad_(False)
                table = self.mlm.get_input_embeddings().weight.detach()
                ids = torch.tensor(prompt.template_ids(), dtype=torch.long)
                extra = table.mean(0, keepdim=True).expand(prompt.prompt_length, -1)
                vectors = torch.cat([extra, table[ids]], dim=0).clone()
                self.soft = torch.nn.Parameter(vectors)

        def device(self):
            return next(self.mlm.parameters()).device

        def forward(self, inputs: Dict[int, Dict[str, Any]]):
            word_scores = [self._word_scores(n, inputs[n]) for n in self.lengths]
            scores = torch.cat(word_scores, dim=1)  # (docs, words)
            joint = scores[:, None, :] + self.member[None, :, :]
            return torch.logsumexp(joint, dim=-1) - self.log_counts

        def _word_scores(self, n: int, batch: Dict[str, Any]):
            """Mean log-probability of each n-piece word's pieces at the masks."""
            log_probs = self._mask_log_probs(batch["input_ids"], batch)
            words = getattr(self, f"words_{n}")  # (words, n)
            if not self.sequential or n == 1:
                rows = torch.arange(n, device=words.device)[None, :].expand_as(words)
                return log_probs[:, rows, words].mean(-1)
            return torch.stack(
                [self._sequential(log_probs, batch, word) for word in words], dim=1
            )

        def _sequential(self, log_probs, batch: Dict[str, Any], word):
            """One word's mean piece log-probability, read one piece at a time:
            the most certain of the pieces not yet placed is written into its
            mask before the model reads the rest (PET's decoding)."""
            n = word.shape[0]
            docs = torch.arange(log_probs.shape[0], device=word.device)
            pieces = torch.arange(n, device=word.device)
            current = log_probs[:, pieces, word]  # (docs, n)
            placed = torch.zeros_like(current, dtype=torch.bool)
            ids = batch["input_ids"]
            total = current.new_zeros(current.shape[0])
            for step in range(n):
                best = current.detach().masked_fill(placed, float("-inf")).argmax(-1)
                total = total + current[docs, best]
                if step == n - 1:
                    break
                placed = placed.clone()
                placed[docs, best] = True
                ids = ids.clone()
                ids[docs, batch["mask_positions"][docs, best]] = word[best]
                current = self._mask_log_probs(ids, batch)[:, pieces, word]
            return total / n

        def _mask_log_probs(self, input_ids, batch: Dict[str, Any]):
            """Log-probabilities over the vocabulary at the masks: (docs, n, vocab)."""
            embeds = self.mlm.get_input_embeddings()(input_ids)
            if self.soft is not None:
                index = batch["prompt_index"]
                soft = self.soft[index.clamp(min=0)]
                embeds = torch.where((index >= 0)[..., None], soft, embeds)
            logits = self._mask_logits(embeds, batch)
            return torch.log_softmax(logits.float(), dim=-1)

        def _mask_logits(self, embeds, batch):
            """The LM head's logits at the masks only: the head is the costly
            part with a large vocabulary, so it runs on the masks where the
            model exposes it (BERT's ``cls``, RoBERTa's ``lm_head``)."""
            positions = batch["mask_positions"]
            rows = torch.arange(positions.shape[0], device=positions.device)[:, None]
            head = getattr(self.mlm, "cls", None)
            if head is None:
                head = getattr(self.mlm, "lm_head", None)
            mask = batch["attention_mask"]
            if head is not None:
                base = self.mlm.base_model
                hidden = base(inputs_embeds=embeds, attention_mask=mask)[0]
                return head(hidden[rows, positions])
            logits = self.mlm(inputs_embeds=embeds, attention_mask=mask).logits
            return logits[rows, positions]

    return ClozeModule


def ClozeModule(mlm, prompt: ClozePrompt, soft: bool, sequential: bool = False):
    """The torch module for a masked LM and a prompt (the class is built on
    first use, so that importing this module does not import torch)."""
    return _torch_module()(mlm, prompt, soft, sequential)
