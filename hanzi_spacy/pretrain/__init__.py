"""Pretraining of the character-level backbone (``python -m hanzi_spacy pretrain``).

Modules: ``preset`` (model sizes and hyperparameters), ``vocab`` (character
vocabulary and fast tokenizer), ``data`` (held-out split, jieba words, chunks),
``masking`` (word, span or character masking), ``backbone`` (the model, and a random
backbone for tests), ``train`` (the Trainer run), ``cli``.

Importing this package is cheap: torch and transformers load on first use of
the names below.
"""

import importlib
from typing import Any

_EXPORTS = {
    "build_tokenizer": ".vocab",
    "save_random_backbone": ".backbone",
    "build_model": ".backbone",
    "pretrain": ".train",
    "load_preset": ".preset",
    "available_presets": ".preset",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
