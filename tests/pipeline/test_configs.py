"""The other configs: a hub-shaped BERT (WordPiece vocabulary) and the CNN pipeline."""

from pathlib import Path

import pytest
from spacy.util import load_config, load_model_from_config

from ..conftest import overfit, pku_docs, sample_examples

CONFIGS = Path(__file__).parent.parent.parent / "configs"


def build(name: str, **overrides):
    config = load_config(CONFIGS / name, overrides=overrides, interpolate=True)
    return load_model_from_config(config, auto_fill=True, validate=True)


@pytest.mark.parametrize("name", ["hub.cfg", "cnn.cfg"])
def test_config_overfits_and_segments(name, hub_shaped_backbone):
    nlp = build(name, **{"paths.backbone": str(hub_shaped_backbone)})
    assert nlp.pipe_names[-1] == "hanzi_segmenter"
    overfit(nlp, sample_examples(nlp), steps=150)
    for ref in pku_docs(nlp.vocab):
        doc = nlp(ref.text)
        assert [t.text for t in doc] == [t.text for t in ref]
        assert [t.tag_ for t in doc] == [t.tag_ for t in ref]
    text = "iPhone 12 在北京"
    assert nlp(text).text == text


def test_hub_config_names_a_public_model():
    config = load_config(CONFIGS / "hub.cfg")
    assert config["paths"]["backbone"] == "bert-base-chinese"


def test_score_weights_never_select_on_token_acc():
    for name in ("trf.cfg", "hub.cfg", "cnn.cfg"):
        weights = load_config(CONFIGS / name)["training"]["score_weights"]
        assert not weights.get("token_acc")
        for key in ("token_f", "tag_acc", "ents_f", "cats_score"):
            assert weights[key] > 0
