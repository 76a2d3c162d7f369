import torch

from hanzi_spacy.pretrain.masking import IGNORE_INDEX, MaskingCollator

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
    return MaskingCollator(0, MASK, VOCAB, generator=generator)(features)


def test_same_seed_same_masks():
    features = examples()
    a, b, c = collate(features, 1), collate(features, 1), collate(features, 2)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["labels"], c["labels"])


def test_global_generator_follows_torch_seed():
    features = examples()
    collator = MaskingCollator(0, MASK, VOCAB)
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
    collator = MaskingCollator(0, MASK, VOCAB)
    fixed = collator.mask_once(examples(n=8), seed=5)
    assert fixed == collator.mask_once(examples(n=8), seed=5)
    batch = collator(fixed)
    for row, feature in enumerate(fixed):
        n = len(feature["input_ids"])
        assert batch["input_ids"][row, :n].tolist() == feature["input_ids"]
        assert batch["labels"][row, :n].tolist() == feature["labels"]
        assert batch["attention_mask"][row].sum() == n


def test_characters_and_spans_ignore_the_words():
    features = examples(n=256)
    for unit in ("char", "span"):
        generator = torch.Generator().manual_seed(0)
        collator = MaskingCollator(0, MASK, VOCAB, unit=unit, generator=generator)
        batch = collator(features)
        labelled = batch["labels"] != IGNORE_INDEX
        assert not labelled[:, 0].any()  # never [CLS]
        assert not labelled[batch["attention_mask"] == 0].any()
        share = labelled.sum().item() / sum(len(f["input_ids"]) - 2 for f in features)
        assert 0.10 < share < 0.20
        # some chosen run cuts through a word: a word partly labelled
        partial = 0
        for row, feature in enumerate(features):
            words = feature["word_ids"]
            for word in set(words) - {-1}:
                marks = {
                    bool(labelled[row, i]) for i, w in enumerate(words) if w == word
                }
                partial += len(marks) == 2
        assert partial > 0


def test_spans_are_longer_than_characters():
    def mean_run(unit):
        generator = torch.Generator().manual_seed(0)
        collator = MaskingCollator(0, MASK, VOCAB, unit=unit, generator=generator)
        labelled = (collator(examples(n=256))["labels"] != IGNORE_INDEX).int()
        starts = labelled[:, 1:] > labelled[:, :-1]
        return labelled.sum().item() / starts.sum().item()

    assert mean_run("span") > 1.8 > 1.3 > mean_run("char")


def test_unknown_unit_is_refused():
    import pytest

    with pytest.raises(ValueError, match="unit"):
        MaskingCollator(0, MASK, VOCAB, unit="sentence")


def test_boundary_labels_mark_word_starts_and_hide_masked_characters():
    features = examples()
    generator = torch.Generator().manual_seed(0)
    batch = MaskingCollator(0, MASK, VOCAB, generator=generator, boundaries=True)(
        features
    )
    boundary, labels = batch["boundary_labels"], batch["labels"]
    for row, feature in enumerate(features):
        words = feature["word_ids"]
        for i, word in enumerate(words):
            if word < 0 or labels[row, i] != IGNORE_INDEX:
                assert boundary[row, i] == IGNORE_INDEX
            else:
                assert boundary[row, i] == int(word != words[i - 1])
        assert (boundary[row, len(words) :] == IGNORE_INDEX).all()  # padding
    known = boundary[boundary != IGNORE_INDEX]
    assert 0 < int(known.sum()) < len(known)  # both classes occur
    assert "boundary_labels" not in collate(features, 0)
