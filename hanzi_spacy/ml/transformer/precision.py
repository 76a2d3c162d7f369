"""Predict with the backbone in bfloat16 where the CPU multiplies it natively.

At prediction the backbone's matrix products are most of the transformer
component's time. Under ``torch.autocast`` they run in bfloat16, which CPUs with
AVX512-BF16 or AMX multiply natively, faster than float32 and with the same
scores (docs/evaluation.md, checked on dev).

Only prediction is affected: the weights stay float32, training runs as before,
and the outputs are handed on as float32. ``"auto"`` takes bfloat16 on a CPU
that has it natively and float32 everywhere else (a CPU without it emulates
bfloat16, slower than float32; on a GPU spacy-transformers' own
``mixed_precision`` is the switch).

bfloat16 products go through oneDNN, which keeps a compiled primitive for every
input shape it has seen, up to 1,024 (two caches: oneDNN's and ideep's), and
windows grouped by length make many shapes, so a long stream's memory grows with
them (docs/decisions.md). So before the first bfloat16 prediction
``cap_onednn_caches`` sets both capacities to 128, unless the user has
(``ONEDNN_PRIMITIVE_CACHE_CAPACITY``, ``LRU_CACHE_CAPACITY``). oneDNN reads them
once, so the cap holds only when nothing in the process used oneDNN before."""

import contextlib
import functools
import os
from pathlib import Path
from typing import ContextManager, Optional

import torch
from thinc.api import Model
from transformers.file_utils import ModelOutput

from ...errors import Errors, HanziError

PREDICTION_DTYPES = ("auto", "float32", "bfloat16")
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}  # x86 (/proc/cpuinfo "flags")
NATIVE_BF16_FEATURES = {"bf16"}  # Arm ("Features")


def check_dtype(name: str) -> str:
    if name not in PREDICTION_DTYPES:
        raise HanziError(Errors.E309.format(options=PREDICTION_DTYPES, dtype=name))
    return name


def cpu_has_native_bf16(cpuinfo: str) -> bool:
    """Whether a ``/proc/cpuinfo`` text names bfloat16 arithmetic."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        words = set(value.split())
        if key == "flags" and words & NATIVE_BF16_FLAGS:
            return True
        if key == "features" and words & NATIVE_BF16_FEATURES:
            return True
    return False


@functools.lru_cache(maxsize=1)
def native_bf16() -> bool:
    """Whether this machine's CPU multiplies bfloat16 natively (Linux only)."""
    try:
        return cpu_has_native_bf16(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        return False


def device_type(model: Model) -> str:
    return "cuda" if type(model.ops).__name__ == "CupyOps" else "cpu"


def resolve_dtype(name: str, device: str) -> Optional[torch.dtype]:
    """The dtype to predict in; None for float32 (no autocast)."""
    check_dtype(name)
    if name == "bfloat16" or (name == "auto" and device == "cpu" and native_bf16()):
        return torch.bfloat16
    return None


ONEDNN_CACHES = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY")
ONEDNN_CACHE_CAPACITY = "128"


@functools.lru_cache(maxsize=1)
def cap_onednn_caches() -> None:
    """Limit oneDNN's per-shape caches, unless the user set them."""
    for name in ONEDNN_CACHES:
        os.environ.setdefault(name, ONEDNN_CACHE_CAPACITY)


def prediction_precision(model: Model, name: str) -> ContextManager:
    """A context in which the model's torch layers predict in the chosen dtype."""
    device = device_type(model)
    dtype = resolve_dtype(name, device)
    if dtype is None:
        return contextlib.nullcontext()
    if device == "cpu":
        cap_onednn_caches()
    return torch.autocast(device_type=device, dtype=dtype)


def as_float32(output: ModelOutput) -> ModelOutput:
    """The output with every floating tensor in float32, as thinc expects."""
    return type(output)(
        **{
            key: value.float()
            if isinstance(value, torch.Tensor) and value.is_floating_point()
            else value
            for key, value in output.items()
        }
    )
