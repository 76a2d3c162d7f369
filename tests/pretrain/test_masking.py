import torch

from hanzi_spacy.pretrain.masking import IGNORE_INDEX, WholeWordMaskCollator

VOCAB = 50
MASK = 4


def examples(n=64, seed=0):
    """Random examples: words of 1-4 characters, [CLS]=2 ... [SEP]=3."""
    rng = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        n_words = int(torch.randint(3, 20, (1,), generator=rng))
        sizes = torch.randint(1, 5, (n_words,), generator=rng)
        words = [w for w, size in enumerate(sizes.tolist()) for _ in range(size)]
        ids = torch.randint(5, VOCAB, (len(words),), generator=rng).tolist()
        out.append({"input_ids": [2] + ids + [3], "word_ids": [-1] + words + [-1]})
    return out


def collate(features, seed):
    generator = torch.Generator().manual_seed(seed)
    return WholeWordMaskCollator(0, MASK, VOCAB, generator=generator)(features)


def test_same_seed_same_masks():
    features = examples()
    a, b, c = collate(features, 1), collate(features, 1), collate(features, 2)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["labels"], c["labels"])


def test_global_generator_follows_torch_seed():
    features = examples()
    collator = WholeWordMaskCollator(0, MASK, VOCAB)
    torch.manual_seed(3)
    a = collator(features)
    torch.manual_seed(3)
    b = collator(features)
    assert torch.equal(a["input_ids"], b["input_ids"])


def test_whole_words_are_masked_and_about_15_percent():
    features = examples(n=256)
    batch = collate(features, 0)
    labelled = batch["labels"] != IGNORE_INDEX
    chosen, total = 0, 0
    for row, feature in enumerate(features):
        words = feature["word_ids"]
        picked = {words[i] for i in range(len(words)) if labelled[row, i]}
        assert -1 not in picked  # never [CLS], [SEP]
        assert labelled[row].any()
        for i, word in enumerate(words):
            assert bool(labelled[row, i]) == (word in picked)
        chosen += int(labelled[row].sum())
        total += len(words) - 2
    assert not labelled[batch["attention_mask"] == 0].any()  # never padding
    assert 0.10 < chosen / total < 0.20


def test_80_10_10_rule_and_labels():
    features = examples(n=512)
    batch = collate(features, 0)
    labelled = batch["labels"] != IGNORE_INDEX
    ids = batch["input_ids"][labelled]
    original = batch["labels"][labelled]
    masked = (ids == MASK).float().mean().item()
    kept = (ids == original).float().mean().item()
    assert 0.75 < masked < 0.85
    assert 0.05 < kept < 0.16  # 10%, plus random draws that hit the original
    assert (batch["input_ids"][~labelled] != MASK).all()


def test_prelabelled_examples_are_only_padded():
    collator = WholeWordMaskCollator(0, MASK, VOCAB)
    fixed = collator.mask_once(examples(n=8), seed=5)
    assert fixed == collator.mask_once(examples(n=8), seed=5)
    batch = collator(fixed)
    for row, feature in enumerate(fixed):
        n = len(feature["input_ids"])
        assert batch["input_ids"][row, :n].tolist() == feature["input_ids"]
        assert batch["labels"][row, :n].tolist() == feature["labels"]
        assert batch["attention_mask"][row].sum() == n
