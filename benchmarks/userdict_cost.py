"""What a large user dictionary costs the pipeline: speed, memory, set-up time.

The words are random strings of 2–4 characters drawn from the characters of the
texts (seeded), so the automaton has the size of a real dictionary and some words
do occur in the texts, forcing boundaries, as user words would.
"""

import random
import time
from typing import Any, Dict, List, Sequence

from .timing import peak_rss_mb, time_runs


def random_words(texts: Sequence[str], n: int, seed: int = 0) -> List[str]:
    """``n`` distinct random words of 2–4 characters from the texts' characters."""
    alphabet = sorted({c for text in texts for c in text if "\u4e00" <= c <= "\u9fff"})
    if len(alphabet) < 2:
        return []
    rng = random.Random(seed)
    words = set()
    for _ in range(n * 20):
        if len(words) >= n:
            break
        words.add("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def measure_user_dictionary(
    spec: Dict[str, Any], texts: Sequence[str]
) -> Dict[str, Any]:
    """Time the pipeline without, then with ``n_words`` user words."""
    import spacy

    system = spec["system"]
    nlp = spacy.load(system["path"])
    name = spec.get("component", "hanzi_segmenter")
    if name not in nlp.pipe_names or not hasattr(nlp.get_pipe(name), "add_words"):
        return {"name": system["name"], "skipped": f"{name} has no add_words"}
    batch_size = system.get("batch_size") or nlp.batch_size
    repeat = spec.get("repeat", 3)

    def run(batch: Sequence[str]) -> None:
        for _ in nlp.pipe(batch, batch_size=batch_size):
            pass

    run(texts)  # warm-up
    without = time_runs(run, texts, repeat)
    rss_without = peak_rss_mb()
    words = random_words(texts, spec.get("n_words", 100_000), spec.get("seed", 0))
    start = time.perf_counter()
    nlp.get_pipe(name).add_words(words)
    add_seconds = time.perf_counter() - start
    start = time.perf_counter()
    run(texts)  # warm-up, builds the automaton
    first_pass = time.perf_counter() - start
    with_words = time_runs(run, texts, repeat)
    matched = sum(
        1 for text in texts for _ in nlp.get_pipe(name).user_dict.matches(text)
    )
    return {
        "name": system["name"],
        "words": len(words),
        "matches_in_texts": matched,
        "add_seconds": add_seconds,
        "first_pass_seconds": first_pass,
        "chars_per_s_without": without["chars_per_s"],
        "chars_per_s_with": with_words["chars_per_s"],
        "slowdown": without["chars_per_s"] / with_words["chars_per_s"],
        "peak_rss_mb_without": rss_without,
        "peak_rss_mb_with": peak_rss_mb(),
        "runs_without": without["runs"],
        "runs_with": with_words["runs"],
    }
