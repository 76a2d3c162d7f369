"""Character n-gram hash embeddings for the character-level CNN."""

from pathlib import Path
from typing import Callable, List, Optional, Tuple, Union, cast

import numpy
from spacy.attrs import NORM, SHAPE
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab
from thinc.api import (
    HashEmbed,
    Maxout,
    Model,
    add,
    chain,
    concatenate,
    list2ragged,
    ragged2list,
    with_array,
)
from thinc.types import Floats2d, Ints2d, Ragged

from ..errors import Errors, HanziError
from .lexicon import batch_lexicon_bits, load_keys

COMBINE = ("maxout", "sum")
# Stands for the character before the first and after the last token of a doc.
EDGE = numpy.uint64(0x9E3779B97F4A7C15)
# Odd multiplier: (a, b) and (b, a) become different keys before HashEmbed hashes them.
MIX = numpy.uint64(0x100000001B3)


@registry.architectures("hanzi-spacy.CharNgramEmbed.v1")
def build_char_ngram_embed(
    width: int,
    unigram_rows: int,
    bigram_rows: int,
    shape_rows: int,
    lexicon: Optional[Union[str, Path]] = None,
    max_word_length: int = 6,
    lexicon_rows: int = 2000,
    combine: str = "maxout",
) -> Model[List[Doc], List[Floats2d]]:
    """Embed each character with its own hash plus those of the two bigrams it is in.

    Character bigrams are the strongest single feature for Chinese word
    segmentation (Pei et al. 2014; Chen et al. 2015; THULAC and jieba's HMM use
    them too): "中国" is a word far more often than "中" and "国" alone say. spaCy's
    ``MultiHashEmbed`` only embeds attributes of the token itself, and our tokens
    are single characters, so its PREFIX/SUFFIX columns repeat NORM. Here each
    token gets four hash embeddings: NORM, the bigram (previous, this), the
    bigram (this, next) and SHAPE (which tells Latin and digit runs apart), and
    with a lexicon a fifth: which lexicon words begin, end or cover the token
    (dictionary features, ``lexicon.py``).

    The lexicon file (one word per line, the user dictionary's format) is read
    once, when the pipeline is initialized; its word keys are saved with the
    model, so a trained pipeline needs no file. The project's preprocess step
    writes the train split's words to ``corpus/lexicon.txt``.

    How the embeddings are combined, the options: concatenated and mixed by a
    Maxout layer as in ``MultiHashEmbed`` ("maxout"), or summed ("sum"): the
    Maxout is most of the CNN's multiplications, the sum leaves the mixing to the
    encoder's first layer. The default is "maxout" (docs/evaluation.md).

    width (int): The output width, also the width of each embedding table.
    unigram_rows (int): Rows of the character table.
    bigram_rows (int): Rows of each of the two bigram tables.
    shape_rows (int): Rows of the SHAPE table.
    lexicon (Optional[Union[str, Path]]): The lexicon file, or None for no
        dictionary features.
    max_word_length (int): Longest word, in tokens, that is looked up.
    lexicon_rows (int): Rows of the lexicon feature's table.
    combine (str): "maxout" or "sum".
    RETURNS (Model[List[Doc], List[Floats2d]]): One vector per token.
    """
    if combine not in COMBINE:
        raise HanziError(Errors.E308.format(combine=combine, options=COMBINE))
    embeddings = hash_embeddings(width, unigram_rows, bigram_rows, shape_rows)
    if lexicon is None:
        return embed_chain(CharNgramFeatures(), embeddings, width, combine)
    embeddings.append(HashEmbed(width, lexicon_rows, column=4, seed=12, dropout=0.0))
    features = CharNgramLexiconFeatures(lexicon, max_word_length)
    return embed_chain(features, embeddings, width, combine)


def embed_chain(
    features: Model[List[Doc], List[Ints2d]],
    embeddings: List[Model],
    width: int,
    combine: str,
) -> Model[List[Doc], List[Floats2d]]:
    """Features → one embedding per column → concatenated and Maxout, or summed."""
    if combine == "maxout":
        mixed = [
            with_array(concatenate(*embeddings)),
            with_array(Maxout(width, width * len(embeddings), nP=3, normalize=True)),
        ]
    else:
        mixed = [with_array(add(*embeddings))]
    return chain(
        features,
        cast(Model[List[Ints2d], Ragged], list2ragged()),
        *mixed,
        ragged2list(),
    )


def hash_embeddings(
    width: int, unigram_rows: int, bigram_rows: int, shape_rows: int
) -> List[Model]:
    """One HashEmbed per column of CharNgramFeatures: NORM, two bigrams, SHAPE."""
    rows = [unigram_rows, bigram_rows, bigram_rows, shape_rows]
    return [
        HashEmbed(width, n_rows, column=i, seed=8 + i, dropout=0.0)
        for i, n_rows in enumerate(rows)
    ]


def CharNgramFeatures() -> Model[List[Doc], List[Ints2d]]:
    """Per token: NORM, left bigram key, right bigram key, SHAPE (uint64 columns)."""
    return Model("char_ngram_features", _features_forward)


def CharNgramLexiconFeatures(
    lexicon: Optional[Union[str, Path]], max_length: int
) -> Model[List[Doc], List[Ints2d]]:
    """The four CharNgramFeatures columns and the lexicon bits (uint64)."""
    return Model(
        "char_ngram_lexicon_features",
        _lexicon_features_forward,
        init=_lexicon_features_init,
        attrs={
            "lexicon": None if lexicon is None else str(lexicon),
            "max_length": max_length,
            "lexicon_keys": numpy.zeros((0,), dtype="uint64"),
        },
    )


def _lexicon_features_init(
    model: Model, X: Optional[List[Doc]] = None, Y: Optional[List[Floats2d]] = None
) -> None:
    vocab = X[0].vocab if X else Vocab()
    model.attrs["lexicon_keys"] = load_keys(
        model.attrs["lexicon"], vocab, model.attrs["max_length"]
    )


def _lexicon_features_forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[List[Ints2d], Callable]:
    keys = model.attrs["lexicon_keys"]
    max_length = model.attrs["max_length"]
    bits = batch_lexicon_bits(docs, keys, max_length)
    features = [
        model.ops.asarray2i(
            numpy.hstack((ngram_keys(doc), doc_bits[:, None])), dtype="uint64"
        )
        for doc, doc_bits in zip(docs, bits)
    ]
    return features, lambda d_features: []


def _features_forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[List[Ints2d], Callable]:
    features = [model.ops.asarray2i(ngram_keys(doc), dtype="uint64") for doc in docs]
    return features, lambda d_features: []


def ngram_keys(doc: Doc) -> numpy.ndarray:
    """The four feature columns of a Doc or Span, shape (n_tokens, 4), uint64."""
    if isinstance(doc, Doc):
        attrs = doc.to_array([NORM, SHAPE])
    else:  # a Span: spaCy's feature extractor takes these too
        attrs = doc.doc.to_array([NORM, SHAPE])[doc.start : doc.end]
    attrs = attrs.astype(numpy.uint64).reshape((-1, 2))
    norms = attrs[:, 0]
    before = numpy.concatenate(([EDGE], norms[:-1])) if len(norms) else norms
    after = numpy.concatenate((norms[1:], [EDGE])) if len(norms) else norms
    with numpy.errstate(over="ignore"):
        left = before * MIX ^ norms
        right = norms * MIX ^ after
    return numpy.stack((norms, left, right, attrs[:, 1]), axis=1)
