"""An asyncio HTTP client that loads a server, and what its answers add up to.

``run_load`` keeps ``concurrency`` requests in flight (one coroutine per
client, each sending its next request as soon as the last is answered) over
one ``httpx.AsyncClient`` with as many connections, until ``max_requests``
were sent, ``max_seconds`` passed or ``stop`` is set. Every request is judged
against what it expects: a good one (one text) must be answered 200 with its
result; a bad one (``BAD_KINDS``: malformed, or over a limit) must be refused
with its status and, for the server's own refusals, its code. A connection
reset or a timeout is a failure of its own, named after httpx's exception.
"""

import asyncio
import itertools
import json
import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import httpx

HEADERS = {"Content-Type": "application/json"}
# name: (status, code) of the refusal; code None: FastAPI's own 422
BAD_KINDS = {
    "json_invalid": (422, None),
    "wrong_schema": (422, None),
    "not_utf8": (422, "E588"),
    "text_too_long": (413, "E582"),
    "body_too_large": (413, "E583"),
    "too_many_texts": (413, "E584"),
}


@dataclass
class Request:
    """A request body and what it should get."""

    body: bytes
    kind: str = "good"
    chars: int = 0
    status: int = 200
    code: Optional[str] = None


@dataclass
class Outcome:
    """What one request got."""

    kind: str
    sent: float  # seconds since the load began
    latency: float
    chars: int
    ok: bool
    status: Optional[int] = None  # None: no answer
    failure: Optional[str] = None  # why it is not ok, e.g. "503 E585", "ReadError"


def good_request(text: str) -> Request:
    """One text, every field, as a client sends it."""
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf8")
    return Request(body, chars=len(text))


def bad_request(kind: str, limits: Dict[str, int]) -> Request:
    """A request of one of ``BAD_KINDS`` for a server with these ``limits``
    (``max_chars``, ``max_body``, ``max_queue``)."""
    bodies = {
        "json_invalid": lambda: b'{"text": ',
        "wrong_schema": lambda: b'{"txt": "\xe5\x8c\x97\xe4\xba\xac"}',
        "not_utf8": lambda: b'{"text": "\xff\xfe"}',
        "text_too_long": lambda: _json({"text": "京" * (limits["max_chars"] + 1)}),
        "body_too_large": lambda: _json({"text": "a" * limits["max_body"]}),
        "too_many_texts": lambda: _json({"texts": ["京"] * (limits["max_queue"] + 1)}),
    }
    status, code = BAD_KINDS[kind]
    return Request(bodies[kind](), kind=kind, status=status, code=code)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf8")


async def run_load(
    url: str,
    make: Callable[[int], Request],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    stop: Optional[asyncio.Event] = None,
    timeout: float = 120,
    origin: Optional[float] = None,
) -> Tuple[List[Outcome], float]:
    """Load ``url + "/v1/analyze"`` with the requests ``make(0)``, ``make(1)``...

    make (Callable[[int], Request]): The i-th request.
    concurrency (int): Clients, each with one request in flight.
    max_requests (int): Requests to send at most (0: no bound).
    max_seconds (float): No request is sent after this.
    stop (Optional[asyncio.Event]): No request is sent once it is set.
    timeout (float): Seconds a request may take before it fails.
    origin (Optional[float]): The ``time.perf_counter()`` that times count
        from (default: now).
    RETURNS (Tuple[List[Outcome], float]): In the order answered; the seconds
        from ``origin`` to the last answer.
    """
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency
    )
    outcomes: List[Outcome] = []
    counter = itertools.count()
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        start = time.perf_counter() if origin is None else origin
        deadline = start + max_seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline and not (stop and stop.is_set()):
                i = next(counter)
                if max_requests and i >= max_requests:
                    return
                outcome = await _send(client, url + "/v1/analyze", make(i), start)
                outcomes.append(outcome)

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return outcomes, wall


async def _send(
    client: httpx.AsyncClient, url: str, request: Request, start: float
) -> Outcome:
    sent = time.perf_counter()
    status: Optional[int] = None
    try:
        response = await client.post(url, content=request.body, headers=HEADERS)
    except httpx.HTTPError as e:
        failure: Optional[str] = type(e).__name__
    else:
        status = response.status_code
        failure = judge(request, status, response.content)
    latency = time.perf_counter() - sent
    return Outcome(
        request.kind,
        sent - start,
        latency,
        request.chars,
        failure is None,
        status,
        failure,
    )


def judge(request: Request, status: int, content: bytes) -> Optional[str]:
    """None if the answer is the one expected, else what went wrong."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    got = f"{status} {code}" if code else str(status)
    if request.kind == "good":
        if status != 200:
            return got
        results = body.get("results") if isinstance(body, dict) else None
        if not results or len(results) != 1 or "error" in results[0]:
            return "200 without its result"
        return None
    if status != request.status or (request.code and code != request.code):
        return f"{request.kind}: {got}"
    return None


def summarise(outcomes: Sequence[Outcome], wall: float) -> Dict[str, Any]:
    """Throughput and latency of the good requests answered, and the failures."""
    good = [o for o in outcomes if o.kind == "good"]
    answered = [o for o in good if o.ok]
    latencies = sorted(o.latency for o in answered)
    wall = max(wall, 1e-9)
    return {
        "requests": len(outcomes),
        "good_requests": len(good),
        "answered": len(answered),
        "seconds": round(wall, 3),
        "docs_per_s": round(len(answered) / wall, 2),
        "chars_per_s": round(sum(o.chars for o in answered) / wall, 1),
        "latency_ms": {
            name: round(percentile(latencies, q) * 1e3, 1)
            for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
        }
        if latencies
        else None,
        "failures": dict(Counter(o.failure for o in outcomes if not o.ok)),
        "server_errors": sum(1 for o in outcomes if (o.status or 0) >= 500),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of sorted ``values`` (nearest rank)."""
    if not values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(values)))
    return values[min(rank, len(values)) - 1]
