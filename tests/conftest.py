"""Shared fixtures: tiny random backbones (ours, with a Chinese character
vocabulary, and one shaped like bert-base-chinese) and small samples of both
corpora."""

from pathlib import Path
from typing import List

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import ConversionReport
from hanzi_spacy.corpus.pku import parse_pku_line
from hanzi_spacy.corpus.reviews import text_doc

CONFIG = Path(__file__).parent.parent / "configs" / "trf.cfg"

PKU_LINES = [
    "江/nr  泽民/nr  在/p  北京/ns  会见/v  了/u  代表团/n  。/w",
    "新华社/nt  记者/n  报道/v  ，/w  上海/ns  经济/n  发展/v  很/d  快/a  。/w",
    "我们/r  喜欢/v  中国/ns  人民/n  。/w",
    "李/nr  鹏/nr  总理/n  访问/v  日本/ns  。/w",
]
REVIEWS = [
    ("这本书很好看，推荐！", "POSITIVE"),
    ("质量太差了，不推荐。", "NEGATIVE"),
    ("物流很快，非常满意", "POSITIVE"),
    ("坏了，很失望", "NEGATIVE"),
]
EXTRA_TEXT = "今天天气很好。iPhone 12 的价格是 5,499 元。ＡＢＣ１２３ 繁體中文"


def pku_docs(vocab: Vocab, lines: List[str] = PKU_LINES) -> List[Doc]:
    return [
        parse_pku_line(line, vocab, Path("sample"), i) for i, line in enumerate(lines)
    ]


def review_docs(vocab: Vocab) -> List[Doc]:
    docs = []
    for text, label in REVIEWS:
        doc = text_doc(vocab, text)
        doc.cats = {
            "POSITIVE": float(label == "POSITIVE"),
            "NEGATIVE": float(label == "NEGATIVE"),
        }
        docs.append(doc)
    return docs


def all_texts() -> List[str]:
    vocab = Vocab()
    return [d.text for d in pku_docs(vocab)] + [t for t, _ in REVIEWS] + [EXTRA_TEXT]


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> Path:
    """An untrained 1-layer, 32-wide BERT whose vocabulary covers the samples,
    with absolute positions (the tests' expectations of what a few steps learn
    were set on it; ``relative_backbone`` has the tiny preset's positions)."""
    from hanzi_spacy.pretrain.backbone import save_random_backbone

    path = tmp_path_factory.mktemp("backbone")
    return save_random_backbone(
        all_texts(), path, position_embedding_type="absolute", **TINY_TEST_SIZE
    )


TINY_TEST_SIZE = dict(
    preset="tiny",
    min_count=1,
    num_hidden_layers=1,
    hidden_size=32,
    num_attention_heads=2,
    intermediate_size=64,
)


@pytest.fixture(scope="session")
def relative_backbone(tmp_path_factory) -> Path:
    """tiny_backbone with the tiny preset's relative position scores."""
    from hanzi_spacy.pretrain.backbone import save_random_backbone

    path = tmp_path_factory.mktemp("relative-backbone")
    return save_random_backbone(all_texts(), path, **TINY_TEST_SIZE)


@pytest.fixture(scope="session")
def hub_shaped_backbone(tmp_path_factory) -> Path:
    """A local folder shaped like bert-base-chinese, random and tiny.

    Its vocab.txt is a WordPiece one as bert-base-chinese's: [PAD], [unusedN],
    the special tokens, CJK characters, continuation pieces (##) and Latin words,
    read by BertTokenizerFast; the model is a 2-layer, 32-wide BertForMaskedLM
    (AutoModel loads its encoder, as spacy-transformers does).
    """
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    path = tmp_path_factory.mktemp("bert-base-chinese-like")
    chars = sorted({c for text in all_texts() for c in text if not c.isspace()})
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(1, 10)]
    vocab += ["[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    vocab += ["iphone", "##12", "12", "##ne"] + [f"##{c}" for c in chars]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(path / "vocab.txt"))
    tokenizer.save_pretrained(path)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertForMaskedLM(config).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def trained_nlp(tiny_backbone):
    """configs/trf.cfg on the tiny backbone, overfit on the samples (one per
    session, whatever tests use it)."""
    from .pipeline.conftest import make_nlp, overfit, sample_examples

    nlp = make_nlp(tiny_backbone)
    return overfit(nlp, sample_examples(nlp))


@pytest.fixture(scope="session")
def trained_path(trained_nlp, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pipeline") / "model"
    trained_nlp.to_disk(path)
    return path


@pytest.fixture(scope="session")
def float32_nlp(trained_path):
    """The trained pipeline predicting in float32 whatever the CPU."""
    import spacy

    from .pipeline.conftest import PREDICTION_DTYPE

    return spacy.load(trained_path, config={PREDICTION_DTYPE: "float32"})


@pytest.fixture
def report() -> ConversionReport:
    return ConversionReport()
