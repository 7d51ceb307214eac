"""``educloud serve``: real uvicorn workers, each on its own SO_REUSEPORT socket, behind one port.

Starts the command as a process (SQLite in a temporary EDUCLOUD_HOME; ``/xapi/about`` needs no
database rows), checks that both workers take connections, that a killed worker is replaced, and that
SIGTERM stops everything.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser import free_port

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing is Linux's")


def _educloud() -> str:
    return shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(p) for p in (task / "children").read_text().split()]
    return out


def _get(port: int, path: str = "/xapi/about") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _wait(predicate, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _listening_sockets(port: int) -> int:
    """How many distinct listening TCP sockets are bound to ``port`` (from /proc/net/tcp)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:  # 0A: LISTEN
            inodes.add(fields[9])
    return len(inodes)


def test_serve_runs_one_socket_per_worker_replaces_a_dead_worker_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "EDUCLOUD_HOME": str(tmp_path), "EDUCLOUD_LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [_educloud(), "serve", "--port", str(port), "--workers", "2", "--uvicorn-arg=--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # nobody reads it: a pipe could fill up and block the workers
    )
    try:
        assert _wait(lambda: _get(port) == 200), "educloud serve did not answer"
        workers = _children(proc.pid)
        assert len(workers) == 2
        # Two listening sockets on the port, one per worker (uvicorn --workers would show one, shared).
        assert _listening_sockets(port) == 2

        time.sleep(5.5)  # past the crash window: a death now is replaced, not fatal
        os.kill(workers[0], signal.SIGKILL)
        assert _wait(lambda: len(_children(proc.pid)) == 2 and workers[0] not in _children(proc.pid))
        assert _wait(lambda: _get(port) == 200)
        assert proc.poll() is None
        current = _children(proc.pid)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in current)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_a_port_it_cannot_bind(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # no SO_REUSEPORT: nobody can join this port
        taken.listen(1)
        port = taken.getsockname()[1]
        env = {**os.environ, "EDUCLOUD_HOME": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [_educloud(), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert "无法监听" in done.stderr
