"""A backbone with relative positions is loaded asking for eager attention: what
ran before (SDPA fell back to it), without transformers' warning on every load."""

import logging

import spacy
from transformers import AutoModel

from hanzi_spacy.ml.transformer.attention import BackboneConfig
from hanzi_spacy.pretrain.backbone import load_masked_lm

from ..conftest import make_nlp, sample_examples

SDPA_FALLBACK = "scaled_dot_product_attention"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def transformers_warnings(run) -> list:
    """What transformers logs while run() runs, its once-only warnings included."""
    logging.Logger.warning_once.cache_clear()  # transformers' once-only cache
    handler = Collect()
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        run()
    finally:
        logger.removeHandler(handler)
    return handler.messages


def attention_classes(model) -> set:
    return {
        type(m).__name__
        for m in model.modules()
        if m.__class__.__name__.endswith("SelfAttention")
    }


def test_a_saved_pipeline_loads_and_runs_without_the_sdpa_warning(
    relative_backbone, tmp_path, capfd
):
    nlp = make_nlp(relative_backbone)
    examples = sample_examples(nlp)
    messages = transformers_warnings(lambda: nlp.initialize(lambda: examples))
    nlp.to_disk(tmp_path / "pipeline")
    assert not [m for m in messages if SDPA_FALLBACK in m]
    loaded = []

    def load_and_run() -> None:
        loaded.append(spacy.load(tmp_path / "pipeline"))
        loaded[0]("我爱北京天安门。")

    messages = transformers_warnings(load_and_run)
    assert not [m for m in messages if SDPA_FALLBACK in m]
    assert SDPA_FALLBACK not in capfd.readouterr().err
    backbone = loaded[0].get_pipe("transformer").model.transformer
    assert attention_classes(backbone) == {"BertSelfAttention"}


def test_relative_positions_ask_for_eager_attention_absolute_keep_the_default(
    relative_backbone, tiny_backbone
):
    relative = BackboneConfig.from_pretrained(str(relative_backbone))
    assert relative._attn_implementation == "eager"
    model = AutoModel.from_pretrained(str(relative_backbone), config=relative)
    assert attention_classes(model) == {"BertSelfAttention"}
    assert attention_classes(load_masked_lm(relative_backbone)) == {"BertSelfAttention"}
    absolute = BackboneConfig.from_pretrained(str(tiny_backbone))
    model = AutoModel.from_pretrained(str(tiny_backbone), config=absolute)
    default = AutoModel.from_pretrained(str(tiny_backbone))
    assert attention_classes(model) == attention_classes(default)
