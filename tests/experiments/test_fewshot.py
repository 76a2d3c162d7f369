"""python -m experiments fewshot: nested balanced draws, the Wilson interval, the
summary, table and plot of a learning curve."""

import json

import pytest

from experiments.fewshot import draw, wilson
from experiments.fewshot_report import plot, summarise, table

LABELS = ["POSITIVE", "NEGATIVE"] * 50
# the prompt component's settings as choose() leaves them, but the steps
PROMPT = {
    "template": "{text}。总之很[MASK]。",
    "verbalizer": {"POSITIVE": ["好"], "NEGATIVE": ["差"]},
    "content_free": [],
    "tune": "all",
    "lr": 3e-4,
}


def test_draws_are_balanced_nested_and_seeded():
    small, large = draw(LABELS, 8, seed=3), draw(LABELS, 16, seed=3)
    assert len(small) == 16 and len(large) == 32
    assert [LABELS[i] for i in small].count("POSITIVE") == 8
    assert set(small) <= set(large)
    assert draw(LABELS, 8, seed=3) == small != draw(LABELS, 8, seed=4)


def test_wilson_interval():
    low, high = wilson(50, 100)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    low, high = wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 0.35


def test_summary_table_and_plot(tmp_path):
    runs = {
        "prompt/8/0": {"accuracy": 0.6},
        "prompt/8/1": {"accuracy": 0.7},
        "tfidf/8/0": {"accuracy": 0.55},
    }
    summary = summarise(runs, [0, 8])
    assert summary["prompt"]["8"]["mean"] == pytest.approx(0.65)
    assert summary["prompt"]["8"]["draws"] == 2
    assert summary["tfidf"]["8"]["std"] == 0.0
    results = {
        "backbone": "b",
        "ks": [0, 8],
        "summary": summary,
        "zero_shot": {
            "accuracy": 0.55,
            "n": 100,
            "wilson95": [0.45, 0.64],
            "predicted_positive": 0.5,
        },
    }
    text = table(results)
    assert "0.650 ± 0.071 (2)" in text and "[0.450, 0.640]" in text
    plot(results, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000


def test_the_lora_prompt_trains_only_its_lora_layers(tiny_backbone):
    from experiments.fewshot_systems import prompt_nlp
    from hanzi_spacy.ml.cloze.model import cloze_module

    nlp = prompt_nlp(str(tiny_backbone), {"tune": "lora"})
    nlp.initialize()  # loads the backbone and injects the LoRA layers
    module = cloze_module(nlp.get_pipe("textcat").model)
    trainable = [n for n, p in module.mlm.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)


def test_steps_and_learning_rate_are_chosen_again_at_each_k(
    tmp_path, tiny_backbone, monkeypatch
):
    import argparse

    import srsly

    from experiments import fewshot

    from ..conftest import CONFIG, REVIEWS

    monkeypatch.setattr(fewshot, "PER_K_CHECKPOINTS", (0, 1, 2))
    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    state = {"prompt": {**PROMPT, "steps": 100}, "textcat": {"lr": 2e-3, "steps": 25}}
    args = argparse.Namespace(
        backbone=str(tiny_backbone), config=str(CONFIG), choose_draws=1, batch_size=2
    )
    path = tmp_path / "choices.json"
    fewshot.choose_per_k(
        args, [0, 1, 2], (texts * 2, labels * 2), (texts, labels), path, state
    )
    per_k = srsly.read_json(path)["per_k"]
    assert set(per_k) == {"1", "2"}
    for entry in per_k.values():
        prompt = entry["candidates"]["prompt"]
        assert len(prompt) == 3  # a third of, the same as, three times 3e-4
        assert all(set(scores) == {"0", "1", "2"} for scores in prompt.values())
        textcat = entry["candidates"]["textcat"]
        assert all(set(scores) == {"1", "2"} for scores in textcat.values())
        assert entry["prompt"]["steps"] in (0, 1, 2)
        assert any(
            entry["prompt"]["lr"] == pytest.approx(lr) for lr in (1e-4, 3e-4, 9e-4)
        )
    at_two = fewshot.settings_at(state, "prompt", 2)
    assert at_two["template"] == "{text}。总之很[MASK]。"
    assert at_two["steps"] == per_k["2"]["prompt"]["steps"]
    assert fewshot.settings_at(state, "prompt", 64) == state["prompt"]
    assert "candidates" not in json.dumps(fewshot.public_choices(state))

    def no_training(*args, **kwargs):
        raise AssertionError("a choice already made was made again")

    with monkeypatch.context() as m:
        m.setattr(fewshot, "train", no_training)
        fewshot.choose_per_k(
            args, [1, 2], (texts * 2, labels * 2), (texts, labels), path, state
        )
    # another choice at --choose-k: the choices at each k are made again around it
    state["prompt"] = {**state["prompt"], "lr": 3e-3}
    fewshot.choose_per_k(
        args, [1], (texts * 2, labels * 2), (texts, labels), path, state
    )
    assert set(state["per_k"]) == {"1"}
    assert any(
        state["per_k"]["1"]["prompt"]["lr"] == pytest.approx(lr)
        for lr in (1e-3, 3e-3, 9e-3)
    )


def test_choices_try_sequential_decoding_and_keep_runs_of_the_same_base(
    tmp_path, tiny_backbone, monkeypatch
):
    import argparse

    import srsly

    from experiments import fewshot

    from ..conftest import CONFIG, REVIEWS

    single = {"POSITIVE": ["好"], "NEGATIVE": ["差"]}
    several = {"POSITIVE": ["推荐"], "NEGATIVE": ["失望"]}
    monkeypatch.setattr(fewshot, "TEMPLATES", ("{text}。总之很[MASK]。",))
    monkeypatch.setattr(fewshot, "VERBALIZERS", (single, several))
    monkeypatch.setattr(fewshot, "CALIBRATIONS", ([],))
    monkeypatch.setattr(fewshot, "PROMPT_GRID", (("all", (1e-3,)),))
    monkeypatch.setattr(fewshot, "CHECKPOINTS", (1,))
    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    args = argparse.Namespace(
        backbone=str(tiny_backbone),
        config=str(CONFIG),
        choose_k=1,
        choose_draws=1,
        batch_size=2,
    )
    path = tmp_path / "choices.json"
    state = fewshot.choose(args, (texts * 2, labels * 2), (texts, labels), path)
    zero_shot = [json.loads(key) for key in state["candidates"]["zero_shot"]]
    # the single-character verbalizer is read one way, the other both ways
    assert len(zero_shot) == 3
    assert [z.get("decoding") for z in zero_shot].count("sequential") == 1
    assert all(z["verbalizer"] == several for z in zero_shot if "decoding" in z)
    assert state["prompt"]["template"] == state["base"]["template"]
    assert srsly.read_json(path)["complete"]

    def no_training(*args, **kwargs):
        raise AssertionError("a run already made was made again")

    # the same base: nothing runs again
    with monkeypatch.context() as m:
        m.setattr(fewshot, "train", no_training)
        fewshot.choose(args, (texts * 2, labels * 2), (texts, labels), path)
    # another base (as if a new candidate had won): the training runs are redone
    state = srsly.read_json(path)
    state["base"] = {"template": "[MASK]评：{text}"}
    state["per_k"] = {"8": {}}
    srsly.write_json(path, state)
    state = fewshot.choose(args, (texts * 2, labels * 2), (texts, labels), path)
    assert "per_k" not in state and len(state["candidates"]["prompt"]) == 1


def test_the_unlabeled_pool_leaves_out_the_draw():
    from experiments.fewshot import unlabeled_pool

    chosen = draw(LABELS, 8, seed=1)
    pool = unlabeled_pool(len(LABELS), chosen, 50, seed=1)
    assert len(pool) == 50 and not set(pool) & set(chosen)
    assert pool == unlabeled_pool(len(LABELS), chosen, 50, seed=1)
    assert pool[:20] == unlabeled_pool(len(LABELS), chosen, 20, seed=1)
    assert pool != unlabeled_pool(len(LABELS), chosen, 50, seed=2)
    assert len(unlabeled_pool(len(LABELS), chosen, 10_000, seed=1)) == 100 - 16


def test_soft_labels_are_learned(tiny_backbone):
    """Soft labels move the prompt component towards them: against the same
    training without them, texts soft-labelled POSITIVE become more POSITIVE."""
    from experiments.fewshot_systems import prompt_nlp, soft_labels, train

    from ..conftest import REVIEWS

    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    negative = [text for text, label in REVIEWS if label == "NEGATIVE"]
    settings = {"template": "{text}。总之很[MASK]。", "tune": "all"}

    def positive(soft):
        nlp = train(
            prompt_nlp(str(tiny_backbone), settings),
            texts[:2],
            labels[:2],
            steps=20,
            lr=1e-3,
            batch_size=4,
            seed=0,
            soft=soft,
        )
        cats = soft_labels([nlp], negative)
        assert all(sum(c.values()) == pytest.approx(1.0) for c in cats)
        return [c["POSITIVE"] for c in cats]

    pulled = [(text, {"POSITIVE": 1.0, "NEGATIVE": 0.0}) for text in negative]
    assert all(a > b for a, b in zip(positive(pulled), positive(())))


def test_teacher_templates_start_with_the_chosen_one_then_rank_by_zero_shot():
    from experiments.fewshot import TEMPLATES, teacher_templates

    base = {k: PROMPT[k] for k in ("template", "verbalizer", "content_free")}

    def key(template):
        return json.dumps(
            {**base, "template": template}, ensure_ascii=False, sort_keys=True
        )

    zero_shot = {key(TEMPLATES[3]): 0.6, key(TEMPLATES[1]): 0.5, key(TEMPLATES[2]): 0.7}
    # another verbalizer's score does not count
    other = {**base, "template": TEMPLATES[1], "verbalizer": {"POSITIVE": ["棒"]}}
    zero_shot[json.dumps(other, ensure_ascii=False, sort_keys=True)] = 0.9
    state = {"prompt": {**PROMPT, "steps": 1}, "candidates": {"zero_shot": zero_shot}}
    assert PROMPT["template"] == TEMPLATES[0]
    assert teacher_templates(state, 3) == [TEMPLATES[0], TEMPLATES[2], TEMPLATES[3]]
    assert teacher_templates(state, 1) == [TEMPLATES[0]]
    assert teacher_templates({"prompt": PROMPT}, 2) == list(TEMPLATES[:2])


def test_an_ensemble_of_teachers_gives_the_mean_of_their_probabilities(tiny_backbone):
    from experiments.fewshot_systems import (
        predict_ensemble,
        prompt_nlp,
        soft_labels,
        train,
    )

    from ..conftest import REVIEWS

    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    nlps = [
        train(
            prompt_nlp(str(tiny_backbone), {**PROMPT, "template": template}),
            texts,
            labels,
            steps=2,
            lr=1e-3,
            batch_size=4,
            seed=0,
        )
        for template in ("{text}。总之很[MASK]。", "[MASK]评：{text}")
    ]
    one, two = soft_labels(nlps[:1], texts), soft_labels(nlps[1:], texts)
    assert one != two
    mean = soft_labels(nlps, texts)
    for a, b, m in zip(one, two, mean):
        assert m["POSITIVE"] == pytest.approx((a["POSITIVE"] + b["POSITIVE"]) / 2)
        assert sum(m.values()) == pytest.approx(1.0)
    assert predict_ensemble(nlps, texts) == [max(m, key=m.get) for m in mean]


def test_tfidf_self_training_reads_no_label_of_the_unlabeled_texts():
    from experiments.fewshot_systems import predict_tfidf_self_trained

    from ..conftest import REVIEWS

    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    predicted = predict_tfidf_self_trained(
        texts, labels, ["很好很推荐", "太差了"], texts
    )
    assert len(predicted) == len(texts) and set(predicted) <= {"POSITIVE", "NEGATIVE"}
    # the labelled texts weigh 1, their own pseudo-labels less: they keep their labels
    assert predicted == labels


def test_pet_student_is_chosen_on_dev_after_its_teacher(
    tmp_path, tiny_backbone, monkeypatch
):
    import argparse

    import srsly

    from experiments import fewshot

    from ..conftest import REVIEWS

    monkeypatch.setattr(fewshot, "PET_LRS", (1e-3,))
    monkeypatch.setattr(fewshot, "PET_CHECKPOINTS", (1, 2))
    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    state = {"prompt": {**PROMPT, "steps": 1}}
    args = argparse.Namespace(
        backbone=str(tiny_backbone),
        choose_k=1,
        choose_draws=1,
        batch_size=2,
        unlabeled=[3, 2],
        pet_teachers=[2],
        pet_generations=[2],
        pet_hard=[1],
    )
    path = tmp_path / "choices.json"
    train_split = (texts * 2, labels * 2)
    fewshot.choose_pet(args, train_split, (texts, labels), path, state)
    saved = srsly.read_json(path)
    assert saved["pet"]["unlabeled"] in (2, 3) and saved["pet"]["steps"] in (1, 2)
    candidates = saved["candidates"]["pet"]
    assert sorted(json.loads(key)[0] for key in candidates) == [2, 3]
    assert all(set(scores) == {"1", "2"} for scores in candidates.values())
    # the two-template ensemble is tried at the single teacher's size and rate
    chosen = [saved["pet"]["unlabeled"], saved["pet"]["lr"]]
    assert [json.loads(key) for key in saved["candidates"]["pet-2"]] == [[*chosen, 0]]
    assert saved["pet"]["teachers"] in (1, 2)
    assert len(saved["pet"]["templates"]) == saved["pet"]["teachers"]
    teachers = saved["pet"]["teachers"]
    prefix = "pet" + ("-2" if teachers == 2 else "")
    # a teacher taught by the chosen ones with hard labels, at their size and rate
    assert [json.loads(key) for key in saved["candidates"][prefix + "-hard1"]] == [
        [*chosen, 0]
    ]
    assert saved["pet"]["hard"] in (0, 1)
    # a second generation, taught by the first one's student, is tried too
    if saved["pet"]["hard"]:
        prefix += "-hard1"
    second = saved["candidates"][prefix + "-gen2"]
    assert [json.loads(key) for key in second] == [[*chosen, 0]]
    steps = saved["pet"]["generation_steps"]
    assert len(steps) in (1, 2) and saved["pet"]["steps"] == steps[-1]
    dev = saved["pet_dev"]
    assert set(dev["teacher"]) == set(dev["tfidf"]) == set(dev["teachers-2"]) == {"0"}
    assert set(dev["teacher-hard1"]) == {"0"}
    assert set(dev["tfidf-self"]) == {"2", "3"}
    assert saved["tfidf-self"]["unlabeled"] in (2, 3)

    def no_training(*args, **kwargs):
        raise AssertionError("a choice already made was made again")

    with monkeypatch.context() as m:
        m.setattr(fewshot, "train", no_training)
        fewshot.choose_pet(args, train_split, (texts, labels), path, state)
    # another teacher: the student is chosen again
    state["prompt"] = {**state["prompt"], "lr": 1e-3}
    fewshot.choose_pet(args, train_split, (texts, labels), path, state)
    assert srsly.read_json(path)["pet_of"]["teacher"]["lr"] == 1e-3


def test_pet_at_test_time_trains_each_teacher_then_each_generation(
    tiny_backbone, monkeypatch
):
    import argparse

    from experiments import fewshot

    from ..conftest import REVIEWS

    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    templates = ["{text}。总之很[MASK]。", "[MASK]评：{text}"]
    choices = {
        "prompt": {**PROMPT, "steps": 1},
        "batch_size": 2,
        "pet": {"unlabeled": 2, "lr": 1e-3, "steps": 1, "generation_steps": [2, 1]},
    }
    choices["pet"].update(teachers=2, templates=templates)
    runs = []
    real_train = fewshot.train

    def counted(nlp, *args, **kwargs):
        runs.append((nlp.get_pipe("textcat").cfg["template"], kwargs["steps"]))
        runs[-1] += (len(kwargs.get("soft", ())),)
        return real_train(nlp, *args, **kwargs)

    monkeypatch.setattr(fewshot, "train", counted)
    args = argparse.Namespace(backbone=str(tiny_backbone))
    fit = fewshot.DrawFit(args, choices, 1, 0, texts[:2], labels[:2], texts[2:])
    predicted = fit.predict("pet", texts)
    assert len(predicted) == len(texts) and set(predicted) <= set(fewshot.LABELS)
    # two teachers (one per template), then two students with soft labels
    assert runs == [
        (templates[0], 1, 0),
        (templates[1], 1, 0),
        *[(templates[0], 2, 2), (templates[0], 1, 2)],
    ]


def test_confident_takes_the_surest_of_each_label_by_the_soft_labels_alone():
    from experiments.fewshot import confident

    texts = ["a", "b", "c", "d", "e"]
    soft = [
        {"POSITIVE": 0.6, "NEGATIVE": 0.4},
        {"POSITIVE": 0.9, "NEGATIVE": 0.1},
        {"POSITIVE": 0.2, "NEGATIVE": 0.8},
        {"POSITIVE": 0.7, "NEGATIVE": 0.3},
        {"POSITIVE": 0.45, "NEGATIVE": 0.55},
    ]
    assert confident(texts, soft, 2) == (
        ["b", "d", "c", "e"],
        ["POSITIVE", "POSITIVE", "NEGATIVE", "NEGATIVE"],
    )
    # fewer of a label than m: those there are
    assert confident(texts, soft, 3)[1].count("NEGATIVE") == 2


def test_pet_at_test_time_trains_the_hard_labelled_teacher_before_the_student(
    tiny_backbone, monkeypatch
):
    import argparse

    from experiments import fewshot

    from ..conftest import REVIEWS

    texts = [text for text, _ in REVIEWS]
    labels = [label for _, label in REVIEWS]
    choices = {
        "prompt": {**PROMPT, "steps": 1},
        "batch_size": 2,
        "pet": {"unlabeled": 2, "lr": 1e-3, "steps": 2, "hard": 1},
    }
    runs = []
    real_train = fewshot.train

    def counted(nlp, texts, labels, **kwargs):
        runs.append((len(texts), kwargs["steps"], len(kwargs.get("soft", ()))))
        return real_train(nlp, texts, labels, **kwargs)

    monkeypatch.setattr(fewshot, "train", counted)
    args = argparse.Namespace(backbone=str(tiny_backbone))
    fit = fewshot.DrawFit(args, choices, 1, 0, texts[:2], labels[:2], texts[2:])
    predicted = fit.predict("pet", texts)
    assert len(predicted) == len(texts) and set(predicted) <= set(fewshot.LABELS)
    # the k-shot teacher; one on the draw and at most one review per label more;
    # the student on the draw and the 2 soft-labelled reviews
    assert runs[0] == (2, 1, 0)
    assert runs[1][0] in (3, 4) and runs[1][1:] == (1, 0)
    assert runs[2] == (2, 2, 2)
