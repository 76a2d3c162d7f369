"""``python -m experiments fewshot``: review accuracy from k labelled examples
per class.

For k in ``--ks`` (0 = zero-shot) and ``--draws`` random draws of k reviews per
class from the train split, three classifiers learn from the same draw
(``fewshot_systems.py``: the prompt component, the standard textcat head, TF-IDF
+ logistic regression) and are scored on the test split's reviews. The draws of
one seed are nested (the 8 of a class are the first 8 of its 16, ...), so the
curve shows what more examples add rather than which examples were drawn.

Choices are made on the dev split only, before any test score (``choose``):
the template, verbalizer, calibration and decoding of words of several pieces
by zero-shot accuracy, then the
training mode (all weights or soft prompts), learning rate and steps of the
prompt component and the steps of the textcat head (at its config's learning
rate), at ``--choose-k`` examples per class on draws of their own, each run
scored on dev after 25, 50 and 100 steps. Then, at every k of the curve
(``--per-k``, the default), the learning rate (a third of the chosen one, the
chosen one, three times it) and the steps (0, which keeps the zero-shot model,
to 200) of the prompt component and the steps of the head are chosen again, on
dev draws of that k: what suits 32 examples per class overfits 8 and
underfits 256. They are written to ``--choices`` and read back by later runs
(every candidate's score is kept: a run with a larger grid runs only the new
candidates; delete the file to choose again).

With unlabeled text (``--systems`` with ``pet`` and ``tfidf-self``), PET's
second step: the k-shot prompt component (the ``prompt`` system's settings at
that k) gives train reviews outside the draw, whose labels are never read,
its probabilities, and a fresh prompt component learns from the k examples and
those soft labels; how many reviews (one of ``--unlabeled``), its learning rate
and its steps are chosen on the dev draws at ``--choose-k`` (``choose_pet``),
then, at that size and rate, whether the mean of several templates' k-shot
prompts teaches better (``--pet-teachers``, PET's ensemble) and whether more
generations, each student teaching the next, learn more (``--pet-generations``,
iPET's generations), and whether a teacher that learns from the draw and the
unlabeled reviews its first teacher is surest of, hard-labelled (``--pet-hard``,
iPET's growing labelled set), teaches better.
TF-IDF + LR sees unlabeled reviews through one round of self-training, as many
as its own dev choice among ``--unlabeled``.

Zero-shot accuracy comes with a 95% Wilson interval; the few-shot ones with
the mean, standard deviation, minimum and maximum over the draws. Results are
written after every fit, so an interrupted run keeps what it measured
(``--resume`` skips what is already in the output).
"""

import argparse
import itertools
import json
import math
import random
import statistics
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import srsly

from . import fewshot_report
from .fewshot_systems import (
    LABELS,
    accuracy,
    predict_ensemble,
    predict_spacy,
    predict_tfidf,
    predict_tfidf_self_trained,
    prompt_nlp,
    soft_labels,
    textcat_nlp,
    train,
)

TEMPLATES = (
    "{text}。总之很[MASK]。",
    "{text}。感觉很[MASK]。",
    "{text}。总之，[MASK]。",
    "[MASK]评：{text}",
)
VERBALIZERS = (
    {"POSITIVE": ["好"], "NEGATIVE": ["差"]},
    {"POSITIVE": ["好", "棒", "满意"], "NEGATIVE": ["差", "烂", "失望"]},
)
CALIBRATIONS = ([], ["", "N/A"])
# how a label word of several pieces is read (ClozeModel.v1's decoding); only
# verbalizers with such words try "sequential"
DECODINGS = ("parallel", "sequential")
# (tune, learning rates) tried for the prompt component; the textcat head's rates
# ("lora": LoRA r = 8 on query and value, the backbone frozen)
PROMPT_GRID = (("all", (1e-4, 3e-4, 1e-3)), ("prompt", (1e-2,)), ("lora", (1e-3, 3e-3)))
# the default config's initial rate; only the steps are chosen
TEXTCAT_LRS = (2e-3,)
CHECKPOINTS = (25, 50, 100)
# chosen again at each k: steps (0 = the zero-shot model, the prompt only) and
# the prompt's learning rate as a multiple of the one chosen at --choose-k
PER_K_CHECKPOINTS = (0, 25, 50, 100, 200)
PER_K_LR_FACTORS = (1 / 3, 1.0, 3.0)
# the PET student's learning rates and steps, chosen at --choose-k
PET_LRS = (1e-4, 3e-4)
PET_CHECKPOINTS = (100, 200, 400, 800)
# the keys of the prompt's settings that are not the component's config
PROMPT_RUN_KEYS = ("tune", "lr", "steps")


def reviews(path: str, limit: int = 0) -> Tuple[List[str], List[str]]:
    """Texts and labels of the review docs (docs with cats) of a .spacy file."""
    from benchmarks.tfidf import review_texts

    return review_texts(Path(path), limit)


def draw(labels: Sequence[str], k: int, seed: int) -> List[int]:
    """Indices of k examples per class: the first k of each class's shuffle."""
    rng = random.Random(seed)
    chosen: List[int] = []
    for label in LABELS:
        members = [i for i, gold in enumerate(labels) if gold == label]
        rng.shuffle(members)
        chosen.extend(members[:k])
    return sorted(chosen)


def unlabeled_pool(n_texts: int, chosen: Sequence[int], n: int, seed: int) -> List[int]:
    """n indices of train texts outside the draw, at random (seeded); the
    pools of one seed are nested (the first 2,000 of 8,000 are the 2,000)."""
    taken = set(chosen)
    rest = [i for i in range(n_texts) if i not in taken]
    random.Random(seed).shuffle(rest)
    return rest[:n]


def subsample(texts, labels, n: int, seed: int):
    """n texts of a split, the same ones for every candidate (0: all)."""
    if not n or n >= len(texts):
        return list(texts), list(labels)
    order = random.Random(seed).sample(range(len(texts)), n)
    return [texts[i] for i in order], [labels[i] for i in order]


def wilson(correct: int, n: int, z: float = 1.96) -> Tuple[float, float]:
    """The Wilson score interval of a proportion (95% for z = 1.96)."""
    if not n:
        return (0.0, 1.0)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def choose(args, train_split, dev, path: Path) -> Dict[str, Any]:
    """Settings of the prompt component and the textcat head, on dev only.

    Every candidate's dev accuracy is written to path as soon as it is known,
    and a candidate already there is not run again, so an interrupted choice
    resumes and a grown grid runs only its new candidates; "complete" marks
    the end. The training runs are kept only while the zero-shot choice they
    were made on ("base") stands.
    """
    state = srsly.read_json(path) if path.exists() else {}
    found = state.setdefault(
        "candidates", {"zero_shot": {}, "prompt": {}, "textcat": {}}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    for template, verbalizer, calibration, decoding in itertools.product(
        TEMPLATES, VERBALIZERS, CALIBRATIONS, DECODINGS
    ):
        words = [word for label_words in verbalizer.values() for word in label_words]
        if decoding != "parallel" and all(len(word) == 1 for word in words):
            continue
        settings = {
            "template": template,
            "verbalizer": verbalizer,
            "content_free": calibration,
        }
        if decoding != "parallel":
            settings["decoding"] = decoding
        key = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        if key not in found["zero_shot"]:
            nlp = prompt_nlp(args.backbone, settings)
            found["zero_shot"][key] = accuracy(predict_spacy(nlp, dev[0]), dev[1])
            print(f"zero-shot dev {found['zero_shot'][key]:.3f} {key}", flush=True)
            srsly.write_json(path, state)
    best_zero = max(found["zero_shot"], key=found["zero_shot"].get)
    base = json.loads(best_zero)
    if state.get("base", base) != base:
        # the runs below were made on another template or verbalizer
        found["prompt"] = {}
        state.pop("per_k", None)
    state["base"] = base
    draws = [
        draw(train_split[1], args.choose_k, 1000 + d) for d in range(args.choose_draws)
    ]

    def save() -> None:
        srsly.write_json(path, state)

    def sweep(system, make, grid):
        return _sweep(
            found[system],
            system,
            make,
            grid,
            draws,
            CHECKPOINTS,
            train_split,
            dev,
            args.batch_size,
            save,
        )

    prompt_grid = [(tune, lr) for tune, lrs in PROMPT_GRID for lr in lrs]
    (tune, lr), steps = sweep(
        "prompt",
        lambda o: prompt_nlp(args.backbone, {**base, "tune": o[0]}),
        prompt_grid,
    )
    state["prompt"] = {**base, "tune": tune, "lr": lr, "steps": steps}
    (lr,), steps = sweep(
        "textcat",
        lambda o: textcat_nlp(args.config, args.backbone),
        [(lr,) for lr in TEXTCAT_LRS],
    )
    state["textcat"] = {"lr": lr, "steps": steps}
    state.update(
        {
            "batch_size": args.batch_size,
            "choose_k": args.choose_k,
            "choose_draws": args.choose_draws,
            "checkpoints": list(CHECKPOINTS),
            "dev_docs": len(dev[0]),
            "complete": True,
        }
    )
    srsly.write_json(path, state)
    return state


def _sweep(
    found: Dict[str, Dict[str, float]],
    system: str,
    make: Callable[[tuple], Any],
    grid: Sequence[tuple],
    draws: List[List[int]],
    checkpoints: Sequence[int],
    train_split,
    dev,
    batch_size: int,
    save: Callable[[], None],
    untrained: Optional[float] = None,
    soft: Optional[Callable[[tuple, int, List[int]], list]] = None,
) -> Tuple[list, int]:
    """Train make(options) on each draw for every options of grid (its last
    item the learning rate), score dev at each checkpoint, and return the
    options and steps of the best mean. Runs already in found are not run again;
    save() is called after each new one. untrained: the dev accuracy of the
    untrained pipeline when known, the score of step 0 without scoring it again.
    soft(options, d, chosen): the soft-labelled texts that draw d trains on too."""
    texts, labels = train_split
    for options, (d, chosen) in itertools.product(grid, enumerate(draws)):
        key = json.dumps([*options, d])
        if key in found:
            continue
        accs: Dict[str, float] = {}

        def score(step, nlp, options=options, accs=accs):
            if step == 0 and untrained is not None:
                accs["0"] = untrained
            else:
                accs[str(step)] = accuracy(predict_spacy(nlp, dev[0]), dev[1])
            print(f"{system} dev {accs[str(step)]:.3f} {options} {step}", flush=True)

        train(
            make(options),
            [texts[i] for i in chosen],
            [labels[i] for i in chosen],
            steps=max(checkpoints),
            lr=options[-1],
            batch_size=batch_size,
            seed=d,
            checkpoints=checkpoints,
            on_checkpoint=score,
            soft=soft(options, d, chosen) if soft is not None else (),
        )
        found[key] = accs
        save()
    _, options, step = best_mean(found, grid, len(draws), checkpoints)
    return options, step


def best_mean(
    found: Dict[str, Dict[str, float]],
    grid: Sequence[tuple],
    n_draws: int,
    checkpoints: Sequence[int],
) -> Tuple[float, list, int]:
    """The best mean dev accuracy over the draws in found, its options and steps."""
    means = []
    for options, step in itertools.product(grid, checkpoints):
        keys = [json.dumps([*options, d]) for d in range(n_draws)]
        accs = [found[key][str(step)] for key in keys]
        means.append((statistics.mean(accs), list(options), step))
    return max(means, key=lambda row: row[0])


def choose_per_k(args, ks, train_split, dev, path: Path, state) -> None:
    """The prompt's learning rate and steps and the head's steps at each k,
    chosen on dev draws of that k (kept in state["per_k"] and written to path)."""
    prompt = state["prompt"]
    if state.get("per_k_of", prompt) != prompt:
        state.pop("per_k", None)  # chosen around another k = --choose-k choice
    state["per_k_of"] = prompt
    per_k = state.setdefault("per_k", {})
    lrs = [prompt["lr"] * factor for factor in PER_K_LR_FACTORS]
    # before its first step the prompt is the zero-shot model of the base
    # settings (LoRA and soft prompts start as the identity), scored in choose
    zero_shot = state.get("candidates", {}).get("zero_shot", {})
    untrained = zero_shot.get(
        json.dumps(state.get("base"), ensure_ascii=False, sort_keys=True)
    )

    def save() -> None:
        srsly.write_json(path, state)

    for k in [k for k in ks if k > 0]:
        entry = per_k.setdefault(str(k), {"candidates": {"prompt": {}, "textcat": {}}})
        draws = [draw(train_split[1], k, 1000 + d) for d in range(args.choose_draws)]
        found = entry["candidates"]
        if "prompt" not in entry:
            (_, lr), steps = _sweep(
                found["prompt"],
                f"prompt k={k}",
                lambda o: prompt_nlp(args.backbone, prompt),
                [(prompt["tune"], lr) for lr in lrs],
                draws,
                PER_K_CHECKPOINTS,
                train_split,
                dev,
                args.batch_size,
                save,
                untrained=untrained,
            )
            entry["prompt"] = {"lr": lr, "steps": steps}
            save()
        if "textcat" not in entry:
            (lr,), steps = _sweep(
                found["textcat"],
                f"textcat k={k}",
                lambda o: textcat_nlp(args.config, args.backbone),
                [(lr,) for lr in TEXTCAT_LRS],
                draws,
                [step for step in PER_K_CHECKPOINTS if step],
                train_split,
                dev,
                args.batch_size,
                save,
            )
            entry["textcat"] = {"lr": lr, "steps": steps}
            save()


def teacher_templates(state: Dict[str, Any], n: int) -> List[str]:
    """The n templates of a PET teacher ensemble: the chosen one, then the
    others by their zero-shot dev accuracy with the chosen verbalizer,
    calibration and decoding (in TEMPLATES' order where it is unknown)."""
    base = {k: v for k, v in state["prompt"].items() if k not in PROMPT_RUN_KEYS}
    zero_shot = state.get("candidates", {}).get("zero_shot", {})

    def score(template: str) -> float:
        key = json.dumps(
            {**base, "template": template}, ensure_ascii=False, sort_keys=True
        )
        return zero_shot.get(key, -1.0)

    others = [t for t in TEMPLATES if t != base["template"]]
    others.sort(key=score, reverse=True)  # stable: TEMPLATES' order on ties
    return [base["template"], *others][:n]


def teach(
    backbone: str,
    teacher: Dict[str, Any],
    templates: Sequence[str],
    x,
    y,
    *,
    batch_size: int,
    seed: int,
) -> list:
    """The k-shot prompt components of a teacher ensemble, one per template,
    each trained on the draw with the teacher's settings."""
    return [
        train(
            prompt_nlp(backbone, {**teacher, "template": template}),
            x,
            y,
            steps=teacher["steps"],
            lr=teacher["lr"],
            batch_size=batch_size,
            seed=seed,
        )
        for template in templates
    ]


def confident(
    texts: Sequence[str], soft: Sequence[Dict[str, float]], m: int
) -> Tuple[List[str], List[str]]:
    """iPET's labelled set: for each label, the m texts that the soft labels
    give it with the highest probability, among those they label with it."""
    chosen_texts: List[str] = []
    chosen_labels: List[str] = []
    for label in LABELS:
        mine = [
            (cats[label], i)
            for i, cats in enumerate(soft)
            if max(cats, key=cats.get) == label
        ]
        mine.sort(key=lambda row: -row[0])  # stable: the pool's order on ties
        chosen_texts += [texts[i] for _, i in mine[:m]]
        chosen_labels += [label] * len(mine[:m])
    return chosen_texts, chosen_labels


def hard_teacher(
    backbone: str,
    teacher: Dict[str, Any],
    x,
    y,
    pool: Sequence[str],
    teachers: list,
    m: int,
    *,
    batch_size: int,
    seed: int,
):
    """A prompt component of the teacher's settings trained on the draw and,
    hard-labelled by the teachers, the m reviews of each label of the pool
    they are surest of (``confident``)."""
    more_x, more_y = confident(pool, soft_labels(teachers, pool), m)
    return train(
        prompt_nlp(backbone, teacher),
        [*x, *more_x],
        [*y, *more_y],
        steps=teacher["steps"],
        lr=teacher["lr"],
        batch_size=batch_size,
        seed=seed,
    )


def choose_pet(args, train_split, dev, path: Path, state) -> None:
    """How many unlabeled reviews, and the PET student's learning rate and
    steps, on the dev draws at --choose-k, with the chosen template's k-shot
    prompt as the teacher; then whether an ensemble of the prompts of several
    templates (each of --pet-teachers) teaches better at that size and rate
    and whether more generations (each of --pet-generations; a generation's
    student teaches the next one, whose steps are chosen in turn) learn more,
    and whether a teacher trained on the draw and on what the first one is
    surest of (each of --pet-hard: that many times k reviews per label) teaches
    better (kept in state["pet"] and written to path). TF-IDF's self-training gets its
    own size (state["tfidf-self"]). The teachers' and TF-IDF's dev accuracies go
    into state["pet_dev"]."""
    teacher = settings_at(state, "prompt", args.choose_k)
    of = {"teacher": teacher, "k": args.choose_k}
    candidates = state.setdefault("candidates", {})
    if state.get("pet_of", of) != of:
        for key in ("pet", "tfidf-self", "pet_dev"):
            state.pop(key, None)
        for key in [key for key in candidates if key.startswith("pet")]:
            del candidates[key]
    state["pet_of"] = of
    sizes = sorted(args.unlabeled)
    ensembles = sorted({1, *args.pet_teachers})
    generations = sorted({1, *args.pet_generations})
    hard_factors = sorted({0, *args.pet_hard})
    tried = state.get("pet", {})
    keys = ("sizes", "teachers_tried", "generations_tried", "hard_tried")
    if [tried.get(key) for key in keys] == [
        sizes,
        ensembles,
        generations,
        hard_factors,
    ]:
        return
    texts, labels = train_split
    record = state.setdefault("pet_dev", {})
    for name in ("teacher", "tfidf", "tfidf-self"):
        record.setdefault(name, {})
    labelled: Dict[tuple, list] = {}

    def record_dev(n_teachers: int, d: int, nlps: list, x, y, pool) -> None:
        """The teachers' dev accuracy, and with one teacher TF-IDF's on the draw."""
        name = "teacher" if n_teachers == 1 else f"teachers-{n_teachers}"
        predicted = predict_ensemble(nlps, dev[0])
        record.setdefault(name, {})[str(d)] = accuracy(predicted, dev[1])
        if n_teachers == 1:
            record["tfidf"][str(d)] = accuracy(predict_tfidf(x, y, dev[0]), dev[1])
            for n in sizes:
                predicted = predict_tfidf_self_trained(x, y, pool[:n], dev[0])
                by_size = record["tfidf-self"].setdefault(str(n), {})
                by_size[str(d)] = accuracy(predicted, dev[1])
        print(f"pet dev draw {d}: {json.dumps(record)}", flush=True)

    def soft_of(
        n_teachers: int, student: Optional[Dict[str, Any]] = None, hard: int = 0
    ):
        """The soft labels of the teachers (student: None), or of the last of
        the students that learn from them in turn, one for each of
        student["generation_steps"]; with hard, the teachers teach a
        hard_teacher first, which gives the soft labels."""
        before = tuple(student["generation_steps"]) if student else ()

        def soft(options: tuple, d: int, chosen: List[int]) -> list:
            key = (n_teachers, before, hard, options[0] if hard else 0, d)
            if key not in labelled:
                x, y = [texts[i] for i in chosen], [labels[i] for i in chosen]
                pool = unlabeled_pool(len(texts), chosen, sizes[-1], 1000 + d)
                pool = [texts[i] for i in pool]
                templates = teacher_templates(state, n_teachers)
                nlps = teach(
                    args.backbone,
                    teacher,
                    templates,
                    x,
                    y,
                    batch_size=args.batch_size,
                    seed=d,
                )
                if student:  # the teachers' and TF-IDF's scores are recorded
                    pool = pool[: student["unlabeled"]]
                elif not hard:
                    record_dev(n_teachers, d, nlps, x, y, pool)
                if hard:
                    pool = pool[: options[0]]
                    m = hard * args.choose_k
                    nlps = [
                        hard_teacher(
                            args.backbone,
                            teacher,
                            x,
                            y,
                            pool,
                            nlps,
                            m,
                            batch_size=args.batch_size,
                            seed=d,
                        )
                    ]
                    if not student:
                        name = f"teacher-hard{hard}"
                        predicted = predict_spacy(nlps[0], dev[0])
                        by_draw = record.setdefault(name, {})
                        by_draw[str(d)] = accuracy(predicted, dev[1])
                soft_pool = list(zip(pool, soft_labels(nlps, pool)))
                for steps in before:
                    nlp = train(
                        prompt_nlp(args.backbone, state["prompt"]),
                        x,
                        y,
                        steps=steps,
                        lr=student["lr"],
                        batch_size=args.batch_size,
                        seed=d,
                        soft=soft_pool,
                    )
                    soft_pool = list(zip(pool, soft_labels([nlp], pool)))
                labelled[key] = soft_pool
            return labelled[key][: options[0]]

        return soft

    draws = [draw(labels, args.choose_k, 1000 + d) for d in range(args.choose_draws)]

    def sweep(
        n_teachers: int, grid, student=None, hard: int = 0
    ) -> Tuple[float, list, int]:
        name = "pet" if n_teachers == 1 else f"pet-{n_teachers}"
        if hard:
            name += f"-hard{hard}"
        if student:
            name += f"-gen{len(student['generation_steps']) + 1}"
        found = candidates.setdefault(name, {})
        _sweep(
            found,
            name,
            lambda o: prompt_nlp(args.backbone, state["prompt"]),
            grid,
            draws,
            PET_CHECKPOINTS,
            train_split,
            dev,
            args.batch_size,
            lambda: srsly.write_json(path, state),
            soft=soft_of(n_teachers, student, hard),
        )
        return best_mean(found, grid, len(draws), PET_CHECKPOINTS)

    score, (n, lr), steps = sweep(1, [(n, lr) for n in sizes for lr in PET_LRS])
    n_teachers = 1
    for more in ensembles[1:]:
        ensemble_score, _, ensemble_steps = sweep(more, [(n, lr)])
        if ensemble_score > score:
            score, steps, n_teachers = ensemble_score, ensemble_steps, more
    hard = 0
    for factor in hard_factors[1:]:
        hard_score, _, hard_steps = sweep(n_teachers, [(n, lr)], hard=factor)
        if hard_score > score:
            score, steps, hard = hard_score, hard_steps, factor
    generation_steps = [steps]
    for _ in generations[1:]:
        student = {"unlabeled": n, "lr": lr, "generation_steps": generation_steps}
        next_score, _, next_steps = sweep(n_teachers, [(n, lr)], student, hard)
        if next_score <= score:
            break
        score, generation_steps = next_score, [*generation_steps, next_steps]
    state["pet"] = {
        "unlabeled": n,
        "lr": lr,
        "steps": generation_steps[-1],
        "generation_steps": generation_steps,
        "teachers": n_teachers,
        "templates": teacher_templates(state, n_teachers),
        "hard": hard,
        "sizes": sizes,
        "teachers_tried": ensembles,
        "generations_tried": generations,
        "hard_tried": hard_factors,
    }
    self_trained = record["tfidf-self"]
    if not all(str(n) in self_trained for n in sizes):
        soft = soft_of(1)
        for d, chosen in enumerate(draws):
            soft((sizes[-1],), d, chosen)  # runs already made: record TF-IDF here
    state["tfidf-self"] = {
        "unlabeled": max(
            sizes, key=lambda n: statistics.mean(self_trained[str(n)].values())
        )
    }
    srsly.write_json(path, state)


def settings_at(choices: Dict[str, Any], system: str, k: int) -> Dict[str, Any]:
    """A system's settings at k: those chosen at --choose-k, with the learning
    rate and steps chosen at k when there are any."""
    at_k = choices.get("per_k", {}).get(str(k), {}).get(system, {})
    return {**choices[system], **at_k}


def public_choices(choices: Dict[str, Any]) -> Dict[str, Any]:
    """The choices without the candidates' dev scores."""
    out = {
        k: v
        for k, v in choices.items()
        if k not in ("candidates", "per_k", "per_k_of", "pet_of")
    }
    if "per_k" in choices:
        out["per_k"] = {
            k: {s: v for s, v in entry.items() if s != "candidates"}
            for k, entry in choices["per_k"].items()
        }
    return out


def fewshot(args) -> int:
    import torch

    # One torch thread: on cores shared with other work, torch's thread pool
    # waits on busy cores and one thread is many times faster.
    torch.set_num_threads(args.threads)
    train_split = reviews(args.train)
    dev = subsample(*reviews(args.dev), args.dev_limit, args.seed)
    test = subsample(*reviews(args.test), args.test_limit, args.seed)
    choices = choose(args, train_split, dev, Path(args.choices))
    if args.per_k:
        choose_per_k(args, args.ks, train_split, dev, Path(args.choices), choices)
    if {"pet", "tfidf-self"} & set(args.systems):
        choose_pet(args, train_split, dev, Path(args.choices), choices)
    output = Path(args.output)
    results = srsly.read_json(output) if args.resume and output.exists() else {}
    results.update(
        {
            "backbone": args.backbone,
            "train": args.train,
            "test": args.test,
            "test_docs": len(test[0]),
            "ks": args.ks,
            "draws": args.draws,
            "draws_large": args.draws_large,
            "seed": args.seed,
            "choices": public_choices(choices),
            "systems": args.systems,
        }
    )
    runs = results.setdefault("runs", {})
    run_all(args, choices, train_split, test, results, runs, output)
    results["summary"] = fewshot_report.summarise(runs, args.ks)
    srsly.write_json(output, results)
    fewshot_report.plot(results, Path(args.plot))
    Path(args.table).write_text(fewshot_report.table(results), encoding="utf-8")
    print(fewshot_report.table(results))
    return 0


def run_all(args, choices, train_split, test, results, runs, output) -> None:
    texts, labels = train_split
    prompt = choices["prompt"]
    if 0 in args.ks and "prompt" in args.systems and "zero_shot" not in results:
        start = time.perf_counter()
        predicted = predict_spacy(prompt_nlp(args.backbone, prompt), test[0])
        correct = sum(p == g for p, g in zip(predicted, test[1]))
        low, high = wilson(correct, len(test[1]))
        results["zero_shot"] = {
            "accuracy": correct / len(test[1]),
            "correct": correct,
            "n": len(test[1]),
            "wilson95": [low, high],
            "predicted_positive": predicted.count("POSITIVE") / len(predicted),
            "seconds": time.perf_counter() - start,
        }
        srsly.write_json(output, results)
    for k in [k for k in args.ks if k > 0]:
        n_draws = args.draws if k < args.large_k else args.draws_large
        for d in range(n_draws):
            chosen = draw(labels, k, args.seed + d)
            x, y = [texts[i] for i in chosen], [labels[i] for i in chosen]
            pool = unlabeled_pool(
                len(texts), chosen, max(args.unlabeled), args.seed + d
            )
            fit = DrawFit(args, choices, k, d, x, y, [texts[i] for i in pool])
            for system in args.systems:
                key = f"{system}/{k}/{d}"
                if key in runs:
                    continue
                start = time.perf_counter()
                acc = accuracy(fit.predict(system, test[0]), test[1])
                runs[key] = {"accuracy": acc, "seconds": time.perf_counter() - start}
                print(f"{key} test accuracy {acc:.4f}", flush=True)
                srsly.write_json(output, results)


class DrawFit:
    """The systems trained on one draw of k examples per class (x, y); the
    prompt component is trained once and is also the PET teacher."""

    def __init__(self, args, choices, k: int, d: int, x, y, unlabeled) -> None:
        self.args, self.choices, self.k, self.d = args, choices, k, d
        self.x, self.y, self.unlabeled = x, y, unlabeled
        self.trained: Dict[str, Any] = {}

    def make(self, system: str):
        if system == "prompt":
            return prompt_nlp(self.args.backbone, self.choices["prompt"])
        return textcat_nlp(self.args.config, self.args.backbone)

    def train(self, system: str, settings: Dict[str, Any], soft=()):
        return train(
            self.make(system),
            self.x,
            self.y,
            steps=settings["steps"],
            lr=settings["lr"],
            batch_size=self.choices["batch_size"],
            seed=self.d,
            soft=soft,
        )

    def fit(self, system: str):
        if system not in self.trained:
            settings = settings_at(self.choices, system, self.k)
            self.trained[system] = self.train(system, settings)
        return self.trained[system]

    def predict(self, system: str, texts: Sequence[str]) -> List[str]:
        if system == "tfidf":
            return predict_tfidf(self.x, self.y, texts)
        if system == "tfidf-self":
            n = self.choices["tfidf-self"]["unlabeled"]
            return predict_tfidf_self_trained(self.x, self.y, self.unlabeled[:n], texts)
        if system == "pet":
            student = self.choices["pet"]
            unlabeled = self.unlabeled[: student["unlabeled"]]
            teachers = [self.fit("prompt")]
            if student.get("teachers", 1) > 1:
                settings = settings_at(self.choices, "prompt", self.k)
                others = student["templates"][1:]
                teachers += teach(
                    self.args.backbone,
                    settings,
                    others,
                    self.x,
                    self.y,
                    batch_size=self.choices["batch_size"],
                    seed=self.d,
                )
            if student.get("hard"):
                teachers = [
                    hard_teacher(
                        self.args.backbone,
                        settings_at(self.choices, "prompt", self.k),
                        self.x,
                        self.y,
                        unlabeled,
                        teachers,
                        student["hard"] * self.k,
                        batch_size=self.choices["batch_size"],
                        seed=self.d,
                    )
                ]
            for steps in student.get("generation_steps", [student["steps"]]):
                soft = list(zip(unlabeled, soft_labels(teachers, unlabeled)))
                settings = {**student, "steps": steps}
                teachers = [self.train("prompt", settings, soft)]
            return predict_spacy(teachers[0], texts)
        return predict_spacy(self.fit(system), texts)


def int_list(text: str) -> List[int]:
    """Comma-separated integers, as the options take them."""
    return [int(n) for n in text.split(",")]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "fewshot", help="review accuracy from k examples per class, three systems"
    )
    p.add_argument("--backbone", default="training/backbone-tiny")
    p.add_argument("--config", default="configs/trf.cfg", help="of the textcat head")
    p.add_argument("--train", default="corpus/train.spacy")
    p.add_argument("--dev", default="corpus/dev.spacy")
    p.add_argument("--test", default="corpus/test.spacy")
    p.add_argument(
        "--ks",
        type=int_list,
        default=[0, 8, 16, 32, 64, 256],
    )
    p.add_argument("--draws", type=int, default=5)
    p.add_argument(
        "--large-k",
        type=int,
        default=256,
        help="from this k on, run --draws-large draws",
    )
    p.add_argument("--draws-large", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--choose-k", type=int, default=32)
    p.add_argument("--choose-draws", type=int, default=2)
    p.add_argument(
        "--per-k",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="choose the learning rate and steps again at each k (on dev)",
    )
    p.add_argument(
        "--dev-limit", type=int, default=400, help="dev reviews to choose on (0: all)"
    )
    p.add_argument("--test-limit", type=int, default=0, help="0: all test reviews")
    p.add_argument(
        "--unlabeled",
        type=int_list,
        default=[2000, 8000],
        help="how many train reviews outside each draw (their labels unread) pet "
        "and tfidf-self may use: each chooses one on dev",
    )
    p.add_argument(
        "--pet-teachers",
        type=int_list,
        default=[1, 3],
        help="teacher ensembles pet tries on dev: how many templates' k-shot "
        "prompts teach together (1: the chosen template's alone)",
    )
    p.add_argument(
        "--pet-generations",
        type=int_list,
        default=[1, 2],
        help="generations pet tries on dev (iPET): each generation's student "
        "teaches the next one",
    )
    p.add_argument(
        "--pet-hard",
        type=int_list,
        default=[0, 5],
        help="labelled sets pet tries on dev (iPET): a teacher trained on the draw "
        "and on N × k reviews per label that the first teacher is surest of "
        "(0: none)",
    )
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument(
        "--systems",
        type=lambda s: s.split(","),
        default=["tfidf", "prompt", "textcat"],
        help="comma-separated: tfidf, prompt, textcat, and with unlabeled text "
        "pet and tfidf-self (runs can be split over processes, each with its own "
        "--output)",
    )
    p.add_argument("--choices", default="metrics/fewshot_dev.json")
    p.add_argument("--output", default="metrics/fewshot.json")
    p.add_argument("--plot", default="metrics/fewshot.png")
    p.add_argument("--table", default="metrics/fewshot.md")
    p.add_argument(
        "--resume", action="store_true", help="keep the fits already in --output"
    )
    p.set_defaults(func=fewshot)
