import pytest

from hanzi_spacy.errors import HanziError
from hanzi_spacy.pretrain import build_tokenizer
from hanzi_spacy.pretrain.data import (
    make_examples,
    read_texts,
    split_heldout,
    word_index,
)

from .conftest import make_lines


def test_heldout_is_deterministic_and_never_leaks():
    lines = make_lines(500) * 2  # every line twice
    train, heldout = split_heldout(lines, 0.1)
    assert (train, heldout) == split_heldout(lines, 0.1)
    assert heldout and not set(heldout) & set(train)
    assert len(train) + 2 * len(heldout) == len(lines)
    assert 20 < len(heldout) < 80
    assert len(split_heldout(lines, 0.5, max_lines=7)[1]) == 7
    assert split_heldout(lines, 0.0) == (lines, [])


def test_little_text_still_holds_out_one_line():
    train, heldout = split_heldout(["甲", "乙", "丙"], 0.001)
    assert len(heldout) == 1 and len(train) == 2


def test_word_index_follows_jieba():
    assert word_index("今天天气很好") == [0, 0, 0, 0, 1, 2]
    assert len(word_index("iPhone 12 😀")) == len("iPhone 12 😀")


def test_long_lines_are_cut_at_characters_and_keep_words():
    text = "中华人民共和国" * 10  # 70 characters
    tokenizer = build_tokenizer([text], min_count=1)
    examples = make_examples(tokenizer, [text, "中国"], max_length=32)
    assert [len(e["input_ids"]) for e in examples] == [32, 32, 12, 4]
    chars = [i for e in examples[:3] for i in e["input_ids"][1:-1]]
    assert tokenizer.decode(chars).replace(" ", "") == text
    words = [w for e in examples[:3] for w in e["word_ids"][1:-1]]
    assert words == word_index(text)
    for e in examples:
        assert e["input_ids"][0] == tokenizer.cls_token_id
        assert e["input_ids"][-1] == tokenizer.sep_token_id
        assert e["word_ids"][0] == e["word_ids"][-1] == -1


def test_read_texts_skips_blank_lines(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("\ufeff第一\n\n  \n第二\r\n", encoding="utf-8")
    assert read_texts([path]) == ["第一", "第二"]


def test_read_texts_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(HanziError, match="E201"):
        read_texts([empty])
    with pytest.raises(HanziError, match="E200"):
        read_texts([tmp_path / "missing.txt"])
    bad = tmp_path / "bad.txt"
    bad.write_bytes("好\n好\n".encode() + b"\xff\xfe\n")
    with pytest.raises(HanziError, match=r"bad.txt:3: invalid UTF-8"):
        read_texts([bad])


def test_packed_examples_fill_the_length_and_keep_every_character():
    lines = make_lines(60)
    tokenizer = build_tokenizer(lines, min_count=1)
    packed = make_examples(tokenizer, lines, max_length=32, pack=True)
    unpacked = make_examples(tokenizer, lines, max_length=32)
    assert len(packed) < len(unpacked)
    assert all(len(e["input_ids"]) == 32 for e in packed[:-1])
    sep = tokenizer.sep_token_id
    pieces = [i for e in packed for i in e["input_ids"][1:-1] if i != sep]
    assert pieces == [i for e in unpacked for i in e["input_ids"][1:-1]]
    for e in packed:
        assert e["input_ids"][0] == tokenizer.cls_token_id
        assert e["input_ids"][-1] == sep
        # separators are never masked, and no word index is shared by two lines
        assert all(w == -1 for i, w in zip(e["input_ids"], e["word_ids"]) if i == sep)
    first = packed[0]
    cut = first["input_ids"].index(sep, 1)
    assert not set(first["word_ids"][1:cut]) & set(first["word_ids"][cut + 1 : -1])


def test_pieces_of_a_wordpiece_tokenizer_take_their_words_by_offsets(
    hub_shaped_backbone,
):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(hub_shaped_backbone)
    text = "今天iphone很好"
    examples = make_examples(tokenizer, [text], max_length=16)
    tokens = tokenizer.convert_ids_to_tokens(examples[0]["input_ids"])
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert len(examples[0]["word_ids"]) == len(tokens)
    words = examples[0]["word_ids"][1:-1]
    assert words == sorted(words)
