"""Presets: the size of the backbone and its training hyperparameters.

A preset is a JSON file with two sections. ``model`` holds ``BertConfig``
arguments (``vocab_size`` comes from the vocabulary, never from the preset);
``training`` holds the keys in ``TRAINING_KEYS``. The shipped presets live in
``presets/`` next to this module (``tiny``, ``small``, ``base``). A user file
may start from one of them with ``"extends": "tiny"`` and override only what
it changes.
"""

import copy
import functools
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ..errors import Errors, HanziError

PRESET_DIR = Path(__file__).parent / "presets"

TRAINING_KEYS = (
    "learning_rate",
    "batch_size",  # per device: under torchrun the global batch is N times this
    "max_length",  # sequence length in wordpieces (characters), with [CLS] [SEP]
    "warmup_ratio",
    "weight_decay",
    "epochs",
    "max_steps",  # > 0 overrides epochs
    "eval_steps",
    "save_steps",
    "logging_steps",
    "mask_probability",
    "min_count",  # a character needs this many occurrences to get its own id
    "group_by_length",  # batch lines of similar length: less padding
    "pack",  # fill each sequence with consecutive lines: no padding
    "masking",  # what is masked at once: "word" (jieba), "span" or "char"
    "span_length",  # mean span length when masking spans
    "lr_scheduler",  # "linear" or "cosine" decay after the warm-up
    "bf16",  # bfloat16 autocast: "auto" (where the CPU or GPU has it), true, false
    "boundary_weight",  # weight of the word-boundary loss beside the MLM; 0: none
    "objective",  # "mlm" (masked language model) or "electra" (electra.py)
    "generator_layers",  # electra: layers of the generator
    "rtd_weight",  # electra: weight of the replaced-token loss against the MLM's
)
# Settings a preset written before they existed may leave out.
TRAINING_DEFAULTS = {
    "pack": False,
    "masking": "word",
    "span_length": 3.0,
    "lr_scheduler": "linear",
    "bf16": False,
    "boundary_weight": 0.0,
    "objective": "mlm",
    "generator_layers": 1,
    "rtd_weight": 50.0,
}

Preset = Dict[str, Dict[str, Any]]


def available_presets() -> List[str]:
    """The names of the shipped presets.

    RETURNS (List[str]): Sorted names, e.g. ["base", "small", "tiny"].
    """
    return sorted(p.stem for p in PRESET_DIR.glob("*.json"))


def load_preset(
    name_or_path: Union[str, Path], overrides: Optional[Dict[str, Any]] = None
) -> Preset:
    """Load a shipped preset by name, or a preset JSON file by path.

    name_or_path (Union[str, Path]): "tiny", "small", "base" or a .json path.
    overrides (Dict[str, Any]): Flat settings that replace the preset's: a key of
        TRAINING_KEYS goes to ``training``, a BertConfig attribute to ``model``.
    RETURNS (Preset): {"model": {...}, "training": {...}}, validated.
    """
    preset = _read(name_or_path, seen=())
    for key, value in TRAINING_DEFAULTS.items():
        preset["training"].setdefault(key, value)
    for key, value in (overrides or {}).items():
        preset[section_of(key)][key] = value
    missing = [k for k in TRAINING_KEYS if k not in preset["training"]]
    if missing:
        raise HanziError(
            Errors.E206.format(path=name_or_path, reason=f"missing {missing}")
        )
    return preset


def section_of(key: str) -> str:
    """Which preset section a flat setting belongs to.

    key (str): A training key or a BertConfig attribute.
    RETURNS (str): "training" or "model".
    """
    if key in TRAINING_KEYS:
        return "training"
    if key != "vocab_size" and key in _bert_attributes():
        return "model"
    raise HanziError(Errors.E205.format(key=key, training=", ".join(TRAINING_KEYS)))


@functools.lru_cache(maxsize=1)
def _bert_attributes() -> frozenset:
    from transformers import BertConfig

    return frozenset(BertConfig().to_dict())


def _read(name_or_path: Union[str, Path], seen: tuple) -> Preset:
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = PRESET_DIR / f"{name_or_path}.json"
        if not path.is_file():
            presets = ", ".join(available_presets())
            raise HanziError(
                Errors.E203.format(name=str(name_or_path), presets=presets)
            )
    elif not path.is_file():
        raise HanziError(Errors.E206.format(path=path, reason="file not found"))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise HanziError(Errors.E206.format(path=path, reason=e)) from e
    if not isinstance(data, dict):
        raise HanziError(Errors.E206.format(path=path, reason="not a JSON object"))
    base: Preset = {"model": {}, "training": {}}
    parent = data.get("extends")
    if parent is not None:
        if str(parent).endswith(".json"):
            parent = path.parent / parent  # relative to the file that extends it
        if str(parent) in seen:
            raise HanziError(Errors.E206.format(path=path, reason="circular extends"))
        base = _read(parent, seen + (str(parent),))
    for section in ("model", "training"):
        values = data.get(section, {})
        if not isinstance(values, dict):
            reason = f"{section!r} is not an object"
            raise HanziError(Errors.E206.format(path=path, reason=reason))
        for key, value in values.items():
            if section_of(key) != section:
                reason = f"{key!r} belongs in {section_of(key)!r}"
                raise HanziError(Errors.E206.format(path=path, reason=reason))
            base[section][key] = copy.deepcopy(value)
    return base
