"""BILUO entity tags on characters: tag names, valid transitions, Viterbi decoding.

Used by ``hanzi_ner`` (ner_tagger.py). A tag sequence is valid when every entity
is B-X I-X* L-X or U-X; ``viterbi`` finds the best valid sequence of a batch of
docs at once, ``decode`` first fixes the characters that are O beyond doubt.
"""

from typing import List, Sequence, Tuple

import numpy
from spacy.tokens import Doc, Span

OUT = "O"
PREFIXES = ("B", "I", "L", "U")
# Log-probabilities are clipped here so that a zero probability stays comparable.
LOG_FLOOR = -1e4
# Log-probabilities are rounded to multiples of 1/GRID before decoding. The same
# doc scored alone or in a batch differs by float noise (about 1e-7), and tags
# the model never saw in training end up with equal scores up to that noise: on
# the grid they are equal, the path sums are exact in float64, and ties go to the
# first tag, so nlp.pipe and nlp() decode the same entities.
GRID = 1024.0
# Scores of forbidden transitions: far below any sum of clipped log-probabilities.
FORBIDDEN = -1e9
# Characters tagged O with at least this probability are fixed to O before Viterbi
# runs on the stretches between them (see decode).
SURE_OUTSIDE = 0.999


def biluo_names(labels: Sequence[str]) -> List[str]:
    """The tag names for entity labels: O, then B-, I-, L-, U- of each label."""
    return [OUT] + [f"{prefix}-{label}" for label in labels for prefix in PREFIXES]


def transition_scores(labels: Sequence[str]) -> Tuple[numpy.ndarray, ...]:
    """Scores (0 or FORBIDDEN) of start, each transition, and end, over biluo_names.

    RETURNS (Tuple[numpy.ndarray, ...]): start (K,), transitions (K, K) from
        row to column, end (K,).
    """
    names = biluo_names(labels)
    n_tags = len(names)
    opens = numpy.array([n[:1] in ("B", "I") for n in names])  # inside an entity
    start = numpy.where(numpy.array([n[:1] in ("I", "L") for n in names]), FORBIDDEN, 0)
    trans = numpy.full((n_tags, n_tags), FORBIDDEN)
    for i, prev in enumerate(names):
        for j, tag in enumerate(names):
            if opens[i]:  # B-X or I-X must go on with I-X or L-X
                ok = tag in (f"I-{prev[2:]}", f"L-{prev[2:]}")
            else:  # after O, L- or U-: anything that does not continue an entity
                ok = tag[:1] not in ("I", "L")
            if ok:
                trans[i, j] = 0.0
    end = numpy.where(opens, FORBIDDEN, 0)
    return start.astype("f8"), trans.astype("f8"), end.astype("f8")


def viterbi(
    scores: List[numpy.ndarray],
    start: numpy.ndarray,
    trans: numpy.ndarray,
    end: numpy.ndarray,
) -> List[numpy.ndarray]:
    """The best valid tag sequence of each doc, all docs decoded at once.

    scores (List[numpy.ndarray]): Per doc, (n_tokens, K) log-probabilities.
    RETURNS (List[numpy.ndarray]): Per doc, n_tokens tag indices.
    """
    lengths = numpy.array([len(s) for s in scores], dtype="int64")
    n_docs, n_tags = len(scores), len(start)
    longest = int(lengths.max()) if n_docs else 0
    if longest == 0:
        return [numpy.zeros((0,), dtype="int64") for _ in scores]
    padded = numpy.zeros((n_docs, longest, n_tags), dtype="f8")
    for i, doc_scores in enumerate(scores):
        padded[i, : len(doc_scores)] = doc_scores
    back = numpy.zeros((n_docs, longest, n_tags), dtype="int64")
    best = padded[:, 0] + start
    for t in range(1, longest):
        candidates = best[:, :, None] + trans[None]  # previous tag × this tag
        back[:, t] = candidates.argmax(axis=1)
        running = (lengths > t)[:, None]
        best = numpy.where(running, candidates.max(axis=1) + padded[:, t], best)
    last = (best + end).argmax(axis=1)
    paths = numpy.zeros((n_docs, longest), dtype="int64")
    rows = numpy.arange(n_docs)
    current = last
    for t in range(longest - 1, -1, -1):
        # A doc's path starts at its last token; before that, follow the pointers.
        inside = t < lengths - 1
        if t + 1 < longest:
            current = numpy.where(inside, back[rows, t + 1, current], current)
        current = numpy.where(t == lengths - 1, last, current)
        paths[:, t] = current
    return [paths[i, : lengths[i]] for i in range(n_docs)]


def softmax(logits: numpy.ndarray) -> numpy.ndarray:
    """Row-wise softmax of (n, K) scores."""
    if not len(logits):
        return logits
    exp = numpy.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def decode(
    probs: List[numpy.ndarray],
    start: numpy.ndarray,
    trans: numpy.ndarray,
    end: numpy.ndarray,
    sure_outside: float = SURE_OUTSIDE,
) -> List[numpy.ndarray]:
    """Viterbi on the stretches between characters that are surely outside.

    Viterbi costs one step per character of the longest doc in a batch, and
    most characters are O beyond doubt. A character tagged O with probability
    ``sure_outside`` or more is fixed to O; since any tag may follow or precede O
    the stretches between them are decoded independently, all in one batch.
    This is exact whenever the best path has O at those characters; how often
    it is, and what it saves, is measured on dev (docs/evaluation.md).

    probs (List[numpy.ndarray]): Per doc, (n_tokens, K) tag probabilities, O first.
    RETURNS (List[numpy.ndarray]): Per doc, n_tokens tag indices.
    """
    paths = [numpy.zeros((len(p),), dtype="int64") for p in probs]
    stretches: List[Tuple[int, int, int]] = []
    for i, doc_probs in enumerate(probs):
        free = (doc_probs[:, 0] < sure_outside).astype("int8")
        if not free.any():
            continue
        edges = numpy.diff(numpy.concatenate(([0], free, [0])))
        begins = numpy.flatnonzero(edges == 1).tolist()
        ends = numpy.flatnonzero(edges == -1).tolist()
        stretches.extend((i, b, e) for b, e in zip(begins, ends))
    if not stretches:
        return paths
    logs = [quantized_log(probs[i][b:e]) for i, b, e in stretches]
    for (i, b, e), path in zip(stretches, viterbi(logs, start, trans, end)):
        paths[i][b:e] = path
    return paths


def quantized_log(probs: numpy.ndarray) -> numpy.ndarray:
    """Log-probabilities (float64), clipped at LOG_FLOOR, on the 1/GRID grid."""
    logs = numpy.maximum(numpy.log(probs.astype("f8") + 1e-12), LOG_FLOOR)
    return numpy.round(logs * GRID) / GRID


def tags_to_spans(doc: Doc, path: numpy.ndarray, labels: Sequence[str]) -> List[Span]:
    """Entity spans from a valid BILUO index path (see biluo_names)."""
    spans = []
    begin = 0
    for i in numpy.flatnonzero(path).tolist():
        label_index, prefix_index = divmod(int(path[i]) - 1, len(PREFIXES))
        prefix = PREFIXES[prefix_index]
        if prefix == "B":
            begin = i
        elif prefix in ("L", "U"):
            first = i if prefix == "U" else begin
            spans.append(Span(doc, first, i + 1, label=labels[label_index]))
    return spans
