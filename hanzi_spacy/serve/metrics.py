"""The server's Prometheus metrics (``GET /metrics``), through prometheus-client.

Each application has its own ``CollectorRegistry``, so several servers in one
process (tests) do not share counters. With ``--workers`` > 1 every worker
process counts for itself, and the serve command points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before the workers start:
prometheus-client then keeps the values in files there, and ``/metrics``
answers for all workers together, whichever answers the scrape.

    hanzi_serve_requests_total{path,status}   HTTP requests by path and status
    hanzi_serve_errors_total{code}            refusals and failures by error code
                                              (E582...; "validation" for 422)
    hanzi_serve_request_seconds{path}         latency histogram
    hanzi_serve_batch_size                    texts per nlp.pipe call
    hanzi_serve_documents_total               texts analysed
    hanzi_serve_characters_total              characters analysed
    hanzi_serve_queue_texts                   texts waiting for the pipeline

Rates (documents and characters per second) are Prometheus' ``rate()`` of the
counters.
"""

import os
from typing import Tuple

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class ServeMetrics:
    """The metrics of one application, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "hanzi_serve_requests",
            "HTTP requests by path and status code",
            ["path", "status"],
            registry=r,
        )
        self.errors = Counter(
            "hanzi_serve_errors",
            "Refused or failed requests and texts by error code",
            ["code"],
            registry=r,
        )
        self.latency = Histogram(
            "hanzi_serve_request_seconds",
            "Time from request to response",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "hanzi_serve_batch_size",
            "Texts per nlp.pipe call",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.documents = Counter("hanzi_serve_documents", "Texts analysed", registry=r)
        self.characters = Counter(
            "hanzi_serve_characters", "Characters analysed", registry=r
        )
        self.queue = Gauge(
            "hanzi_serve_queue_texts",
            "Texts waiting for the pipeline",
            registry=r,
            multiprocess_mode="livesum",
        )

    def exposition(self) -> Tuple[bytes, str]:
        """The Prometheus text of every metric, and its content type."""
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
