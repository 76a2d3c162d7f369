"""The serve command as a subprocess on a free loopback port, and its memory.

``ServerProcess`` starts ``python -m hanzi_spacy serve`` as a user runs it, in
its own session (so that it and its workers are stopped together) and with
Linux's parent-death signal (so that a benchmark that dies leaves no server
behind); it waits for ``/ready``. ``tree_rss`` reads the resident memory of a
process and all its descendants (uvicorn's workers, or Ray's processes),
through psutil when it is installed, else from /proc.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import httpx

LOADED = "ready: "  # app.py's log line once a worker's pipeline is loaded


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ServerProcess:
    """``python -m hanzi_spacy serve MODEL`` on 127.0.0.1 and a free port.

    model (str): The pipeline.
    options (Sequence[str]): More options of the serve command.
    log (Path): Where its stdout and stderr go.
    """

    def __init__(self, model: str, options: Sequence[str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable, "-m", "hanzi_spacy", "serve", model,
            "--port", str(self.port), "--log-level", "warning", *options,
        ]  # fmt: skip
        self.log_path = log
        self.process: Optional[subprocess.Popen] = None

    def __enter__(self) -> "ServerProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float, workers: int = 0) -> float:
        """Wait for ``/ready``, and for ``workers`` uvicorn workers to have
        loaded their pipelines (``/ready`` answers for one of them).

        RETURNS (float): The seconds it took.
        """
        start = time.monotonic()
        while True:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the server exited ({self.command}):\n{tail}")
            started = len(self.workers()) >= workers
            if started and self.loaded_count() >= workers and ready(self.url):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"{self.url}/ready not 200 after {timeout} s")
            time.sleep(0.2)

    def workers(self) -> List[int]:
        """The pids of uvicorn's worker processes (multiprocessing's spawned)."""
        pids = []
        for pid in children(self.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                pids.append(pid)
        return sorted(pids)

    def loaded_count(self) -> int:
        """How many times a worker said in the log that its pipeline is loaded
        (app.py's "ready: MODEL", logged whatever ``--log-level``)."""
        try:
            log = self.log_path.read_text(encoding="utf8", errors="replace")
        except OSError:
            return 0
        return sum(1 for line in log.splitlines() if LOADED in line)

    def stop(self, timeout: float = 120) -> Optional[int]:
        """SIGINT, as Ctrl-C; SIGKILL to its session if it does not end."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            return self.process.wait()


def ready(url: str) -> bool:
    """Whether ``url/ready`` answers 200 now."""
    try:
        return httpx.get(url + "/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def children(pid: int) -> List[int]:
    """The direct children of a process (Linux)."""
    found: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used, user and system (Linux; 0 if gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command's name
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_rss(pid: int) -> Dict[int, int]:
    """Resident bytes of ``pid`` and each of its descendants, by pid."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        root = psutil.Process(pid)
        processes = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return {}
    rss = {}
    for process in processes:
        try:
            rss[process.pid] = process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return rss


def _proc_tree_rss(pid: int) -> Dict[int, int]:
    rss, todo = {}, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[current] = int(line.split()[1]) * 1024
        todo += children(current)
    return rss
