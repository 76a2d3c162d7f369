"""Start the application under uvicorn: one process, or ``workers`` of them.

With one worker the application is built here and handed to uvicorn. With
more, uvicorn's supervisor starts each worker process from an import string
(``app_from_env``), restarts a worker that dies, and the settings travel in
the environment (settings.py); each worker loads its own pipeline. The
Prometheus values of all workers are kept in one temporary folder
(metrics.py), removed when the server stops.
"""

import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict

from ..errors import Errors, HanziError
from .settings import SETTINGS_ENV, ServeSettings

APP_FACTORY = "hanzi_spacy.serve.app:app_from_env"


def serve(
    settings: ServeSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serve the pipeline over HTTP until interrupted.

    settings (ServeSettings): The pipeline and the limits.
    host (str): The address to listen on ("0.0.0.0": every interface).
    port (int): The TCP port.
    workers (int): uvicorn worker processes, each with its own pipeline.
    log_level (str): uvicorn's log level.
    """
    if workers < 1:
        raise HanziError(Errors.E581.format(name="--workers", least=1, value=workers))
    uvicorn = _import_serving_stack()
    _check_model(settings.model)
    options = dict(host=host, port=port, log_level=log_level, log_config=log_config())
    if workers == 1:
        from .app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    from .metrics import MULTIPROC_ENV

    metrics_dir = tempfile.mkdtemp(prefix="hanzi-serve-metrics-")
    os.environ[SETTINGS_ENV] = settings.to_env()
    os.environ[MULTIPROC_ENV] = metrics_dir
    try:
        uvicorn.run(APP_FACTORY, factory=True, workers=workers, **options)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def log_config() -> Dict[str, Any]:
    """uvicorn's logging setup, with this package's messages on its handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["hanzi_spacy"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def _import_serving_stack():
    try:
        import fastapi  # noqa: F401
        import prometheus_client  # noqa: F401
        import uvicorn
    except ImportError as e:
        raise HanziError(Errors.E580.format(error=e)) from e
    return uvicorn


def _check_model(model: str) -> None:
    from spacy.util import is_package

    if not (Path(model).exists() or is_package(model)):
        raise HanziError(Errors.E590.format(model=model))
