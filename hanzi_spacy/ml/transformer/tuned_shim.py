"""spacy-transformers' HFShim that keeps a tuned backbone's injected layers.

spacy-transformers rebuilds a plain model when it loads a pipeline and falls
back to ``load_state_dict(strict=False)`` when the saved names do not match: the
weights of LoRA or adapter layers would be dropped without a word, and with them
the base weights that peft renamed. This shim saves the base weights under the
plain model's names (their loader reads them strictly) and, beside them, the
tuning spec and the injected weights, which it re-injects and loads after the
plain model is built. Every spec it was given is its own until a saved one
replaces it: the saved state is what a pipeline is.
"""

from typing import Any, Callable, Dict

import srsly
from spacy_transformers.data_classes import HFObjects
from spacy_transformers.layers.hf_shim import HFShim
from thinc.api import Model, get_torch_default_device
from thinc.layers.pytorchwrapper import forward as pytorch_forward

from .attention import BackboneConfig
from .tuning import (
    Spec,
    apply_tuning,
    is_plain,
    load_tuned_state,
    merge_peft,
    split_state,
    tensors_from_bytes,
    tensors_to_bytes,
)


class TunedHFShim(HFShim):
    """HFShim whose model is tuned as ``spec`` says (``tuning.py``)."""

    def __init__(self, hf_model: HFObjects, spec: Spec, **kwargs: Any):
        # A saved backbone is rebuilt from its config: with the attention
        # that runs (attention.py).
        kwargs.setdefault("config_cls", BackboneConfig)
        super().__init__(hf_model, **kwargs)
        self.spec = spec
        self.tuned = False

    def tune(self) -> None:
        """Inject the spec's layers into the loaded backbone, once."""
        if self._model is not None and not self.tuned:
            apply_tuning(self._model, self.spec)
            self.tuned = True

    def merge(self) -> int:
        """Fold peft layers into the base weights (``tuning.merge_peft``)."""
        merged = merge_peft(self._model)
        self.spec = {"frozen_layers": None, "peft": None, "adapters": None}
        return merged

    def to_bytes(self) -> bytes:
        data = super().to_bytes()
        if not self.tuned or is_plain(self.spec):
            return data
        msg = srsly.msgpack_loads(data)
        base, tuned = split_state(self._model)
        msg["state"] = tensors_to_bytes(base)
        msg["tuning"] = {"spec": self.spec, "state": tensors_to_bytes(tuned)}
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes) -> "TunedHFShim":
        msg = srsly.msgpack_loads(bytes_data)
        tuning: Dict[str, Any] = msg.pop("tuning", None) or {}
        super().from_bytes(srsly.msgpack_dumps(msg))
        self.spec = tuning.get("spec") or {
            "frozen_layers": None,
            "peft": None,
            "adapters": None,
        }
        self.tuned = False
        if self._model is not None:
            self.tune()
            if tuning.get("state"):
                state = tensors_from_bytes(tuning["state"], get_torch_default_device())
                load_tuned_state(self._model, state)
        return self


def tuned_hf_wrapper(
    hf_model: HFObjects,
    spec: Spec,
    *,
    mixed_precision: bool,
    grad_scaler_config: dict,
    convert_inputs: Callable,
    convert_outputs: Callable,
) -> Model:
    """spacy-transformers' HFWrapper (the same forward and conversions) on a
    TunedHFShim.

    convert_inputs, convert_outputs (Callable): The conversions of the wrapper
        that spacy-transformers' TransformerModel builds (its ``attrs``).
    """
    return Model(
        "hf-pytorch",
        pytorch_forward,
        attrs={"convert_inputs": convert_inputs, "convert_outputs": convert_outputs},
        shims=[
            TunedHFShim(
                hf_model,
                spec,
                mixed_precision=mixed_precision,
                grad_scaler_config=grad_scaler_config,
            )
        ],
        dims={"nI": None, "nO": None},
    )
