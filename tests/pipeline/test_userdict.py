"""The segmenter's user dictionary."""

import numpy
import pytest
import spacy
from spacy.tokens import Span

from hanzi_spacy.errors import HanziError
from hanzi_spacy.pipeline.segmenter.userdict import UserDictionary, read_user_dictionary

from ..conftest import analysis


def words(nlp, text):
    return [t.text for t in nlp(text)]


@pytest.fixture
def nlp(trained_path):
    # Without the NER: the tiny test model predicts entities on characters it has
    # never seen, and an entity boundary would (rightly) cut a user word.
    return spacy.load(trained_path, exclude=["ner"])


@pytest.mark.parametrize(
    "text",
    [
        "量子纠缠态",
        "我们研究量子纠缠态。",
        "量子纠缠态和量子纠缠态",
        "新华社记者报道量子纠缠态很快。",
        "他说：量子纠缠态！iPhone 12",
    ],
)
def test_user_words_come_out_whole(nlp, text):
    seg = nlp.get_pipe("hanzi_segmenter")
    seg.add_words(["量子纠缠态"])
    tokens = words(nlp, text)
    assert tokens.count("量子纠缠态") == text.count("量子纠缠态")
    assert "".join(t.text_with_ws for t in nlp(text)) == text


def test_user_tag_overrides_the_predicted_tag(nlp):
    nlp.get_pipe("hanzi_segmenter").add_words([("量子纠缠态", "nz")])
    doc = nlp("我们研究量子纠缠态。")
    (word,) = [t for t in doc if t.text == "量子纠缠态"]
    assert (word.tag_, word.pos_) == ("nz", "PROPN")


def test_longest_match_wins():
    user = UserDictionary()
    user.add(["量子", "量子纠缠态", "纠缠"])
    assert list(user.matches("研究量子纠缠态与量子")) == [
        (2, 7, None),
        (8, 10, None),
    ]


def test_entity_wins_over_a_straddling_user_word(nlp):
    seg = nlp.get_pipe("hanzi_segmenter")
    seg.add_words(["京会"])
    doc = nlp.make_doc("在北京会见")
    for name in ("transformer", "tok2vec", "tagger"):
        doc = nlp.get_pipe(name)(doc)
    doc.ents = [Span(doc, 1, 3, label="LOC")]
    scores = seg.predict([doc])
    seg.set_annotations([doc], scores)
    assert "北京" in [t.text for t in doc]
    assert "京会" not in [t.text for t in doc]
    assert [(e.text, e.label_) for e in doc.ents] == [("北京", "LOC")]


def test_remove_words_restores_the_original_segmentation(nlp):
    texts = ["我们研究量子纠缠态。", "江泽民在北京会见代表团。"]
    before = [analysis(nlp(t)) for t in texts]
    seg = nlp.get_pipe("hanzi_segmenter")
    seg.add_words(["量子纠缠态", "在北京会"])
    assert [analysis(nlp(t)) for t in texts] != before
    seg.remove_words(["量子纠缠态", "在北京会"])
    assert seg.words == {}
    assert [analysis(nlp(t)) for t in texts] == before


def test_dictionary_is_saved_with_the_pipeline(nlp, tmp_path):
    nlp.get_pipe("hanzi_segmenter").add_words([("量子纠缠态", "n"), "超导体"])
    nlp.to_disk(tmp_path / "m")
    reloaded = spacy.load(tmp_path / "m")
    assert reloaded.get_pipe("hanzi_segmenter").words == {
        "量子纠缠态": "n",
        "超导体": None,
    }
    assert "超导体" in words(reloaded, "研究超导体")
    from_bytes = spacy.load(tmp_path / "m")
    from_bytes.from_bytes(nlp.to_bytes())
    assert (
        from_bytes.get_pipe("hanzi_segmenter").words
        == reloaded.get_pipe("hanzi_segmenter").words
    )


def test_dictionary_file_and_initialize_setting(nlp, tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# domain terms\n量子纠缠态\tn\n\n超导体\n", encoding="utf-8")
    assert read_user_dictionary(path) == [("量子纠缠态", "n"), ("超导体", None)]
    seg = nlp.get_pipe("hanzi_segmenter")
    seg.load_words(path)
    assert set(seg.words) == {"量子纠缠态", "超导体"}


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "empty"),
        ("# nothing\n\n", "empty"),
        ("好词\n坏 词\n", ":2:"),
        ("好词\tn\tx\n", ":1:"),
        ("\t名词\n", ":1:"),
    ],
)
def test_bad_dictionary_files_are_refused(tmp_path, content, message):
    path = tmp_path / "words.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HanziError, match=message):
        read_user_dictionary(path)


def test_bad_words_are_refused(nlp):
    with pytest.raises(HanziError):
        nlp.get_pipe("hanzi_segmenter").add_words(["有 空格"])
    with pytest.raises(HanziError):
        nlp.get_pipe("hanzi_segmenter").add_words([""])


def test_user_dictionary_via_initialize_config(tiny_backbone, tmp_path):
    from ..conftest import make_nlp, sample_examples

    path = tmp_path / "words.txt"
    path.write_text("量子纠缠态\n", encoding="utf-8")
    nlp = make_nlp(
        tiny_backbone,
        **{"initialize.components.hanzi_segmenter.user_dict": str(path)},
    )
    nlp.initialize(lambda: sample_examples(nlp))
    assert nlp.get_pipe("hanzi_segmenter").words == {"量子纠缠态": None}
    # The NER is untrained here: entities it guesses inside the word would win.
    with nlp.select_pipes(disable=["ner"]):
        assert "量子纠缠态" in words(nlp, "研究量子纠缠态")


def test_large_dictionary_matches_in_one_pass():
    user = UserDictionary()
    user.add(f"词{i:05d}" for i in range(100_000))
    user.add(["量子纠缠态"])
    text = "我们研究量子纠缠态" * 100
    assert sum(1 for _ in user.matches(text)) == 100
    assert numpy.all(numpy.diff([s for s, _, _ in user.matches(text)]) > 0)


def test_jieba_dictionary_format(tmp_path):
    from hanzi_spacy.util import read_user_dictionary

    path = tmp_path / "jieba.txt"
    path.write_text(
        "云计算 5\n韩玉鉴赏 3 nr\n八一双鹿 nz\n台中\n量子纠缠态\tn\n", encoding="utf-8"
    )
    assert read_user_dictionary(path) == [
        ("云计算", None),
        ("韩玉鉴赏", "nr"),
        ("八一双鹿", "nz"),
        ("台中", None),
        ("量子纠缠态", "n"),
    ]
    path.write_text("云计算 5 n\n创新办 3 eng\n", encoding="utf-8")
    with pytest.raises(HanziError, match=r"jieba.txt:2: unknown tag 'eng'"):
        read_user_dictionary(path)
    path.write_text("云计算 n 5\n", encoding="utf-8")
    with pytest.raises(HanziError, match=r"jieba.txt:1:"):
        read_user_dictionary(path)


def test_user_words_match_either_width():
    from hanzi_spacy.pipeline.segmenter.userdict import UserDictionary

    words = UserDictionary()
    words.add(["ＡＢＣ公司", ("iPhone15", "nz")])
    text = "ABC公司和ｉＰｈｏｎｅ１５"
    assert list(words.matches(text)) == [(0, 5, None), (6, 14, "nz")]
