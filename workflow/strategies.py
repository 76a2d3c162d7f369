"""The strategies of ``python -m workflow update`` as configs, and their data.

Each strategy is a config choice on top of the base pipeline's own config
(``update_config``); pseudo-rehearsal also needs its silver docs
(``silver_docs``), LoRA the base's backbone as a Hugging Face folder
(``workflow/newtask.py``'s ``export_backbone``). See ``workflow/update.py`` and
docs/continual.md.
"""

import copy
import random
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set

import spacy
from spacy.util import load_config
from thinc.api import Config

import hanzi_spacy.training.ewc  # noqa: F401  (registers hanzi-spacy.ewc_penalty.v1)
import hanzi_spacy.training.listeners  # noqa: F401  (hanzi-spacy.link_listeners.v1)
import hanzi_spacy.training.mixed_corpus  # noqa: F401  (registers the reader)
from hanzi_spacy.corpus.docbin import read_docs
from hanzi_spacy.corpus.lines import write_docbin
from hanzi_spacy.errors import HanziError
from hanzi_spacy.util import HAS_WORDS

from .errors import Errors

STRATEGIES = ("naive", "replay", "pseudo", "ewc", "lora", "lora-replay")
# Which strategies mix other docs into the new ones, and which put LoRA on the
# backbone (its base weights frozen) instead of training all of it.
MIXING = ("replay", "pseudo", "lora-replay")
LORA = ("lora", "lora-replay")


def lora_options(r: int) -> Dict[str, Any]:
    """The peft config of the LoRA strategies: as ``configs/task.cfg``'s, rank r."""
    return {
        "peft_type": "LORA",
        "r": r,
        "lora_alpha": 2 * r,
        "lora_dropout": 0.05,
        "target_modules": ["query", "value"],
    }


def update_config(
    base: Path,
    strategy: str,
    *,
    new_train: Path,
    new_dev: Path,
    old_dev: Path,
    mix_path: Optional[Path] = None,
    mix_ratio: float = 0.0,
    fisher_path: Optional[Path] = None,
    ewc_strength: float = 100.0,
    steps: int = 100,
    eval_frequency: int = 50,
    learn_rate: float = 0.001,
    seed: int = 0,
    backbone: Optional[Path] = None,
    lora_r: int = 8,
    freeze: Sequence[str] = (),
) -> Config:
    """The base pipeline's config with every component sourced from it.

    With LoRA (``lora``, ``lora-replay``) the transformer is the one exception:
    it is built again with the base's settings on ``backbone``, the base's own
    weights exported as a Hugging Face folder, and LoRA injected (``lora_r``,
    ``lora_options``); its base weights are frozen, so they stay exactly the
    base's, and as LoRA starts at zero it starts as the base.
    backbone (Optional[Path]): The exported backbone; needed by LoRA only.
    freeze (Sequence[str]): Components that do not train ([training]
        frozen_components); those that others listen to (the transformer, the
        CNN ``tok2vec``) still annotate, so that their listeners read them.
    RETURNS (Config): The training config of one strategy.
    """
    if strategy not in STRATEGIES:
        raise HanziError(Errors.E521.format(name=strategy, strategies=STRATEGIES))
    config = load_config(base / "config.cfg")
    names = list(config["nlp"]["pipeline"])
    if set(freeze) - set(names):
        raise HanziError(Errors.E528.format(names=list(freeze), pipeline=names))
    tuned = lora_transformer(config, backbone, lora_r) if strategy in LORA else {}
    if set(tuned) & set(freeze):
        raise HanziError(Errors.E529.format(strategy=strategy, name=list(tuned)[0]))
    listened = listened_to(config)
    for name in names:
        config["components"][name] = tuned.get(name) or {"source": str(base)}
    if tuned:  # its listeners are sourced: link them (training/listeners.py)
        config["initialize"]["after_init"] = {
            "@callbacks": "hanzi-spacy.link_listeners.v1"
        }
    config["paths"]["train"] = str(new_train)
    config["paths"]["dev"] = str(new_dev)
    mixing = strategy in MIXING
    config["corpora"]["train"] = {
        "@readers": "hanzi-spacy.MixedCorpus.v1",
        "path": "${paths.train}",
        "mix_path": str(mix_path) if mixing else None,
        "mix_ratio": mix_ratio if mixing else 0.0,
        "seed": seed,
        "max_length": 0,
        "limit": 0,
    }
    config["corpora"]["dev"] = {
        "@readers": "hanzi-spacy.MixedCorpus.v1",
        "path": "${paths.dev}",
        "mix_path": str(old_dev),
        "mix_ratio": 1.0,
        "seed": seed,
        "max_length": 0,
        "limit": 0,
    }
    training = config["training"]
    training.update(
        max_steps=steps,
        eval_frequency=eval_frequency,
        patience=4 * eval_frequency,
        seed=seed,
        before_update=None,
        frozen_components=list(freeze),
        annotating_components=[n for n in freeze if n in listened],
    )
    training["optimizer"]["learn_rate"] = {
        "@schedules": "warmup_linear.v1",
        "warmup_steps": max(steps // 12, 1),
        "total_steps": steps,
        "initial_rate": learn_rate,
    }
    if strategy == "ewc":
        training["before_update"] = {
            "@callbacks": "hanzi-spacy.ewc_penalty.v1",
            "fisher_path": str(fisher_path),
            "strength": ewc_strength,
            "n_docs": 128,
            "batch_size": 8,
            "transformer": "transformer",
            "seed": seed,
        }
    return config


def lora_transformer(config: Config, backbone: Optional[Path], r: int) -> Dict:
    """The base's transformer component, on backbone, with LoRA of rank r.

    RETURNS (Dict): {name: component config}.
    """
    names = [
        name
        for name in config["nlp"]["pipeline"]
        if config["components"][name].get("factory") == "transformer"
    ]
    if len(names) != 1 or backbone is None:
        raise HanziError(Errors.E530.format(transformers=names, backbone=backbone))
    component = copy.deepcopy(config["components"][names[0]])
    component["model"].update(
        name=str(backbone), frozen_layers=None, adapters=None, peft=lora_options(r)
    )
    return {names[0]: component}


def listened_to(config: Config) -> Set[str]:
    """The components whose output listeners in the config read (``upstream``)."""
    found: Set[str] = set()

    def walk(block: Any) -> None:
        if isinstance(block, dict):
            if isinstance(block.get("upstream"), str):
                found.add(block["upstream"])
            for value in block.values():
                walk(value)

    walk(config["components"])
    return found


def silver_docs(base: Path, text: Path, budget: float, seed: int, output: Path) -> int:
    """Annotate random lines of text with the base pipeline until budget characters.

    RETURNS (int): The number of docs written to output.
    """
    lines = [line for line in text.read_text(encoding="utf-8").splitlines() if line]
    random.Random(seed + 1).shuffle(lines)
    chosen: List[str] = []
    total = 0
    for line in lines:
        if total >= budget:
            break
        chosen.append(line)
        total += len(line)
    nlp = spacy.load(base)
    tags = set(nlp.get_pipe("tagger").labels) if "tagger" in nlp.pipe_names else None
    docs = []
    for doc in nlp.pipe(chosen):
        doc.user_data[HAS_WORDS] = True
        for token in doc:
            if tags is not None and token.tag_ not in tags:
                token.tag_ = ""  # spaCy's "_SP" for whitespace: no tag to learn
        if doc.cats:  # the exclusive textcat learns from 0/1 labels only
            best = max(doc.cats, key=doc.cats.get)
            doc.cats = {label: float(label == best) for label in doc.cats}
        docs.append(doc)
    return write_docbin(docs, output)


def characters(path: Path) -> int:
    """The characters of the docs of a .spacy file."""
    return sum(len(doc.text) for doc in read_docs(path, spacy.blank("zh").vocab))
