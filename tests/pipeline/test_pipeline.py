"""The whole pipeline on the tiny backbone: overfit, save/reload, pipe, config."""

import spacy
from spacy.util import load_model_from_config
from thinc.api import Config

from ..conftest import PKU_LINES, PREDICTION_DTYPE, REVIEWS, analysis, pku_docs


def sample_texts(nlp):
    return [d.text for d in pku_docs(nlp.vocab)] + [t for t, _ in REVIEWS]


def test_overfit_learns_words_tags_entities_and_cats(trained_nlp):
    gold = pku_docs(trained_nlp.vocab)
    for ref in gold:
        doc = trained_nlp(ref.text)
        assert [t.text for t in doc] == [t.text for t in ref]
        assert [t.tag_ for t in doc] == [t.tag_ for t in ref]
        assert [t.pos_ for t in doc] == [t.pos_ for t in ref]
        assert [(e.text, e.label_) for e in doc.ents] == [
            (e.text, e.label_) for e in ref.ents
        ]
    for text, label in REVIEWS:
        cats = trained_nlp(text).cats
        assert max(cats, key=cats.get) == label
        assert abs(sum(cats.values()) - 1.0) < 1e-4


def test_save_reload_same_output(trained_nlp, trained_path):
    reloaded = spacy.load(trained_path)
    for text in sample_texts(trained_nlp):
        assert analysis(reloaded(text)) == analysis(trained_nlp(text))


def test_pipe_equals_call(trained_path):
    # Exact in float32; bfloat16 rounding depends on the batch (test_robustness).
    nlp = spacy.load(trained_path, config={PREDICTION_DTYPE: "float32"})
    texts = sample_texts(nlp) * 2
    expected = [analysis(nlp(t)) for t in texts]
    assert [analysis(d) for d in nlp.pipe(texts, batch_size=3)] == expected
    assert [analysis(d) for d in nlp.pipe(texts, batch_size=1)] == expected
    assert [analysis(d) for d in nlp.pipe(texts, n_process=2, batch_size=2)] == expected


def test_text_round_trips(trained_nlp):
    for text in [
        "",
        " ",
        "北京  天安门\n\n广场 ",
        "iPhone12😀👍🏽中文",
        "\x00\u200b测试",
    ]:
        doc = trained_nlp(text)
        assert doc.text == text
        assert "".join(t.text_with_ws for t in doc) == text


def test_config_round_trip(trained_nlp):
    text = trained_nlp.config.to_str()
    assert trained_nlp.config["nlp"]["pipeline"][-1] == "hanzi_segmenter"
    rebuilt = load_model_from_config(Config().from_str(text), auto_fill=True)
    assert rebuilt.config.to_str() == text
    assert rebuilt.pipe_names == trained_nlp.pipe_names


def test_sample_lines_are_well_formed():
    assert all("/" in token for line in PKU_LINES for token in line.split())
