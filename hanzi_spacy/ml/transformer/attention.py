"""Which attention a loaded backbone runs: eager where SDPA would fall back to it.

transformers builds a BERT with SDPA attention unless asked for another. SDPA
cannot add relative position scores, so a backbone with relative positions (our
presets') runs the eager attention anyway, and says so in a warning on its first
pass. Such a backbone is therefore loaded asking for eager attention: the same
computation, nothing printed. A backbone with absolute positions keeps the
attention transformers chooses for it.
"""

from pathlib import Path
from typing import Any, Dict, Optional, Union

from transformers import AutoConfig, PretrainedConfig


def attention_implementation(config: PretrainedConfig) -> Optional[str]:
    """The attention to ask for: "eager" for relative positions, else None.

    config (PretrainedConfig): The backbone's configuration.
    RETURNS (Optional[str]): A value of ``attn_implementation``, or None to leave
        the choice to transformers.
    """
    positions = getattr(config, "position_embedding_type", "absolute")
    return "eager" if positions not in (None, "absolute") else None


def attention_options(config: PretrainedConfig) -> Dict[str, str]:
    """``{"attn_implementation": ...}`` for ``from_pretrained``, or nothing."""
    implementation = attention_implementation(config)
    return {"attn_implementation": implementation} if implementation else {}


class BackboneConfig:
    """``AutoConfig`` whose configs ask for the attention that will run.

    spacy-transformers takes the config class as an argument (``config_cls`` of
    ``huggingface_from_pretrained`` and ``HFShim``) and builds the model from
    the config it returns, so the model gets the attention asked for here.
    """

    @staticmethod
    def from_pretrained(
        name_or_path: Union[str, Path], **kwargs: Any
    ) -> PretrainedConfig:
        config = AutoConfig.from_pretrained(name_or_path, **kwargs)
        options = attention_options(config)
        if not options:
            return config
        return AutoConfig.from_pretrained(name_or_path, **kwargs, **options)
