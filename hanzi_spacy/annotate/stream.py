"""``nlp.pipe`` over an endless stream in bounded memory.

Every new string a doc brings (a word, a number, a name: the long tail never
ends) is interned in the vocab's ``StringStore`` and gets a lexeme, and neither
is ever freed: a long-running stream grows for good. spaCy 3.8's
``nlp.memory_zone()`` makes what is added inside the block transient and frees
it when the block ends; the docs made inside must not be used after it. So
the idiom is: cut the stream into runs of ``zone_size`` texts, pipe each run
inside a memory zone, and hand out only what outlives a doc (a row, a count, a
file written), never the doc itself::

    for row in pipe_in_zones(nlp, texts, doc_row):
        ...

The strings the pipeline itself holds (labels, tags, the training vocabulary)
were added outside any zone and stay. A zone costs nothing measurable per run;
``zone_size`` bounds the transient strings of one run.
"""

from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Optional, TypeVar

from spacy.language import Language
from spacy.tokens import Doc

T = TypeVar("T")


def pipe_in_zones(
    nlp: Language,
    texts: Iterable[Any],
    convert: Callable[[Doc], T],
    *,
    zone_size: int = 10_000,
    batch_size: Optional[int] = None,
    as_tuples: bool = False,
) -> Iterator[Any]:
    """``convert(doc)`` for each text, each run of ``zone_size`` in a memory zone.

    nlp (Language): The pipeline.
    texts (Iterable[Any]): Texts, or (text, context) pairs with ``as_tuples``.
    convert (Callable[[Doc], T]): What to keep of a doc; its result must not
        hold the doc, its tokens or spans (they are freed with the zone).
    zone_size (int): Texts per memory zone.
    batch_size (Optional[int]): ``nlp.pipe``'s batch size.
    as_tuples (bool): Take (text, context) pairs and yield (convert(doc), context).
    YIELDS: ``convert(doc)``, or (``convert(doc)``, context), in input order.
    """
    stream = iter(texts)
    while True:
        n = 0
        with nlp.memory_zone():
            run = islice(stream, zone_size)
            if as_tuples:
                pairs = nlp.pipe(run, batch_size=batch_size, as_tuples=True)
                for doc, context in pairs:
                    n += 1
                    yield convert(doc), context
            else:
                for doc in nlp.pipe(run, batch_size=batch_size):
                    n += 1
                    yield convert(doc)
        if n < zone_size:
            return
