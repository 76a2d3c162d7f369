"""``python -m hanzi_spacy serve`` as a user runs it: two uvicorn workers, one
killed under load and replaced; the settings; a missing pipeline."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import httpx
import pytest

from hanzi_spacy.cli import main
from hanzi_spacy.errors import HanziError
from hanzi_spacy.serve import ServeSettings
from hanzi_spacy.serve.settings import SETTINGS_ENV

from ..conftest import PREDICTION_DTYPE
from .conftest import free_port, metric_values, post_json, wait_for

ROOT = Path(__file__).parent.parent.parent
STARTUP = 600  # seconds for workers to load: generous, for a machine under load


def _die_with_parent() -> None:
    """In the server's process: SIGTERM it if pytest dies (Linux prctl)."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def workers_of(supervisor: int) -> List[int]:
    """The pids of uvicorn's worker processes (multiprocessing's spawned children)."""
    pids = []
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children")
    for pid in children.read_text().split():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            pids.append(int(pid))
    return sorted(pids)


@pytest.mark.skipif(sys.platform != "linux", reason="reads worker pids from /proc")
def test_two_workers_and_one_killed(trained_path, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "hanzi_spacy", "serve", str(trained_path),
        "--port", str(port), "--workers", "2", "--max-wait-ms", "20",
        "--log-level", "info", f"--{PREDICTION_DTYPE}", "float32",
    ]  # fmt: skip
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    try:
        wait_for(url, "/ready", STARTUP)
        deadline = time.monotonic() + STARTUP
        while len(workers_of(server.pid)) < 2:
            assert time.monotonic() < deadline, "uvicorn did not start 2 workers"
            time.sleep(0.2)
        # /ready came from one worker; the other may still load its pipeline (503).
        body = {"text": "江泽民在北京会见了代表团。"}
        first = post_json(url + "/v1/analyze", body)
        while first.status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
            first = post_json(url + "/v1/analyze", body)
        assert first.status_code == 200

        outcomes: List[str] = []
        stop = threading.Event()

        def client() -> None:  # keeps asking while a worker dies
            while not stop.is_set():
                try:
                    response = post_json(url + "/v1/analyze", {"text": "北京"})
                    outcomes.append(str(response.status_code))
                except httpx.TimeoutException:
                    outcomes.append("hung")
                except httpx.TransportError:  # the dead worker's connection
                    outcomes.append("reset")

        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(1)
        victim = workers_of(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + STARTUP
        while True:
            now = workers_of(server.pid)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, f"the worker was not replaced: {now}"
            time.sleep(0.2)
        wait_for(url, "/ready", STARTUP)
        time.sleep(1)
        stop.set()
        for thread in clients:
            thread.join(120)
        assert "hung" not in outcomes
        assert set(outcomes) <= {"200", "503", "reset"}, outcomes
        assert outcomes.count("200") > outcomes.count("reset")
        values = metric_values(url)  # both workers' counts, from either
        assert values['hanzi_serve_requests_total{path="/v1/analyze",status="200"}']
    except BaseException:
        print((tmp_path / "server.log").read_text(errors="replace")[-5000:])
        raise
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        log.close()
    assert code == 0, (tmp_path / "server.log").read_text(errors="replace")[-3000:]


def test_missing_pipeline_is_a_user_error(tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nothing-here")]) == 1
    assert "E590" in capsys.readouterr().err


def test_settings_checked_and_sent_to_workers(monkeypatch):
    with pytest.raises(HanziError, match="--max-batch"):
        ServeSettings("model", max_batch=0)
    settings = ServeSettings("model", config={PREDICTION_DTYPE: "float32"})
    monkeypatch.setenv(SETTINGS_ENV, settings.to_env())
    assert ServeSettings.from_env() == settings
    monkeypatch.setenv(SETTINGS_ENV, "{")
    with pytest.raises(HanziError, match="E592"):
        ServeSettings.from_env()


def test_nothing_of_serve_loads_with_spacy():
    """The factories are imported on every spacy.blank: serving stays out."""
    code = (
        "import sys, spacy; spacy.blank('zh'); import hanzi_spacy.cli; "
        "loaded = [m for m in ('hanzi_spacy.serve', 'fastapi', 'uvicorn') "
        "if m in sys.modules]; assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_without_the_extra_the_command_says_what_to_install(trained_path):
    code = (
        "import sys; sys.modules['fastapi'] = None; "
        "from hanzi_spacy.cli import main; "
        f"sys.exit(main(['serve', {str(trained_path)!r}]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "E580" in done.stderr and "hanzi-spacy[serve]" in done.stderr
