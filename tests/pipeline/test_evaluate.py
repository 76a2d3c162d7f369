"""`python -m hanzi_spacy evaluate`: spaCy's keys for all components, strict ents."""

import json

import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.vocab import Vocab

from hanzi_spacy.cli import main
from hanzi_spacy.corpus.lines import HAS_WORDS
from hanzi_spacy.pipeline.ents_scorer import score_char_ents
from hanzi_spacy.seen_unseen import TrainingVocabulary, score_seen_unseen

from ..conftest import pku_docs, review_docs


def test_evaluate_writes_every_components_scores(trained_path, tmp_path, capsys):
    vocab = Vocab()
    docs = pku_docs(vocab) + review_docs(vocab)
    assert all(doc.user_data.get(HAS_WORDS) for doc in docs[:4])
    data = tmp_path / "test.spacy"
    DocBin(docs=docs, store_user_data=True).to_disk(data)
    output = tmp_path / "scores.json"
    assert main(["evaluate", str(trained_path), str(data), "-o", str(output)]) == 0
    scores = json.loads(output.read_text())
    for key in ("token_f", "token_p", "token_r", "tag_acc", "pos_acc", "ents_f"):
        assert 0.0 <= scores[key] <= 1.0, key
    assert set(scores["ents_per_type"]) <= {"PER", "LOC", "ORG"}
    # The scores are those of the pipeline's own predictions (an earlier version
    # scored copies that nlp.evaluate had made and got 0 for every entity).
    nlp = spacy.load(trained_path)
    examples = [Example(nlp(doc.text), doc) for doc in docs]
    assert scores["ents_f"] == score_char_ents(examples)["ents_f"] > 0.5
    assert scores["token_f"] > 0.5
    assert 0.0 <= scores["ents_f_spacy_aligned"] <= 1.0
    assert 0.0 <= scores["cats_score"] <= 1.0 and 0.0 <= scores["cats_acc"] <= 1.0
    assert (scores["docs_with_words"], scores["docs_with_cats"]) == (4, 4)
    table = capsys.readouterr().out
    assert "Words F1" in table and "Entities F1, spaCy's scorer" in table


def example(vocab, gold_line, predicted_words, predicted_ents=()):
    (gold,) = pku_docs(vocab, [gold_line])
    pred = Doc(vocab, words=predicted_words, spaces=[False] * len(predicted_words))
    pred.set_ents(
        [Span(pred, s, e, label=label) for s, e, label in predicted_ents],
        default="outside",
    )
    return Example(pred, gold)


def test_seen_unseen_recall_counts_what_training_showed():
    vocab = Vocab()
    (train,) = pku_docs(vocab, ["李/nr  鹏/nr  访问/v  日本/ns  。/w"])
    vocabulary = TrainingVocabulary.from_docs([train])
    gold_line = "李/nr  鹏/nr  访问/v  泰国/ns  和/c  日本/ns  。/w"
    # 访问 and 。 are in vocabulary (recalled); 泰国 and 和 are not (one recalled)
    eg = example(
        vocab,
        gold_line,
        ["李鹏", "访问", "泰", "国和", "日本", "。"],
        [(0, 1, "PER"), (4, 5, "LOC")],
    )
    scores = score_seen_unseen([eg], vocabulary)
    # gold words: 李 鹏 访问 泰国 和 日本 。 -> in vocabulary: 李 鹏 访问 日本 。
    assert scores["token_r_iv"] == 3 / 5  # 访问 日本 。 (李 and 鹏 were merged)
    assert scores["token_r_oov"] == 0 / 2
    assert scores["token_oov_rate"] == 2 / 7
    # seen: 李鹏/PER, 日本/LOC; unseen: 泰国/LOC
    assert scores["ents_r_seen"] == 2 / 2
    assert scores["ents_r_unseen"] == 0 / 1
    assert scores["ents_per_type_seen_unseen"]["LOC"] == {
        "r_seen": 1.0,
        "r_unseen": 0.0,
        "seen": 1,
        "unseen": 1,
    }
    assert scores["ents_per_type_seen_unseen"]["PER"]["r_unseen"] is None


def test_seen_unseen_needs_the_same_label():
    vocab = Vocab()
    (train,) = pku_docs(vocab, ["日本/nt  。/w"])  # seen as ORG only
    vocabulary = TrainingVocabulary.from_docs([train])
    eg = example(vocab, "日本/ns  。/w", ["日本", "。"], [(0, 1, "LOC")])
    scores = score_seen_unseen([eg], vocabulary)
    assert scores["ents_r_unseen"] == 1.0 and scores["ents_r_seen"] is None


def test_seen_unseen_counts_only_the_labels_asked_for():
    vocab = Vocab()
    (train,) = pku_docs(vocab, ["日本/ns  。/w"])
    vocabulary = TrainingVocabulary.from_docs([train])
    gold = "１９９８年/t  日本/ns  。/w"  # a DATE the pipeline was not trained on
    eg = example(vocab, gold, ["１９９８年", "日本", "。"], [(1, 2, "LOC")])
    assert score_seen_unseen([eg], vocabulary)["ents_r_unseen"] == 0.0
    scores = score_seen_unseen([eg], vocabulary, labels={"LOC", "ORG", "PER"})
    assert scores["ents_r_seen"] == 1.0 and scores["ents_r_unseen"] is None
    assert set(scores["ents_per_type_seen_unseen"]) == {"LOC"}


def test_evaluate_with_train_split_reports_oov_and_unseen(trained_path, tmp_path):
    vocab = Vocab()
    docs = pku_docs(vocab)
    data, train = tmp_path / "test.spacy", tmp_path / "train.spacy"
    DocBin(docs=docs, store_user_data=True).to_disk(data)
    DocBin(docs=docs[:2], store_user_data=True).to_disk(train)
    output = tmp_path / "scores.json"
    args = ["evaluate", str(trained_path), str(data), "--train", str(train)]
    assert main(args + ["-o", str(output)]) == 0
    scores = json.loads(output.read_text())
    assert 0.0 < scores["token_oov_rate"] < 1.0
    for key in ("token_r_iv", "token_r_oov", "ents_r_seen", "ents_r_unseen"):
        assert 0.0 <= scores[key] <= 1.0, key
    # evaluated with the pipeline's own batch size
    assert scores["batch_size"] == spacy.load(trained_path).batch_size
