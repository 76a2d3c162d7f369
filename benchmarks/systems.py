"""What the benchmark needs from a system, whatever the tool behind it."""

from importlib import metadata
from typing import Dict, Iterable, List, Optional, Protocol, Sequence

from .scoring import Prediction


class System(Protocol):
    """One system under test: a tool with one way of calling it.

    ``run`` is what is timed: the tool's own call over all texts, batched as the
    tool prefers, its output consumed and thrown away. ``predict`` returns the
    output as ``Prediction`` data for the scorer (None for a system that predicts
    nothing we score, such as the bare backbone).
    """

    name: str

    def load(self) -> None: ...

    def run(self, texts: Sequence[str]) -> None: ...

    def predict(self, texts: Sequence[str]) -> Optional[List[Prediction]]: ...

    def info(self) -> Dict[str, object]: ...


def versions(packages: Iterable[str]) -> Dict[str, Optional[str]]:
    """Installed version of each distribution, None when it is not installed."""
    found: Dict[str, Optional[str]] = {}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
