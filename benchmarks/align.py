"""Put a peer's words back on the text as character spans.

jieba returns the text cut into pieces, so the pieces follow one another exactly.
THULAC does not: it collapses runs of spaces, and its optional preprocessing can
rewrite characters. The fast path walks the text and finds each word where the
previous one ended, skipping whitespace only; when a word is not found there, the
whole doc falls back to a character alignment (spacy-alignments, which compares
normalised characters), and a word that aligns to no character is dropped and
counted.
"""

from typing import List, Optional, Sequence, Tuple

Span = Tuple[int, int]


def word_spans(text: str, words: Sequence[str]) -> Tuple[List[Span], List[int]]:
    """Character spans of the non-whitespace words of a segmentation.

    text (str): The text that was segmented.
    words (Sequence[str]): The words in order, whitespace pieces included or not.
    RETURNS (Tuple[List[Span], List[int]]): The (start, end) span of each word that
        is not whitespace-only, and the index in ``words`` of each span.
    """
    spans = _walk(text, words)
    if spans is None:
        spans = _char_alignment(text, words)
    kept = [(span, i) for i, span in enumerate(spans) if span is not None]
    return [span for span, _ in kept], [i for _, i in kept]


def _walk(text: str, words: Sequence[str]) -> Optional[List[Optional[Span]]]:
    spans: List[Optional[Span]] = []
    pos = 0
    for word in words:
        if not word or word.isspace():
            spans.append(None)
            continue
        while pos < len(text) and text[pos].isspace() and not word[0].isspace():
            pos += 1
        if not text.startswith(word, pos):
            return None
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def _char_alignment(text: str, words: Sequence[str]) -> List[Optional[Span]]:
    from spacy_alignments import get_alignments

    word_to_chars, _ = get_alignments(list(words), list(text))
    spans: List[Optional[Span]] = []
    for word, chars in zip(words, word_to_chars):
        if not word or word.isspace() or not chars:
            spans.append(None)
        else:
            spans.append((min(chars), max(chars) + 1))
    return spans
