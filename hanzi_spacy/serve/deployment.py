"""The same application as a Ray Serve deployment: replicas, Serve's batching.

    python -m hanzi_spacy serve MODEL --ray-replicas 2
    serve run hanzi_spacy.serve.deployment:app_builder model=MODEL num_replicas=2

Each replica is the FastAPI application of app.py, wrapped by
``@serve.ingress`` and built on the replica (``__serve_build_asgi_app__``),
with its own pipeline: the routes, limits, codes and metrics are the same
code. Ray Serve's proxy takes the HTTP requests and hands each to a replica
(Serve's router, not ours); a replica that dies is replaced by Serve's
controller. Inside a replica, the texts of concurrent requests meet in a
``@serve.batch`` method instead of batcher.py's collector: it gathers up to
``max_batch`` texts for at most ``max_wait_ms`` and hands them to the one
thread that owns the pipeline, one ``analyse_batch`` call (``nlp.pipe`` in a
memory zone). The pipeline loads in the replica's ASGI startup, so Serve
routes to a replica only once it has answered its first text; a pipeline that
cannot load fails the deployment with E594.

A replica takes up to ``max_queue`` requests at once (Serve's
``max_ongoing_requests``), so that its own queue bound answers 503 E585 as
the single server does, rather than Serve's router holding requests without
end.
"""

import asyncio
import os
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from pydantic import TypeAdapter
from ray import serve
from ray.serve import Application

from .analysis import Result, analyse_batch
from .app import create_app
from .batcher import Batcher, QueueFull, ShuttingDown
from .metrics import MULTIPROC_ENV, ServeMetrics
from .settings import ServeSettings

APP_NAME = "hanzi-spacy"
Item = Tuple[str, Tuple[str, ...]]


class ServeBatcher(Batcher):
    """Batches through Ray Serve's ``@serve.batch`` on one replica.

    settings (ServeSettings): ``max_queue``; ``max_batch`` and ``max_wait_ms``
        are set on the ``@serve.batch`` method by the deployment.
    metrics (ServeMetrics): Where batch sizes and the waiting texts go.
    batched (Callable): The deployment's ``@serve.batch`` method: one
        ``(text, fields)`` in, its result out, batched by Serve.
    """

    def __init__(self, settings: ServeSettings, metrics: ServeMetrics, batched) -> None:
        super().__init__(settings, metrics)
        self._batched = batched
        self._pending: Set[asyncio.Future] = set()
        self._tasks: Set[asyncio.Task] = set()

    @property
    def waiting(self) -> int:
        """Texts submitted and not yet answered (in a batch or waiting for one)."""
        return len(self._pending)

    def start(self, nlp) -> None:
        self.nlp = nlp

    def submit(self, texts: Sequence[str], fields: Sequence[str]) -> List[Any]:
        """Hand the texts of one request to ``@serve.batch``, all or none."""
        if self.waiting + len(texts) > self.settings.max_queue:
            raise QueueFull(self.waiting)
        loop = asyncio.get_running_loop()
        futures = []
        for text in texts:
            future = loop.create_future()
            self._pending.add(future)
            future.add_done_callback(self._answered)
            task = loop.create_task(self._one(future, (text, tuple(fields))))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            futures.append(future)
        self.metrics.queue.set(self.waiting)
        return futures

    async def run_batch(self, items: List[Item]) -> List[Result]:
        """Analyse a batch that ``@serve.batch`` gathered, on the owner thread."""
        self.metrics.batch_size.observe(len(items))
        texts = [text for text, _ in items]
        fields = [f for _, f in items]
        return await self.run_in_owner(analyse_batch, self.nlp, texts, fields)

    async def close(self) -> None:
        """The texts still waiting fail with ``ShuttingDown``."""
        for future in list(self._pending):
            if not future.done():
                future.set_exception(ShuttingDown())
        for task in list(self._tasks):
            task.cancel()
        await super().close()

    async def _one(self, future: asyncio.Future, item: Item) -> None:
        try:
            result = await self._batched(item)
        except Exception as e:  # not a text's fault: the request learns of it
            if not future.done():
                future.set_exception(e)
        else:
            if not future.done():
                future.set_result(result)

    def _answered(self, future: asyncio.Future) -> None:
        self._pending.discard(future)
        self.metrics.queue.set(self.waiting)


@serve.ingress()
class HanziSpacy:
    """One replica: the FastAPI application with Serve's batching.

    settings (ServeSettings): The pipeline and the limits.
    """

    def __init__(self, settings: ServeSettings) -> None:
        metrics_dir = os.environ.get(MULTIPROC_ENV)
        if metrics_dir:  # on another node than the command's, it is not there
            os.makedirs(metrics_dir, exist_ok=True)
        self.settings = settings
        self.batcher: Optional[ServeBatcher] = None
        self.analyse.set_max_batch_size(settings.max_batch)
        self.analyse.set_batch_wait_timeout_s(settings.max_wait_ms / 1e3)

    def __serve_build_asgi_app__(self):
        return create_app(self.settings, make_batcher=self._batcher, load_first=True)

    def _batcher(self, settings: ServeSettings, metrics: ServeMetrics) -> Batcher:
        self.batcher = ServeBatcher(settings, metrics, self.analyse)
        return self.batcher

    @serve.batch(max_batch_size=32, batch_wait_timeout_s=0.005)
    async def analyse(self, items: List[Item]) -> List[Result]:
        return await self.batcher.run_batch(items)


def application(
    settings: ServeSettings,
    replicas: int = 1,
    env: Optional[Dict[str, str]] = None,
) -> Application:
    """The Serve application: ``replicas`` replicas of one CPU each.

    settings (ServeSettings): The pipeline and the limits.
    replicas (int): How many replicas, each with its own pipeline.
    env (Optional[Dict[str, str]]): Environment variables of the replicas.
    RETURNS (Application): For ``serve.run``.
    """
    actor: Dict[str, Any] = {"num_cpus": 1}
    if env:
        actor["runtime_env"] = {"env_vars": dict(env)}
    deployment = serve.deployment(
        HanziSpacy,
        name="HanziSpacy",
        num_replicas=replicas,
        max_ongoing_requests=settings.max_queue,
        ray_actor_options=actor,
    )
    return deployment.bind(settings)


def app_builder(args: Dict[str, Any]) -> Application:
    """The application from a Serve config's ``args`` (or ``serve run``'s).

    args (Dict[str, Any]): See ``settings_from_args``.
    RETURNS (Application): For ``serve run`` or ``serve deploy``.
    """
    return application(*settings_from_args(args))


def settings_from_args(args: Dict[str, Any]) -> Tuple[ServeSettings, int]:
    """The settings and the number of replicas from a Serve config's ``args``.

    args (Dict[str, Any]): ``ServeSettings``' fields (``model`` at least,
        ``config`` for spaCy overrides) and ``num_replicas`` (default 1);
        ``serve run``'s ``key=value`` strings become the fields' types.
    RETURNS (Tuple[ServeSettings, int]): The settings, the replicas.
    """
    args = dict(args)
    replicas = int(args.pop("num_replicas", 1))
    return TypeAdapter(ServeSettings).validate_python(args), replicas


def deploy(
    settings: ServeSettings,
    replicas: int,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    address: Optional[str] = None,
    env: Optional[Dict[str, str]] = None,
    log_level: str = "info",
) -> str:
    """Run the application on Ray, its HTTP proxy on ``host:port``; returns once
    every replica has loaded its pipeline.

    address (Optional[str]): The Ray cluster to join ("auto", "ray://..."); None
        starts Ray on this machine unless it is already running here (or this
        process is already connected).
    env (Optional[Dict[str, str]]): Environment variables of the replicas.
    log_level (str): The replicas' and Serve's log level (uvicorn's names).
    RETURNS (str): The base URL, e.g. ``http://127.0.0.1:8000``.
    """
    import ray

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False)
    serve.start(http_options={"host": host, "port": port})
    level = {"trace": "DEBUG"}.get(log_level, log_level.upper())
    serve.run(
        application(settings, replicas, env),
        name=APP_NAME,
        route_prefix="/",
        logging_config={"log_level": level},
    )
    return f"http://{host}:{port}"
