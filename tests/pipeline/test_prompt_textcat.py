"""hanzi_prompt_textcat: zero-shot on a blank pipeline, few-shot through nlp.update
and spacy train, calibration, truncation, batching, saving and soft prompts."""

import random
from pathlib import Path

import numpy
import pytest
import spacy
import torch
from spacy.tokens import DocBin
from spacy.training import Example
from thinc.api import Adam, fix_random_seed
from transformers import AutoModelForMaskedLM, AutoTokenizer

import hanzi_spacy.pipeline.prompt_textcat  # noqa: F401  (registers the factory)
from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.cloze.model import cloze_module

from ..conftest import REVIEWS

ROOT = Path(__file__).parent.parent.parent
TOKENIZER = {"@tokenizers": "hanzi-spacy.char_pretokenizer.v2"}
TEMPLATE = "{text}。总之很[MASK]。"


def blank(backbone, name="textcat", model=None, **config):
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": TOKENIZER}})
    config = {"backbone": str(backbone), **config}
    if model:
        config["model"] = {"@architectures": "hanzi-spacy.ClozeModel.v1", **model}
    nlp.add_pipe("hanzi_prompt_textcat", name=name, config=config)
    return nlp


def review_examples(nlp):
    return [
        Example.from_dict(
            nlp.make_doc(text),
            {
                "cats": {
                    "POSITIVE": float(lab == "POSITIVE"),
                    "NEGATIVE": float(lab == "NEGATIVE"),
                }
            },
        )
        for text, lab in REVIEWS
    ]


def overfit(nlp, steps=20, lr=2e-3):
    fix_random_seed(0)
    examples = review_examples(nlp)
    nlp.initialize(lambda: examples)
    optimizer = Adam(lr)
    for _ in range(steps):
        random.Random(0).shuffle(examples)
        nlp.update(examples, sgd=optimizer, losses={})
    return nlp


def cats(nlp, texts):
    return [nlp(text).cats for text in texts]


def assert_same_cats(expected, got, tol=1e-5):
    assert len(expected) == len(got)
    for a, b in zip(expected, got):
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) < tol for k in a), (a, b)


@pytest.mark.parametrize("which", ["tiny_backbone", "hub_shaped_backbone"])
def test_zero_shot_on_a_blank_pipeline(which, request):
    backbone = request.getfixturevalue(which)
    nlp = blank(backbone)  # no initialize, no training
    doc = nlp("这本书很好看，推荐！")
    assert set(doc.cats) == {"POSITIVE", "NEGATIVE"}
    assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)
    assert all(0.0 < p < 1.0 for p in doc.cats.values())
    nlp.initialize()  # initialising without examples also works
    assert nlp("这本书很好看，推荐！").cats == pytest.approx(doc.cats, abs=1e-6)


def manual_word_score(backbone, text, word):
    """Mean log-probability of the word's pieces at as many masks, computed
    directly with transformers."""
    tok = AutoTokenizer.from_pretrained(str(backbone))
    mlm = AutoModelForMaskedLM.from_pretrained(str(backbone)).eval()
    pieces = tok(word, add_special_tokens=False)["input_ids"]
    filled = TEMPLATE.replace("[MASK]", tok.mask_token * len(pieces))
    enc = tok(filled.replace("{text}", text), return_tensors="pt")
    with torch.no_grad():
        log_probs = torch.log_softmax(mlm(**enc).logits[0], -1)
    masks = (enc["input_ids"][0] == tok.mask_token_id).nonzero()[:, 0]
    return float(numpy.mean([log_probs[m, p] for m, p in zip(masks, pieces)]))


@pytest.mark.parametrize("which", ["tiny_backbone", "hub_shaped_backbone"])
def test_multi_character_label_words_score_their_mean_log_probability(which, request):
    backbone = request.getfixturevalue(which)
    verbalizer = {"POSITIVE": ["推荐", "好"], "NEGATIVE": ["失望"]}
    nlp = blank(backbone, template=TEMPLATE, verbalizer=verbalizer, content_free=[])
    text = "物流很快，非常满意"
    pipe = nlp.get_pipe("textcat")
    scores = pipe.predict([nlp.make_doc(text)])[0]
    words = {w: manual_word_score(backbone, text, w) for w in ["推荐", "好", "失望"]}
    positive = numpy.logaddexp(words["推荐"], words["好"]) - numpy.log(2)
    assert scores[0] == pytest.approx(positive, abs=1e-4)
    assert scores[1] == pytest.approx(words["失望"], abs=1e-4)
    # exclusive probabilities: a softmax over the two label scores
    expected = 1 / (1 + numpy.exp(scores[1] - scores[0]))
    assert nlp(text).cats["POSITIVE"] == pytest.approx(expected, abs=1e-5)


def manual_sequential_score(backbone, text, word):
    """PET's decoding with transformers: write the most certain remaining piece
    into its mask, run again; the mean of the pieces' log-probabilities."""
    tok = AutoTokenizer.from_pretrained(str(backbone))
    mlm = AutoModelForMaskedLM.from_pretrained(str(backbone)).eval()
    pieces = tok(word, add_special_tokens=False)["input_ids"]
    filled = TEMPLATE.replace("[MASK]", tok.mask_token * len(pieces))
    enc = tok(filled.replace("{text}", text), return_tensors="pt")
    masks = (enc["input_ids"][0] == tok.mask_token_id).nonzero()[:, 0].tolist()
    ids, left, total = enc["input_ids"].clone(), list(range(len(pieces))), []
    while left:
        with torch.no_grad():
            log_probs = torch.log_softmax(mlm(input_ids=ids).logits[0], -1)
        scores = {i: float(log_probs[masks[i], pieces[i]]) for i in left}
        best = max(scores, key=scores.get)
        total.append(scores[best])
        ids[0, masks[best]] = pieces[best]
        left.remove(best)
    return float(numpy.mean(total))


@pytest.mark.parametrize("which", ["tiny_backbone", "hub_shaped_backbone"])
def test_sequential_decoding_reads_one_piece_at_a_time(which, request, tmp_path):
    backbone = request.getfixturevalue(which)
    verbalizer = {"POSITIVE": ["推荐", "好"], "NEGATIVE": ["失望", "不推荐"]}
    config = dict(template=TEMPLATE, verbalizer=verbalizer, content_free=[])
    nlp = blank(backbone, model={"decoding": "sequential"}, **config)
    text = "物流很快，非常满意"
    scores = nlp.get_pipe("textcat").predict([nlp.make_doc(text)])[0]
    words = {w: manual_sequential_score(backbone, text, w) for w in ["推荐", "失望"]}
    words["好"] = manual_word_score(backbone, text, "好")
    words["不推荐"] = manual_sequential_score(backbone, text, "不推荐")
    positive = numpy.logaddexp(words["推荐"], words["好"]) - numpy.log(2)
    negative = numpy.logaddexp(words["失望"], words["不推荐"]) - numpy.log(2)
    assert scores == pytest.approx([positive, negative], abs=1e-4)
    if which == "tiny_backbone":  # seeded weights; the hub-shaped ones are not,
        # and random ones may ignore what is written into a mask
        parallel = blank(backbone, **config).get_pipe("textcat")
        assert parallel.predict([nlp.make_doc(text)])[0] != pytest.approx(scores)
    # it trains through every forward, and round-trips with its setting
    overfit(nlp, steps=2)
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert loaded.get_pipe("textcat").model.attrs["decoding"] == "sequential"
    assert_same_cats(cats(nlp, [text]), cats(loaded, [text]))


def test_calibration_makes_the_content_free_input_uniform(tiny_backbone):
    raw = blank(tiny_backbone, content_free=[])
    calibrated = blank(tiny_backbone, content_free=["N/A"])
    multi = blank(tiny_backbone, content_free=["N/A"], exclusive_classes=False)
    # uncalibrated, the random model prefers one label even with no content ...
    assert abs(raw("N/A").cats["POSITIVE"] - 0.5) > 1e-3
    # ... calibrated, the content-free input itself is undecided
    assert calibrated("N/A").cats["POSITIVE"] == pytest.approx(0.5, abs=1e-5)
    assert multi("N/A").cats == pytest.approx({"POSITIVE": 0.5, "NEGATIVE": 0.5})

    # and every text moves by the same prior: the log-odds shift by a constant
    def log_odds(nlp, text):
        c = nlp(text).cats
        return numpy.log(c["POSITIVE"] / c["NEGATIVE"])

    shifts = [
        log_odds(calibrated, t) - log_odds(raw, t) for t, _ in REVIEWS + [("N/A", 0)]
    ]
    assert numpy.allclose(shifts, shifts[0], atol=1e-4)
    assert shifts[0] == pytest.approx(-log_odds(raw, "N/A"), abs=1e-4)


def test_multi_label_mode(tiny_backbone):
    nlp = blank(tiny_backbone, exclusive_classes=False)
    for doc in nlp.pipe([t for t, _ in REVIEWS]):
        assert all(0.0 < p < 1.0 for p in doc.cats.values())
    # not a softmax: the sum is off 1 by more than float32 rounding (the random
    # backbone's scores are nearly flat, so not by much)
    assert abs(sum(nlp("坏了，很失望").cats.values()) - 1.0) > 1e-6
    with pytest.raises(HanziError, match="E552"):
        blank(tiny_backbone, exclusive_classes=False, content_free=[])


def test_pipe_equals_call_and_long_texts_keep_the_mask(tiny_backbone):
    nlp = blank(tiny_backbone, max_length=24)
    long = "这本书很好看，推荐！" * 40
    texts = [t for t, _ in REVIEWS] + [long, "", "繁體中文很好"]
    one_by_one = cats(nlp, texts)
    assert_same_cats(one_by_one, [d.cats for d in nlp.pipe(texts, batch_size=3)])
    prompt = nlp.get_pipe("textcat").model.attrs["prompt"]
    batch = prompt.encode(texts, 1)
    assert batch["input_ids"].shape[1] == 24
    rows = numpy.arange(len(texts))
    mask_id = prompt.tokenizer.mask_token_id
    assert (batch["input_ids"][rows, batch["mask_positions"][:, 0]] == mask_id).all()


def test_long_texts_lose_the_end_or_the_start(tiny_backbone):
    long = "物流很快，非常满意" + "这本书很好看，推荐！" * 30 + "坏了，很失望"
    first = blank(tiny_backbone, max_length=24, keep="first")
    last = blank(tiny_backbone, max_length=24, keep="last")
    budget = 24 - 2 - 6  # [CLS], [SEP] and the template's 6 pieces
    assert_same_cats(cats(first, [long]), cats(first, [long[:budget]]))
    assert_same_cats(cats(last, [long]), cats(last, [long[-budget:]]))


def test_traditional_text_reads_as_simplified(tiny_backbone):
    nlp = blank(tiny_backbone)
    assert_same_cats(cats(nlp, ["繁體中文很好"]), cats(nlp, ["繁体中文很好"]))
    as_is = blank(tiny_backbone, script="")
    assert cats(as_is, ["繁體中文很好"]) != cats(as_is, ["繁体中文很好"])


def test_overfit_then_save_and_load_gives_the_same_cats(tiny_backbone, tmp_path):
    nlp = overfit(blank(tiny_backbone))
    texts = [t for t, _ in REVIEWS]
    for doc, (_, label) in zip(nlp.pipe(texts), REVIEWS):
        assert max(doc.cats, key=doc.cats.get) == label
        assert doc.cats[label] > 0.7
    before = cats(nlp, texts + ["今天天气很好。"])
    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "textcat" / "backbone" / "config.json").exists()
    loaded = spacy.load(tmp_path / "model")
    assert_same_cats(before, cats(loaded, texts + ["今天天气很好。"]))
    scores = nlp.evaluate(review_examples(nlp))
    assert scores["cats_score"] == 1.0 and scores["cats_acc"] == 1.0
    from_bytes = blank(tiny_backbone)
    from_bytes.get_pipe("textcat").from_bytes(nlp.get_pipe("textcat").to_bytes())
    assert_same_cats(before, cats(from_bytes, texts + ["今天天气很好。"]))


def test_soft_prompts_train_and_leave_the_backbone_unchanged(tiny_backbone, tmp_path):
    hard = blank(tiny_backbone)
    nlp = blank(tiny_backbone, model={"tune": "prompt", "prompt_length": 0})
    texts = [t for t, _ in REVIEWS]
    # the soft prompts start as the template's own embeddings
    assert_same_cats(cats(hard, texts), cats(nlp, texts))
    nlp.initialize(lambda: review_examples(nlp))
    module = cloze_module(nlp.get_pipe("textcat").model)
    weights = {k: v.clone() for k, v in module.mlm.state_dict().items()}
    soft = module.soft.detach().clone()

    pipe = nlp.get_pipe("textcat")
    sign = numpy.array([1.0 if label == "POSITIVE" else -1.0 for _, label in REVIEWS])

    def margin():
        """Mean gold-minus-other label score (the random backbone's head is
        nearly flat, so the soft prompts move it only a little)."""
        scores = pipe.predict([nlp.make_doc(t) for t in texts])
        return float(numpy.mean((scores[:, 0] - scores[:, 1]) * sign))

    fix_random_seed(0)
    start = margin()
    optimizer = Adam(3e-2)
    for _ in range(10):
        nlp.update(review_examples(nlp), sgd=optimizer)
    assert margin() > start
    for name, value in module.mlm.state_dict().items():
        assert torch.equal(value, weights[name]), name
    assert not torch.equal(module.soft.detach(), soft)
    before = cats(nlp, texts)
    nlp.to_disk(tmp_path / "soft")
    assert_same_cats(before, cats(spacy.load(tmp_path / "soft"), texts))


LORA = {
    "peft_type": "LORA",
    "r": 4,
    "lora_alpha": 8,
    "target_modules": ["query", "value"],
}


def test_lora_trains_only_its_layers_and_round_trips(tiny_backbone, tmp_path):
    from safetensors.torch import load_file

    plain = blank(tiny_backbone)
    nlp = blank(tiny_backbone, model={"tune": "peft", "peft": LORA})
    texts = [t for t, _ in REVIEWS]
    # LoRA's B starts at zero: before training the output is the plain model's
    assert_same_cats(cats(plain, texts), cats(nlp, texts))
    nlp.initialize(lambda: review_examples(nlp))
    module = cloze_module(nlp.get_pipe("textcat").model)
    trained = {n for n, p in module.mlm.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in name for name in trained)
    frozen = {
        k: v.clone() for k, v in module.mlm.state_dict().items() if "lora_" not in k
    }
    fix_random_seed(0)
    optimizer = Adam(1e-2)
    for _ in range(5):
        nlp.update(review_examples(nlp), sgd=optimizer)
    state = module.mlm.state_dict()
    assert all(torch.equal(state[k], v) for k, v in frozen.items())
    assert any(
        not torch.equal(v, torch.zeros_like(v))
        for k, v in state.items()
        if "lora_B" in k
    )
    before = cats(nlp, texts)
    assert before != cats(plain, texts)
    nlp.to_disk(tmp_path / "lora")
    folder = tmp_path / "lora" / "textcat"
    # the backbone folder is the plain masked LM; the LoRA layers lie beside it
    saved = load_file(folder / "backbone" / "model.safetensors")
    assert not any("lora_" in k or "base_layer" in k for k in saved)
    assert AutoModelForMaskedLM.from_pretrained(folder / "backbone") is not None
    assert all("lora_" in k for k in load_file(folder / "tuned_layers.safetensors"))
    assert_same_cats(before, cats(spacy.load(tmp_path / "lora"), texts))
    with pytest.raises(HanziError, match="E553"):
        blank(tiny_backbone, model={"tune": "peft"})
    with pytest.raises(HanziError, match="E553"):
        blank(tiny_backbone, model={"tune": "all", "peft": LORA})


def test_extra_soft_prompts(tiny_backbone):
    nlp = blank(tiny_backbone, model={"tune": "prompt", "prompt_length": 3})
    doc = nlp("物流很快，非常满意")
    module = cloze_module(nlp.get_pipe("textcat").model)
    n_template = len(nlp.get_pipe("textcat").model.attrs["prompt"].template_ids())
    assert module.soft.shape[0] == 3 + n_template
    assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(HanziError, match="E547"):
        blank(tiny_backbone, model={"tune": "all", "prompt_length": 3})


@pytest.mark.parametrize("which", ["tiny_backbone", "hub_shaped_backbone"])
def test_spacy_train_runs_the_fewshot_config(which, request, tmp_path):
    from spacy.cli.train import train

    backbone = request.getfixturevalue(which)

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": TOKENIZER}})
    docbin = DocBin(docs=[eg.reference for eg in review_examples(nlp)])
    docbin.to_disk(tmp_path / "reviews.spacy")
    train(
        ROOT / "configs" / "fewshot.cfg",
        tmp_path / "out",
        overrides={
            "paths.train": str(tmp_path / "reviews.spacy"),
            "paths.dev": str(tmp_path / "reviews.spacy"),
            "paths.backbone": str(backbone),
            "training.max_steps": 4,
            "training.eval_frequency": 2,
        },
    )
    trained = spacy.load(tmp_path / "out" / "model-best")
    assert set(trained("坏了，很失望").cats) == {"POSITIVE", "NEGATIVE"}


def test_errors_name_the_problem(tiny_backbone):
    with pytest.raises(HanziError, match="E555"):
        blank(tiny_backbone, model={"decoding": "greedy"})
    with pytest.raises(HanziError, match="E540"):
        blank(tiny_backbone, template="{text}。总之很好。")("好")
    with pytest.raises(HanziError, match="E542"):
        blank(tiny_backbone, verbalizer={"POSITIVE": ["龘"], "NEGATIVE": ["差"]})("好")
    with pytest.raises(HanziError, match="E550"):
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": TOKENIZER}})
        nlp.add_pipe("hanzi_prompt_textcat")
        nlp("好")
    nlp = blank(tiny_backbone)
    example = Example.from_dict(nlp.make_doc("好"), {"cats": {"NEUTRAL": 1.0}})
    with pytest.raises(HanziError, match="E551"):
        nlp.initialize(lambda: [example])


def test_a_backbone_without_a_masked_lm_head_is_refused(tiny_backbone, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    encoder_only = tmp_path / "encoder"  # what the electra objective saves
    AutoModel.from_pretrained(tiny_backbone).save_pretrained(encoder_only)
    AutoTokenizer.from_pretrained(tiny_backbone).save_pretrained(encoder_only)
    with pytest.raises(HanziError, match="E554"):
        blank(encoder_only)("好")
