"""Traditional text is read as Simplified by the model; the user's text stays."""

import pytest

from hanzi_spacy.script import script_view


def test_script_view_keeps_the_length():
    assert script_view("國務院總理李鵬在北京會見了臺灣代表團。") == (
        "国务院总理李鹏在北京会见了台湾代表团。"
    )
    assert script_view("abc 123") == "abc 123"
    assert script_view("國務院", "") == "國務院"
    for text in ["乾隆皇帝", "㍿株式會社", "後來的髮型", "👨‍👩‍👧"]:
        assert len(script_view(text)) == len(text)


def test_unknown_script_is_refused():
    from hanzi_spacy.script import check_script

    with pytest.raises(ValueError, match="script"):
        check_script("s2t")


def test_traditional_text_gets_the_analysis_of_its_simplified_form(float32_nlp):
    simplified = "中华人民共和国主席江泽民在北京会见了国务院总理。"
    traditional = "中華人民共和國主席江澤民在北京會見了國務院總理。"
    a, b = float32_nlp(simplified), float32_nlp(traditional)
    assert b.text == traditional
    assert [len(t) for t in a] == [len(t) for t in b]
    assert [t.tag_ for t in a] == [t.tag_ for t in b]
    assert [(e.start_char, e.end_char, e.label_) for e in a.ents] == [
        (e.start_char, e.end_char, e.label_) for e in b.ents
    ]
    assert [traditional[e.start_char : e.end_char] for e in b.ents] == [
        e.text for e in b.ents
    ]
