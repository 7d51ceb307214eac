"""What the benchmarks that start a server share: the educloud command, a free port, waiting until it answers.

Imported by the scripts in ``bench/`` (run as ``python bench/NAME.py``, so this folder is on the path).
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def educloud_command() -> str:
    """The ``educloud`` script of the Python running the benchmark (its venv), else the one on PATH."""
    return shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(
    proc: subprocess.Popen[bytes], port: int, *, timeout: float, path: str = "/xapi/about"
) -> bool:
    """Poll ``GET path`` on 127.0.0.1:port until it answers 200 (True), or the process exits or
    ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.3)
