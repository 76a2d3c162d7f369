"""Serving a pipeline over HTTP: ``python -m hanzi_spacy serve MODEL``.

- ``create_app`` (app.py): the FastAPI application (routes, limits, metrics);
- ``Batcher`` (batcher.py): texts of concurrent requests in one ``nlp.pipe``;
- ``analyse_batch`` (analysis.py): a batch in a memory zone, as plain values;
- ``serve`` (server.py): run it under uvicorn, with one or more workers;
- ``HanziSpacy`` (deployment.py): the same application as a Ray Serve
  deployment, replicas batching with ``@serve.batch`` (``--ray-replicas``).

FastAPI, uvicorn, prometheus-client and Ray Serve are an optional extra
(``pip install 'hanzi-spacy[serve]'``), imported only when an application is
made, so that without them the command says what to install. Nothing imports
this package but the serve command. docs/serving.md says how to run and call it.
"""

from typing import Any

from .analysis import analyse_batch, doc_result
from .server import serve
from .settings import ServeSettings


def __getattr__(name: str) -> Any:
    if name == "create_app":  # needs FastAPI
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ServeSettings", "analyse_batch", "create_app", "doc_result", "serve"]
