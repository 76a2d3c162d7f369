"""The backbone model: a BERT masked-language model over the character vocabulary.

The saved folder is a standard Hugging Face one (config.json, model.safetensors,
tokenizer files). It holds ``BertForMaskedLM``; ``AutoModel.from_pretrained``
loads its ``BertModel`` part, which is what spacy-transformers uses (the MLM head
is dropped and a pooler, unused by spacy-transformers, is initialised).
"""

from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Union

import torch
from transformers import (
    AutoModelForMaskedLM,
    BertConfig,
    BertForMaskedLM,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    set_seed,
)
from transformers.modeling_outputs import MaskedLMOutput

from ..errors import Errors, HanziError
from ..ml.transformer.attention import BackboneConfig, attention_options
from .preset import load_preset
from .vocab import build_tokenizer


class MaskedOnlyBertForMaskedLM(BertForMaskedLM):
    """BertForMaskedLM that runs its output layer only where labels are set.

    The output layer scores every vocabulary entry: for the tiny preset, doing
    that at all positions costs more than the encoder itself (docs/decisions.md),
    though only the ~15% masked positions have a loss. The weights and the loss
    are those of BertForMaskedLM; the logits returned with labels are (number of
    labelled positions, vocab_size). Saved folders name BertForMaskedLM (see
    train.py), so nothing depends on this class.

    With ``add_boundary_head``, a second loss asks a linear layer on the last
    hidden states whether each unmasked character begins a word (the collator's
    ``boundary_labels``); the head is dropped when the backbone is saved
    (``backbone_state_dict``).
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.boundary_head: Optional[torch.nn.Linear] = None
        self.boundary_weight = 0.0

    def add_boundary_head(self, weight: float) -> None:
        """Train a word-boundary classifier beside the MLM, its loss times weight."""
        self.boundary_head = torch.nn.Linear(self.config.hidden_size, 2)
        self.boundary_weight = weight

    def backbone_state_dict(self) -> Dict[str, torch.Tensor]:
        """The weights of BertForMaskedLM, without the boundary head."""
        return {
            key: value
            for key, value in self.state_dict().items()
            if not key.startswith("boundary_head.")
        }

    def forward(
        self,
        input_ids: Optional[torch.Tensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        token_type_ids: Optional[torch.Tensor] = None,
        labels: Optional[torch.Tensor] = None,
        boundary_labels: Optional[torch.Tensor] = None,
    ) -> MaskedLMOutput:
        if labels is None:
            return super().forward(
                input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
        hidden = self.bert(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        selected = labels != -100
        logits = self.cls(hidden[selected])
        loss = torch.nn.functional.cross_entropy(logits.float(), labels[selected])
        if self.boundary_head is not None and boundary_labels is not None:
            where = boundary_labels != -100
            if where.any():
                scores = self.boundary_head(hidden[where]).float()
                boundary = torch.nn.functional.cross_entropy(
                    scores, boundary_labels[where]
                )
                loss = loss + self.boundary_weight * boundary
        return MaskedLMOutput(loss=loss, logits=logits)


def build_model(
    model_config: Dict[str, Any],
    tokenizer: PreTrainedTokenizerFast,
    masked_only: bool = False,
) -> BertForMaskedLM:
    """Create a randomly initialised masked-language model.

    model_config (Dict[str, Any]): BertConfig arguments (a preset's "model").
    tokenizer (PreTrainedTokenizerFast): Gives vocab_size and the [PAD] id.
    masked_only (bool): Return a MaskedOnlyBertForMaskedLM, for training.
    RETURNS (BertForMaskedLM): The model; seed torch first for the same weights.
    """
    cls = MaskedOnlyBertForMaskedLM if masked_only else BertForMaskedLM
    return cls(bert_config(model_config, tokenizer))


def bert_config(
    model_config: Dict[str, Any], tokenizer: PreTrainedTokenizerFast
) -> BertConfig:
    """The BertConfig of a preset's "model" section for a tokenizer's vocabulary,
    asking for the attention that runs (``ml/transformer/attention.py``)."""
    options = attention_options(BertConfig(**model_config))
    return BertConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        **model_config,
        **options,
    )


def load_masked_lm(name_or_path: Union[str, Path]) -> PreTrainedModel:
    """A pretrained masked language model to continue pretraining.

    A BERT loads as MaskedOnlyBertForMaskedLM (same weights, cheaper training);
    any other architecture through AutoModelForMaskedLM. A folder that holds
    only the encoder gets a new, randomly initialised output layer.

    name_or_path (Union[str, Path]): A Hugging Face folder or hub name.
    RETURNS (PreTrainedModel): The model.
    """
    try:
        config = BackboneConfig.from_pretrained(str(name_or_path))
        if config.model_type == "bert":
            return MaskedOnlyBertForMaskedLM.from_pretrained(
                str(name_or_path), config=config
            )
        return AutoModelForMaskedLM.from_pretrained(str(name_or_path), config=config)
    except (OSError, ValueError) as e:
        raise HanziError(Errors.E210.format(path=name_or_path, reason=e)) from e


def save_random_backbone(
    texts: Iterable[str],
    output_dir: Union[str, Path],
    preset: Union[str, Path] = "tiny",
    seed: int = 0,
    **overrides: Any,
) -> Path:
    """Save an untrained backbone with a character vocabulary learnt from texts.

    For tests and quick experiments: the folder loads like a pretrained one
    (AutoModel, AutoTokenizer, spacy-transformers ``name = path``).

    texts (Iterable[str]): Text the vocabulary is built from.
    output_dir (Union[str, Path]): The folder to write; created if needed.
    preset (Union[str, Path]): A preset name or JSON path.
    seed (int): Seed of the random weights.
    **overrides: Preset settings, e.g. ``hidden_size=32, min_count=1``.
    RETURNS (Path): The output folder.
    """
    settings = load_preset(preset, overrides)
    model_config = settings["model"]
    tokenizer = build_tokenizer(
        texts,
        min_count=settings["training"]["min_count"],
        model_max_length=model_config.get("max_position_embeddings", 512),
    )
    set_seed(seed)
    model = build_model(model_config, tokenizer)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir, safe_serialization=True)
    tokenizer.save_pretrained(output_dir)
    return output_dir
