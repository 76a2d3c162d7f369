"""Batching across requests: one thread owns the pipeline, a queue feeds it.

Requests put their texts on a queue, each with a future, and await the
futures. A collector task on the event loop takes the first waiting text,
waits up to ``max_wait_ms`` for more (or until ``max_batch`` are there), and
hands the batch to the one worker thread, which runs ``analyse_batch``:
one ``nlp.pipe`` call in one memory zone. While a batch runs, the next one
gathers, so under load batches fill without waiting.

The options and the choice: a thread per request (the pipeline and its
string store are not safe to share between threads, and small batches waste
the backbone's matrix products), a process pool (each process holds its own
model: that is ``--workers``), or one owner thread fed by a queue, which
keeps the event loop free and makes one ``nlp.pipe`` call of many requests.
The queue is bounded (``max_queue`` texts): a request that does not fit is
refused at once (503), so a burst never turns into an unbounded wait.
"""

import asyncio
import collections
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, List, Optional, Sequence

from spacy.language import Language

from .analysis import Result, analyse_batch
from .metrics import ServeMetrics
from .settings import ServeSettings


class QueueFull(Exception):
    """The texts of a request do not fit in the queue."""

    def __init__(self, waiting: int) -> None:
        super().__init__(waiting)
        self.waiting = waiting


class ShuttingDown(Exception):
    """The server stopped before the text was analysed."""


@dataclass
class _Item:
    text: str
    fields: Sequence[str]
    future: asyncio.Future
    arrived: float = field(default=0.0)


class Batcher:
    """Collects texts from concurrent requests into batches for one pipeline.

    settings (ServeSettings): ``max_batch``, ``max_wait_ms`` and ``max_queue``.
    metrics (ServeMetrics): Where batch sizes and the queue length go.
    """

    def __init__(self, settings: ServeSettings, metrics: ServeMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.nlp: Optional[Language] = None
        self._items: Deque[_Item] = collections.deque()
        self._arrived = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="hanzi-serve-nlp")
        self._task: Optional[asyncio.Task] = None

    async def run_in_owner(self, func: Callable[..., Any], *args: Any) -> Any:
        """Call ``func(*args)`` on the thread that owns the pipeline."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    def start(self, nlp: Language) -> None:
        """Begin collecting batches for ``nlp`` (on the running event loop)."""
        self.nlp = nlp
        self._task = asyncio.get_running_loop().create_task(self._collect())

    @property
    def waiting(self) -> int:
        return len(self._items)

    def submit(self, texts: Sequence[str], fields: Sequence[str]) -> List[Any]:
        """Queue the texts of one request, all or none.

        RETURNS (List[asyncio.Future]): One future per text, resolving to its
            result dict.
        """
        if self.waiting + len(texts) > self.settings.max_queue:
            raise QueueFull(self.waiting)
        loop = asyncio.get_running_loop()
        now = loop.time()
        futures = []
        for text in texts:
            item = _Item(text, fields, loop.create_future(), now)
            self._items.append(item)
            futures.append(item.future)
        self.metrics.queue.set(self.waiting)
        self._arrived.set()
        return futures

    async def _collect(self) -> None:
        loop = asyncio.get_running_loop()
        max_batch, max_wait = self.settings.max_batch, self.settings.max_wait_ms / 1e3
        while True:
            while not self._items:
                self._arrived.clear()
                await self._arrived.wait()
            deadline = self._items[0].arrived + max_wait
            while len(self._items) < max_batch:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                self._arrived.clear()
                try:
                    await asyncio.wait_for(self._arrived.wait(), remaining)
                except asyncio.TimeoutError:
                    break
            n = min(max_batch, len(self._items))
            batch = [self._items.popleft() for _ in range(n)]
            self.metrics.queue.set(self.waiting)
            batch = [item for item in batch if not item.future.done()]  # gone
            if batch:
                await self._run(batch)

    async def _run(self, batch: List[_Item]) -> None:
        self.metrics.batch_size.observe(len(batch))
        texts = [item.text for item in batch]
        fields = [item.fields for item in batch]
        try:
            results: List[Result] = await self.run_in_owner(
                analyse_batch, self.nlp, texts, fields
            )
        except asyncio.CancelledError:  # closing: nobody waits for ever
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(ShuttingDown())
            raise
        except Exception as e:  # not a text's fault: every request learns of it
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(e)
            return
        for item, result in zip(batch, results):
            if not item.future.done():  # the client may have gone
                item.future.set_result(result)

    async def close(self) -> None:
        """Stop collecting; the texts still waiting fail with ``ShuttingDown``."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        while self._items:
            item = self._items.popleft()
            if not item.future.done():
                item.future.set_exception(ShuttingDown())
        self._executor.shutdown(wait=False, cancel_futures=True)
