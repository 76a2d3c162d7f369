"""hanzi-spacy.TransformerModel.v1: the alignment and outputs of spacy-transformers."""

import numpy
import pytest
import spacy
from spacy_transformers.align import get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch
from spacy_transformers.layers.transformer_model import huggingface_tokenize
from transformers import AutoTokenizer

from hanzi_spacy.pipeline.fast_transformer import NumpySplitBatch, offset_alignment

from .conftest import analysis

TEXTS = [
    "中华人民共和国主席江泽民在北京会见了克林顿。",
    "",
    " ",
    "iPhone12  很好用，价格 ３９９９元！\n\n第二段",
    "Ｈｅｌｌｏ世界 ２０２６年 e\u0301 🙂😀\t中",
    "长" * 300 + " abc " + "文" * 50,  # several strided windows
    "x" * 40 + "中",
]
V3 = "spacy-transformers.TransformerModel.v3"
V1 = "hanzi-spacy.TransformerModel.v1"


def spans_of(nlp, texts):
    docs = [nlp.make_doc(text) for text in texts]
    docs.append(docs[0])  # the same Doc twice in a batch
    return nlp.get_pipe("transformer").model.attrs["get_spans"](docs)


@pytest.mark.parametrize("backbone", ["tiny_backbone", "hub_shaped_backbone"])
def test_alignment_equals_spacy_transformers(trained_nlp, backbone, request):
    tokenizer = AutoTokenizer.from_pretrained(request.getfixturevalue(backbone))
    nested = spans_of(trained_nlp, TEXTS)
    flat = [span for doc_spans in nested for span in doc_spans]
    encoding = huggingface_tokenize(tokenizer, [span.text for span in flat])
    expected = get_alignment_via_offset_mapping(flat, encoding["offset_mapping"])
    got = offset_alignment(nested, encoding["offset_mapping"])
    assert got.lengths.tolist() == expected.lengths.tolist()
    assert got.dataXd.tolist() == expected.dataXd.tolist()
    assert got.lengths.sum() > 0


def test_split_by_doc_equals_spacy_transformers(trained_nlp):
    docs = [trained_nlp.make_doc(text) for text in TEXTS]
    batch = trained_nlp.get_pipe("transformer").model.predict(docs)
    assert isinstance(batch, NumpySplitBatch)
    fields = dict(spans=batch.spans, wordpieces=batch.wordpieces, align=batch.align)
    plain = FullTransformerBatch(model_output=batch.model_output, **fields)
    for ours, theirs in zip(batch.split_by_doc(), plain.split_by_doc()):
        assert ours.align.lengths.tolist() == theirs.align.lengths.tolist()
        assert ours.align.dataXd.tolist() == theirs.align.dataXd.tolist()
        assert set(ours.model_output) == set(theirs.model_output)
        for key in ours.model_output:
            assert numpy.array_equal(ours.model_output[key], theirs.model_output[key])


def test_v1_and_v3_give_the_same_analysis(trained_nlp, trained_path):
    config = trained_nlp.config["components"]["transformer"]["model"]
    assert config["@architectures"] == V1
    plain = spacy.load(
        trained_path, config={"components.transformer.model.@architectures": V3}
    )
    for ours, theirs in zip(trained_nlp.pipe(TEXTS), plain.pipe(TEXTS)):
        assert analysis(ours) == analysis(theirs)
