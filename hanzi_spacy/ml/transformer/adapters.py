"""Bottleneck adapters (Houlsby et al. 2019, Pfeiffer et al. 2020) for a
Hugging Face encoder.

No adapter library works with the transformers version spacy-transformers 1.4
allows, so this is a small one. An adapter is a residual bottleneck, down
projection, non-linearity, up projection, added to the output of a linear
layer of the backbone:

    y = base(x);  y + up(act(down(y)))

The up projection starts at zero, so an injected model computes exactly what
the base model did until the adapter is trained.

Where they go: "pfeiffer" puts one after each layer's feed-forward output
projection (BERT's ``output.dense``), "houlsby" also after the attention output
projection (``attention.output.dense``), both before the residual LayerNorm.
Other architectures name their modules otherwise: ``target_modules`` (regular
expressions on module names) overrides the placement.
"""

import re
from typing import Dict, List, Optional

import torch
from torch import nn

from ...errors import Errors, HanziError

PLACEMENTS: Dict[str, List[str]] = {
    "pfeiffer": [r"(^|\.)layer\.\d+\.output\.dense$"],
    "houlsby": [
        r"(^|\.)layer\.\d+\.output\.dense$",
        r"(^|\.)layer\.\d+\.attention\.output\.dense$",
    ],
}
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


class BottleneckAdapter(nn.Module):
    """``x + up(act(down(x)))``, with ``up`` initialised to zero."""

    def __init__(self, width: int, size: int, non_linearity: str = "relu"):
        super().__init__()
        self.down = nn.Linear(width, size)
        self.act = ACTIVATIONS[non_linearity]()
        self.up = nn.Linear(size, width)
        nn.init.normal_(self.down.weight, std=0.02)
        nn.init.zeros_(self.down.bias)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden + self.up(self.act(self.down(hidden)))


class AdapterLinear(nn.Module):
    """A linear layer of the backbone (``base_layer``) followed by an adapter.

    The base layer keeps its name inside this module, as peft's layers do, so
    the state of the base weights and of the adapter can be told apart.
    """

    def __init__(self, base_layer: nn.Linear, size: int, non_linearity: str):
        super().__init__()
        self.base_layer = base_layer
        self.adapter = BottleneckAdapter(base_layer.out_features, size, non_linearity)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.adapter(self.base_layer(hidden))


def inject_adapters(
    model: nn.Module,
    *,
    size: int = 64,
    placement: str = "pfeiffer",
    non_linearity: str = "relu",
    target_modules: Optional[List[str]] = None,
) -> List[str]:
    """Wrap the targeted linear layers of ``model`` in AdapterLinear, in place.

    size (int): The bottleneck width.
    placement (str): "pfeiffer" or "houlsby" (see the module docstring).
    non_linearity (str): "relu", "gelu" or "tanh".
    target_modules (Optional[List[str]]): Regular expressions matched against
        module names; overrides the placement.
    RETURNS (List[str]): The names of the wrapped modules.
    """
    if placement not in PLACEMENTS:
        raise HanziError(
            Errors.E563.format(placement=placement, options=list(PLACEMENTS))
        )
    if non_linearity not in ACTIVATIONS:
        raise HanziError(
            Errors.E563.format(placement=non_linearity, options=list(ACTIVATIONS))
        )
    if size < 1:
        raise HanziError(Errors.E564.format(size=size))
    patterns = [re.compile(p) for p in (target_modules or PLACEMENTS[placement])]
    names = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and any(p.search(name) for p in patterns)
    ]
    if not names:
        raise HanziError(
            Errors.E565.format(
                patterns=[p.pattern for p in patterns], model=type(model).__name__
            )
        )
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        linear = getattr(parent, child)
        setattr(parent, child, AdapterLinear(linear, size, non_linearity))
    return names
