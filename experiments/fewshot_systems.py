"""The three few-shot classifiers of ``python -m experiments fewshot``, on one draw.

- ``prompt``: ``hanzi_prompt_textcat`` on a blank pipeline (the cloze on the
  backbone's masked LM; zero-shot when k = 0);
- ``textcat``: the standard head, ``configs/trf.cfg`` restricted to
  ``transformer``, ``tok2vec`` and ``textcat`` (``hanzi_textcat``);
- ``tfidf``: character 1–3-gram TF-IDF + logistic regression, the settings of
  ``benchmarks/tfidf.py``;
- ``pet``: PET's use of unlabeled text: the k-shot prompt component (or the
  mean of several, one per template) labels unlabeled reviews with its
  probabilities, and a fresh prompt component learns from the k examples and
  those soft labels (``soft_labels``, ``train(soft=)``);
- ``tfidf-self``: unlabeled reviews for TF-IDF + LR too, by self-training
  (``predict_tfidf_self_trained``), so that both sides of the comparison see them.

The two spaCy pipelines learn through ``nlp.update`` for a fixed number of
steps (batches drawn with replacement from the k examples per class), with
Adam and the default config's weight decay and gradient clipping.
"""

import random
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy
from spacy.language import Language
from spacy.training import Example
from spacy.util import load_config, load_model_from_config
from thinc.api import Adam, fix_random_seed

import hanzi_spacy.pipeline.prompt_textcat  # noqa: F401  (registers the factory)

LABELS = ("POSITIVE", "NEGATIVE")
# the prompt component's tune = "lora": LoRA on the attention's query and value
LORA = {
    "peft_type": "LORA",
    "r": 8,
    "lora_alpha": 16,
    "target_modules": ["query", "value"],
}
TEXTCAT_PIPES = ("transformer", "tok2vec", "textcat")
TOKENIZER = {"@tokenizers": "hanzi-spacy.char_pretokenizer.v2", "script": "t2s"}


def prompt_nlp(backbone: str, settings: Dict[str, object]) -> Language:
    """A blank Chinese pipeline with the prompt classifier only.

    settings: The component's config (template, verbalizer, content_free, ...),
        "tune" for its model ("all", "prompt", or "lora") and its "decoding".
    """
    import spacy

    settings = dict(settings)
    model = {"@architectures": "hanzi-spacy.ClozeModel.v1"}
    tune = settings.pop("tune", "all")
    model["tune"] = "peft" if tune == "lora" else tune
    if tune == "lora":
        model["peft"] = dict(LORA)
    model["prompt_length"] = settings.pop("prompt_length", 0)
    model["decoding"] = settings.pop("decoding", "parallel")
    for key in ("steps", "lr", "batch_size"):
        settings.pop(key, None)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": TOKENIZER}})
    nlp.add_pipe(
        "hanzi_prompt_textcat",
        name="textcat",
        config={"backbone": backbone, "model": model, **settings},
    )
    return nlp


def textcat_nlp(config_path: str, backbone: str) -> Language:
    """The default config's transformer, CNN and text classifier only."""
    config = load_config(config_path, overrides={"paths.backbone": backbone})
    config["nlp"]["pipeline"] = list(TEXTCAT_PIPES)
    for name in list(config["components"]):
        if name not in TEXTCAT_PIPES:
            del config["components"][name]
    config = config.interpolate()
    return load_model_from_config(config, auto_fill=True, validate=True)


def examples(nlp: Language, texts: Sequence[str], labels: Sequence[str]) -> list:
    """Examples with exclusive cats over LABELS."""
    out = []
    for text, label in zip(texts, labels):
        cats = {name: float(name == label) for name in LABELS}
        out.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    return out


def soft_labels(
    nlps: Sequence[Language], texts: Sequence[str]
) -> List[Dict[str, float]]:
    """The trained pipelines' mean probability of each label, for each text
    (one pipeline: its own probabilities)."""
    scores = numpy.mean(
        [
            [
                [doc.cats[name] for name in LABELS]
                for doc in nlp.pipe(texts, batch_size=64)
            ]
            for nlp in nlps
        ],
        axis=0,
    ).reshape(len(texts), len(LABELS))
    return [dict(zip(LABELS, map(float, row))) for row in scores]


def predict_ensemble(nlps: Sequence[Language], texts: Sequence[str]) -> List[str]:
    """The label with the highest mean probability over the pipelines."""
    return [max(cats, key=cats.get) for cats in soft_labels(nlps, texts)]


def train(
    nlp: Language,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    steps: int,
    lr: float,
    batch_size: int,
    seed: int,
    checkpoints: Sequence[int] = (),
    on_checkpoint: Optional[Callable[[int, Language], None]] = None,
    soft: Sequence[Tuple[str, Dict[str, float]]] = (),
) -> Language:
    """Initialise nlp on the examples and update it for steps batches.

    checkpoints, on_checkpoint: on_checkpoint(step, nlp) is called after each
        of these steps (to score one run at several lengths on dev); step 0 is
        the initialised, untrained pipeline.
    soft: (text, probability of each label) pairs that the batches are drawn
        from too, with the labelled examples (PET's soft labels).
    """
    fix_random_seed(seed)
    egs = examples(nlp, texts, labels)
    nlp.initialize(lambda: egs)
    egs += [
        Example.from_dict(nlp.make_doc(text), {"cats": dict(cats)})
        for text, cats in soft
    ]
    if not egs:
        return nlp
    if on_checkpoint is not None and 0 in checkpoints:
        on_checkpoint(0, nlp)
    optimizer = Adam(lr, L2=0.01, L2_is_weight_decay=True, grad_clip=1.0)
    rng = random.Random(seed)
    for step in range(1, steps + 1):
        batch = [rng.choice(egs) for _ in range(min(batch_size, len(egs)))]
        nlp.update(batch, sgd=optimizer, drop=0.1, losses={})
        if on_checkpoint is not None and step in checkpoints:
            on_checkpoint(step, nlp)
    return nlp


def predict_spacy(nlp: Language, texts: Sequence[str]) -> List[str]:
    """The label with the highest score for each text."""
    return [max(d.cats, key=d.cats.get) for d in nlp.pipe(texts, batch_size=64)]


def tfidf_model(texts: Sequence[str], labels: Sequence[str], weights=None):
    """Character 1–3-gram TF-IDF + logistic regression fitted on the texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=1000),
    )
    return model.fit(
        list(texts), list(labels), logisticregression__sample_weight=weights
    )


def predict_tfidf(
    train_texts: Sequence[str], train_labels: Sequence[str], texts: Sequence[str]
) -> List[str]:
    """Fit TF-IDF + logistic regression on the draw and label the texts."""
    model = tfidf_model(train_texts, train_labels)
    return [str(label) for label in model.predict(list(texts))]


def predict_tfidf_self_trained(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    unlabeled: Sequence[str],
    texts: Sequence[str],
) -> List[str]:
    """TF-IDF + LR fitted on the draw labels the unlabeled texts, is fitted
    again on the draw and those labels (one round of self-training, each
    pseudo-label weighted by its probability), and labels the texts."""
    model = tfidf_model(train_texts, train_labels)
    proba = model.predict_proba(list(unlabeled))
    pseudo = [str(model.classes_[row.argmax()]) for row in proba]
    weights = [1.0] * len(train_texts) + [float(row.max()) for row in proba]
    model = tfidf_model(
        list(train_texts) + list(unlabeled), list(train_labels) + pseudo, weights
    )
    return [str(label) for label in model.predict(list(texts))]


def accuracy(predicted: Sequence[str], gold: Sequence[str]) -> float:
    return sum(p == g for p, g in zip(predicted, gold)) / max(len(gold), 1)
