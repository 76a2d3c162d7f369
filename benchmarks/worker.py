"""One measurement in a fresh process.

``python -m benchmarks.worker SPEC OUT``

Peak memory (``ru_maxrss``) only grows, so each system is measured in a process
of its own that imports only what the system needs. SPEC is a JSON file::

    {"task": "system" | "profile" | "userdict" | "stream",
     "system": {"kind": "pipeline", "name": "trf", "path": "..."},
     "texts": "texts.json", "repeat": 3,
     "score_texts": {"SET": "SET.json"}, ...}

The result is written as JSON to OUT.
"""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict

from .systems import System
from .timing import peak_rss_mb, time_runs


def make_system(spec: Dict[str, Any]) -> System:
    """The system a spec names."""
    kind = spec["kind"]
    if kind == "pipeline":
        from .pipelines import SpacyPipeline

        return SpacyPipeline(spec["name"], spec["path"], spec.get("batch_size"))
    if kind == "jieba":
        from .peers import JiebaCut

        return JiebaCut(spec["name"], hmm=spec.get("hmm", True))
    if kind == "jieba-posseg":
        from .peers import JiebaPosseg

        return JiebaPosseg(spec["name"], hmm=spec.get("hmm", True))
    if kind == "thulac":
        from .peers import Thulac

        return Thulac(spec["name"], seg_only=spec.get("seg_only", True))
    if kind == "lac":
        from .peers_extra import Lac

        return Lac(spec["name"])
    if kind == "pkuseg":
        from .peers_extra import Pkuseg

        return Pkuseg(spec["name"])
    if kind == "jiagu":
        from .peers_extra import Jiagu

        return Jiagu(spec["name"])
    if kind == "tfidf":
        from .tfidf import TfidfBaseline

        return TfidfBaseline(spec["train"], spec["name"], spec.get("limit", 0))
    if kind == "backbone":
        from .backbone import Backbone

        options = {k: v for k, v in spec.items() if k not in ("kind", "name", "path")}
        return Backbone(spec["path"], spec["name"], **options)
    raise ValueError(f"unknown system kind {kind!r}")


def measure_system(spec: Dict[str, Any], texts: list) -> Dict[str, Any]:
    """Load, predict (the warm-up), time ``repeat`` runs, read the peak memory."""
    system = make_system(spec["system"])
    start = time.perf_counter()
    system.load()
    load_seconds = time.perf_counter() - start
    predictions = system.predict(texts)
    result: Dict[str, Any] = {
        "name": system.name,
        "load_seconds": load_seconds,
        **time_runs(system.run, texts, spec.get("repeat", 3)),
    }
    result["peak_rss_mb"] = peak_rss_mb()
    n_process = spec.get("n_process", 1)
    if n_process > 1 and hasattr(system, "n_process"):
        system.n_process = n_process
        timed = time_runs(system.run, texts, spec.get("repeat", 3))
        result["n_process"] = {str(n_process): timed}
        system.n_process = 1
    result["info"] = system.info()
    result["predictions"] = predictions
    # Other texts to score (the out-of-domain sets): predicted after the
    # timing and the memory reading, which stay those of the test texts.
    if predictions is not None and spec.get("score_texts"):
        result["score_predictions"] = {
            name: system.predict(json.loads(Path(path).read_text(encoding="utf8")))
            for name, path in spec["score_texts"].items()
        }
    return result


def run_task(spec: Dict[str, Any]) -> Dict[str, Any]:
    texts = json.loads(Path(spec["texts"]).read_text(encoding="utf8"))
    task = spec["task"]
    if task == "system":
        return measure_system(spec, texts)
    if task == "profile":
        from .profiling import profile_pipeline

        return profile_pipeline(spec, texts)
    if task == "userdict":
        from .userdict_cost import measure_user_dictionary

        return measure_user_dictionary(spec, texts)
    if task == "stream":
        from .stream import measure_stream

        return measure_stream(spec, texts)
    raise ValueError(f"unknown task {task!r}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec_path, out_path = argv
    spec = json.loads(Path(spec_path).read_text(encoding="utf8"))
    result = run_task(spec)
    result["pid"] = os.getpid()
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
