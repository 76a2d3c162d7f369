"""Sentence boundaries by rule, kept by the segmenter, scored against gold words."""

import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from hanzi_spacy.pipeline.sentences import score_sentences


@pytest.fixture(scope="module")
def nlp():
    tokenizer = {"@tokenizers": "hanzi-spacy.char_pretokenizer.v2"}
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": tokenizer}})
    nlp.add_pipe("hanzi_sentencizer")
    return nlp


@pytest.mark.parametrize(
    "text,sentences",
    [
        ("今天很好。明天也好！", ["今天很好。", "明天也好！"]),
        ("他说：“走吧。”我们就走了。", ["他说：“走吧。”", "我们就走了。"]),
        ("真的吗？！是的……好", ["真的吗？！", "是的……", "好"]),
        ("（完）。下一段", ["（完）。", "下一段"]),
        ("第一行\n第二行", ["第一行\n", "第二行"]),
        ("价格是1.5元，网址example.com。", ["价格是1.5元，网址example.com。"]),
        ("It works. 好的", ["It works. ", "好的"]),
        ("没有句号", ["没有句号"]),
        ("。。。", ["。。。"]),
    ],
)
def test_rules(nlp, text, sentences):
    doc = nlp(text)
    assert [s.text_with_ws for s in doc.sents] == sentences


@pytest.mark.parametrize("text", ["", " ", "\n\n", "。", "a"])
def test_sents_work_on_any_doc(nlp, text):
    doc = nlp(text)
    assert "".join(s.text_with_ws for s in doc.sents) == text


def test_trained_pipeline_keeps_sentences_on_words(trained_nlp):
    text = "江泽民在北京会见了代表团。他说：“欢迎！”\n这本书很好看"
    doc = trained_nlp(text)
    assert [s.text_with_ws for s in doc.sents] == [
        "江泽民在北京会见了代表团。",
        "他说：“欢迎！”\n",
        "这本书很好看",
    ]
    (piped,) = trained_nlp.pipe([text])
    assert [s.text for s in piped.sents] == [s.text for s in doc.sents]


def test_score_against_gold_words(nlp):
    gold = Doc(nlp.vocab, words=["你好", "。", "我", "很", "好", "！", "再见"])
    perfect = nlp(gold.text)
    assert score_sentences([Example(perfect, gold)])["sents_f"] == 1.0
    wrong = nlp.make_doc(gold.text)
    for i, token in enumerate(wrong):
        token.is_sent_start = i == 0
    assert score_sentences([Example(wrong, gold)])["sents_f"] < 0.5


@pytest.mark.parametrize(
    "text,starts",
    [
        ("係唔係啊.", [4]),
        ("好……真的？！", [1, 5]),
        ("价格1.5元. 好", [4]),
        ("１．加强", []),
        ("例.如", []),
    ],
)
def test_sentence_final_punctuation_begins_a_word(nlp, text, starts):
    from hanzi_spacy.pipeline.sentences import punctuation_starts

    doc = nlp(text)
    assert [i for i, s in enumerate(punctuation_starts(doc)) if s] == starts


def test_trained_pipeline_keeps_a_final_full_stop_apart(trained_nlp):
    doc = trained_nlp("係唔係啊.")
    assert doc[-1].text == "."
