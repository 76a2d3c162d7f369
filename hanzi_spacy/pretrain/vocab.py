"""Character vocabulary and the fast tokenizer of the backbone.

Every non-space character is one wordpiece, Latin letters and digits too. The
alternatives were a WordPiece vocabulary (Latin runs become subwords) or
BERT-Chinese's scheme (CJK characters split, Latin runs kept whole). Both can
turn "iPhone" into one [UNK] and both make some spaCy tokens cover several
wordpieces. With one piece per character, every token of the package's spaCy
tokenizer (one CJK character, or one run of letters/digits) maps to whole
pieces, a rare character costs one [UNK] of its own, and the vocabulary of a
few thousand characters is learnt from the pretraining text.

Text is NFKC-normalised first, so full-width and half-width forms ("１２３ＡＢＣ",
"123ABC") share ids; the tokenizers library keeps the offsets against the
original string, which is what spacy-transformers aligns with.
"""

from collections import Counter
from typing import Iterable

from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel
from transformers import PreTrainedTokenizerFast

from ..errors import Errors, HanziError

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)


def _normalizer() -> normalizers.Normalizer:
    return normalizers.NFKC()


def _pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    # Whitespace separates and is dropped; each remaining character is a piece.
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Split(Regex("."), behavior="isolated"),
        ]
    )


def count_characters(texts: Iterable[str]) -> Counter:
    """Count the pieces the tokenizer will see: characters after NFKC, no spaces.

    texts (Iterable[str]): Raw lines.
    RETURNS (Counter): Character -> number of occurrences.
    """
    normalizer, pre_tokenizer = _normalizer(), _pre_tokenizer()
    counts: Counter = Counter()
    for text in texts:
        pieces = pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))
        counts.update(piece for piece, _ in pieces)
    return counts


def build_tokenizer(
    texts: Iterable[str], min_count: int = 2, model_max_length: int = 512
) -> PreTrainedTokenizerFast:
    """Build a character-level fast tokenizer from raw text.

    texts (Iterable[str]): The text the vocabulary is learnt from.
    min_count (int): Characters seen fewer times map to [UNK].
    model_max_length (int): The longest input the model takes, in pieces.
    RETURNS (PreTrainedTokenizerFast): The tokenizer; ids 0-4 are [PAD] [UNK]
        [CLS] [SEP] [MASK], then characters by descending count (ties by code
        point), so the same text always gives the same ids.
    """
    counts = count_characters(texts)
    chars = [c for c, n in counts.items() if n >= min_count and c not in SPECIAL_TOKENS]
    if not chars:
        raise HanziError(Errors.E209.format(min_count=min_count))
    chars.sort(key=lambda c: (-counts[c], c))
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + tuple(chars))}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token=UNK))
    tokenizer.normalizer = _normalizer()
    tokenizer.pre_tokenizer = _pre_tokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{CLS} $A {SEP}",
        pair=f"{CLS} $A {SEP} $B:1 {SEP}:1",
        special_tokens=[(CLS, vocab[CLS]), (SEP, vocab[SEP])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token=UNK,
        pad_token=PAD,
        cls_token=CLS,
        sep_token=SEP,
        mask_token=MASK,
        model_max_length=model_max_length,
    )


def unknown_rate(tokenizer: PreTrainedTokenizerFast, texts: Iterable[str]) -> float:
    """The share of pieces that are [UNK].

    tokenizer (PreTrainedTokenizerFast): A tokenizer from build_tokenizer.
    texts (Iterable[str]): Text the vocabulary was not built from, ideally.
    RETURNS (float): Unknown pieces / all pieces; 0.0 for no pieces.
    """
    texts = list(texts)
    if not texts:
        return 0.0
    encodings = tokenizer.backend_tokenizer.encode_batch(
        texts, add_special_tokens=False
    )
    unk = tokenizer.unk_token_id
    total = sum(len(e.ids) for e in encodings)
    unknown = sum(e.ids.count(unk) for e in encodings)
    return unknown / total if total else 0.0
