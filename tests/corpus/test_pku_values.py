"""DATE, TIME, MONEY, PERCENT, QUANTITY, CARDINAL and ORDINAL from PKU tags."""

from pathlib import Path

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import ConversionReport
from hanzi_spacy.corpus.pku import convert_pku, entity_spans
from hanzi_spacy.corpus.pku_values import VALUE_LABELS, value_spans


def values(line: str):
    words, tags = zip(*(token.rsplit("/", 1) for token in line.split()))
    return [("".join(words[s:e]), label) for s, e, label in value_spans(words, tags)]


@pytest.mark.parametrize(
    "line,expected",
    [
        # a date in several time words is one DATE; the time of day after it a TIME
        (
            "１９９８年/t  １月/t  １日/t  下午/t  三/m  点/q",
            [("１９９８年１月１日", "DATE"), ("下午三点", "TIME")],
        ),
        ("一九九七年/t  十二月/t  三十一日/t", [("一九九七年十二月三十一日", "DATE")]),
        # relative dates and holidays; a season only beside a date
        ("比/p  去年/t  增长/v", [("去年", "DATE")]),
        ("今年/t  冬天/t  春节/t", [("今年冬天春节", "DATE")]),
        ("冬季/t  运动/vn", []),
        # time words without a calendar unit are not dates
        ("目前/t  、/w  现在/t  、/w  当时/t", []),
        # 一时 is "for a moment"
        ("一时/t  难以/d", []),
        ("１８时/t  ３０分/t  ，/w", [("１８时３０分", "TIME")]),
        # amounts with their magnitudes, approximations and currencies
        ("５０亿/m  元/q  ，/w", [("５０亿元", "MONEY")]),
        ("２１００/m  多/m  万/m  美元/q", [("２１００多万美元", "MONEY")]),
        ("３００/m  日元/n", [("３００日元", "MONEY")]),
        ("６０/m  至/p  ７０万/m  美元/q", [("６０至７０万美元", "MONEY")]),
        # percentages, full- and half-width, and percentage points
        ("增长/v  ３．５％/m  。/w", [("３．５％", "PERCENT")]),
        ("增长/v  3.5%/m", [("3.5%", "PERCENT")]),
        ("百分之十七/m", [("百分之十七", "PERCENT")]),
        ("提高/v  ３/m  个/q  百分点/n", [("３个百分点", "PERCENT")]),
        # units of measure; below zero belongs to the value
        ("２００/m  公斤/q  大米/n", [("２００公斤", "QUANTITY")]),
        ("零下/s  四十八/m  摄氏度/q", [("零下四十八摄氏度", "QUANTITY")]),
        ("４/m  —/w  ６/m  公斤/q", [("４—６公斤", "QUANTITY")]),
        # periods and ages are dates; less than a day is a time
        ("５/m  年/q  来/f", [("５年", "DATE")]),
        ("３/m  个/q  月/n", [("３个月", "DATE")]),
        ("６０/m  岁/q", [("６０岁", "DATE")]),
        ("过去/v  ４/m  个/q  多/m  月/n", [("４个多月", "DATE")]),
        ("四/m  年/q  多/m  的/u", [("四年多", "DATE")]),
        ("８０/m  年代/n", [("８０年代", "DATE")]),
        ("２４/m  小时/n", [("２４小时", "TIME")]),
        ("２/m  分/q  １３/m  秒/q", [("２分１３秒", "TIME")]),
        ("农历/n  腊月/t  二十三/m  ，/w", [("腊月二十三", "DATE")]),
        # ordinals: the measure word after them stays outside
        ("第十五/m  次/q  会议/n", [("第十五", "ORDINAL")]),
        # other numbers are cardinals, the measure word outside
        ("７２/m  个/q  国家/n", [("７２", "CARDINAL")]),
        ("两/m  国/n", [("两", "CARDINAL")]),
        ("比分/n  ３∶０/m", [("３∶０", "CARDINAL")]),
        # 一 with a unit counts; as an article it does not
        ("一/m  年/q  里/f", [("一年", "DATE")]),
        ("一/m  位/q  画家/n  、/w  一个/m  好/a  制度/n", []),
        # vague amounts, adverbs and plan names are not numbers
        ("许多/m  一些/m  十分/m  九五/m  计划/n", []),
        # the numbers of list items and of points made
        ("。/w  四/m  、/w  要/v", []),
        ("，/w  三/m  是/v  从/p", []),
        ("（/w  ２/m  ）/w", []),
        ("。/w  １/m  ：/w  新兵/n", []),
        # telephone numbers; years written as numbers
        ("电话/n  ５４０１２２０/m", []),
        ("在/p  ’/w  ９７/m", [("’９７", "DATE")]),
        (
            "由/p  １９９３/m  、/w  １９９４年/t",
            [("１９９３", "DATE"), ("１９９４年", "DATE")],
        ),
        # ranges of dates, and the end of a year
        ("１２日/t  至/p  １５日/t  在/p", [("１２日至１５日", "DATE")]),
        ("１９５７年/t  末/f", [("１９５７年末", "DATE")]),
        ("早上/t  六点/t  多/m  钟/n", [("早上六点多钟", "TIME")]),
        ("去年/t  全年/n", [("去年全年", "DATE")]),
        ("创建/v  头/m  一/m  年/q", [("头一年", "DATE")]),
        ("２７日/t  晚/Tg  ７时/t", [("２７日", "DATE"), ("晚７时", "TIME")]),
        ("２/m  元/q  至/p  ３/m  元/q", [("２元至３元", "MONEY")]),
        ("３０％/m  —/w  ５０％/m", [("３０％—５０％", "PERCENT")]),
        ("６０２/m  公里/q  １００/m  米/q", [("６０２公里１００米", "QUANTITY")]),
        ("５/m  年/q  半/m  来/f", [("５年半", "DATE")]),
        ("２/m  尺/q  多/m  宽/a", [("２尺多", "QUANTITY")]),
        ("１４０/m  公里/q  左右/m", [("１４０公里左右", "QUANTITY")]),
        (
            "３０/m  度/q  ，/w  连续/a  三/m  度/q  邀请/v",
            [("３０度", "QUANTITY"), ("三", "CARDINAL")],
        ),
        ("３万/m  元/q  港币/n", [("３万元港币", "MONEY")]),
        ("２/m  分/q  １３/m  秒/q  ９３/m  的/u", [("２分１３秒９３", "TIME")]),
        (
            "仅/d  １９９６/m  、/w  １９９７/m  年/q",
            [("１９９６", "DATE"), ("１９９７年", "DATE")],
        ),
        ("１９９７/m  中国/ns  十/m  大/a", [("１９９７", "DATE"), ("十", "CARDINAL")]),
        ("“/w  三/m  下乡/v  ”/w", []),
        ("面值/n  升高/v  １０００/m  倍/q", [("１０００", "CARDINAL")]),
        ("使/v  ２６００/m  多/m  名/q", [("２６００多", "CARDINAL")]),
        ("开展/v  『/w  三一五/m  忠告/n  』/w", []),
        (
            "八/m  届/q  人大/j  、/w  两/m  届/q  全会/n",
            [("八", "ORDINAL"), ("两", "CARDINAL")],
        ),
        ("今年/t  第一/m  季度/n", [("今年第一季度", "DATE")]),
        ("如今/t  五十/m  开外/u", [("五十开外", "CARDINAL")]),
        # a time word in quotes is a figure of speech
        ("赞美/v  『/w  黄昏/t  』/w", []),
    ],
)
def test_value_rules(line, expected):
    assert values(line) == expected


def test_numbers_inside_organisation_names_are_not_values():
    words = ["芝加哥", "第一", "国民", "银行", "７２", "个", "国家"]
    tags = ["ns", "m", "n", "n", "m", "q", "n"]
    assert value_spans(words, tags, ("银行",)) == [(4, 5, "CARDINAL")]
    assert value_spans(words, tags)[0] == (1, 2, "ORDINAL")


def test_every_rule_label_is_a_value_label():
    line = (
        "１９９８年/t  下午/t  ５０亿/m  元/q  ３％/m  ２/m  吨/q  第一/m  ７２/m  个/q"
    )
    assert {label for _, label in values(line)} == set(VALUE_LABELS)


def test_the_issue_sentence(tmp_path: Path):
    line = (
        "１９９８年/t  １月/t  １日/t  下午/t  三/m  点/q  ，/w  上海/ns  证券/n  "
        "交易所/n  的/u  成交额/n  达到/v  ５０亿/m  元/q  ，/w  比/p  去年/t  "
        "增长/v  ３．５％/m  。/w\n"
    )
    path = tmp_path / "a.txt"
    path.write_text(line, encoding="utf-8")
    (doc,) = convert_pku(path, Vocab(), ConversionReport())
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("１９９８年１月１日", "DATE"),
        ("下午三点", "TIME"),
        ("上海证券交易所", "ORG"),
        ("５０亿元", "MONEY"),
        ("去年", "DATE"),
        ("３．５％", "PERCENT"),
    ]


def test_values_can_be_turned_off():
    words = ["北京", "大学", "１９９８年", "成立"]
    tags = ["ns", "n", "t", "v"]
    doc = Doc(Vocab(), words=words, spaces=[False] * 4)
    assert [(e.text, e.label_) for e in entity_spans(doc, tags)] == [
        ("北京大学", "ORG"),
        ("１９９８年", "DATE"),
    ]
    assert [(e.text, e.label_) for e in entity_spans(doc, tags, values=False)] == [
        ("北京大学", "ORG")
    ]
