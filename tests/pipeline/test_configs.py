"""The other configs: a hub-shaped BERT (WordPiece vocabulary) and the CNN pipeline."""

from pathlib import Path

import pytest
from spacy.util import load_config, load_model_from_config
from transformers import BertConfig, BertModel, BertTokenizerFast

from ..conftest import all_texts, pku_docs
from .conftest import overfit, sample_examples

CONFIGS = Path(__file__).parent.parent.parent / "configs"


def build(name: str, **overrides):
    config = load_config(CONFIGS / name, overrides=overrides, interpolate=True)
    return load_model_from_config(config, auto_fill=True, validate=True)


@pytest.fixture(scope="module")
def hub_shaped_backbone(tmp_path_factory) -> Path:
    """A local folder shaped like bert-base-chinese: WordPiece vocab.txt, BertModel."""
    path = tmp_path_factory.mktemp("bert-base-chinese-like")
    chars = sorted({c for text in all_texts() for c in text if not c.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    vocab += ["iphone", "##12", "12", "##ne"] + [f"##{c}" for c in chars]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(path / "vocab.txt"))
    tokenizer.save_pretrained(path)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertModel(config).save_pretrained(path)
    return path


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
