"""Character n-gram hash embeddings for the character-level CNN."""

from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union, cast

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
from .lexicon import batch_attrs, load_keys, token_bits
from .lexicon_sources import LexiconSource, load_source, source_features

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
    lexicons: Optional[Dict[str, Optional[Union[str, Path]]]] = None,
    lexicon_dropout: float = 0.0,
    class_rows: int = 4000,
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

    ``lexicons`` adds further dictionaries, each its own channel
    (``lexicon_sources.py``): which of its words begin, end or cover the token,
    of what class (person, place, organisation, other proper noun, noun, verb …,
    from the dictionary's tags) and how frequent. The three features of a source
    are embedded and summed into one vector per source. A source named with a
    null path is left out. In training, ``lexicon_dropout`` of the matches of
    every dictionary (``lexicon`` too) are left out.

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
    lexicons (Optional[Dict[str, Optional[Union[str, Path]]]]): Further
        dictionary files by source name (one word per line, optionally a
        frequency and a tag: jieba's format or ``word<TAB>freq<TAB>tag``).
    lexicon_dropout (float): Share of dictionary matches left out in training.
    class_rows (int): Rows of each source's class table.
    RETURNS (Model[List[Doc], List[Floats2d]]): One vector per token.
    """
    if combine not in COMBINE:
        raise HanziError(Errors.E308.format(combine=combine, options=COMBINE))
    embeddings = hash_embeddings(width, unigram_rows, bigram_rows, shape_rows)
    sources = {name: path for name, path in (lexicons or {}).items() if path}
    if lexicon is None and not sources:
        return embed_chain(CharNgramFeatures(), embeddings, width, combine)
    column = 4
    if lexicon is not None:
        embeddings.append(HashEmbed(width, lexicon_rows, column=4, seed=12))
        column += 1
    for i, _ in enumerate(sources):
        seed = 20 + 3 * i
        embeddings.append(
            add(
                HashEmbed(width, lexicon_rows, column=column, seed=seed),
                HashEmbed(width, class_rows, column=column + 1, seed=seed + 1),
                HashEmbed(width, 64, column=column + 2, seed=seed + 2),
            )
        )
        column += 3
    features = CharNgramLexiconFeatures(
        lexicon, max_word_length, sources, lexicon_dropout
    )
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
    lexicon: Optional[Union[str, Path]],
    max_length: int,
    sources: Optional[Dict[str, Union[str, Path]]] = None,
    dropout: float = 0.0,
) -> Model[List[Doc], List[Ints2d]]:
    """The four CharNgramFeatures columns, the lexicon bits if there is a lexicon,
    and three columns per further source (uint64)."""
    names = list(sources or {})
    attrs = {
        "lexicon": None if lexicon is None else str(lexicon),
        "max_length": max_length,
        "lexicon_keys": numpy.zeros((0,), dtype="uint64"),
        "sources": names,
        "source_paths": {name: str(path) for name, path in (sources or {}).items()},
        "dropout": dropout,
    }
    for name in names:
        for part in SOURCE_PARTS:
            attrs[f"source_{name}_{part}"] = getattr(LexiconSource.empty(), part)
    return Model(
        "char_ngram_lexicon_features",
        _lexicon_features_forward,
        init=_lexicon_features_init,
        attrs=attrs,
    )


SOURCE_PARTS = ("keys", "classes", "bands")


def _lexicon_features_init(
    model: Model, X: Optional[List[Doc]] = None, Y: Optional[List[Floats2d]] = None
) -> None:
    vocab = X[0].vocab if X else Vocab()
    max_length = model.attrs["max_length"]
    model.attrs["lexicon_keys"] = load_keys(model.attrs["lexicon"], vocab, max_length)
    for name in model.attrs.get("sources", []):
        path = model.attrs["source_paths"][name]
        source = load_source(path, vocab, max_length)
        for part in SOURCE_PARTS:
            model.attrs[f"source_{name}_{part}"] = getattr(source, part)


def _lexicon_features_forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[List[Ints2d], Callable]:
    if not docs:
        return [], lambda d_features: []
    max_length = model.attrs["max_length"]
    dropout = model.attrs.get("dropout", 0.0) if is_train else 0.0
    norms, joinable, wordlike, ends = batch_attrs(docs)
    columns = [numpy.vstack([ngram_keys(doc) for doc in docs])]
    if model.attrs["lexicon"] is not None:
        keys = model.attrs["lexicon_keys"]
        if dropout > 0.0:
            source = LexiconSource(keys, *_no_classes(len(keys)))
            bits = source_features(
                norms, joinable, wordlike, source, max_length, dropout, _RNG
            )[:, 0]
        else:
            bits = token_bits(norms, joinable, wordlike, keys, max_length)
        columns.append(bits[:, None])
    for name in model.attrs.get("sources", []):
        source = LexiconSource(
            *(model.attrs[f"source_{name}_{part}"] for part in SOURCE_PARTS)
        )
        columns.append(
            source_features(
                norms, joinable, wordlike, source, max_length, dropout, _RNG
            )
        )
    table = numpy.hstack(columns)
    features = [
        model.ops.asarray2i(part, dtype="uint64")
        for part in numpy.split(table, ends[:-1])
    ]
    return features, lambda d_features: []


# Draws the dictionary matches left out in training, from a fixed seed so that a
# training run repeats.
_RNG = numpy.random.default_rng(0)


def _no_classes(n: int) -> Tuple[numpy.ndarray, numpy.ndarray]:
    return numpy.zeros((n,), "uint8"), numpy.zeros((n,), "uint8")


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
