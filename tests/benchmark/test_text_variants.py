"""Text variants keep the gold aligned; the benchmark writes its two files."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab
from weasel.util import load_project_config

from benchmarks.text_variants import build_parser, main, run_text_variants
from benchmarks.variants import (
    VariantReport,
    opencc_converter,
    to_halfwidth,
    variant_doc,
    variant_docs,
)
from hanzi_spacy.corpus.lines import HAS_WORDS
from workflow.__main__ import build_parser as workflow_parser

from ..conftest import pku_docs, review_docs

ROOT = Path(__file__).parent.parent.parent
WORDS = ["ＡＢＣ公司", "在", "北京", "发展", "，", "头发", "长", "！", "iPhone", "１２"]
SPACES = [False] * 8 + [True, False]
TAGS = ["nt", "p", "ns", "v", "w", "n", "a", "w", "nz", "m"]
POS = ["PROPN", "ADP", "PROPN", "VERB", "PUNCT", "NOUN", "ADJ", "PUNCT", "X", "NUM"]


def gold_docs(vocab: Vocab):
    """A segmented, tagged doc with entities and a review doc of characters."""
    doc = Doc(vocab, words=WORDS, spaces=SPACES, tags=TAGS, pos=POS)
    doc.set_ents([Span(doc, 0, 1, "ORG"), Span(doc, 2, 3, "LOC")], default="outside")
    doc.cats = {"POSITIVE": 1.0, "NEGATIVE": 0.0}
    doc.user_data[HAS_WORDS] = True
    doc.user_data["source"] = "by hand"
    chars = list("书不错！ＯＫ") + ["  ", "发货快"]
    review = Doc(vocab, words=chars, spaces=[False] * len(chars))
    review.cats = {"POSITIVE": 0.0, "NEGATIVE": 1.0}
    return [doc, review]


def gold_view(doc: Doc):
    tokens = [(t.idx, len(t), t.whitespace_, t.tag_, t.pos_, t.ent_iob_) for t in doc]
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    annotated = [a for a in ("TAG", "POS", "ENT_IOB") if doc.has_annotation(a)]
    return tokens, ents, doc.cats, doc.user_data, annotated, len(doc.text)


@pytest.mark.parametrize(
    "convert,text",
    [
        (to_halfwidth, "ABC公司在北京发展,头发长!iPhone 12"),
        (opencc_converter("s2t"), "ＡＢＣ公司在北京發展，頭髮長！iPhone １２"),
    ],
)
def test_variant_keeps_the_gold_aligned(convert, text):
    doc, review = gold_docs(Vocab())
    new, kept, fallback = variant_doc(doc, convert)
    assert new.text == text and (kept, fallback) == (0, False)
    assert gold_view(new) == gold_view(doc)
    assert [t.text for t in new] == [text[t.idx : t.idx + len(t)] for t in doc]
    new_review, _, _ = variant_doc(review, convert)
    assert gold_view(new_review) == gold_view(review)
    assert not new_review.has_annotation("TAG") and not new_review.user_data


@given(st.text())
def test_halfwidth_changes_only_the_fullwidth_ascii_forms(text):
    folded = to_halfwidth(text)
    assert len(folded) == len(text)
    for before, after in zip(text, folded):
        if 0xFF01 <= ord(before) <= 0xFF5E:
            assert ord(after) == ord(before) - 0xFF01 + 0x21
        else:
            assert after == before


def test_halfwidth_range_ends():
    assert to_halfwidth("\uff01\uff5e") == "!~"
    assert to_halfwidth("\u3000\uff00\uff5f\uff61。") == "\u3000\uff00\uff5f\uff61。"


def test_a_length_change_falls_back_to_word_by_word():
    vocab = Vocab()
    words = ["头", "发", "ab", "c"]
    doc = Doc(vocab, words=words, spaces=[False] * 4, tags=["n", "n", "x", "x"])
    doc.user_data[HAS_WORDS] = True

    def convert(text: str) -> str:  # one change keeps the length, one does not
        return text.replace("发", "發").replace("ab", "abc")

    report = VariantReport()
    (new,) = variant_docs([doc], convert, report)
    assert [t.text for t in new] == ["头", "發", "ab", "c"]
    assert [t.tag_ for t in new] == ["n", "n", "x", "x"]
    assert (report.fallback_docs, report.words_unconverted) == (1, 1)
    assert (report.docs_changed, report.characters_changed) == (1, 1)


def write_spacy(docs, path: Path) -> Path:
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    return path


def test_the_metrics_files(tmp_path):
    vocab = Vocab()
    test = write_spacy(gold_docs(vocab), tmp_path / "test.spacy")
    hk = write_spacy(pku_docs(vocab), tmp_path / "hk.spacy")
    token_f = {"original": 0.9, "halfwidth": 0.85, "s2t": 0.5, "hk": 0.4}

    def score(path: Path) -> dict:
        n = len(DocBin().from_disk(path))
        f = token_f.get(path.stem, 0.6)
        return {"token_f": f, "token_p": f, "token_r": f, "tag_acc": 0.8,
                "pos_acc": None, "ents_f": 0.7, "token_r_oov": 0.3,
                "docs_with_words": n, "characters": 10 * n}  # fmt: skip

    out = tmp_path / "metrics"
    run_text_variants(
        tmp_path / "model", test, None, tmp_path / "variants", out, hk, score=score
    )
    half = json.loads((out / "halfwidth.json").read_text())
    assert half["original"] == {"token_f": 0.9, "token_r_oov": 0.3, "tag_acc": 0.8,
                                "pos_acc": None, "ents_f": 0.7}  # fmt: skip
    assert half["difference"]["token_f"] == pytest.approx(-0.05)
    assert half["difference"]["pos_acc"] is None
    assert half["changed"]["characters_changed"] == 10 and half["docs"] == 2
    trad = json.loads((out / "traditional.json").read_text())
    assert set(trad) >= {"original", "s2t", "s2tw", "s2hk", "hkcancor", "note"}
    assert trad["s2t"]["difference"]["token_f"] == pytest.approx(-0.4)
    assert trad["s2tw"]["token_f"] == 0.6 and trad["s2hk"]["fallback_docs"] == 0
    assert trad["s2t"]["docs_changed"] == 2
    hkcancor = trad["hkcancor"]
    counts = hkcancor["utterances"], hkcancor["characters"]
    assert hkcancor["token_f"] == 0.4 and counts == (4, 40)
    assert "PKU" in hkcancor["note"]
    variants = sorted(p.name for p in (tmp_path / "variants").iterdir())
    names = ("original", "halfwidth", "s2t", "s2tw", "s2hk")
    assert variants == sorted(f"{name}.spacy" for name in names)


def test_end_to_end_on_a_tiny_pipeline(pipeline_path, tmp_path, capsys):
    vocab = Vocab()
    docs = pku_docs(vocab) + review_docs(vocab)
    test = write_spacy(docs, tmp_path / "test.spacy")
    hk = write_spacy(pku_docs(vocab), tmp_path / "hk.spacy")
    out = tmp_path / "metrics"
    argv = [str(pipeline_path), "--test", str(test), "--train", str(test)]
    argv += ["--hkcancor", str(hk), "--variants-dir", str(tmp_path / "v")]
    argv += ["--output-dir", str(out), "--limit", "5"]
    assert main(argv) == 0
    half = json.loads((out / "halfwidth.json").read_text())
    trad = json.loads((out / "traditional.json").read_text())
    assert half["docs"] == 5 and trad["hkcancor"]["utterances"] == 4
    for scores in (half["original"], half["halfwidth"], trad["s2hk"]):
        assert 0.0 <= scores["token_f"] <= 1.0 and 0.0 <= scores["tag_acc"] <= 1.0
    assert "s2tw" in capsys.readouterr().out
    assert main([str(tmp_path / "no-model"), "--test", str(test)]) == 1


def test_the_project_command_parses_and_is_not_in_all():
    config = load_project_config(ROOT)
    assert "text-variants" not in config["workflows"]["all"]
    (command,) = [c for c in config["commands"] if c["name"] == "text-variants"]
    fetch, convert, benchmark = [line.split() for line in command["script"]]
    for line in (fetch, convert):
        assert line[:3] == ["python", "-m", "workflow"]
        workflow_parser().parse_args(line[3:])
    assert benchmark[:3] == ["python", "-m", "benchmarks.text_variants"]
    args = build_parser().parse_args(benchmark[3:])
    assert args.pipeline in command["deps"] and args.test in command["deps"]
    assert convert[convert.index("--output") + 1] == args.hkcancor
