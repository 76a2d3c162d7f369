"""``hanzi-spacy.Corpus.v1``: spaCy's corpus reader that decodes its file once.

``spacy.Corpus.v1`` decodes the whole ``.spacy`` file every time it is called,
and ``spacy train`` calls the train corpus once per component to initialize the
pipeline (spaCy's own check of the examples, the labels, a sample) and the dev
corpus at every evaluation. This reader decodes with ``read_docs`` (fast for
docs that carry user data, as ours do), keeps the reference docs of its first
call and makes fresh examples from them on every call, so the examples are the
same as ``spacy.Corpus.v1``'s, in the same order. The reference docs are only
read: spaCy's training loop itself keeps one list of examples for all epochs.
"""

from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Union

from spacy.errors import Errors
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Corpus, Example
from spacy.util import ensure_path, registry
from spacy.vocab import Vocab

from ..corpus.docbin import read_docs


@registry.readers("hanzi-spacy.Corpus.v1")
def create_corpus_reader(
    path: Optional[Union[str, Path]],
    gold_preproc: bool = False,
    max_length: int = 0,
    limit: int = 0,
    augmenter: Optional[Callable] = None,
) -> Callable[[Language], Iterable[Example]]:
    """``spacy.Corpus.v1`` with the same arguments, decoding its file once.

    path (Optional[Union[str, Path]]): A .spacy file or a folder of them.
    gold_preproc (bool): As spacy.Corpus.v1's.
    max_length (int): As spacy.Corpus.v1's.
    limit (int): As spacy.Corpus.v1's.
    augmenter (Optional[Callable]): As spacy.Corpus.v1's.
    RETURNS (Callable[[Language], Iterable[Example]]): The reader.
    """
    if path is None:
        raise ValueError(Errors.E913)
    return DecodedOnceCorpus(
        path,
        gold_preproc=gold_preproc,
        max_length=max_length,
        limit=limit,
        augmenter=augmenter,
    )


class DecodedOnceCorpus(Corpus):
    """A ``spacy.training.Corpus`` that keeps the docs it decoded for a vocab."""

    def __init__(self, path: Union[str, Path], **kwargs) -> None:
        super().__init__(path, **kwargs)
        self._vocab: Optional[Vocab] = None
        self._docs: List[Doc] = []

    def read_docbin(
        self, vocab: Vocab, locs: Iterable[Union[str, Path]]
    ) -> Iterator[Doc]:
        if self._vocab is not vocab:
            self._docs = list(_read_docbin(vocab, locs, self.limit))
            self._vocab = vocab
        return iter(self._docs)


def _read_docbin(
    vocab: Vocab, locs: Iterable[Union[str, Path]], limit: int
) -> Iterator[Doc]:
    """``Corpus.read_docbin`` of spaCy 3.8, reading each file with ``read_docs``."""
    i = 0
    for loc in locs:
        loc = ensure_path(loc)
        if loc.parts[-1].endswith(".spacy"):
            for doc in read_docs(loc, vocab):
                if len(doc):
                    yield doc
                    i += 1
                    if limit >= 1 and i >= limit:
                        break
