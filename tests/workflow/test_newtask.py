"""A new classifier on a trained pipeline: its components stay as they were."""

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from workflow.__main__ import main
from workflow.newtask import old_outputs

from ..conftest import PKU_LINES, REVIEWS, pku_docs

LABELS = ("NEWS", "REVIEW")


def register_docs(path: Path) -> Path:
    """A tiny NEWS / REVIEW corpus in spaCy's format."""
    nlp = spacy.blank("zh")
    db = DocBin()
    news = [doc.text for doc in pku_docs(nlp.vocab)]
    reviews = [text for text, _ in REVIEWS]
    for label, texts in (("NEWS", news), ("REVIEW", reviews)):
        for text in texts:
            doc = nlp.make_doc(text)
            doc.cats = {name: float(name == label) for name in LABELS}
            db.add(doc)
    db.to_disk(path)
    return path


@pytest.mark.parametrize("tuning", ["lora", "frozen"])
def test_new_task_leaves_the_trained_components_as_they_were(
    tuning,
    trained_path,
    tmp_path,  # noqa: F811
):
    data = register_docs(tmp_path / "register.spacy")
    output = tmp_path / "task"
    metrics = tmp_path / "task.json"
    code = main(
        [
            "add-task",
            "--base",
            str(trained_path),
            "--tuning",
            tuning,
            "--train",
            str(data),
            "--dev",
            str(data),
            "--test",
            str(data),
            "--steps",
            "8",
            "--output",
            str(output),
            "--metrics",
            str(metrics),
        ]
    )
    assert code == 0
    result = json.loads(metrics.read_text())
    assert result["old_outputs_checked"] == len(PKU_LINES) + len(REVIEWS)
    assert result["old_outputs_changed"] == 0
    new = spacy.load(output / "model-best")
    expected = (
        ["task_transformer", "task_textcat"] if tuning == "lora" else ["task_textcat"]
    )
    assert [n for n in new.pipe_names if n.startswith("task_")] == expected
    # The trained transformer writes doc._.trf_data after the task's own.
    assert new.pipe_names.index("transformer") < new.pipe_names.index("tagger")
    assert new.pipe_names.index(expected[-1]) < new.pipe_names.index("tagger")
    assert new.pipe_names[-1] == "hanzi_segmenter"
    doc = new("江泽民在北京会见代表团。")
    assert set(LABELS) <= set(doc.cats) and {"POSITIVE", "NEGATIVE"} <= set(doc.cats)
    if tuning == "lora":
        model = new.get_pipe("task_transformer").model.transformer
        assert any("lora_A" in name for name, _ in model.named_parameters())


def test_the_check_sees_a_changed_component(trained_path):
    texts = [text for text, _ in REVIEWS] + ["江泽民在北京会见代表团。"]
    nlp = spacy.load(trained_path)
    before = old_outputs(nlp, texts, ["POSITIVE", "NEGATIVE"])
    textcat = nlp.get_pipe("textcat").model
    layer = next(n for n in textcat.walk() if n.has_param("b"))
    bias = layer.get_param("b").copy()
    bias[0] += 0.5  # one class only: a shift of every logit would change nothing
    layer.set_param("b", bias)
    assert old_outputs(nlp, texts, ["POSITIVE", "NEGATIVE"]) != before


def test_each_classifier_is_scored_on_its_own_labels():
    from spacy.training import Example

    from hanzi_spacy.pipeline.textcat import score_annotated_cats

    nlp = spacy.blank("zh")
    examples = []
    for text, gold in (("新闻", "NEWS"), ("好评", "REVIEW")):
        predicted = nlp.make_doc(text)
        # The sentiment classifier is sure of itself on register data.
        predicted.cats = {
            "POSITIVE": 0.99,
            "NEGATIVE": 0.01,
            "NEWS": 0.6,
            "REVIEW": 0.4,
        }
        reference = nlp.make_doc(text)
        reference.cats = {label: float(label == gold) for label in LABELS}
        examples.append(Example(predicted, reference))
    assert score_annotated_cats(examples, labels=["POSITIVE", "NEGATIVE"]) == {}
    scores = score_annotated_cats(examples, labels=list(LABELS))
    assert scores["cats_acc"] == 0.5  # NEWS wins both; POSITIVE is not its label
