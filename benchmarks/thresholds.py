"""Performance thresholds: the scores a packaged pipeline must not fall below.

``configs/thresholds.json`` maps each packaged pipeline to where its scores come
from and the minimum of each metric (spaCy score keys, as ``evaluate`` writes
them)::

    {"zh_hanzi_trf": {"pipeline": "training/model-best",
                      "scores": "metrics/scores.json",
                      "test": "corpus/test.spacy",
                      "minimum": {"token_f": 0.85, "ents_f": 0.5}}}

Paths are relative to the project root. The scores file is used when it is at
least as new as the pipeline, else the pipeline is evaluated on the test split.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional


@dataclass
class Threshold:
    name: str
    pipeline: Path
    scores: Optional[Path]
    test: Path
    minimum: Dict[str, float]


def load_thresholds(path: Path, root: Optional[Path] = None) -> List[Threshold]:
    """Read a thresholds file; relative paths are resolved against ``root``."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent.parent
    data = json.loads(path.read_text(encoding="utf8"))
    return [
        Threshold(
            name=name,
            pipeline=root / entry["pipeline"],
            scores=root / entry["scores"] if entry.get("scores") else None,
            test=root / entry.get("test", "corpus/test.spacy"),
            minimum={k: float(v) for k, v in entry["minimum"].items()},
        )
        for name, entry in data.items()
    ]


def failures(scores: Dict[str, object], minimum: Dict[str, float]) -> List[str]:
    """One line per metric that is missing or below its minimum."""
    found: List[str] = []
    for key, low in minimum.items():
        value = scores.get(key)
        if not isinstance(value, (int, float)):
            found.append(f"{key}: missing from the scores")
        elif value < low:
            found.append(f"{key}: {value:.4f} < {low:.4f}")
    return found


def _fresh(scores: Path, pipeline: Path) -> bool:
    if not scores.is_file():
        return False
    marker = pipeline / "meta.json"
    built = marker.stat().st_mtime if marker.exists() else pipeline.stat().st_mtime
    return scores.stat().st_mtime >= built


def current_scores(threshold: Threshold) -> Optional[Dict[str, object]]:
    """The pipeline's scores, or None when no trained pipeline exists."""
    if not threshold.pipeline.exists():
        return None
    if threshold.scores is not None and _fresh(threshold.scores, threshold.pipeline):
        return json.loads(threshold.scores.read_text(encoding="utf8"))
    from hanzi_spacy.evaluate import evaluate_pipeline

    return evaluate_pipeline(str(threshold.pipeline), threshold.test)
