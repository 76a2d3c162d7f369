"""Pipeline components. Imported by spaCy through entry points: keep imports cheap."""

import os
import sys


def _one_torch_thread_after_fork() -> None:
    """Give a forked worker one torch thread.

    ``nlp.pipe(texts, n_process=N)`` forks workers. A child that runs a torch
    model with the thread pool its parent already used hangs for good (seen with
    torch 2.13 on CPU); with one thread per worker it runs, and N workers on N
    cores is what n_process asks for anyway. Torch is not imported here: the hook
    acts only when the parent had loaded it.
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_one_torch_thread_after_fork)
