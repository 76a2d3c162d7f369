"""The FastAPI application: routes, limits, and the pipeline's life.

    POST /v1/analyze   texts in, words/tags/UPOS/entities/cats/sentences out
    POST /v1/render    displaCy's HTML of an analysis (for the page)
    GET  /             a page to try the pipeline in a browser
    GET  /health       the process is alive (500 if the pipeline failed to load)
    GET  /ready        the pipeline is loaded and has answered one text
    GET  /metrics      Prometheus text (metrics.py)
    GET  /docs, /openapi.json   FastAPI's generated API docs

The pipeline loads after the server starts listening, on the thread that will
own it, and answers one text before ``/ready`` says so; until then
``/v1/analyze`` answers 503 with ``Retry-After``.

Status codes: 200 (at least one text answered; a text the pipeline failed on
carries its ``error``), 413 (a text over ``--max-chars``, a body over
``--max-body``, more texts than ``--max-queue``), 422 (not UTF-8 JSON, or not
the schema: FastAPI names the field), 500 (every text failed), 503 (loading,
queue full, shutting down; with ``Retry-After``).
"""

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any, Callable, Dict, List, Optional

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from spacy.language import Language

from ..errors import Errors, HanziError
from .analysis import analyse_batch
from .batcher import Batcher, QueueFull, ShuttingDown
from .metrics import ServeMetrics
from .middleware import LimitsMiddleware, error_response
from .render import render_entities, render_words
from .schema import (
    FIELDS,
    AnalyzeRequest,
    AnalyzeResponse,
    Health,
    RenderRequest,
    RenderResponse,
)
from .settings import ServeSettings

logger = logging.getLogger("hanzi_spacy.serve")
WARM_UP_TEXT = "江泽民在北京会见了代表团。"
ERRORS = {
    413: {"description": "A text or the body over the limits"},
    503: {"description": "Loading, queue full or shutting down; see Retry-After"},
}


class ServerState:
    """What the routes share: the settings, the metrics, the batcher."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.metrics = ServeMetrics()
        self.batcher: Optional[Batcher] = None
        self.model_name: Optional[str] = None
        self.ready = False
        self.failed: Optional[str] = None


def load_pipeline(settings: ServeSettings) -> Language:
    """Load the pipeline and run it once (the first call builds its caches)."""
    import spacy

    nlp = spacy.load(settings.model, config=settings.config)
    warm = analyse_batch(nlp, [WARM_UP_TEXT], [FIELDS])[0]
    if "error" in warm:
        raise RuntimeError(warm["error"]["message"])
    return nlp


def create_app(
    settings: ServeSettings,
    *,
    make_batcher: Callable[[ServeSettings, ServeMetrics], Batcher] = Batcher,
    load_first: bool = False,
) -> FastAPI:
    """A FastAPI application serving ``settings.model``.

    settings (ServeSettings): The pipeline and the limits.
    make_batcher (Callable): Makes the batcher from the settings and the
        metrics: batcher.py's own by default, Ray Serve's (deployment.py) on Ray.
    load_first (bool): Load the pipeline during the ASGI startup, which then
        fails with E594 if it cannot load (Ray Serve routes to a replica only
        after its startup); by default it loads after the server listens.
    RETURNS (FastAPI): The application, for uvicorn (or any ASGI server).
    """
    state = ServerState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state.batcher = make_batcher(settings, state.metrics)
        loading = asyncio.create_task(_load(state))
        if load_first:
            await loading
            if state.failed:
                await state.batcher.close()
                raise HanziError(state.failed)
        yield
        loading.cancel()
        await state.batcher.close()

    app = FastAPI(
        title="hanzi-spacy",
        summary="Chinese words, POS, entities and categories over HTTP",
        version=_package_version(),
        lifespan=lifespan,
    )
    app.state.serve = state
    app.add_middleware(
        LimitsMiddleware, max_body=settings.max_body, metrics=state.metrics
    )
    _add_routes(app, state)
    return app


def app_from_env() -> FastAPI:
    """The application for uvicorn's worker processes (``--workers`` > 1)."""
    return create_app(ServeSettings.from_env())


async def _load(state: ServerState) -> None:
    batcher = state.batcher
    try:
        nlp = await batcher.run_in_owner(load_pipeline, state.settings)
    except Exception as e:
        state.failed = Errors.E594.format(model=state.settings.model, error=e)
        logger.exception(state.failed)
        return
    meta = nlp.meta
    state.model_name = f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
    batcher.start(nlp)
    state.ready = True
    logger.info("ready: %s", state.model_name)


def _add_routes(app: FastAPI, state: ServerState) -> None:
    settings, metrics = state.settings, state.metrics
    retry = {"Retry-After": str(settings.retry_after)}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        metrics.errors.labels(code="validation").inc()
        # FastAPI's 422 echoes the input, which may hold a lone surrogate that
        # UTF-8 cannot encode: JSON's \u escapes carry it back as it came.
        content = {"detail": jsonable_encoder(exc.errors())}
        body = json.dumps(content, ensure_ascii=True, allow_nan=False)
        return Response(body, status_code=422, media_type="application/json")

    @app.post(
        "/v1/analyze",
        response_model=AnalyzeResponse,
        response_model_exclude_none=True,
        responses=ERRORS,
    )
    async def analyze(request: AnalyzeRequest) -> Any:
        """Analyse one text or several: words with offsets, tags, entities..."""
        if not state.ready:
            message = Errors.E586.format(retry=settings.retry_after)
            return error_response(metrics, 503, "E586", message, retry)
        texts = request.all_texts()
        for i, text in enumerate(texts):
            if len(text) > settings.max_chars:
                message = Errors.E582.format(
                    index=i, n=len(text), limit=settings.max_chars
                )
                return error_response(metrics, 413, "E582", message)
        if len(texts) > settings.max_queue:
            message = Errors.E584.format(n=len(texts), limit=settings.max_queue)
            return error_response(metrics, 413, "E584", message)
        try:
            futures = state.batcher.submit(texts, request.fields)
        except QueueFull as e:
            message = Errors.E585.format(
                waiting=e.waiting, limit=settings.max_queue, retry=settings.retry_after
            )
            return error_response(metrics, 503, "E585", message, retry)
        try:
            results: List[Dict[str, Any]] = await asyncio.gather(*futures)
        except ShuttingDown:
            return error_response(metrics, 503, "E591", Errors.E591, retry)
        except Exception as e:
            logger.exception("analyze failed")
            message = Errors.E593.format(error=type(e).__name__)
            return error_response(metrics, 500, "E593", message)
        failed = [r["error"]["code"] for r in results if "error" in r]
        for code in failed:
            metrics.errors.labels(code=code).inc()
        metrics.documents.inc(len(texts) - len(failed))
        metrics.characters.inc(
            sum(len(t) for t, r in zip(texts, results) if "error" not in r)
        )
        body = {"model": state.model_name, "results": results}
        if failed and len(failed) == len(results):
            answer = AnalyzeResponse.model_validate(body)
            content = answer.model_dump(mode="json", exclude_none=True)
            return JSONResponse(content, status_code=500)
        return body

    @app.post("/v1/render", response_model=RenderResponse)
    async def render(request: RenderRequest) -> RenderResponse:
        """displaCy's HTML of a text's analysis: entities, and words with POS."""
        return RenderResponse(
            entities=render_entities(request.text, request.analysis),
            words=render_words(request.analysis),
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(_page())

    @app.get("/health", response_model=Health, response_model_exclude_none=True)
    async def health() -> Any:
        """Whether the process is alive (500 if the pipeline failed to load)."""
        if state.failed:
            return JSONResponse({"status": "failed", "detail": state.failed}, 500)
        return {"status": "alive"}

    @app.get(
        "/ready",
        response_model=Health,
        response_model_exclude_none=True,
        responses={503: ERRORS[503]},
    )
    async def ready() -> Any:
        """Whether the pipeline is loaded and has answered its first text."""
        if not state.ready:
            status = "failed" if state.failed else "loading"
            return JSONResponse({"status": status}, 503, headers=retry)
        return {"status": "ready", "model": state.model_name}

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        data, content_type = metrics.exposition()
        return Response(data, media_type=content_type)


_PAGE: List[str] = []


def _page() -> str:
    if not _PAGE:
        _PAGE.append(files(__package__).joinpath("page.html").read_text("utf8"))
    return _PAGE[0]


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hanzi-spacy")
    except PackageNotFoundError:
        return "0"
