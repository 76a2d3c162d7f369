"""`python -m hanzi_spacy evaluate`: spaCy's keys for all components, strict ents."""

import json

import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.vocab import Vocab

from hanzi_spacy.cli import main
from hanzi_spacy.corpus.lines import HAS_WORDS
from hanzi_spacy.pipeline.ents_scorer import score_char_ents

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
