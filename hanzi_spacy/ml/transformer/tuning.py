"""Which weights of the backbone train: all, none, the upper layers, a peft
method (LoRA, ...) or bottleneck adapters.

The options, as arguments of ``hanzi-spacy.TransformerModel.v1``:

frozen_layers (Optional[int]): None trains every weight. 0 freezes the
    embeddings, N > 0 the embeddings and the N lowest layers; N at least the
    number of layers freezes the whole backbone, and its forward pass in
    training then runs without gradients (only the heads train).
peft (Optional[dict]): A peft config as a dict with its ``peft_type``
    (``{"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules":
    ["query", "value"]}``), injected into the backbone with peft's
    ``inject_adapter_in_model``: every method that wraps layers (LoRA, IA3,
    LoHa, LoKr, ...), not the prompt-learning ones. The base weights freeze,
    but for the biases that LoRA's ``bias`` option ("all", "lora_only")
    trains: those are kept with the injected layers' weights.
adapters (Optional[dict]): Bottleneck adapters (``adapters.py``): ``size``,
    ``placement``, ``non_linearity``, ``target_modules``. The base weights freeze.

A tuned model's state is kept in two parts: the base weights under the names a
plain model has (so spacy-transformers' loader reads them strictly), and the
weights of the injected layers with the spec that re-injects them
(``tuned_shim.py``).
"""

import io
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

from ...errors import Errors, HanziError
from .adapters import AdapterLinear, inject_adapters

Spec = Dict[str, object]
# The model attribute naming the base weights that train with the injected
# layers (``apply_tuning``): saved and loaded with them.
TRAINED_BASE = "hanzi_trained_base"
ADAPTER_KEYS = {"size", "placement", "non_linearity", "target_modules"}


def check_tuning(
    frozen_layers: Optional[int] = None,
    peft: Optional[dict] = None,
    adapters: Optional[dict] = None,
) -> Spec:
    """The tuning options as one spec, or a clear error for what cannot work."""
    peft = dict(peft) if peft else None
    adapters = dict(adapters) if adapters else None
    if peft and adapters:
        raise HanziError(Errors.E560)
    if (peft or adapters) and frozen_layers is not None:
        raise HanziError(Errors.E561.format(frozen_layers=frozen_layers))
    if frozen_layers is not None and frozen_layers < 0:
        raise HanziError(Errors.E562.format(frozen_layers=frozen_layers))
    if peft:
        peft_config(peft)  # fails early on a bad config
    if adapters and set(adapters) - ADAPTER_KEYS:
        raise HanziError(
            Errors.E568.format(
                keys=sorted(set(adapters) - ADAPTER_KEYS), allowed=sorted(ADAPTER_KEYS)
            )
        )
    return {"frozen_layers": frozen_layers, "peft": peft, "adapters": adapters}


def is_plain(spec: Spec) -> bool:
    return (
        spec.get("frozen_layers") is None
        and not spec.get("peft")
        and not spec.get("adapters")
    )


def peft_config(options: dict):
    """peft's config object for a dict with a ``peft_type``."""
    from peft import get_peft_config  # optional at import time: loads torch

    if "peft_type" not in options:
        raise HanziError(Errors.E566.format(options=options))
    try:
        config = get_peft_config(dict(options))
    except (KeyError, TypeError, ValueError) as e:
        raise HanziError(Errors.E566.format(options=options)) from e
    if config.is_prompt_learning:
        raise HanziError(Errors.E567.format(peft_type=options["peft_type"]))
    return config


def apply_tuning(model: nn.Module, spec: Spec) -> None:
    """Inject the layers ``spec`` asks for and set which weights train, in place."""
    if spec.get("peft"):
        from peft import inject_adapter_in_model

        inject_adapter_in_model(peft_config(spec["peft"]), model)
    elif spec.get("adapters"):
        inject_adapters(model, **spec["adapters"])
    if spec.get("peft") or spec.get("adapters"):
        # What peft trains beside its own layers (LoRA's bias option).
        trained = trained_base_names(model) if spec.get("peft") else []
        setattr(model, TRAINED_BASE, sorted(trained))
        tuned = set(split_state(model)[1])
        for name, param in model.named_parameters():
            param.requires_grad_(name in tuned)
    elif spec.get("frozen_layers") is not None:
        freeze_lower(model, int(spec["frozen_layers"]))


def freeze_lower(model: nn.Module, n_layers: int) -> None:
    """Freeze the embeddings and the ``n_layers`` lowest layers (all if more)."""
    layers = encoder_layers(model)
    if n_layers >= len(layers):
        for param in model.parameters():
            param.requires_grad_(False)
        return
    embeddings = getattr(model, "embeddings", None)
    if embeddings is None:
        embeddings = model.get_input_embeddings()
    for module in [embeddings, *layers[:n_layers]]:
        for param in module.parameters():
            param.requires_grad_(False)


def encoder_layers(model: nn.Module) -> nn.ModuleList:
    """The backbone's stack of layers: the ModuleList as long as the config says."""
    n_layers = getattr(model.config, "num_hidden_layers", None)
    for _, module in model.named_modules():
        if isinstance(module, nn.ModuleList) and len(module) == n_layers:
            return module
    raise HanziError(Errors.E569.format(model=type(model).__name__, n=n_layers))


def trained_base_names(model: nn.Module) -> List[str]:
    """The base weights that train beside the injected layers' own."""
    owners = tuned_layer_names(model)
    return [
        name
        for name, param in model.named_parameters()
        if param.requires_grad
        and not any(
            name.startswith(o + ".") and not name.startswith(o + ".base_layer.")
            for o in owners
        )
    ]


def trains_nothing(model: nn.Module) -> bool:
    return not any(param.requires_grad for param in model.parameters())


def tuned_layer_names(model: nn.Module) -> List[str]:
    from peft.tuners.tuners_utils import BaseTunerLayer

    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, (BaseTunerLayer, AdapterLinear))
    ]


def split_state(
    model: nn.Module,
) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
    """The base weights under a plain model's names, and the tuned ones: the
    injected weights and the base weights that train beside them (these are
    in both)."""
    owners = tuned_layer_names(model)
    trained_base = set(getattr(model, TRAINED_BASE, ()))
    base: Dict[str, torch.Tensor] = {}
    tuned: Dict[str, torch.Tensor] = {}
    for key, value in model.state_dict().items():
        owner = next((o for o in owners if key.startswith(o + ".")), None)
        if owner is None:
            base[key] = value
        elif key.startswith(owner + ".base_layer."):
            base[owner + key[len(owner) + len(".base_layer") :]] = value
        else:
            tuned[key] = value
        if key in trained_base:
            tuned[key] = value
    return base, tuned


def load_tuned_state(model: nn.Module, state: Dict[str, torch.Tensor]) -> None:
    """Load the injected layers' weights; every one must be there, no other.
    The trained base weights may be missing (a pipeline saved before they were
    kept here): the base state has them too."""
    expected = set(split_state(model)[1])
    missing = expected - set(state) - set(getattr(model, TRAINED_BASE, ()))
    unexpected = set(state) - expected
    if missing or unexpected:
        raise HanziError(
            Errors.E570.format(
                missing=sorted(missing)[:5], unexpected=sorted(unexpected)[:5]
            )
        )
    model.load_state_dict(state, strict=False)


def merge_peft(model: nn.Module) -> int:
    """Fold peft layers into their base weights and remove them, in place.

    The merged model computes the same function (up to float rounding) at the
    cost of a plain one. Adapters are not linear and cannot be merged.
    RETURNS (int): The number of layers merged.
    """
    from peft.tuners.tuners_utils import BaseTunerLayer

    if any(isinstance(m, AdapterLinear) for m in model.modules()):
        raise HanziError(Errors.E571)
    names = [n for n, m in model.named_modules() if isinstance(m, BaseTunerLayer)]
    for name in names:
        layer = model.get_submodule(name)
        layer.merge()
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, layer.get_base_layer())
    if hasattr(model, TRAINED_BASE):
        delattr(model, TRAINED_BASE)
    for param in model.parameters():
        param.requires_grad_(True)
    return len(names)


def tensors_to_bytes(tensors: Dict[str, torch.Tensor]) -> bytes:
    filelike = io.BytesIO()
    torch.save(tensors, filelike)
    return filelike.getvalue()


def tensors_from_bytes(data: bytes, device) -> Dict[str, torch.Tensor]:
    return torch.load(io.BytesIO(data), map_location=device)
