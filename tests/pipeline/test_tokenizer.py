"""The character pretokenizer: units, exact round trips, version 1 unchanged."""

import re

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st


def blank(version: int):
    tokenizer = {"@tokenizers": f"hanzi-spacy.char_pretokenizer.v{version}"}
    return spacy.blank("zh", config={"nlp": {"tokenizer": tokenizer}})


NLP2 = blank(2)


@pytest.mark.parametrize(
    "text,units",
    [
        ("請訪問https://example.com/a?b=1或發郵件", ["https://example.com/a?b=1"]),
        ("见 www.abc.cn/x.html。", ["www.abc.cn/x.html"]),
        ("写信到foo.bar+x@mail.example.cn。", ["foo.bar+x@mail.example.cn"]),
        ("增长了3.5%，达到-1,000.5亿元", ["3.5%", "-1,000.5"]),
        (
            "１．５亿，３．５％，12:30，2024/1/5",
            ["１．５", "３．５％", "12:30", "2024/1/5"],
        ),
        ("升级到v1.2.3和Python3.11", ["v1.2.3", "Python3.11"]),
        (
            "Привет мир こんにちは 안녕하세요 café",
            ["Привет", "こんにちは", "안녕하세요", "café"],
        ),
        ("@user_1 转发 #tag 话题", ["@user_1", "#tag"]),
        ("家庭👨‍👩‍👧‍👦和🇨🇳，👍🏽", ["👨‍👩‍👧‍👦", "🇨🇳", "👍🏽"]),
        ("e\u0301 组合", ["e\u0301"]),
    ],
)
def test_units_stay_whole(text, units):
    tokens = [t.text for t in NLP2(text)]
    for unit in units:
        assert unit in tokens, (unit, tokens)


def test_cjk_characters_and_punctuation_stay_single():
    assert [t.text for t in NLP2("中华人民共和国，你好。")] == list(
        "中华人民共和国，你好。"
    )
    assert [t.text for t in NLP2("1，2，3")] == ["1", "，", "2", "，", "3"]


def test_version_1_is_unchanged():
    nlp = blank(1)
    assert [t.text for t in nlp("3.5%和iPhone12")] == [
        "3",
        ".",
        "5",
        "%",
        "和",
        "iPhone12",
    ]


WILD = st.text(
    st.sampled_from(
        list("中文字。，！？“”")
        + list("abcXYZ019０１２.,:/%@#_-+ \n")
        + ["é", "👍", "🏽", "\u200d", "\u0301", "я", "ア", "한"]
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(st.characters(exclude_categories=["Cs"])), WILD))
def test_round_trip_is_exact(text):
    doc = NLP2(text)
    assert doc.text == text
    assert "".join(t.text_with_ws for t in doc) == text


URL = re.compile(r"https?://[A-Za-z0-9./?=&_-]*[A-Za-z0-9/_=&-]")
NUMBER = re.compile(r"(?<![0-9])[0-9]+(?:\.[0-9]+)+")


@settings(max_examples=200, deadline=None)
@given(
    before=st.sampled_from(["", "访问", "见 ", "（", "价格"]),
    unit=st.one_of(
        st.from_regex(
            r"https?://[a-z]{1,8}\.(com|cn)(/[a-z0-9]{1,5}){0,2}", fullmatch=True
        ),
        st.from_regex(r"[1-9][0-9]{0,3}(\.[0-9]{1,3}){1,2}", fullmatch=True),
        st.from_regex(r"[a-zA-Z]{1,8}", fullmatch=True),
        st.from_regex(r"[а-я]{1,8}", fullmatch=True),
    ),
    after=st.sampled_from(["", "。", "元", "或者", " 好", "）", "，"]),
)
def test_url_number_and_alphabetic_runs_are_never_split(before, unit, after):
    text = before + unit + after
    assert unit in [t.text for t in NLP2(text)]


def test_norm_folds_width_and_text_stays():
    doc = NLP2("１．５亿ＡＢＣ，1.5亿")
    assert [t.text for t in doc] == ["１．５", "亿", "ＡＢＣ", "，", "1.5", "亿"]
    assert [t.norm_ for t in doc] == ["1.5", "亿", "abc", ",", "1.5", "亿"]
    assert doc.text == "１．５亿ＡＢＣ，1.5亿"
    assert blank(1)("ＡＢＣ")[0].norm_ == "ａｂｃ"  # version 1 unchanged
