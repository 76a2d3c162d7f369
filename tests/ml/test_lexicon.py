"""The lexicon features of CharNgramEmbed.v1 and the lexicon file preprocess writes."""

from pathlib import Path

import numpy
import pytest
import spacy
from thinc.api import fix_random_seed

from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.lexicon import (
    INSIDE,
    batch_lexicon_bits,
    lexicon_bits,
    load_keys,
    read_lexicon,
    word_keys,
)
from hanzi_spacy.ml.ngram_embed import build_char_ngram_embed
from hanzi_spacy.tokenizer import create_char_pretokenizer
from workflow.preprocess import write_lexicon

from ..conftest import pku_docs, review_docs

WORDS = ["中国", "人民", "中国人民", "北京市", "iPhone手机", "发展", "民在", "上海"]
TEXTS = [
    "中国人民在北京市发展经济。",
    "中国 人民 中国\n人民iPhone手机",
    "iphone手机，上海  上海",
    "",
    "中",
    "北京市北京市",
]


@pytest.fixture
def nlp():
    nlp = spacy.blank("zh")
    nlp.tokenizer = create_char_pretokenizer()(nlp)
    return nlp


def brute_force(doc, words, max_length):
    """The bits from the definition, on the tokens' lowercased texts."""
    lower = {w.lower() for w in words}
    bits = [0] * len(doc)
    for i in range(len(doc)):
        for length in range(2, max_length + 1):
            span = doc[i : i + length]
            if len(span) < length or any(t.is_space for t in span):
                continue
            if any(t.whitespace_ for t in span[:-1]):
                continue
            if span.text.lower() in lower:
                bits[i] |= 1 << (length - 2)
                bits[i + length - 1] |= 1 << (8 + length - 2)
                for j in range(i + 1, i + length - 1):
                    bits[j] |= int(INSIDE)
    return bits


@pytest.mark.parametrize("max_length", [2, 4, 6])
@pytest.mark.parametrize("text", TEXTS)
def test_bits_follow_the_definition(nlp, text, max_length):
    keys = word_keys(WORDS, nlp.vocab, max_length)
    doc = nlp(text)
    got = lexicon_bits(doc, keys, max_length)
    assert got.dtype == numpy.uint64 and got.shape == (len(doc),)
    assert got.tolist() == brute_force(doc, WORDS, max_length)


def test_bits_of_a_sentence(nlp):
    keys = word_keys(WORDS, nlp.vocab, 6)
    doc = nlp("中国人民在")
    bits = lexicon_bits(doc, keys, 6).tolist()
    # 中国 and 中国人民 begin at 中; 国 ends 中国 and is inside 中国人民.
    assert bits[0] == 0b1 | 0b100
    assert bits[1] == (1 << 8) | int(INSIDE)
    assert bits[3] == (1 << 8) | (1 << 10) | 0b1  # ends 人民, 中国人民; begins 民在
    assert bits[4] == 1 << 8
    assert not lexicon_bits(doc, word_keys([], nlp.vocab, 6), 6).any()


def test_words_that_cannot_match_are_left_out(nlp):
    keys = word_keys(["中", "中国", "中 国", "一二三四五六七", "中国"], nlp.vocab, 6)
    assert len(keys) == 1


def test_lexicon_file_errors_name_the_line(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("中国\n# comment\n\n人民\tn\n", encoding="utf-8")
    assert read_lexicon(path) == ["中国", "人民"]
    path.write_text("中国\n中 国\n", encoding="utf-8")
    with pytest.raises(HanziError, match=r"words.txt:2"):
        read_lexicon(path)
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(HanziError, match="empty"):
        read_lexicon(path)


def test_write_lexicon_keeps_words_seen_twice(tmp_path, nlp):
    docs = pku_docs(
        nlp.vocab, ["中国/ns  人民/n  中国/ns  。/w", "中国/ns  很/d  好/a"]
    )
    docs += review_docs(nlp.vocab)  # no words: ignored
    assert write_lexicon(docs, tmp_path / "lexicon.txt", min_count=2) == 1
    assert read_lexicon(tmp_path / "lexicon.txt") == ["中国"]
    assert write_lexicon(docs, tmp_path / "all.txt", min_count=1) == 2


def test_embed_reads_the_lexicon_at_init_and_saves_its_keys(tmp_path, nlp):
    path = tmp_path / "lexicon.txt"
    path.write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    fix_random_seed(0)
    model = build_char_ngram_embed(8, 100, 100, 10, lexicon=path)
    docs = [nlp(text) for text in TEXTS]
    model.initialize(X=docs)
    features = model.layers[0]
    assert len(features.attrs["lexicon_keys"]) == len(WORDS)
    vectors = model.predict(docs)
    assert [len(v) for v in vectors] == [len(d) for d in docs]
    path.unlink()  # a trained model needs no file
    copy = build_char_ngram_embed(8, 100, 100, 10, lexicon=path)
    copy.from_bytes(model.to_bytes())
    keys = copy.layers[0].attrs["lexicon_keys"]
    assert numpy.array_equal(keys, features.attrs["lexicon_keys"])
    for ours, theirs in zip(copy.predict(docs), vectors):
        numpy.testing.assert_array_equal(ours, theirs)


def test_embed_without_a_lexicon_has_four_columns(nlp):
    model = build_char_ngram_embed(8, 100, 100, 10, lexicon=None)
    docs = [nlp(text) for text in TEXTS]
    model.initialize(X=docs)
    (columns,) = model.layers[0].predict(docs[:1])
    assert columns.shape == (len(docs[0]), 4)
    assert [v.shape for v in model.predict(docs)] == [(len(d), 8) for d in docs]


def test_missing_lexicon_file_is_refused_at_init(nlp, tmp_path):
    model = build_char_ngram_embed(8, 100, 100, 10, lexicon=tmp_path / "x")
    with pytest.raises((HanziError, OSError), match="x"):
        model.initialize(X=[nlp("中国")])


def test_keys_of_a_file(tmp_path, nlp):
    path = Path(tmp_path / "lexicon.txt")
    path.write_text("中国\n人民\n", encoding="utf-8")
    assert len(load_keys(path, nlp.vocab, 6)) == 2
    assert len(load_keys(None, nlp.vocab, 6)) == 0


def test_a_batch_gives_each_doc_its_own_bits(nlp):
    keys = word_keys(WORDS, nlp.vocab, 6)
    docs = [nlp(text) for text in TEXTS + ["国人民", "中国"]]
    # "中" ends one doc and "国" begins the next: no word across them.
    batch = batch_lexicon_bits(docs, keys, 6)
    one_by_one = [lexicon_bits(doc, keys, 6).tolist() for doc in docs]
    assert [doc_bits.tolist() for doc_bits in batch] == one_by_one
    assert one_by_one[-1] == [0b1, 1 << 8]
    assert batch_lexicon_bits([], keys, 6) == []


@pytest.mark.parametrize("combine", ["maxout", "sum"])
def test_embed_combines_by_maxout_or_sum(nlp, combine):
    model = build_char_ngram_embed(8, 100, 100, 10, combine=combine)
    docs = [nlp(text) for text in TEXTS]
    model.initialize(X=docs)
    assert [v.shape for v in model.predict(docs)] == [(len(d), 8) for d in docs]
    with pytest.raises(HanziError, match="combine"):
        build_char_ngram_embed(8, 100, 100, 10, combine="concat")
