"""The one scorer: hand-made examples, and agreement with spaCy's Scorer."""

import pytest
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from benchmarks.agreement import compare, spacy_scores
from benchmarks.gold import Reference, reference_from_doc
from benchmarks.scoring import (
    score_attr,
    score_cats,
    score_entities,
    score_system,
    score_words,
)
from hanzi_spacy.corpus.lines import HAS_WORDS
from hanzi_spacy.upos import pku_to_upos


def reference(words, tags=None, ents=(), spaces=None, cats=None) -> Reference:
    tags = tags or ["n"] * len(words)
    doc = Doc(
        Vocab(),
        words=words,
        spaces=spaces or [False] * len(words),
        tags=tags,
        pos=[pku_to_upos(t) for t in tags],
    )
    doc.set_ents([doc.char_span(s, e, label=lab) for s, e, lab in ents])
    doc.user_data[HAS_WORDS] = True
    if cats:
        doc.cats = cats
    return reference_from_doc(doc)


def spans_of(words, text):
    spans, pos = [], 0
    for word in words:
        pos = text.index(word, pos)
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def test_words_prf_by_hand():
    # 我们 喜欢 中国 人民 。 vs 我们 喜 欢 中国人民 。: 2 of 5 predicted right.
    ref = reference(["我们", "喜欢", "中国", "人民", "。"])
    pred = {"spans": spans_of(["我们", "喜", "欢", "中国人民", "。"], ref.text)}
    prf = score_words([ref], [pred])
    assert (prf.tp, prf.fp, prf.fn) == (2, 3, 3)
    assert prf.precision == pytest.approx(2 / 5)
    assert prf.recall == pytest.approx(2 / 5)
    assert prf.fscore == pytest.approx(0.4)


def test_words_ignore_whitespace_and_docs_without_words():
    ref = reference(["iPhone", "12", "好"], spaces=[True, True, False])
    pred = {"spans": [(0, 6), (6, 7), (7, 9), (10, 11)]}  # (6, 7) is a space
    review = Reference("很好", None, None, None, None, "POSITIVE", ref.doc)
    prf = score_words([ref, review], [pred, {"spans": [(0, 1), (1, 2)]}])
    assert (prf.tp, prf.fp, prf.fn) == (3, 0, 0)


def test_entities_per_label():
    text_words = ["江", "泽民", "在", "北京", "。"]
    ref = reference(text_words, ents=[(0, 3, "PER"), (4, 6, "LOC")])
    pred = {"ents": [(0, 3, "PER"), (4, 6, "ORG")]}
    total, per_label = score_entities([ref], [pred])
    assert (total.tp, total.fp, total.fn) == (1, 1, 1)
    assert per_label["PER"].fscore == pytest.approx(1.0)
    assert per_label["LOC"].recall == pytest.approx(0.0)
    assert per_label["ORG"].precision == pytest.approx(0.0)


def test_overall_entities_are_the_names_every_system_finds():
    ref = reference(["１９９８年", "北京"], ents=[(0, 5, "DATE"), (5, 7, "LOC")])
    names_only = {"ents": [(5, 7, "LOC")]}
    total, per_label = score_entities([ref], [names_only])
    assert total.fscore == pytest.approx(1.0)
    assert per_label["DATE"].recall == pytest.approx(0.0)
    total, _ = score_entities([ref], [names_only], overall=None)
    assert total.recall == pytest.approx(0.5)


def test_attr_follows_spacy_and_exact_is_stricter():
    # Reference 代表团/n 来/v; prediction 代表/n 团/n 来/v: both pieces of 代表团
    # lie inside it with the right tag, so spaCy's definition counts it right,
    # the exact-word accuracy does not see it at all.
    ref = reference(["代表团", "来"], tags=["n", "v"])
    pred = {"spans": [(0, 2), (2, 3), (3, 4)], "upos": ["NOUN", "NOUN", "VERB"]}
    result = score_attr([ref], [pred], "upos")
    assert result["acc"] == pytest.approx(1.0)
    assert result["exact"] == pytest.approx(1.0)
    assert result["coverage"] == pytest.approx(0.5)
    pred["upos"] = ["NOUN", "VERB", "VERB"]
    assert score_attr([ref], [pred], "upos")["acc"] < 1.0


def test_cats_accuracy():
    refs = [
        Reference("好", None, None, None, None, "POSITIVE", None),
        Reference("差", None, None, None, None, "NEGATIVE", None),
    ]
    preds = [
        {"cats": {"POSITIVE": 0.9, "NEGATIVE": 0.1}},
        {"cats": {"POSITIVE": 0.6, "NEGATIVE": 0.4}},
    ]
    assert score_cats(refs, preds) == pytest.approx(0.5)


def test_agrees_with_spacy_scorer():
    gold = [
        (
            ["江", "泽民", "在", "北京", "会见", "了", "代表团", "。"],
            ["nr", "nr", "p", "ns", "v", "u", "n", "w"],
            [(0, 3, "PER"), (4, 6, "LOC")],
        ),
        (
            ["新华社", "记者", "报道", "，", "上海", "经济", "发展", "很", "快"],
            ["nt", "n", "v", "w", "ns", "n", "vn", "d", "a"],
            [(0, 3, "ORG"), (8, 10, "LOC")],
        ),
    ]
    predicted = [
        (
            ["江泽民", "在", "北京", "会", "见", "了", "代表团", "。"],
            ["nr", "p", "ns", "v", "v", "u", "n", "w"],
            [(0, 3, "PER"), (4, 6, "ORG")],
        ),
        (
            ["新华", "社记者", "报道", "，", "上海", "经济发展", "很", "快"],
            ["nt", "n", "v", "w", "ns", "n", "d", "a"],
            [(8, 10, "LOC")],
        ),
    ]
    refs = [reference(w, t, e) for w, t, e in gold]
    preds = []
    for ref, (words, tags, ents) in zip(refs, predicted):
        preds.append(
            {
                "spans": spans_of(words, ref.text),
                "ws": [False] * len(words),
                "tags": tags,
                "upos": [pku_to_upos(t) for t in tags],
                "ents": ents,
            }
        )
    ours = score_system(refs, preds)
    checked = compare(ours, spacy_scores(refs, preds))
    assert all(entry["agree"] for entry in checked.values()), checked
    examples = [
        Example(Doc(ref.doc.vocab, words=w, spaces=[False] * len(w)), ref.doc)
        for ref, (w, _, _) in zip(refs, predicted)
    ]
    assert ours["token_f"] == pytest.approx(
        Scorer.score_tokenization(examples)["token_f"]
    )
