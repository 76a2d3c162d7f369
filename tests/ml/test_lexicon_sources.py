"""Dictionary sources as feature channels: bounds, classes and frequency bands."""

import numpy
import pytest
import spacy
from thinc.api import fix_random_seed

from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.lexicon import batch_attrs, token_bits, word_keys
from hanzi_spacy.ml.lexicon_sources import (
    CLASSES,
    build_source,
    frequency_bands,
    parse_entry,
    read_source,
    source_features,
    tag_class,
)
from hanzi_spacy.ml.ngram_embed import build_char_ngram_embed
from hanzi_spacy.tokenizer import create_char_pretokenizer

JIEBA_LINES = [
    "李鹏 120 nr",
    "北京 5000 ns",
    "北京市 900 ns",
    "新华社 300 nt",
    "会见 800 v",
    "中国人民 50 n",
    "人民 3000 n",
]
TEXTS = ["李鹏在北京市会见新华社记者。", "中国人民\n北京", "", "李", "北京北京市"]


@pytest.fixture
def nlp():
    nlp = spacy.blank("zh")
    nlp.tokenizer = create_char_pretokenizer()(nlp)
    return nlp


@pytest.fixture
def source_file(tmp_path):
    path = tmp_path / "jieba.txt"
    path.write_text("\n".join(JIEBA_LINES) + "\n", encoding="utf-8")
    return path


def features_of(nlp, text, source, dropout=0.0, rng=None):
    norms, joinable, wordlike, _ = batch_attrs([nlp(text)])
    return source_features(norms, joinable, wordlike, source, 6, dropout, rng)


def test_entries_in_every_format():
    assert parse_entry("李鹏 120 nr") == ("李鹏", 120, "nr")
    assert parse_entry("李鹏\tnr") == ("李鹏", None, "nr")
    assert parse_entry("李鹏\t120\tnr") == ("李鹏", 120, "nr")
    assert parse_entry("李鹏\t120") == ("李鹏", 120, None)
    assert parse_entry("李鹏") == ("李鹏", None, None)
    assert parse_entry("李鹏 120 nr extra") is None
    assert parse_entry("李鹏 nr nz") is None


def test_a_bad_line_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("李鹏 120 nr\n北京 1 2 3 4\n", encoding="utf-8")
    with pytest.raises(HanziError, match="bad.txt:2"):
        read_source(path)
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(HanziError, match="empty"):
        read_source(tmp_path / "empty.txt")


def test_tags_give_classes():
    assert CLASSES[tag_class("nr")] == "PER"
    assert CLASSES[tag_class("nrt")] == "PER"
    assert CLASSES[tag_class("ns")] == "LOC"
    assert CLASSES[tag_class("nt")] == "ORG"
    assert CLASSES[tag_class("nz")] == "NZ"
    assert CLASSES[tag_class("vn")] == "V"
    assert CLASSES[tag_class(None)] == "OTHER"
    assert CLASSES[tag_class("x")] == "OTHER"


def test_bands_are_quartiles_and_zero_when_unknown():
    bands = frequency_bands([1, 10, 100, 1000, None])
    assert bands.tolist()[:4] == sorted(bands.tolist()[:4])
    assert bands[0] == 1 and bands[3] == 4 and bands[4] == 0
    assert frequency_bands([None, None]).tolist() == [0, 0]


def test_bounds_equal_the_lexicon_bits(nlp, source_file):
    source = build_source(read_source(source_file), nlp.vocab, 6)
    keys = word_keys([line.split()[0] for line in JIEBA_LINES], nlp.vocab, 6)
    assert numpy.array_equal(source.keys, keys)
    for text in TEXTS:
        norms, joinable, wordlike, _ = batch_attrs([nlp(text)])
        expected = token_bits(norms, joinable, wordlike, keys, 6)
        assert features_of(nlp, text, source)[:, 0].tolist() == expected.tolist()


def test_classes_mark_first_inside_and_last_token(nlp, source_file):
    source = build_source(read_source(source_file), nlp.vocab, 6)
    features = features_of(nlp, "李鹏在北京市", source)
    per, loc = CLASSES.index("PER"), CLASSES.index("LOC")
    assert features[0, 1] == 1 << (3 * per)  # 李: first of a name
    assert features[1, 1] == 1 << (3 * per + 2)  # 鹏: last of it
    assert features[2, 1] == 0  # 在
    # 北: first of 北京 and of 北京市; 京: last of 北京, inside 北京市; 市: last.
    assert features[3, 1] == 1 << (3 * loc)
    assert features[4, 1] == (1 << (3 * loc + 2)) | (1 << (3 * loc + 1))
    assert features[5, 1] == 1 << (3 * loc + 2)
    # bands: 北京 is in a higher band than 北京市, both begin at 北.
    assert bin(int(features[3, 2])).count("1") == 2


def test_dropout_leaves_out_matches_only_in_training(nlp, source_file):
    source = build_source(read_source(source_file), nlp.vocab, 6)
    text = "李鹏在北京市会见新华社记者。" * 20
    full = features_of(nlp, text, source)
    dropped = features_of(nlp, text, source, 0.5, numpy.random.default_rng(0))
    assert (dropped[:, 1] != 0).sum() < (full[:, 1] != 0).sum()
    assert ((dropped[:, 1] & ~full[:, 1]) == 0).all()  # nothing new appears
    assert (features_of(nlp, text, source, 1.0, numpy.random.default_rng(0)) == 0).all()


def test_embed_with_sources_saves_them_and_needs_no_file(tmp_path, nlp, source_file):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("中国\n人民\n", encoding="utf-8")
    fix_random_seed(0)
    model = build_char_ngram_embed(
        8,
        100,
        100,
        10,
        lexicon=lexicon,
        lexicons={"jieba": source_file, "unused": None},
        lexicon_dropout=0.2,
    )
    docs = [nlp(text) for text in TEXTS]
    model.initialize(X=docs)
    features = model.layers[0]
    assert features.attrs["sources"] == ["jieba"]
    (columns, *_) = features.predict(docs)
    assert columns.shape == (len(docs[0]), 4 + 1 + 3)
    vectors = model.predict(docs)
    assert [v.shape for v in vectors] == [(len(d), 8) for d in docs]
    source_file.unlink()
    lexicon.unlink()
    copy = build_char_ngram_embed(
        8,
        100,
        100,
        10,
        lexicon=lexicon,
        lexicons={"jieba": source_file},
        lexicon_dropout=0.2,
    )
    copy.from_bytes(model.to_bytes())
    for ours, theirs in zip(copy.predict(docs), vectors):
        numpy.testing.assert_array_equal(ours, theirs)


def test_training_features_differ_only_by_dropout(nlp, source_file):
    model = build_char_ngram_embed(8, 100, 100, 10, lexicons={"j": source_file})
    docs = [nlp(text) for text in TEXTS]
    model.initialize(X=docs)
    features = model.layers[0]
    predicted = features.predict(docs)
    trained, _ = features(docs, is_train=True)
    for a, b in zip(predicted, trained):
        numpy.testing.assert_array_equal(a, b)
