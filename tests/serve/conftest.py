"""Real servers on loopback: uvicorn in a thread, serving the tiny trained pipeline.

Each server listens on a socket bound to 127.0.0.1 and a free port, loads its
own copy of the pipeline from ``trained_path`` (in float32, so a text gets the
same answer in any batch) and is stopped at the end of the module.
"""

import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
from spacy.language import Language

from hanzi_spacy.serve import ServeSettings, create_app, doc_result
from hanzi_spacy.serve.schema import FIELDS

from ..conftest import PREDICTION_DTYPE, all_texts

FLOAT32 = {PREDICTION_DTYPE: "float32"}
BOMB = "💥"  # the text the failing component of ``bomb_path`` refuses


@Language.component("hanzi_test_fails_on_bomb")
def fails_on_bomb(doc):
    """A component that fails on one kind of text (the last of a test pipeline)."""
    if BOMB in doc.text:
        raise ValueError(f"{BOMB} in the text")
    return doc


def texts() -> List[str]:
    """The samples, a text with spaces and Latin letters, and an empty one."""
    return all_texts() + ["ABC 123 北京 上海\n第二行。", ""]


@contextmanager
def running_server(settings: ServeSettings, ready: bool = True) -> Iterator[str]:
    """A uvicorn server with ``create_app(settings)`` in a thread.

    ready (bool): Wait for ``/ready`` (else only for ``/health`` to answer).
    YIELDS (str): Its base URL, e.g. ``http://127.0.0.1:40123``.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(create_app(settings), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        wait_for(url, "/ready" if ready else "/health", 120, any_status=not ready)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def wait_for(url: str, path: str, timeout: float, any_status: bool = False) -> None:
    """Poll ``url + path`` until it answers 200 (or anything, ``any_status``)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + path, timeout=5).status_code == 200 or any_status:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url}{path} did not answer 200 in {timeout} s")
        time.sleep(0.1)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server started elsewhere)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reference(nlp: Language, batch: List[str]) -> List[Dict[str, Any]]:
    """What the server should answer: ``nlp.pipe``'s docs as results."""
    return [doc_result(doc, FIELDS) for doc in nlp.pipe(batch)]


def assert_same(got: List[Dict[str, Any]], expected: List[Dict[str, Any]]) -> None:
    """Equal but for the category scores, within float32 rounding (the batches
    differ)."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert {k: v for k, v in g.items() if k != "cats"} == {
            k: v for k, v in e.items() if k != "cats"
        }
        assert g["cats"] == pytest.approx(e["cats"], abs=1e-5)


def post_json(url: str, body: Any, **kwargs) -> httpx.Response:
    """POST ``body`` as JSON with \\u escapes, so lone surrogates travel too."""
    content = json.dumps(body, ensure_ascii=True).encode("ascii")
    headers = {"Content-Type": "application/json"}
    return httpx.post(url, content=content, headers=headers, timeout=60, **kwargs)


def post_at_once(url: str, texts: List[str]) -> List[httpx.Response]:
    """One request a text, all sent at the same moment from their own threads."""
    answers: List[Any] = [None] * len(texts)
    start = threading.Barrier(len(texts))

    def client(i: int) -> None:
        start.wait()
        answers[i] = post_json(url, {"text": texts[i]})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def metric_values(url: str) -> Dict[str, float]:
    """The samples of ``/metrics`` by their full name with labels."""
    values = {}
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


@pytest.fixture(scope="module")
def server(trained_path: Path) -> Iterator[str]:
    """The tiny pipeline, batches gathered for up to 100 ms."""
    settings = ServeSettings(str(trained_path), config=FLOAT32, max_wait_ms=100)
    with running_server(settings) as url:
        yield url


@pytest.fixture(scope="session")
def bomb_path(trained_path: Path, tmp_path_factory) -> Path:
    """The tiny pipeline with a last component that fails on texts with BOMB."""
    import spacy

    nlp = spacy.load(trained_path)
    nlp.add_pipe("hanzi_test_fails_on_bomb", last=True)
    path = tmp_path_factory.mktemp("bomb") / "model"
    nlp.to_disk(path)
    return path
