"""Peak memory of ``nlp.pipe`` over a long generator of short texts.

Docs are not kept, so memory should stay flat: growth over the stream points at
something that accumulates per doc (strings interned in the vocab, caches).
"""

import re
import time
from itertools import cycle, islice
from typing import Any, Dict, Iterator, List, Sequence

from .timing import peak_rss_mb

SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def short_texts(texts: Sequence[str], max_chars: int = 40) -> List[str]:
    """Sentences of the texts, cut to at most ``max_chars`` characters."""
    pieces: List[str] = []
    for text in texts:
        for sentence in SENTENCE_END.split(text):
            sentence = sentence.strip()
            while sentence:
                pieces.append(sentence[:max_chars])
                sentence = sentence[max_chars:]
    return pieces


def stream(texts: Sequence[str], n: int) -> Iterator[str]:
    """``n`` short texts, cycling through the sentences of ``texts``."""
    return islice(cycle(short_texts(texts) or ["空"]), n)


def measure_stream(spec: Dict[str, Any], texts: Sequence[str]) -> Dict[str, Any]:
    import spacy

    system = spec["system"]
    nlp = spacy.load(system["path"])
    batch_size = system.get("batch_size") or nlp.batch_size
    n = spec.get("n_docs", 100_000)
    for _ in nlp.pipe(islice(stream(texts, n), 200), batch_size=batch_size):
        pass  # warm-up
    rss_before = peak_rss_mb()
    strings_before = len(nlp.vocab.strings)
    docs = characters = 0
    start = time.perf_counter()
    for doc in nlp.pipe(stream(texts, n), batch_size=batch_size):
        docs += 1
        characters += len(doc.text)
    seconds = time.perf_counter() - start
    return {
        "name": system["name"],
        "docs": docs,
        "characters": characters,
        "seconds": seconds,
        "chars_per_s": characters / seconds if seconds else None,
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "vocab_strings_added": len(nlp.vocab.strings) - strings_before,
    }
