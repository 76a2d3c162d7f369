"""Start the application under uvicorn (one process, or ``workers`` of them)
or as ``ray_replicas`` Ray Serve replicas.

With one worker the application is built here and handed to uvicorn. With
more, uvicorn's supervisor starts each worker process from an import string
(``app_from_env``), restarts a worker that dies, and the settings travel in
the environment (settings.py); each worker loads its own pipeline. On Ray,
deployment.py runs the same application as a Serve deployment, and this
process waits until it is interrupted, then shuts Serve down. The Prometheus
values of all workers (or of the replicas on this machine) are kept in one
temporary folder (metrics.py), removed when the server stops.
"""

import copy
import logging
import logging.config
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, Optional

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
    ray_replicas: int = 0,
    ray_address: Optional[str] = None,
) -> None:
    """Serve the pipeline over HTTP until interrupted.

    settings (ServeSettings): The pipeline and the limits.
    host (str): The address to listen on ("0.0.0.0": every interface).
    port (int): The TCP port.
    workers (int): uvicorn worker processes, each with its own pipeline.
    log_level (str): uvicorn's log level.
    ray_replicas (int): Ray Serve replicas instead of uvicorn (0: uvicorn).
    ray_address (Optional[str]): The Ray cluster to join; None starts Ray here.
    """
    if workers < 1:
        raise HanziError(Errors.E581.format(name="--workers", least=1, value=workers))
    if ray_replicas < 0:
        raise HanziError(
            Errors.E581.format(name="--ray-replicas", least=0, value=ray_replicas)
        )
    if ray_replicas and workers != 1:
        raise HanziError(Errors.E595.format(workers=workers))
    uvicorn = _import_serving_stack()
    _check_model(settings.model)
    if ray_replicas:
        deployment = _import_ray_serve()
        _serve_on_ray(
            deployment, settings, ray_replicas, host, port, ray_address, log_level
        )
        return
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


def _serve_on_ray(
    deployment: Any,
    settings: ServeSettings,
    replicas: int,
    host: str,
    port: int,
    address: Optional[str],
    log_level: str,
) -> None:
    import ray
    from ray import serve

    from .metrics import MULTIPROC_ENV

    logging.config.dictConfig(log_config())
    logger = logging.getLogger("hanzi_spacy.serve")
    metrics_dir = tempfile.mkdtemp(prefix="hanzi-serve-metrics-")
    try:
        url = deployment.deploy(
            settings,
            replicas,
            host=host,
            port=port,
            address=address,
            env={MULTIPROC_ENV: metrics_dir},
            log_level=log_level,
        )
        logger.info("ready: %d Ray Serve replicas on %s", replicas, url)
        _wait_for_interrupt()
    finally:
        logger.info("shutting down Ray Serve")
        if ray.is_initialized():
            serve.shutdown()
            ray.shutdown()
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _wait_for_interrupt() -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM."""
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    while not stop.wait(1):
        pass


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


def _import_ray_serve():
    try:
        from . import deployment
    except ImportError as e:
        raise HanziError(Errors.E596.format(error=e)) from e
    return deployment


def _check_model(model: str) -> None:
    from spacy.util import is_package

    if not (Path(model).exists() or is_package(model)):
        raise HanziError(Errors.E590.format(model=model))
