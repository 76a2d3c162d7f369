import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab
from spacy_transformers.align import get_alignment_via_offset_mapping
from spacy_transformers.layers.transformer_model import huggingface_tokenize
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from hanzi_spacy.errors import HanziError
from hanzi_spacy.pretrain import build_tokenizer
from hanzi_spacy.pretrain.vocab import count_characters, unknown_rate

TEXTS = ["１２３abc中文", "123ABC iPhone 12", "中文很好", "我们 学习 中文"] * 2


@pytest.fixture(scope="module")
def tokenizer() -> PreTrainedTokenizerFast:
    return build_tokenizer(TEXTS, min_count=2)


def pieces(tokenizer, text):
    return tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)


def test_offsets_are_per_character_against_the_original(tokenizer):
    text = "１２３abc中文"
    enc = pieces(tokenizer, text)
    assert enc["offset_mapping"] == [(i, i + 1) for i in range(len(text))]
    assert tokenizer.unk_token_id not in enc["input_ids"]
    with_special = tokenizer(text)["input_ids"]
    assert with_special[0] == tokenizer.cls_token_id
    assert with_special[-1] == tokenizer.sep_token_id


def test_full_and_half_width_share_ids(tokenizer):
    assert (
        pieces(tokenizer, "１２３ＡＢＣ")["input_ids"]
        == pieces(tokenizer, "123ABC")["input_ids"]
    )


def test_latin_is_split_into_characters(tokenizer):
    enc = pieces(tokenizer, "iPhone 12")
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    assert tokens == list("iPhone12")
    assert enc["offset_mapping"][-2:] == [(7, 8), (8, 9)]


def test_unknown_characters_each_get_their_own_piece(tokenizer):
    text = "😀👍 中"
    enc = pieces(tokenizer, text)
    assert len(enc["input_ids"]) == len(text.replace(" ", ""))
    assert enc["input_ids"][:2] == [tokenizer.unk_token_id] * 2
    assert enc["offset_mapping"] == [(0, 1), (1, 2), (3, 4)]


def test_min_count_counts_after_nfkc():
    # "１" and "1" are one character after NFKC: two occurrences; "x" only one.
    counts = count_characters(["１1x"])
    assert counts["1"] == 2 and "１" not in counts
    tokenizer = build_tokenizer(["１1x"], min_count=2)
    assert tokenizer.convert_ids_to_tokens(pieces(tokenizer, "1x")["input_ids"]) == [
        "1",
        "[UNK]",
    ]
    assert unknown_rate(tokenizer, ["1x"]) == 0.5


def test_ids_are_deterministic_and_specials_first():
    a, b = build_tokenizer(TEXTS), build_tokenizer(list(reversed(TEXTS)))
    assert a.get_vocab() == b.get_vocab()
    assert a.convert_tokens_to_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]) == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_empty_vocabulary_is_an_error():
    with pytest.raises(HanziError, match="E209"):
        build_tokenizer(["abc"], min_count=5)


def test_saved_tokenizer_loads_as_fast(tokenizer, tmp_path):
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded.is_fast
    text = "１２３abc中文 😀"
    assert pieces(loaded, text) == pieces(tokenizer, text)


def test_spacy_transformers_aligns_one_token_to_its_characters(tokenizer):
    # The package's spaCy tokenizer: CJK characters alone, Latin/digit runs whole.
    words = ["１２３", "abc", "中", "文", "iPhone", "12", "😀"]
    spaces = [False, False, False, True, True, True, False]
    doc = Doc(Vocab(), words=words, spaces=spaces)
    wordpieces = huggingface_tokenize(tokenizer, [doc.text])
    align = get_alignment_via_offset_mapping([doc[:]], wordpieces["offset_mapping"])
    assert list(align.lengths) == [len(w) for w in words]
    flat = list(align.dataXd)
    assert flat == list(range(1, len(flat) + 1))  # in order, skipping [CLS]
