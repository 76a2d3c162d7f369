"""How the models run on the CPU: torch threads and the thinc layers' products.

Two runtime settings that no model's weights depend on, applied when a pipeline
is built or loaded:

- ``one_torch_thread_in_forked_workers``: the workers that
  ``nlp.pipe(texts, n_process=N)`` forks get one torch thread each.
- ``hanzi-spacy.torch_gemm.v1`` (``use_torch_gemm``): the matrix products of the
  CNN and the heads on torch instead of blis.

thinc's CPU ops (``NumpyOps``) multiply matrices with blis, on one thread. The
transformer already runs on torch's thread pool, which uses every core, so the
thinc layers multiply there too: ``TorchGemmOps`` is ``NumpyOps`` with a
``gemm`` that calls ``torch.matmul`` on the same arrays (no copies), and a
``gather_add`` (the hash embeddings' lookup) on torch's ``embedding_bag``.
numpy's own BLAS (OpenBLAS) multiplies as fast, but its threads spin after each
product and slow the transformer down when the two alternate batch by batch in
``nlp.pipe`` (measurements: docs/decisions.md).

``use_torch_gemm`` runs after the pipeline is built
(``[nlp.after_pipeline_creation]``, so also when a saved pipeline is loaded)
and switches every thinc layer on plain ``NumpyOps``; GPU ops and other ops
are left alone.

torch is not imported here on import (the modules of the factories import this
one, and they stay cheap to import): the ops import it when they are made.
"""

import functools
import os
import sys
from typing import Callable, Optional

import numpy
from spacy.language import Language
from spacy.util import registry
from thinc.api import Model, NumpyOps


def _one_torch_thread() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


@functools.lru_cache(maxsize=1)
def one_torch_thread_in_forked_workers() -> None:
    """Give every process forked from now on one torch thread.

    ``nlp.pipe(texts, n_process=N)`` forks workers. A child that runs a torch
    model with the thread pool its parent already used hangs for good (seen with
    torch 2.13 on CPU); with one thread per worker it runs, and N workers on N
    cores is what n_process asks for anyway. Called when a pipeline builds a
    model that runs on torch (our transformer, thinc layers on torch), not on
    import; torch is not imported here, the hook acts only when the parent had
    loaded it.
    """
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_one_torch_thread)


class TorchGemmOps(NumpyOps):
    """NumpyOps whose matrix product and embedding sum are torch's (all cores)."""

    name = "torch_gemm"

    def __init__(self, device_type: str = "cpu", device_id: int = -1, **kwargs):
        super().__init__(device_type, device_id, use_blis=False)

    def gemm(
        self,
        x: numpy.ndarray,
        y: numpy.ndarray,
        *,
        out: Optional[numpy.ndarray] = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> numpy.ndarray:
        import torch  # loaded already: the pipeline's transformer runs on it

        a = torch.from_numpy(numpy.ascontiguousarray(x, dtype="f"))
        b = torch.from_numpy(numpy.ascontiguousarray(y, dtype="f"))
        if trans1:
            a = a.T
        if trans2:
            b = b.T
        if out is None:
            return torch.matmul(a, b).numpy()
        torch.matmul(a, b, out=torch.from_numpy(out))
        return out

    def gather_add(self, table: numpy.ndarray, indices: numpy.ndarray) -> numpy.ndarray:
        """Sum of the rows ``indices[i]`` of ``table`` for each i (HashEmbed),
        with ``torch.nn.functional.embedding_bag`` (faster than thinc's; the
        measurement: docs/decisions.md)."""
        import torch

        if table.dtype != numpy.float32 or indices.ndim != 2:
            return super().gather_add(table, indices)
        return torch.nn.functional.embedding_bag(
            torch.from_numpy(indices.astype("int64")),
            torch.from_numpy(numpy.ascontiguousarray(table)),
            mode="sum",
        ).numpy()


@registry.callbacks("hanzi-spacy.torch_gemm.v1")
def make_use_torch_gemm() -> Callable[[Language], Language]:
    return use_torch_gemm


def use_torch_gemm(nlp: Language) -> Language:
    """Give every component's thinc layers on NumpyOps torch's matrix product."""
    one_torch_thread_in_forked_workers()
    ops = TorchGemmOps()
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if not isinstance(model, Model):
            continue
        for node in model.walk():
            if type(node.ops) is NumpyOps:
                node.ops = ops
    return nlp
