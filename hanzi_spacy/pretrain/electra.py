"""Replaced-token detection (ELECTRA, Clark et al. 2020) for the backbone.

A small generator, a masked-language model, fills the masked characters with
samples from its own predictions; the backbone (the discriminator) reads the
corrupted text and says, at every character, whether it was replaced. Every
character gives the backbone a loss, not only the ~15% that are masked, which is
why the objective is the known answer for small models on little compute.

Choices, following the paper where it fits a model this small:
- the generator shares the discriminator's embeddings (words, positions,
  token types) and its output layer is tied to the word embeddings, so it has
  the same width; it is smaller by depth (``generator_layers``) and by the
  width of its feed-forward layers (half);
- the replaced-token loss is weighted ``rtd_weight`` (50 in the paper) against
  the generator's MLM loss; replacements are sampled from the generator;
- in evaluation the model returns the generator's MLM loss, so the fixed
  held-out masking scores it (a perplexity of the generator, comparable between
  ELECTRA runs with the same generator, not with masked-LM backbones);
- the word-boundary loss (``boundary_weight``) works as in MLM pretraining, on
  the discriminator's unmasked characters.

The saved backbone is the discriminator alone, a plain ``BertModel`` folder:
spacy-transformers and the fine-tuning heads load it as they load an MLM
backbone, but it has no masked-LM head, so the prompt component
(``hanzi_prompt_textcat``) cannot use it.
"""

import copy
from typing import Optional

import torch
from transformers import BertConfig, BertModel
from transformers.modeling_outputs import MaskedLMOutput

from .backbone import MaskedOnlyBertForMaskedLM
from .masking import IGNORE_INDEX


class ElectraPretraining(torch.nn.Module):
    """A generator and a discriminator trained together.

    config (BertConfig): The discriminator's (the backbone's) configuration.
    generator_layers (int): Transformer layers of the generator.
    rtd_weight (float): Weight of the replaced-token loss.
    boundary_weight (float): Weight of the word-boundary loss; 0: none.
    """

    def __init__(
        self,
        config: BertConfig,
        generator_layers: int = 1,
        rtd_weight: float = 50.0,
        boundary_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.config = config
        self.discriminator = BertModel(config, add_pooling_layer=False)
        generator_config = copy.deepcopy(config)
        generator_config.num_hidden_layers = generator_layers
        generator_config.intermediate_size = max(1, config.intermediate_size // 2)
        self.generator = MaskedOnlyBertForMaskedLM(generator_config)
        self.generator.bert.embeddings = self.discriminator.embeddings
        self.generator.cls.predictions.decoder.weight = (
            self.discriminator.embeddings.word_embeddings.weight
        )
        hidden = config.hidden_size
        self.rtd_head = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden),
            torch.nn.GELU(),
            torch.nn.Linear(hidden, 1),
        )
        self.rtd_weight = rtd_weight
        self.boundary_weight = boundary_weight
        self.boundary_head = torch.nn.Linear(hidden, 2) if boundary_weight > 0 else None

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor,
        boundary_labels: Optional[torch.Tensor] = None,
    ) -> MaskedLMOutput:
        """The summed losses in training; the generator's MLM loss in evaluation,
        so that the held-out score is that of a masked-language model.

        input_ids (torch.Tensor): (batch, length) ids with the masked characters.
        attention_mask (torch.Tensor): (batch, length) 1 on real pieces.
        labels (torch.Tensor): (batch, length) original ids where masked, -100
            elsewhere.
        boundary_labels (Optional[torch.Tensor]): As MaskedOnlyBertForMaskedLM.
        RETURNS (MaskedLMOutput): loss, and the generator's logits at the masked
            positions.
        """
        generated = self.generator(
            input_ids, attention_mask=attention_mask, labels=labels
        )
        if not self.training:
            return generated
        selected = labels != IGNORE_INDEX
        with torch.no_grad():
            probs = torch.softmax(generated.logits.float(), dim=-1)
            sampled = torch.multinomial(probs, 1).squeeze(-1)
        original = torch.where(selected, labels, input_ids)
        corrupted = original.clone()
        corrupted[selected] = sampled
        hidden = self.discriminator(
            corrupted, attention_mask=attention_mask
        ).last_hidden_state
        real = attention_mask.bool()
        scores = self.rtd_head(hidden[real]).squeeze(-1).float()
        replaced = (corrupted != original)[real].float()
        rtd = torch.nn.functional.binary_cross_entropy_with_logits(scores, replaced)
        loss = generated.loss + self.rtd_weight * rtd
        if self.boundary_head is not None and boundary_labels is not None:
            where = boundary_labels != IGNORE_INDEX
            if where.any():
                boundary = torch.nn.functional.cross_entropy(
                    self.boundary_head(hidden[where]).float(), boundary_labels[where]
                )
                loss = loss + self.boundary_weight * boundary
        return MaskedLMOutput(loss=loss, logits=generated.logits)
