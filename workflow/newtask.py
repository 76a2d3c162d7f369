"""``python -m workflow add-task``: a new text classifier on a trained pipeline.

Every component of the trained pipeline is sourced and frozen; the new
classifier (``configs/task.cfg``) trains on its own, and the trained
components' outputs stay what they were (checked on the test texts after
training: the run fails if one differs). How the task reads the text:

- ``lora`` (default) or ``adapters``: a transformer of its own, started from
  the trained pipeline's fine-tuned backbone (exported as a Hugging Face
  folder) with LoRA or adapters; the task costs one more backbone pass per doc
  and, on disk, a copy of the backbone in the pipeline folder (its own small
  file is the injected weights and the classifier);
- ``frozen``: no transformer of its own; the classifier listens to the trained
  pipeline's transformer, frozen, which then annotates in training. The task
  costs its classifier only, and reads features tuned for the other tasks.

``register-corpus`` builds the default task's data from the project's splits:
which register a text is written in (NEWS: People's Daily, REVIEW: product
reviews, CONVERSATION: HKCanCor's Cantonese conversation).
"""

import argparse
import random
from pathlib import Path
from typing import Dict, List

import srsly
from spacy.util import load_config
from thinc.api import Config

from hanzi_spacy.corpus.docbin import read_docs
from hanzi_spacy.errors import HanziError

from .errors import Errors

TUNINGS = ("lora", "adapters", "frozen")
TASK_COMPONENTS = ("task_transformer", "task_textcat")


def task_config(base: Path, task: Config, tuning: str, width: int) -> Config:
    """The training config: the base pipeline's components sourced and frozen,
    the task's added before them (or after the transformer it listens to)."""
    if tuning not in TUNINGS:
        raise HanziError(Errors.E407.format(name=tuning, options=", ".join(TUNINGS)))
    config = load_config(base / "config.cfg")
    names = list(config["nlp"]["pipeline"])
    for name in names:
        config["components"][name] = {"source": str(base)}
    added = list(TASK_COMPONENTS)
    components = Config(task["components"]).copy()
    if tuning == "frozen":
        added.remove("task_transformer")
        del components["task_transformer"]
        components["task_textcat"]["model"]["tok2vec"]["upstream"] = "transformer"
    elif tuning == "adapters":
        model = components["task_transformer"]["model"]
        del model["peft"]
        model["adapters"] = {"size": max(width // 4, 8)}
    # At prediction, listeners read doc._.trf_data, which every transformer
    # overwrites: a task with its own transformer goes first, so that the trained
    # pipeline's transformer writes last and its components read their own; a
    # frozen-tuning classifier goes right after the transformer it listens to.
    position = names.index("transformer") + 1 if tuning == "frozen" else 0
    config["nlp"]["pipeline"] = names[:position] + added + names[position:]
    config["components"].update(components)
    config["paths"].update(task["paths"])
    config["corpora"] = task["corpora"]
    training = config["training"]
    for key, value in task["training"].items():
        training[key] = value
    training["frozen_components"] = names
    training["annotating_components"] = ["transformer"] if tuning == "frozen" else []
    training["score_weights"] = {
        **{key: None for key in config["training"].get("score_weights", {})},
        **task["training"]["score_weights"],
    }
    return config


def export_backbone(nlp, output: Path, name: str = "transformer") -> Path:
    """A pipeline's transformer as a Hugging Face folder (weights and tokenizer)."""
    from hanzi_spacy.ml.transformer.tuning import split_state

    model = nlp.get_pipe(name).model
    base, _ = split_state(model.transformer)
    output.mkdir(parents=True, exist_ok=True)
    model.transformer.save_pretrained(output, state_dict=base)
    model.tokenizer.save_pretrained(output)
    return output


def old_outputs(nlp, texts: List[str], labels: List[str]) -> List[tuple]:
    """What the trained components say about each text, to compare exactly."""
    outputs = []
    for doc in nlp.pipe(texts):
        outputs.append(
            (
                [(t.text, t.tag_, t.pos_) for t in doc],
                [(e.start_char, e.end_char, e.label_) for e in doc.ents],
                [int(t.is_sent_start or 0) for t in doc],
                {label: doc.cats[label] for label in labels if label in doc.cats},
            )
        )
    return outputs


def test_texts(path: Path, limit: int) -> List[str]:
    import spacy

    docs = read_docs(path, spacy.blank("zh").vocab)
    return [doc.text for doc, _ in zip(docs, range(limit))]


def add_task(args: argparse.Namespace) -> int:
    import spacy
    from spacy.cli.train import train as spacy_train

    from hanzi_spacy.evaluate import evaluate

    base_nlp = spacy.load(args.base)
    base = Path(base_nlp.path)
    output = Path(args.output)
    backbone = args.backbone
    width = base_nlp.get_pipe("transformer").model.transformer.config.hidden_size
    if backbone is None and args.tuning != "frozen":
        backbone = str(export_backbone(base_nlp, output / "backbone"))
    config = task_config(base, load_config(args.config), args.tuning, width)
    config_path = output / "config.cfg"
    output.mkdir(parents=True, exist_ok=True)
    config.to_disk(config_path)
    overrides = {
        "paths.train": args.train,
        "paths.dev": args.dev,
        "paths.backbone": backbone,
    }
    if args.steps is not None:
        overrides["training.max_steps"] = args.steps
    spacy_train(config_path, output, use_gpu=args.gpu_id, overrides=overrides)
    model = output / "model-best"
    new_nlp = spacy.load(model)
    texts = test_texts(Path(args.test), args.check_limit)
    labels = (
        list(base_nlp.get_pipe("textcat").labels)
        if "textcat" in base_nlp.pipe_names
        else []
    )
    before, after = (
        old_outputs(base_nlp, texts, labels),
        old_outputs(new_nlp, texts, labels),
    )
    changed = sum(b != a for b, a in zip(before, after))
    if changed:
        raise HanziError(Errors.E408.format(changed=changed, total=len(texts)))
    scores = evaluate(str(model), Path(args.test), output=output / "test-scores.json")
    result = {
        "base": str(base),
        "tuning": args.tuning,
        "steps": args.steps,
        "old_outputs_checked": len(texts),
        "old_outputs_changed": changed,
        "test": args.test,
        "cats_score": scores.get("cats_score"),
        "cats_acc": scores.get("cats_acc"),
        "dev": srsly.read_json(model / "meta.json")["performance"],
    }
    metrics = Path(args.metrics)
    metrics.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(metrics, result)
    print(srsly.json_dumps(result, indent=2))
    return 0


def register_corpus(args: argparse.Namespace) -> int:
    """NEWS / REVIEW / CONVERSATION texts, per split, balanced and shuffled."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("zh")
    corpus = Path(args.corpus)
    chat = [d.text for d in read_docs(args.hkcancor, nlp.vocab)]
    # HKCanCor in contiguous blocks (80/10/10), as the other corpora are split.
    cut1, cut2 = int(len(chat) * 0.8), int(len(chat) * 0.9)
    chat_splits = {"train": chat[:cut1], "dev": chat[cut1:cut2], "test": chat[cut2:]}
    counts: Dict[str, Dict[str, int]] = {}
    for split, limit in (
        ("train", args.per_class),
        ("dev", args.per_class_eval),
        ("test", args.per_class_eval),
    ):
        docs = list(read_docs(corpus / f"{split}.spacy", nlp.vocab))
        texts = {
            "NEWS": [d.text for d in docs if not d.cats],
            "REVIEW": [d.text for d in docs if d.cats],
            "CONVERSATION": chat_splits[split],
        }
        rng = random.Random(args.seed)
        db = DocBin(store_user_data=False)
        counts[split] = {}
        for label, pool in texts.items():
            chosen = rng.sample(pool, min(limit, len(pool)))
            counts[split][label] = len(chosen)
            for text in chosen:
                doc = nlp.make_doc(text)
                doc.cats = {name: float(name == label) for name in texts}
                db.add(doc)
        out = Path(args.output) / f"{split}.spacy"
        out.parent.mkdir(parents=True, exist_ok=True)
        db.to_disk(out)
    srsly.write_json(Path(args.output) / "stats.json", counts)
    print(srsly.json_dumps(counts))
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "add-task", help="a new text classifier on a trained pipeline"
    )
    p.add_argument(
        "--base",
        default="training/model-best",
        help="trained pipeline (folder or package)",
    )
    p.add_argument("--config", default="configs/task.cfg")
    p.add_argument("--tuning", choices=TUNINGS, default="lora")
    p.add_argument(
        "--backbone", default=None, help="default: the base pipeline's transformer"
    )
    p.add_argument("--train", default="corpus/register/train.spacy")
    p.add_argument("--dev", default="corpus/register/dev.spacy")
    p.add_argument("--test", default="corpus/register/test.spacy")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument(
        "--check-limit",
        type=int,
        default=600,
        help="test texts on which the old components' outputs must not change",
    )
    p.add_argument("--gpu-id", type=int, default=-1)
    p.add_argument("--output", default="training/task")
    p.add_argument("--metrics", default="metrics/task.json")
    p.set_defaults(func=add_task)

    r = subparsers.add_parser(
        "register-corpus", help="NEWS / REVIEW / CONVERSATION texts from the splits"
    )
    r.add_argument("--corpus", default="corpus")
    r.add_argument("--hkcancor", default="corpus/hkcancor.spacy")
    r.add_argument("--per-class", type=int, default=1000)
    r.add_argument("--per-class-eval", type=int, default=300)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--output", default="corpus/register")
    r.set_defaults(func=register_corpus)
