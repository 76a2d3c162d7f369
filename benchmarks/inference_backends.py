"""``python -m benchmarks.inference_backends MODEL --dev DEV.spacy``: the
backbone under other inference backends, in the whole pipeline, on dev.

Backends (``BACKENDS``):

- ``float32``: the package's own path with ``prediction_dtype = "float32"``
  (what ``"auto"`` takes on a CPU without native bfloat16);
- ``bfloat16``: the package's own path with ``prediction_dtype = "bfloat16"``
  (``torch.autocast``), measured where the CPU multiplies bfloat16 natively
  (``precision.native_bf16``); elsewhere it is emulated, ``"auto"`` never takes
  it and the output says it was skipped, unless ``--bfloat16`` asks for it;
- ``int8``: ``torch.ao`` dynamic quantisation of the backbone's ``nn.Linear``
  layers (``backends.int8_backbone``);
- ``onnx`` and ``onnx-int8``: the backbone exported to ONNX and run by ONNX
  Runtime, in float32 and after ORT's dynamic int8 quantisation
  (``backends.onnx_backbone``).

Each backend gets its own copy of the pipeline, whose backbone is swapped
(``backends.swap_backbone``) and wrapped in a ``TimedBackbone``; everything
else runs the package's code. Every backend predicts the same texts with
``nlp.pipe`` and the same batch size: one warm-up pass, whose predictions are
scored with ``hanzi_spacy.evaluate.score_examples``, then ``--repeats`` rounds
in which each backend runs once, the order rotated each round. Characters per
second are the median run's; the backbone's microseconds per character are its
forward calls inside the same runs, and the rest (tokenizer, the transformer
component's own tokenization, alignment and grouping, the listeners, decoders
and rules) is the remainder. A last pass per backend runs the tokenizer and
each component one after the other over all texts, for the rest's cost by
component.

The decision (``decide``): a backend qualifies when every dev score is within
``--tolerance`` of float32's and it is faster in the same run: a higher median,
and its slowest run faster than float32's fastest.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

import spacy
import srsly
import torch
from spacy.language import Language
from spacy.training import Example

from hanzi_spacy.evaluate import load_examples, score_examples
from hanzi_spacy.ml.transformer.precision import native_bf16

from . import backends
from .machine import describe_machine
from .pipelines import PACKAGES
from .profiling import run_components
from .systems import versions

BACKENDS = ["float32", "bfloat16", "int8", "onnx", "onnx-int8"]
SCORES = ["token_f", "tag_acc", "pos_acc", "ents_f", "cats_score", "sents_f"]
TRANSFORMER_ARCHITECTURE = "hanzi-spacy.TransformerModel.v1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dtype_overrides(config: Any, dtype: str) -> Dict[str, str]:
    """Config overrides setting ``prediction_dtype`` of every transformer."""
    return {
        f"components.{name}.model.prediction_dtype": dtype
        for name, component in config["components"].items()
        if component.get("model", {}).get("@architectures") == TRANSFORMER_ARCHITECTURE
    }


class Backend(NamedTuple):
    nlp: Language
    timers: List[backends.TimedBackbone]


def load_backend(
    model: str,
    name: str,
    config: Any,
    work: Path,
    ort_optimization: str = "basic",
    ort_spinning: bool = True,
) -> Backend:
    """The pipeline with its backbones run by the backend ``name``, timed.

    config (Config): The pipeline's config, which names its transformers.
    ort_optimization (str), ort_spinning (bool): ONNX Runtime's graph
        optimization level, and whether its threads spin between calls.
    """
    dtype = "bfloat16" if name == "bfloat16" else "float32"
    nlp = spacy.load(model, config=dtype_overrides(config, dtype))
    timers = []
    for i, trf in enumerate(backends.transformer_models(nlp)):
        folder = work / f"{name}-{i}"
        make = backbone_maker(
            name, folder, trf.tokenizer, ort_optimization, ort_spinning
        )
        timed = backends.swap_backbone(
            trf, lambda module, make=make: backends.TimedBackbone(make(module))
        )
        timers.append(timed)
    return Backend(nlp, timers)


def backbone_maker(
    name: str,
    folder: Path,
    tokenizer: Any,
    ort_optimization: str = "basic",
    ort_spinning: bool = True,
) -> Callable[[torch.nn.Module], torch.nn.Module]:
    """A function from the pipeline's backbone to the one ``name`` runs."""
    if name == "int8":
        return backends.int8_backbone
    if name in ("onnx", "onnx-int8"):
        return lambda module: backends.onnx_backbone(
            module,
            folder,
            list(tokenizer.model_input_names),
            int8=name == "onnx-int8",
            optimization=ort_optimization,
            spinning=ort_spinning,
        )
    return lambda module: module


def sample(examples: List[Example], limit: Optional[int], seed: int) -> List[Example]:
    """``limit`` examples drawn at random, in the file's order (all if None)."""
    if limit is None or limit >= len(examples):
        return examples
    index = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in index]


def run_once(backend: Backend, texts: Sequence[str], batch_size: int) -> Dict:
    """One timed pass: total and backbone seconds."""
    for timer in backend.timers:
        timer.reset()
    start = time.perf_counter()
    for _ in backend.nlp.pipe(texts, batch_size=batch_size):
        pass
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "backbone_seconds": sum(timer.seconds for timer in backend.timers),
        "backbone_calls": sum(timer.calls for timer in backend.timers),
    }


def component_costs(
    backend: Backend, texts: Sequence[str], batch_size: int
) -> Dict[str, float]:
    """Microseconds per character of the tokenizer and of each component, in one
    pass that runs them one after the other over all texts
    (``profiling.run_components``); "backbone" is inside "transformer"."""
    for timer in backend.timers:
        timer.reset()
    seconds, _ = run_components(backend.nlp, texts, batch_size, profiled=False)
    seconds["backbone"] = sum(timer.seconds for timer in backend.timers)
    characters = sum(len(text) for text in texts)
    return {name: value / characters * 1e6 for name, value in seconds.items()}


def predict_and_score(
    nlp: Language, examples: List[Example], batch_size: int
) -> Dict[str, Optional[float]]:
    docs = nlp.pipe((eg.predicted for eg in examples), batch_size=batch_size)
    for eg, doc in zip(examples, docs):
        eg.predicted = doc
    scores = score_examples(nlp, examples)
    return {key: scores.get(key) for key in SCORES}


def summarize(runs: List[Dict[str, float]], characters: int) -> Dict[str, Any]:
    """Median chars/s and µs per character of the backbone and of the rest."""

    def us(seconds: float) -> float:
        return seconds / characters * 1e6

    return {
        "chars_per_s": statistics.median(characters / r["seconds"] for r in runs),
        "runs_chars_per_s": [characters / r["seconds"] for r in runs],
        "us_per_char": statistics.median(us(r["seconds"]) for r in runs),
        "backbone_us_per_char": statistics.median(
            us(r["backbone_seconds"]) for r in runs
        ),
        "rest_us_per_char": statistics.median(
            us(r["seconds"] - r["backbone_seconds"]) for r in runs
        ),
        "backbone_share": statistics.median(
            r["backbone_seconds"] / r["seconds"] for r in runs
        ),
        "backbone_calls": runs[0]["backbone_calls"],
    }


def decide(
    results: Dict[str, Dict[str, Any]], tolerance: float, baseline: str = "float32"
) -> Dict[str, Any]:
    """Which backends keep every dev score within ``tolerance`` of the baseline's
    and are faster than it in the same run (a higher median, and the slowest run
    faster than the baseline's fastest)."""
    base = results[baseline]
    verdicts = {}
    for name, result in results.items():
        if name == baseline or not result.get("measured"):
            continue
        differences = {
            key: result["scores"][key] - base["scores"][key]
            for key in SCORES
            if base["scores"].get(key) is not None
            and result["scores"].get(key) is not None
        }
        within = all(abs(value) <= tolerance for value in differences.values())
        faster = result["chars_per_s"] > base["chars_per_s"] and min(
            result["runs_chars_per_s"]
        ) > max(base["runs_chars_per_s"])
        verdicts[name] = {
            "score_differences": differences,
            "within_tolerance": within,
            "speedup": result["chars_per_s"] / base["chars_per_s"],
            "faster": faster,
            "qualifies": within and faster,
        }
    return {
        "baseline": baseline,
        "tolerance": tolerance,
        "rule": "every dev score within the tolerance of the baseline's, and faster "
        "in the same run (higher median chars/s, slowest run above the "
        "baseline's fastest)",
        "backends": verdicts,
        "qualify": [name for name, v in verdicts.items() if v["qualifies"]],
    }


def table(results: Dict[str, Dict[str, Any]], decision: Dict[str, Any]) -> str:
    columns = ["token_f", "tag_acc", "ents_f", "cats_score"]
    head = f"{'backend':<10}" + "".join(f"{c:>11}" for c in columns)
    head += f"{'chars/s':>10}{'bb µs/ch':>10}{'rest µs/ch':>11}{'x f32':>7}  qualifies"
    rows = [head]
    for name, result in results.items():
        if not result.get("measured"):
            rows.append(f"{name:<10} skipped: {result['skipped']}")
            continue
        scores = result["scores"]
        row = f"{name:<10}" + "".join(
            f"{scores[c]:>11.4f}" if scores.get(c) is not None else f"{'-':>11}"
            for c in columns
        )
        verdict = decision["backends"].get(name, {})
        row += f"{result['chars_per_s']:>10,.0f}{result['backbone_us_per_char']:>10.2f}"
        row += f"{result['rest_us_per_char']:>11.2f}"
        row += f"{verdict.get('speedup', 1.0):>7.2f}  "
        row += {True: "yes", False: "no"}.get(verdict.get("qualifies"), "(baseline)")
        rows.append(row)
    costs = results.get("float32", {}).get("components_us_per_char")
    if costs:
        rows.append(
            "float32, µs/char component by component: "
            + ", ".join(f"{name} {value:.2f}" for name, value in costs.items())
        )
    return "\n".join(rows)


def measure(args: argparse.Namespace, work: Path) -> Dict[str, Any]:
    names = [name.strip() for name in args.backends.split(",") if name.strip()]
    if "float32" not in names:
        names.insert(0, "float32")
    results: Dict[str, Dict[str, Any]] = {}
    loaded: Dict[str, Backend] = {}
    config = spacy.load(args.model).config
    for name in names:
        if name == "bfloat16" and not (native_bf16() or args.bfloat16):
            results[name] = {
                "measured": False,
                "skipped": "this CPU has no native bfloat16 (avx512_bf16, amx_bf16 "
                "or Arm bf16): it would be emulated, and prediction_dtype 'auto' "
                "runs float32 here; --bfloat16 measures it anyway",
            }
            log(f"{name}: skipped (no native bfloat16 on this CPU)")
            continue
        start = time.perf_counter()
        loaded[name] = load_backend(
            args.model, name, config, work, args.ort_optimization, not args.ort_no_spin
        )
        results[name] = {"measured": True, "setup_s": time.perf_counter() - start}
        log(f"{name}: loaded in {results[name]['setup_s']:.1f}s")
    first = loaded["float32"].nlp
    batch_size = args.batch_size or first.batch_size
    examples = sample(load_examples(first, args.dev), args.limit, args.seed)
    texts = [eg.reference.text for eg in examples]
    characters = sum(len(text) for text in texts)
    log(f"{len(texts)} texts, {characters} characters, batch size {batch_size}")
    for name, (nlp, _) in loaded.items():
        start = time.perf_counter()
        scored = load_examples(nlp, args.dev)
        scored = scored if args.score_all else sample(scored, args.limit, args.seed)
        results[name]["scores"] = predict_and_score(nlp, scored, batch_size)
        results[name]["scored_docs"] = len(scored)
        log(f"{name}: warm-up and scores in {time.perf_counter() - start:.1f}s")
    runs: Dict[str, List[Dict[str, float]]] = {name: [] for name in loaded}
    order = list(loaded)
    for round_ in range(args.repeats):
        for name in order[round_ % len(order) :] + order[: round_ % len(order)]:
            run = run_once(loaded[name], texts, batch_size)
            runs[name].append(run)
            log(
                f"round {round_ + 1}/{args.repeats} {name}: "
                f"{characters / run['seconds']:,.0f} chars/s, backbone "
                f"{run['backbone_seconds'] / run['seconds']:.0%}"
            )
    for name, backend in loaded.items():
        results[name].update(summarize(runs[name], characters))
        results[name]["runs"] = runs[name]
        results[name]["components_us_per_char"] = component_costs(
            backend, texts, batch_size
        )
        log(f"{name}: components timed one by one")
    return {
        "model": str(args.model),
        "dev": str(args.dev),
        "texts": len(texts),
        "characters": characters,
        "limit": args.limit,
        "seed": args.seed,
        "batch_size": batch_size,
        "repeats": args.repeats,
        "torch_threads": torch.get_num_threads(),
        "native_bf16": native_bf16(),
        "quantized_engine": torch.backends.quantized.engine,
        "ort_optimization": args.ort_optimization,
        "ort_spinning": not args.ort_no_spin,
        "backends": results,
    }


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.inference_backends",
        description="The whole pipeline with its backbone under other inference "
        "backends: dev scores, characters per second, backbone and rest per char.",
    )
    p.add_argument("model", help="a trained pipeline (folder or package)")
    p.add_argument("--dev", type=Path, required=True, help="dev .spacy")
    p.add_argument(
        "--output", type=Path, default=Path("metrics/inference_backends.json")
    )
    p.add_argument("--limit", type=int, default=None, help="dev docs timed (sample)")
    p.add_argument(
        "--score-all", action="store_true", help="score every dev doc, not the sample"
    )
    p.add_argument("--repeats", type=int, default=3, help="timed runs per backend")
    p.add_argument("--batch-size", type=int, default=None, help="default the nlp's")
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument(
        "--bfloat16", action="store_true", help="measure bfloat16 even if emulated"
    )
    p.add_argument(
        "--ort-optimization",
        choices=sorted(backends.ORT_LEVELS),
        default="basic",
        help="ONNX Runtime's graph optimization level",
    )
    p.add_argument(
        "--ort-no-spin",
        action="store_true",
        help="ONNX Runtime's threads sleep between calls instead of spinning",
    )
    p.add_argument("--tolerance", type=float, default=0.002)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--work",
        type=Path,
        default=None,
        help="for the ONNX files (default: a temp dir)",
    )
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    unknown = set(args.backends.split(",")) - set(BACKENDS)
    if unknown:
        log(f"error: unknown backends {sorted(unknown)}; choose from {BACKENDS}")
        return 1
    machine = describe_machine()
    with tempfile.TemporaryDirectory() as tmp:
        report = measure(args, args.work or Path(tmp))
    report["decision"] = decide(report["backends"], args.tolerance)
    report["command"] = "python -m benchmarks.inference_backends " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    report["machine"] = machine
    report["versions"] = versions([*PACKAGES, "onnxruntime", "onnx", "onnxscript"])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(args.output, report)
    print(table(report["backends"], report["decision"]))
    qualify = report["decision"]["qualify"]
    print(
        f"Qualify (within {args.tolerance} of float32 on every dev score and "
        f"faster): {', '.join(qualify) or 'none'}"
    )
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
