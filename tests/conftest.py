"""Shared fixtures: tiny random backbones (ours, with a Chinese character
vocabulary, and one shaped like bert-base-chinese) and small samples of both
corpora."""

import random
from pathlib import Path
from typing import List

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import load_config, load_model_from_config
from spacy.vocab import Vocab
from thinc.api import Adam, fix_random_seed

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
    return spacy.load(trained_path, config={PREDICTION_DTYPE: "float32"})


@pytest.fixture
def report() -> ConversionReport:
    return ConversionReport()


# A pipeline from configs/trf.cfg on a backbone, overfit on the samples: helpers
# of the tests of every component and model.
PREDICTION_DTYPE = "components.transformer.model.prediction_dtype"


def make_nlp(backbone: Path, **overrides) -> Language:
    overrides = {"paths.backbone": str(backbone), **overrides}
    config = load_config(CONFIG, overrides=overrides, interpolate=True)
    return load_model_from_config(config, auto_fill=True, validate=True)


def sample_examples(nlp: Language) -> List[Example]:
    refs = pku_docs(nlp.vocab) + review_docs(nlp.vocab)
    return [Example(nlp.make_doc(ref.text), ref) for ref in refs]


def overfit(nlp: Language, examples: List[Example], steps: int = 150) -> Language:
    fix_random_seed(0)
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    rng = random.Random(0)
    for _ in range(steps):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, losses={})
    return nlp


def analysis(doc) -> tuple:
    """Everything the pipeline predicts, comparable across runs."""
    return (
        [(t.text, t.whitespace_, t.tag_, t.pos_) for t in doc],
        [(e.start_char, e.end_char, e.label_) for e in doc.ents],
        {k: round(v, 4) for k, v in doc.cats.items()},
    )


def agreement(expected: List[tuple], got: List[tuple]) -> float:
    """The share of word boundaries, tags and entities two analyses agree on."""
    same = total = 0
    for (words, ents, _), (other_words, other_ents, _) in zip(expected, got):
        a, b = set(map(tuple, words)), set(map(tuple, other_words))
        a |= {("ent", *e) for e in ents}
        b |= {("ent", *e) for e in other_ents}
        same += len(a & b)
        total += max(len(a | b), 1)
    return same / total if total else 1.0


def assert_close(expected: List[tuple], got: List[tuple], share: float = 0.98):
    """bfloat16 analyses: rounding depends on the batch, so decisions near a
    boundary may flip; categories stay within 0.01 and nearly all else agrees."""
    assert len(expected) == len(got)
    for (*_, cats), (*_, other_cats) in zip(expected, got):
        assert cats.keys() == other_cats.keys()
        assert all(abs(cats[k] - other_cats[k]) < 0.01 for k in cats)
    assert agreement(expected, got) >= share
