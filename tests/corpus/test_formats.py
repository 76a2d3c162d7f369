"""The user-format converters: words, text, tags, entities, cats and bad lines."""

from pathlib import Path

import pytest
from spacy.vocab import Vocab

from hanzi_spacy.corpus.formats import FORMATS, bio_converter
from hanzi_spacy.corpus.lines import HAS_WORDS, ConversionError, ConversionReport
from hanzi_spacy.errors import HanziError

SIGHAN = (
    "中国 人民 银行 发布 公告 。\n他　说　：　“　好　。　”\n\n"
    "iPhone  新品 在 北京 发售\n"
)

CONLLU = """\
# sent_id = 1
# text = 张三在北京工作。
1\t张三\t张三\tPROPN\tNNP\t_\t4\tnsubj\t_\tSpaceAfter=No|NER=B-PER
2\t在\t在\tADP\tIN\t_\t3\tcase\t_\tSpaceAfter=No|NER=O
3\t北京\t北京\tPROPN\tNNP\t_\t4\tobl\t_\tSpaceAfter=No|NER=B-LOC
4\t工作\t工作\tVERB\tVV\t_\t0\troot\t_\tSpaceAfter=No|NER=O
5\t。\t。\tPUNCT\t.\t_\t4\tpunct\t_\tSpaceAfter=No|NER=O

# sent_id = 2
1\t他\t_\tPRON\tPRP\t_\t_\t_\t_\t_
2\t买\t_\tVERB\tVV\t_\t_\t_\t_\tSpaceAfter=No
3\t了\t_\tAUX\tAS\t_\t_\t_\t_\t_
4\tiPhone\t_\tPROPN\tNNP\t_\t_\t_\t_\t_
5\t6\t_\tNUM\tCD\t_\t_\t_\t_\t_
"""

BIO = "张\tB-PER\n三\tI-PER\n在\tO\n北\tB-LOC\n京\tI-LOC\n\n说 O\n话 O\n"
BMES = "张 B-NR\n小 M-NR\n三 E-NR\n去 O\n京 S-NS\n"
BIOES = "张\tB-PER\n三\tE-PER\n去\tO\n京\tS-LOC\n"
BILUO = "张\tB-PER\n小\tI-PER\n三\tL-PER\n去\tO\n京\tU-GPE\n"
TSV = "pos\t这家店的菜很好吃\nneg\t服务太慢了\npos\t这家店的菜很好吃\n"
CSV = 'label,text\npos,这家店的菜很好吃\nneg,"服务太慢了,等了一个小时"\n'


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf8")
    return path


def convert(fmt, path, skip_invalid=False, converter=None):
    report = ConversionReport()
    converter = converter or FORMATS[fmt]
    docs = list(converter(path, Vocab(), report, skip_invalid))
    return docs, report


def ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def assert_error(fmt, path, line, code, converter=None):
    with pytest.raises(ConversionError) as info:
        convert(fmt, path, converter=converter)
    message = str(info.value)
    assert f"{path}:{line}:" in message, message
    assert f"[{code}]" in message, message


def test_formats_keys():
    assert set(FORMATS) == {"sighan", "conllu", "bio", "tsv", "csv"}


# --- sighan


def test_sighan(tmp_path):
    docs, report = convert("sighan", write(tmp_path, "a.txt", SIGHAN))
    assert [t.text for t in docs[0]] == ["中国", "人民", "银行", "发布", "公告", "。"]
    assert docs[0].text == "中国人民银行发布公告。"
    assert [t.text for t in docs[1]] == ["他", "说", "：", "“", "好", "。", "”"]
    assert docs[2].text == "iPhone新品在北京发售"
    assert all(doc.user_data[HAS_WORDS] for doc in docs)
    assert (report.docs, report.tokens) == (3, 18)


# --- conllu


def test_conllu(tmp_path):
    docs, report = convert("conllu", write(tmp_path, "a.conllu", CONLLU))
    doc = docs[0]
    assert doc.text == "张三在北京工作。"
    assert [t.text for t in doc] == ["张三", "在", "北京", "工作", "。"]
    assert [t.pos_ for t in doc] == ["PROPN", "ADP", "PROPN", "VERB", "PUNCT"]
    assert [t.tag_ for t in doc] == ["NNP", "IN", "NNP", "VV", "."]
    assert [t.head.i for t in doc] == [3, 2, 3, 3, 3]
    assert doc[3].dep_ == "ROOT"
    assert ents(doc) == [("张三", "PER"), ("北京", "LOC")]
    assert doc.user_data[HAS_WORDS]
    # No '# text': SpaceAfter decides, but no space between two CJK words nor at
    # the end; heads "_" dropped; entities O because the file has entity tags.
    doc = docs[1]
    assert doc.text == "他买了 iPhone 6"
    assert not doc.has_annotation("DEP")
    assert not doc.has_annotation("LEMMA")
    assert [t.ent_iob_ for t in doc] == ["O"] * 5
    assert (report.docs, report.tokens, report.entities) == (2, 10, 2)


def test_conllu_text_comment_spaces_and_mwt(tmp_path):
    text = (
        "# text = 他买了 iPhone 6。\n"
        "1\t他\t_\tPRON\t_\t_\t_\t_\t_\t_\n"
        "2\t买\t_\tVERB\t_\t_\t_\t_\t_\t_\n"
        "3\t了\t_\tAUX\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
        "4\tiPhone\t_\tPROPN\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
        "5\t6\t_\tNUM\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
        "6\t。\t_\tPUNCT\t_\t_\t_\t_\t_\t_\n"
        "\n"
        "# text = del mundo\n"
        "1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n"
        "1\tde\tde\tADP\tIN\t_\t3\tcase\t_\t_\n"
        "2\tel\tel\tDET\tDT\t_\t3\tdet\t_\t_\n"
        "3\tmundo\tmundo\tNOUN\tNN\t_\t0\troot\t_\t_\n"
    )
    docs, _ = convert("conllu", write(tmp_path, "b.conllu", text))
    assert docs[0].text == "他买了 iPhone 6。"
    assert [t.text for t in docs[1]] == ["del", "mundo"]
    assert docs[1].text == "del mundo"
    assert [t.head.i for t in docs[1]] == [1, 1]
    assert docs[1][0].tag_ == "IN_DT"
    # No entity tags in the file: entities are missing, not O.
    assert [t.ent_iob_ for t in docs[1]] == ["", ""]


BAD_CONLLU = [
    ("1\t我\t_\tPRON\t_\t_\t0\troot\t_\n", 3, "E100"),
    ("x\t我\t_\tPRON\t_\t_\t0\troot\t_\t_\n", 3, "E101"),
    ("3\t我\t_\tPRON\t_\t_\t0\troot\t_\t_\n", 3, "E102"),
    ("1\t我\t_\tPRON\t_\t_\t7\troot\t_\t_\n", 3, "E103"),
    ("1-2\t我们\t_\t_\t_\t_\t_\t_\t_\t_\n1\t我\t_\t_\t_\t_\t_\t_\t_\t_\n", 3, "E104"),
    ("1\t\t_\tPRON\t_\t_\t0\troot\t_\t_\n", 3, "E105"),
]


@pytest.mark.parametrize("bad,line,code", BAD_CONLLU)
def test_conllu_errors(tmp_path, bad, line, code):
    good = "1\t好\t_\tADJ\t_\t_\t0\troot\t_\t_\n"
    path = write(tmp_path, "bad.conllu", f"{good}\n{bad}\n{good}")
    assert_error("conllu", path, line, code)
    docs, report = convert("conllu", path, skip_invalid=True)
    assert len(docs) == 2 and len(report.skipped) == 1


def test_conllu_spacy_error_and_mwt_entities(tmp_path):
    mwt = "1-2\t张三\t_\t_\t_\t_\t_\t_\t_\t_\n"
    bad_morph = mwt + "1\t张\t_\tX\t_\tFoo\t_\t_\t_\t_\n2\t三\t_\tX\t_\t_\t_\t_\t_\t_\n"
    assert_error("conllu", write(tmp_path, "a.conllu", bad_morph), 1, "E107")
    two = (
        mwt
        + "1\t张\t_\t_\t_\t_\t_\t_\t_\tNER=S-PER\n"
        + "2\t三\t_\t_\t_\t_\t_\t_\t_\tNER=S-LOC\n"
    )
    assert_error("conllu", write(tmp_path, "b.conllu", two), 3, "E108")


def test_conllu_text_mismatch(tmp_path):
    text = (
        "# text = 你好\n1\t您\t_\t_\t_\t_\t_\t_\t_\t_\n2\t好\t_\t_\t_\t_\t_\t_\t_\t_\n"
    )
    assert_error("conllu", write(tmp_path, "c.conllu", text), 1, "E106")


# --- bio


def test_bio(tmp_path):
    docs, report = convert("bio", write(tmp_path, "a.bio", BIO))
    assert [t.text for t in docs[0]] == ["张", "三", "在", "北", "京"]
    assert docs[0].text == "张三在北京"
    assert ents(docs[0]) == [("张三", "PER"), ("北京", "LOC")]
    assert [t.ent_iob_ for t in docs[1]] == ["O", "O"]
    assert HAS_WORDS not in docs[0].user_data
    assert (report.docs, report.entities, report.tokens) == (2, 2, 0)


@pytest.mark.parametrize(
    "text,expected",
    [
        (BMES, [("张小三", "PER"), ("京", "LOC")]),
        (BIOES, [("张三", "PER"), ("京", "LOC")]),
        (BILUO, [("张小三", "PER"), ("京", "GPE")]),
    ],
)
def test_bio_schemes(tmp_path, text, expected):
    docs, _ = convert("bio", write(tmp_path, "a.bio", text))
    assert ents(docs[0]) == expected


def test_bio_space_character_in_tab_form(tmp_path):
    path = write(tmp_path, "a.bio", "A\tB-ORG\n \tI-ORG\nB\tI-ORG\n")
    docs, _ = convert("bio", path)
    assert docs[0].text == "A B"
    assert ents(docs[0]) == [("A B", "ORG")]


BAD_BIO = [
    ("张\tO\n三\tI-PER\n", 3, "E113"),  # I- after O
    ("张\tB-LOC\n三\tI-PER\n", 3, "E113"),  # I- after another label
    ("张\tE-PER\n三\tS-LOC\n", 2, "E113"),  # E- without B- (BIOES detected)
    ("张\tB-PER\n三\tO\n去\tS-LOC\n", 3, "E113"),  # B- not closed in BIOES
    ("张\tB-PER\n去\tS-LOC\n三\tI-PER\n", 3, "E113"),  # S- closes nothing
    ("京\tS-LOC\n张\tB-PER\n三\tI-PER\n", 4, "E114"),  # sentence ends open in BIOES
    ("张\tX-PER\n", 2, "E112"),  # unknown prefix
    ("张\tB-PER\n三\tM-PER\n四\tI-PER\n", 4, "E112"),  # I- in BMES
    ("张\tB\n", 2, "E111"),  # no label
    ("张\tB-\n", 2, "E111"),
    ("张 B-PER x\n", 2, "E110"),  # three fields
    ("张\n", 2, "E110"),
    ("\u3000\n", 2, "E110"),
    ("\tO\n", 2, "E116"),
]


@pytest.mark.parametrize("bad,line,code", BAD_BIO)
def test_bio_errors(tmp_path, bad, line, code):
    path = write(tmp_path, "bad.bio", f"好 O\n{bad}\n说\tO\n")
    assert_error("bio", path, line, code)
    docs, report = convert("bio", path, skip_invalid=True)
    assert [d.text for d in docs] == ["说"] and len(report.skipped) == 1


def test_bio_given_scheme(tmp_path):
    path = write(tmp_path, "a.bio", "张\tB-PER\n三\tE-PER\n")
    assert_error("bio", path, 2, "E112", converter=bio_converter("IOB2"))
    docs, _ = convert("bio", path, converter=bio_converter("bioes"))
    assert ents(docs[0]) == [("张三", "PER")]
    with pytest.raises(HanziError, match="E115"):
        bio_converter("IOB1")


# --- tsv and csv


def test_tsv(tmp_path):
    path = write(tmp_path, "a.tsv", TSV + "neu\tiPhone 好用 \n\n")
    docs, report = convert("tsv", path)
    assert [d.text for d in docs] == ["这家店的菜很好吃", "服务太慢了", "iPhone 好用"]
    assert docs[0].cats == {"neg": 0.0, "neu": 0.0, "pos": 1.0}
    assert docs[1].cats == {"neg": 1.0, "neu": 0.0, "pos": 0.0}
    assert HAS_WORDS not in docs[0].user_data
    assert (report.docs, report.duplicates, report.conflicts) == (3, 1, 0)
    assert report.labels == {"pos": 1, "neg": 1, "neu": 1}


def test_tsv_conflicts(tmp_path):
    path = write(tmp_path, "a.tsv", TSV + "neg\t这家店的菜很好吃\n")
    docs, report = convert("tsv", path)
    assert [d.text for d in docs] == ["服务太慢了"]
    assert (report.duplicates, report.conflicts) == (2, 1)
    assert "conflicting labels" in report.summary()


@pytest.mark.parametrize(
    "bad,code", [("没有标签\n", "E120"), ("\t文本\n", "E121"), ("pos\t \n", "E122")]
)
def test_tsv_errors(tmp_path, bad, code):
    path = write(tmp_path, "bad.tsv", f"pos\t好\n\n{bad}neg\t差\n")
    assert_error("tsv", path, 3, code)
    docs, report = convert("tsv", path, skip_invalid=True)
    assert len(docs) == 2 and len(report.skipped) == 1


def test_csv(tmp_path):
    text = CSV + 'neu,"第一行\n第二行"\n\npos,这家店的菜很好吃\n'
    docs, report = convert("csv", write(tmp_path, "a.csv", text))
    assert [d.text for d in docs] == [
        "这家店的菜很好吃",
        "服务太慢了,等了一个小时",
        "第一行\n第二行",
    ]
    assert docs[1].cats == {"neg": 1.0, "neu": 0.0, "pos": 0.0}
    assert report.duplicates == 1


def test_csv_column_order(tmp_path):
    path = write(tmp_path, "a.csv", "id,Text,Label\n1,好吃,pos\n")
    docs, _ = convert("csv", path)
    assert docs[0].text == "好吃" and docs[0].cats == {"pos": 1.0}


@pytest.mark.parametrize(
    "bad,code", [("neg\n", "E124"), (",差\n", "E121"), ("pos,\n", "E122")]
)
def test_csv_errors(tmp_path, bad, code):
    # The quoted text spans lines 2-3, so the bad record is on line 4.
    path = write(tmp_path, "bad.csv", f'label,text\npos,"好\n吃"\n{bad}neg,差\n')
    assert_error("csv", path, 4, code)
    docs, report = convert("csv", path, skip_invalid=True)
    assert len(docs) == 2 and len(report.skipped) == 1


def test_csv_unclosed_quote(tmp_path):
    path = write(tmp_path, "bad.csv", 'label,text\npos,好\nneg,"差\n')
    assert_error("csv", path, 3, "E125")
    docs, report = convert("csv", path, skip_invalid=True)
    assert len(docs) == 1 and len(report.skipped) == 1


def test_csv_header(tmp_path):
    path = write(tmp_path, "bad.csv", "\ncategory,text\npos,好\n")
    assert_error("csv", path, 2, "E123")
    with pytest.raises(ConversionError):
        convert("csv", path, skip_invalid=True)


# --- invalid UTF-8


# (before the bad line, after it, docs after it): in conllu and bio the bad line
# opens the second sentence, which is dropped whole.
SAMPLES = {
    "sighan": ("我 爱\n", "他 说\n", 1),
    "conllu": (
        "1\t好\t_\t_\t_\t_\t_\t_\t_\t_\n\n",
        "1\t说\t_\t_\t_\t_\t_\t_\t_\t_\n",
        0,
    ),
    "bio": ("好\tO\n\n", "说\tO\n", 0),
    "tsv": ("pos\t好\n", "neg\t差\n", 1),
    "csv": ("label,text\npos,好\n", "neg,差\n", 1),
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_invalid_utf8(tmp_path, fmt):
    before, after, n_after = SAMPLES[fmt]
    data = before.encode("utf8") + b"\xff\xfe bad\n" + after.encode("utf8")
    path = tmp_path / f"bad.{fmt}"
    path.write_bytes(data)
    line = before.count("\n") + 1
    assert_error(fmt, path, line, "E020")
    docs, report = convert(fmt, path, skip_invalid=True)
    assert len(report.skipped) == 1
    assert len(docs) == 1 + n_after


def test_invalid_utf8_drops_its_sentence(tmp_path):
    path = tmp_path / "bad.bio"
    path.write_bytes("张\tB-PER\n".encode() + b"\xff\tI-PER\n\n" + "说\tO\n".encode())
    docs, report = convert("bio", path, skip_invalid=True)
    assert [d.text for d in docs] == ["说"] and len(report.skipped) == 1
