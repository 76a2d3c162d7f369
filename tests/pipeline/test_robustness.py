"""Any str goes through nlp() and nlp.pipe() with nothing lost."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import PREDICTION_DTYPE, agreement, analysis, assert_close, spacy

LABELS = {"POSITIVE", "NEGATIVE"}

FIXED = [
    "",
    " ",
    "   \n\t ",
    "\x00",
    "\x00中\x01文\x7f",
    "👨‍👩‍👧‍👦 家庭 🇨🇳🇺🇸 旗",
    "e\u0301\u0301 组合符号",
    "零\u200b宽\u200d字\u200c符\ufeff",
    "مرحبا بالعالم 你好 שלום",
    "𠀀𠀁𪜀 扩展B",
    "繁體中文與簡體中文",
    "ＡＢＣ１２３，全角！",
    "\r\n\r\n",
    "访问 https://example.com/a?b=1&c=中文 或写信到 user@example.cn 。",
]


def check(nlp, text, doc):
    assert doc.text == text
    assert "".join(t.text_with_ws for t in doc) == text
    for token in doc:
        if not token.is_space:
            assert token.tag_ and token.pos_
    for ent in doc.ents:
        assert 0 <= ent.start_char < ent.end_char <= len(text)
        assert text[ent.start_char : ent.end_char] == ent.text
        assert ent.text.strip()
    assert "".join(s.text_with_ws for s in doc.sents) == text
    assert all(doc[s.start].is_sent_start for s in doc.sents)
    assert set(doc.cats) == LABELS
    assert all(0.0 <= v <= 1.0 for v in doc.cats.values())


@pytest.mark.parametrize("text", FIXED)
def test_fixed_cases(trained_nlp, text):
    check(trained_nlp, text, trained_nlp(text))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=80))
def test_any_text(trained_nlp, text):
    check(trained_nlp, text, trained_nlp(text))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_pipe_equals_call_for_any_texts(float32_nlp, texts):
    # In float32: in bfloat16 the backbone's rounding depends on the padding of
    # the batch (test_pipe_is_close_to_call_in_bfloat16).
    expected = [analysis(float32_nlp(t)) for t in texts]
    for batch_size in (1, 4):
        got = [analysis(d) for d in float32_nlp.pipe(texts, batch_size=batch_size)]
        assert same_analyses(got, expected)


def same_analyses(got, expected) -> bool:
    """Words, tags and entities equal; each class score equal to its fourth decimal.

    The scores are rounded to four decimals by ``analysis``; a float32 sum taken
    in another order (a batch) may land a score on the other side of a rounding
    boundary (0.97805), so they may differ by one in the fourth decimal.
    """
    if len(got) != len(expected):
        return False
    for (words, ents, cats), (words_e, ents_e, cats_e) in zip(got, expected):
        if words != words_e or ents != ents_e or cats.keys() != cats_e.keys():
            return False
        if any(abs(cats[k] - cats_e[k]) > 1.5e-4 for k in cats):
            return False
    return True


def test_pipe_is_close_to_call_in_bfloat16(trained_path):
    nlp = spacy.load(trained_path, config={PREDICTION_DTYPE: "bfloat16"})
    texts = ["<S11", "00000000000000", "中华人民共和国主席江泽民在北京会见了克林顿。"]
    texts += ["这本书很好看！", "iPhone12 很好用", "长" * 300]
    expected = [analysis(nlp(t)) for t in texts]
    assert_close(expected, [analysis(d) for d in nlp.pipe(texts, batch_size=4)])


def test_agreement_counts_disagreements():
    words = [("北", "", "ns", "PROPN"), ("京", "", "ns", "PROPN")]
    merged = [("北京", "", "ns", "PROPN")]
    assert agreement([(words, [], {})], [(words, [], {})]) == 1.0
    assert agreement([(words, [], {})], [(merged, [], {})]) == 0.0
    assert agreement([(words, [(0, 2, "LOC")], {})], [(words, [], {})]) == 2 / 3


@pytest.mark.parametrize(
    "text",
    [
        "中文" * 100_000,  # 200,000 characters: far longer than a 128-character window
        "a" * 5000,
        "1" * 3000,
    ],
    ids=["200k-chars", "5000-latin", "3000-digits"],
)
def test_long_inputs(trained_nlp, text):
    check(trained_nlp, text, trained_nlp(text))


def test_pipe_with_two_processes_and_batch_size_one(trained_path):
    # float32: exact whatever the batching (bfloat16: see above)
    nlp = spacy.load(trained_path, config={PREDICTION_DTYPE: "float32"})
    texts = FIXED + ["江泽民在北京会见代表团。"] * 3
    expected = [analysis(nlp(t)) for t in texts]
    got = [analysis(d) for d in nlp.pipe(texts, n_process=2, batch_size=1)]
    assert got == expected


def test_lone_surrogates_become_replacement_characters(trained_nlp):
    from hanzi_spacy.tokenizer import SURROGATES_KEY

    text = "坏\ud800字符\udcff。"  # as errors="surrogateescape" decoding leaves them
    doc = trained_nlp(text)
    assert doc.text == "坏\ufffd字符\ufffd。"
    assert doc.user_data[SURROGATES_KEY] == [1, 4]
    texts = ["北京欢迎你。", text, "\udfff", "上海。"]
    docs = list(trained_nlp.pipe(texts, batch_size=4))
    assert [len(d.text) for d in docs] == [len(t) for t in texts]
    assert docs[0].text == texts[0] and docs[3].text == texts[3]
    assert analysis(docs[1]) == analysis(doc)
