"""Entities are scored on character offsets, not on the gold words they touch."""

import spacy
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc
from spacy.training import Example

from hanzi_spacy.pipeline.ents_scorer import score_char_ents


def example(pred_words, pred_ents, gold_words, gold_ents) -> Example:
    vocab = spacy.blank("zh").vocab
    pred = Doc(
        vocab, words=pred_words, spaces=[False] * len(pred_words), ents=pred_ents
    )
    gold = Doc(
        vocab, words=gold_words, spaces=[False] * len(gold_words), ents=gold_ents
    )
    return Example(pred, gold)


def test_entity_inside_a_gold_word_is_wrong():
    eg = example(
        ["北京", "市", "很", "大", "上海"],
        ["B-LOC", "O", "O", "O", "B-LOC"],
        ["北京市", "很", "大", "上海"],
        ["B-LOC", "O", "O", "B-LOC"],
    )
    scores = score_char_ents([eg])
    assert (scores["ents_p"], scores["ents_r"]) == (0.5, 0.5)
    assert scores["ents_per_type"] == {"LOC": {"p": 0.5, "r": 0.5, "f": 0.5}}
    # spaCy's NER scorer maps "北京" onto the gold word "北京市" and counts a hit.
    assert get_ner_prf([eg])["ents_f"] == 1.0


def test_other_words_same_entity_is_right():
    eg = example(
        ["李", "鹏", "总理"],
        ["B-PER", "I-PER", "O"],
        ["李鹏", "总理"],
        ["B-PER", "O"],
    )
    assert score_char_ents([eg])["ents_f"] == 1.0


def test_docs_without_entity_annotation_are_skipped():
    vocab = spacy.blank("zh").vocab
    review = Example(Doc(vocab, words=["好"]), Doc(vocab, words=["好"]))
    assert score_char_ents([review])["ents_f"] is None
    eg = example(["上海"], ["B-LOC"], ["上海"], ["B-LOC"])
    assert score_char_ents([review, eg])["ents_f"] == 1.0


def test_a_component_is_scored_on_its_own_labels():
    eg = example(
        ["上海", "１９９８年"],
        ["B-LOC", "O"],
        ["上海", "１９９８年"],
        ["B-LOC", "B-DATE"],
    )
    assert score_char_ents([eg])["ents_r"] == 0.5
    # A pipeline trained on names only is not charged for the corpus's dates.
    scores = score_char_ents([eg], labels=("LOC", "ORG", "PER"))
    assert scores["ents_f"] == 1.0
    assert set(scores["ents_per_type"]) == {"LOC"}
