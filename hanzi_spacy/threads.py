"""Torch threads in the workers of ``nlp.pipe(texts, n_process=N)``."""

import functools
import os
import sys


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
