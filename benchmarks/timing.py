"""Throughput and memory as this process sees them."""

import resource
import statistics
import sys
import time
from typing import Callable, Dict, List, Sequence


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def time_runs(
    run: Callable[[Sequence[str]], None], texts: Sequence[str], repeat: int
) -> Dict[str, object]:
    """Time ``run(texts)`` ``repeat`` times; the caller has warmed it up.

    RETURNS (Dict[str, object]): ``chars_per_s`` (the median run), ``runs`` (chars/s
        of each run) and ``seconds`` (of each run).
    """
    characters = sum(len(text) for text in texts)
    seconds: List[float] = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        run(texts)
        seconds.append(time.perf_counter() - start)
    rates = [characters / s if s else float("inf") for s in seconds]
    return {
        "chars_per_s": statistics.median(rates),
        "runs": rates,
        "seconds": seconds,
        "characters": characters,
    }
