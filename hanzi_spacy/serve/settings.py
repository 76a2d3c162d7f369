"""What a server is started with: the pipeline and its limits.

The settings travel to uvicorn's worker processes (``--workers`` > 1) as JSON
in the environment variable ``SETTINGS_ENV``: uvicorn starts each worker from
an import string, so the application is built there by ``app_from_env``.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Dict

from ..errors import Errors, HanziError

SETTINGS_ENV = "HANZI_SPACY_SERVE_SETTINGS"


@dataclass(frozen=True)
class ServeSettings:
    """The pipeline a server loads and the limits it keeps.

    model (str): Pipeline package name or folder, as ``spacy.load`` takes.
    config (Dict[str, Any]): Overrides for ``spacy.load``, e.g.
        ``{"components.transformer.model.prediction_dtype": "float32"}``.
    max_batch (int): At most this many texts in one ``nlp.pipe`` call.
    max_wait_ms (float): How long the first waiting text waits for others to
        join its batch.
    max_chars (int): Longest text, in characters (413 above it).
    max_body (int): Largest request body, in bytes (413 above it).
    max_queue (int): Most texts waiting for the pipeline; a request that does
        not fit gets 503 with ``Retry-After``.
    retry_after (int): Seconds a refused client is told to wait.
    """

    model: str
    config: Dict[str, Any] = field(default_factory=dict)
    max_batch: int = 32
    max_wait_ms: float = 5.0
    max_chars: int = 10_000
    max_body: int = 1_000_000
    max_queue: int = 1_024
    retry_after: int = 1

    def __post_init__(self) -> None:
        for name, least in (
            ("max_batch", 1),
            ("max_chars", 1),
            ("max_body", 1),
            ("max_queue", 1),
            ("retry_after", 0),
            ("max_wait_ms", 0),
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < least:
                option = "--" + name.replace("_", "-")
                raise HanziError(
                    Errors.E581.format(name=option, least=least, value=value)
                )

    def to_env(self) -> str:
        """The settings as the JSON that ``from_env`` reads."""
        return json.dumps(asdict(self), ensure_ascii=True)

    @classmethod
    def from_env(cls) -> "ServeSettings":
        """The settings the serve command left in ``SETTINGS_ENV``."""
        try:
            return cls(**json.loads(os.environ[SETTINGS_ENV]))
        except HanziError:
            raise
        except (KeyError, TypeError, ValueError) as e:
            raise HanziError(Errors.E592.format(reason=repr(e))) from e
