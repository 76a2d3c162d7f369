"""The bare backbone sees the windows and batches spacy-transformers makes."""

import pytest
from spacy.vocab import Vocab
from spacy_transformers.span_getters import get_strided_spans
from spacy_transformers.util import batch_by_length as trf_batch_by_length

from benchmarks.backbone import batch_by_length, strided_windows
from hanzi_spacy.tokenizer import CharPretokenizer

TEXTS = [
    "",
    "短",
    "今天天气很好。iPhone 12 的价格是 5,499 元。ＡＢＣ１２３  繁體中文\n第二行",
    "江泽民在北京会见了代表团。" * 20,
    "新华社记者报道，上海经济发展很快。" * 13,
]


@pytest.mark.parametrize("window,stride", [(128, 96), (8, 6), (5, 5)])
def test_windows_match_strided_spans(window, stride):
    tokenizer = CharPretokenizer(Vocab())
    docs = [tokenizer(text) for text in TEXTS]
    expected = [
        [span.text for span in spans]
        for spans in get_strided_spans(docs, window=window, stride=stride)
    ]
    assert [strided_windows(t, window, stride) for t in TEXTS] == expected


def test_batches_match_spacy_transformers():
    lengths = [5, 300, 17, 17, 4000, 1, 250, 90]
    seqs = [[0] * n for n in lengths]
    assert batch_by_length(lengths, 512) == trf_batch_by_length(seqs, 512)
