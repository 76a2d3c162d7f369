"""Where a pipeline spends its time: per component, then per function group.

Two views over a sample of the texts, run component by component as
``nlp.pipe`` would:

- wall time of the tokenizer and of each component's ``pipe`` (no profiler);
- cProfile self time (``tottime``) summed into the groups below, one profile per
  component. cProfile sees Python functions and C functions called from Python,
  but not the inside of Cython code (spaCy's transition parser, the tagger's and
  textcat's ``pipe``): that time lands in the self time of the function that
  called the component, ``_drive``, and is charged to the component's group
  (``DRIVER_GROUPS``). The profiler inflates pure-Python work, so read the
  groups as shares, not as seconds.
"""

import cProfile
import pstats
import time
from typing import Any, Dict, List, Sequence, Tuple

# (group, what it is, substrings of "file:function" that put a function in it);
# the first matching group wins, so the narrower ones come first.
GROUPS: List[Tuple[str, str, Tuple[str, ...]]] = [
    (
        "merge",
        "the merge into words (pipeline/segmenter/merge.py: a new Doc, or retokenize)",
        (
            "hanzi_spacy/pipeline/segmenter/component.py:merge",
            "hanzi_spacy/pipeline/segmenter/component.py:make_words",
            "hanzi_spacy/pipeline/segmenter/merge.py",
            "hanzi_spacy/pipeline/segmenter/decoding.py",
            "retokeniz",
        ),
    ),
    (
        "ner",
        "the NER (hanzi_ner's Viterbi decoder, or spaCy's transition-based ner)",
        (
            "hanzi_spacy/pipeline/ner/",
            "spacy/pipeline/ner",
            "spacy/pipeline/transition_parser",
            "_parser_internals",
            "spacy/ml/parser_model",
            "spacy/ml/tb_framework",
            "spacy.pipeline.transition_parser",
            "spacy.pipeline.ner",
        ),
    ),
    (
        "gemm",
        "matrix products and embedding sums of the CNN and the heads (torch, "
        "hanzi_spacy.runtime)",
        ("hanzi_spacy/runtime", "torch.matmul", "embedding_bag"),
    ),
    (
        "transformer",
        "the transformer (torch, transformers, tokenizers, spacy_transformers)",
        ("torch", "transformers/", "tokenizers", "spacy_transformers"),
    ),
    (
        "hanzi_spacy",
        "per-character Python work in our components (hanzi_spacy.*)",
        ("hanzi_spacy/", "hanzi_spacy."),
    ),
    (
        "spacy_tokens",
        "spaCy's per-token overhead (spacy.tokens.*: Doc, Token, Span)",
        ("spacy/tokens", "spacy.tokens"),
    ),
    (
        "heads",
        "the tagger's and textcat's own code (spacy.pipeline.tagger, textcat)",
        ("spacy/pipeline/tagger", "spacy/pipeline/textcat", "spacy.pipeline.tagger"),
    ),
    ("thinc", "thinc layers and ops, numpy", ("thinc", "numpy")),
    ("other", "everything else (spacy.util, builtins)", ("",)),
]

# Component factory -> the group its Cython work (charged to ``_drive``) goes to.
DRIVER_GROUPS = {
    "transformer": "transformer",
    "ner": "ner",
    "hanzi_ner": "ner",
    "tagger": "heads",
    "textcat": "heads",
    "hanzi_textcat": "heads",
    "hanzi_segmenter": "hanzi_spacy",
}


def group_of(key: str) -> str:
    for name, _, patterns in GROUPS:
        if any(pattern in key for pattern in patterns):
            return name
    return "other"


def function_key(func: Tuple[str, int, str]) -> str:
    """``file:function`` for a pstats key; C functions keep their repr as name."""
    filename, _, name = func
    return filename.replace("\\", "/") + ":" + name


def _drive(proc, docs: List, batch_size: int) -> List:
    """Run one component; its self time is the component's Cython work."""
    if hasattr(proc, "pipe"):
        return list(proc.pipe(docs, batch_size=batch_size))
    return [proc(doc) for doc in docs]


def new_groups() -> Dict[str, Dict[str, Any]]:
    return {
        name: {"label": label, "seconds": 0.0, "functions": []}
        for name, label, _ in GROUPS
    }


def add_profile(
    groups: Dict[str, Dict[str, Any]], profile: cProfile.Profile, component: str
) -> None:
    """Add a component's profile to the groups, its driver to the driver group."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for func, (_, calls, tottime, _cumtime, _) in stats.items():
        key = function_key(func)
        if func[2] == _drive.__name__ and func[0].endswith("profiling.py"):
            name = DRIVER_GROUPS.get(component, "other")
            key = f"<Cython code of {component}>"
        else:
            name = group_of(key)
        groups[name]["seconds"] += tottime
        groups[name]["functions"].append(
            {"function": key, "calls": calls, "seconds": tottime}
        )


def finish(groups: Dict[str, Dict[str, Any]], top: int) -> Dict[str, Any]:
    """Shares of the total, and each group's costliest functions."""
    total = sum(g["seconds"] for g in groups.values()) or 1e-12
    for group in groups.values():
        group["share"] = group["seconds"] / total
        functions: Dict[str, Dict[str, Any]] = {}
        for f in group["functions"]:  # one function may appear in many profiles
            entry = functions.setdefault(f["function"], {**f, "calls": 0, "seconds": 0})
            entry["calls"] += f["calls"]
            entry["seconds"] += f["seconds"]
        group["functions"] = sorted(
            functions.values(), key=lambda f: f["seconds"], reverse=True
        )[:top]
    return {"total_seconds": total, "groups": groups}


def run_components(
    nlp, texts: Sequence[str], batch_size: int, profiled: bool
) -> Tuple[Dict[str, float], Dict[str, Dict[str, Any]]]:
    """Wall seconds of the tokenizer and each component; their grouped profile."""
    times: Dict[str, float] = {}
    groups = new_groups()
    factories = {name: nlp.get_pipe_meta(name).factory for name in nlp.pipe_names}
    steps = [("tokenizer", None)] + list(nlp.pipeline)
    docs: List = list(texts)
    for name, proc in steps:
        profile = cProfile.Profile() if profiled else None
        start = time.perf_counter()
        if profile is not None:
            profile.enable()
        if proc is None:
            docs = [nlp.make_doc(text) for text in docs]
        else:
            docs = _drive(proc, docs, batch_size)
        if profile is not None:
            profile.disable()
            add_profile(groups, profile, factories.get(name, name))
        times[name] = time.perf_counter() - start
    return times, groups


def profile_pipeline(spec: Dict[str, Any], texts: Sequence[str]) -> Dict[str, Any]:
    """Component times and the grouped cProfile of a pipeline over a sample."""
    import spacy

    system = spec["system"]
    nlp = spacy.load(system["path"])
    batch_size = system.get("batch_size") or nlp.batch_size
    sample = list(texts[: spec.get("docs", 200)])
    run_components(nlp, sample, batch_size, profiled=False)  # warm-up
    times, _ = run_components(nlp, sample, batch_size, profiled=False)
    _, groups = run_components(nlp, sample, batch_size, profiled=True)
    return {
        "name": system["name"],
        "docs": len(sample),
        "characters": sum(len(t) for t in sample),
        "component_seconds": times,
        "profile": finish(groups, spec.get("top", 5)),
    }
