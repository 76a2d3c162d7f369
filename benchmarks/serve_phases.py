"""The phases of the serving benchmark, each on a server already running.

- ``levels``: throughput and latency at each number of clients;
- ``soak``: load for a while, the server's resident memory sampled;
- ``mixed``: one request in ten malformed or over a limit;
- ``kill_worker``: one uvicorn worker killed under load.

Each is bounded in requests and in time; serve_load.py says what they measure.
"""

import asyncio
import os
import signal
import time
from collections import Counter
from typing import Any, Callable, Dict, List, Optional

import httpx

from .load_client import (
    BAD_KINDS,
    Outcome,
    Request,
    bad_request,
    good_request,
    run_load,
    summarise,
)
from .serve_process import ServerProcess, cpu_seconds, tree_rss

Found = Dict[str, Any]


def levels(
    url: str,
    texts: List[str],
    clients: List[int],
    requests: int,
    seconds: float,
    log: Callable[[str], None] = print,
) -> Dict[str, Found]:
    """For each number of clients: a warm-up (two requests a client), then
    ``requests`` requests in at most ``seconds``; the server's mean batch."""
    found = {}
    for n in clients:
        warm = [good_request(t) for t in texts[: 2 * n]]
        asyncio.run(run_load(url, warm.__getitem__, n, len(warm), seconds))
        before = metric_values(url)
        outcomes, wall = asyncio.run(run_load(url, goods(texts), n, requests, seconds))
        found[str(n)] = summarise(outcomes, wall)
        found[str(n)]["mean_batch"] = mean_batch(before, metric_values(url))
        log(describe(f"levels: {n} clients", found[str(n)]))
    return found


def soak(
    server: ServerProcess,
    texts: List[str],
    clients: int,
    seconds: float,
    sample_s: float,
    warmup_s: float,
) -> Found:
    """``clients`` clients for ``seconds``; the resident memory of the server's
    processes every ``sample_s`` s, and its ``drift`` after ``warmup_s``."""
    samples: List[Dict[str, float]] = []

    async def sample(stop: asyncio.Event) -> None:
        start = time.perf_counter()
        while not stop.is_set():
            rss = tree_rss(server.pid)
            samples.append(
                {
                    "s": round(time.perf_counter() - start, 1),
                    "rss_mb": round(sum(rss.values()) / 2**20, 1),
                    "processes": len(rss),
                }
            )
            try:
                await asyncio.wait_for(stop.wait(), sample_s)
            except asyncio.TimeoutError:
                pass

    async def run():
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample(stop))
        try:
            return await run_load(server.url, goods(texts), clients, 0, seconds)
        finally:
            stop.set()
            await sampler

    outcomes, wall = asyncio.run(run())
    found = summarise(outcomes, wall)
    found.update(clients=clients, memory=drift(samples, warmup_s), samples=samples)
    return found


def drift(samples: List[Dict[str, float]], warmup_s: float) -> Optional[Found]:
    """The resident memory after the warm-up: the first and last samples, the
    largest, and the least-squares slope."""
    after = [s for s in samples if s["s"] >= warmup_s]
    if len(after) < 2:
        return None
    xs, ys = [s["s"] for s in after], [s["rss_mb"] for s in after]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0
    return {
        "warmup_s": warmup_s,
        "first_mb": ys[0],
        "last_mb": ys[-1],
        "max_mb": max(ys),
        "drift_mb": round(ys[-1] - ys[0], 1),
        "drift_pct": round(100 * (ys[-1] - ys[0]) / ys[0], 2) if ys[0] else None,
        "slope_mb_per_min": round(slope * 60, 3),
    }


def mixed(
    url: str,
    texts: List[str],
    limits: Dict[str, int],
    clients: int,
    requests: int,
    seconds: float,
) -> Found:
    """Every tenth request bad (``BAD_KINDS`` in turn), for a server with these
    ``limits``: is every good one answered, every bad one refused as expected?"""
    kinds = list(BAD_KINDS)
    bad = {kind: bad_request(kind, limits) for kind in kinds}

    def make(i: int) -> Request:
        if i % 10 == 9:
            return bad[kinds[(i // 10) % len(kinds)]]
        return good_request(texts[i % len(texts)])

    outcomes, wall = asyncio.run(run_load(url, make, clients, requests, seconds))
    found = summarise(outcomes, wall)
    found["by_kind"] = by_kind = {}
    for kind in ["good"] + kinds:
        mine = [o for o in outcomes if o.kind == kind]
        status, code = BAD_KINDS.get(kind, (200, None))
        by_kind[kind] = {
            "sent": len(mine),
            "as_expected": sum(o.ok for o in mine),
            "expected": f"{status} {code}" if code else str(status),
            "got_instead": dict(Counter(o.failure for o in mine if not o.ok)),
        }
    found["every_good_answered"] = found["answered"] == found["good_requests"]
    found["every_bad_refused_as_expected"] = all(
        k["as_expected"] == k["sent"] for name, k in by_kind.items() if name != "good"
    )
    return found


def kill_worker(
    server: ServerProcess,
    texts: List[str],
    clients: int,
    warm_s: float,
    after_s: float,
    timeout_s: float,
) -> Found:
    """After ``warm_s`` s of load, SIGKILL the server's uvicorn worker that used
    the most CPU meanwhile.

    ``replaced_s``: until uvicorn started another (the process list);
    ``whole_s``: until that one has loaded its pipeline. ``/ready`` cannot say
    so (whichever worker accepts the connection answers it), so this waits for
    its line "ready: ..." in the server's log. The load goes on ``after_s`` s
    more. Failed requests are counted by when they were answered, before or
    after the kill.
    """
    workers = len(server.workers())
    events: Found = {"workers": workers, "clients": clients}

    async def run():
        stop = asyncio.Event()
        origin = time.perf_counter()

        async def killer() -> None:
            try:
                await _kill_and_wait(server, workers, origin, events, timeout_s, warm_s)
                await asyncio.sleep(after_s)
            finally:
                stop.set()

        load = run_load(
            server.url,
            goods(texts),
            clients,
            0,
            warm_s + timeout_s + after_s,
            stop=stop,
            origin=origin,
        )
        return (await asyncio.gather(load, killer()))[0]

    outcomes, wall = asyncio.run(run())
    found = summarise(outcomes, wall)
    found.update(events)
    killed = events.get("killed_at", float("inf"))
    failed = [o for o in outcomes if not o.ok]
    found["failed_before_kill"] = sum(1 for o in failed if _answered(o) < killed)
    found["failed_after_kill"] = sum(1 for o in failed if _answered(o) >= killed)
    return found


async def _kill_and_wait(
    server: ServerProcess,
    workers: int,
    origin: float,
    events: Found,
    timeout_s: float,
    warm_s: float,
) -> None:
    before = {pid: cpu_seconds(pid) for pid in server.workers()}
    await asyncio.sleep(warm_s)
    loaded = server.loaded_count()
    # the worker that worked most under the load: a client's connection stays
    # with the worker that accepted it, and one may have held them all
    victim = max(before, key=lambda pid: cpu_seconds(pid) - before[pid])
    os.kill(victim, signal.SIGKILL)
    killed = time.perf_counter()
    events.update(killed_at=round(killed - origin, 3), victim=victim)
    deadline = killed + timeout_s
    while "replaced_s" not in events or "whole_s" not in events:
        now = server.workers()
        if "replaced_s" not in events and len(now) == workers and victim not in now:
            events["replaced_s"] = round(time.perf_counter() - killed, 2)
        if "replaced_s" in events and server.loaded_count() > loaded:
            events["whole_s"] = round(time.perf_counter() - killed, 2)
        if time.perf_counter() > deadline:
            events["timed_out"] = True
            return
        await asyncio.sleep(0.05)


def _answered(outcome: Outcome) -> float:
    return outcome.sent + outcome.latency


def goods(texts: List[str]) -> Callable[[int], Request]:
    """The i-th request: the i-th text (cycling), alone."""
    return lambda i: good_request(texts[i % len(texts)])


def metric_values(url: str) -> Dict[str, float]:
    """The samples of the server's ``/metrics`` by name with labels."""
    values = {}
    for line in httpx.get(url + "/metrics", timeout=30).text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def mean_batch(before: Dict[str, float], after: Dict[str, float]) -> Optional[float]:
    """Texts per ``nlp.pipe`` call between two scrapes of ``/metrics``."""
    names = ("hanzi_serve_batch_size_sum", "hanzi_serve_batch_size_count")
    texts, batches = (after.get(n, 0) - before.get(n, 0) for n in names)
    return round(texts / batches, 2) if batches else None


def describe(what: str, found: Found) -> str:
    """One progress line."""
    latency = found.get("latency_ms") or {}
    return (
        f"{what}: {found['answered']}/{found['requests']} answered in "
        f"{found['seconds']} s, {found['docs_per_s']} docs/s, "
        f"{found['chars_per_s']} chars/s, p50 {latency.get('p50')} ms, "
        f"p99 {latency.get('p99')} ms, failures {found['failures']}"
    )
