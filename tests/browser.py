"""Shared pieces of the browser tests: the real server and Debian's Chromium.

``server`` starts ``educloud demo`` exactly as ``make demo`` does, in a fresh ``EDUCLOUD_HOME`` (its
own embedded SQLite) on a free port; ``browser`` launches /usr/bin/chromium through Playwright.
A test module imports the fixtures it uses and sets ``pytestmark = BROWSER_MARKS``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("educloud-home")
    port = free_port()
    env = {**os.environ, "EDUCLOUD_HOME": str(home), "PORT": str(port)}
    env.pop("DATABASE_URL", None)  # the demo's own embedded SQLite
    educloud = shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"
    log = (home / "server.log").open("w")
    proc = subprocess.Popen([educloud, "demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(url + "/api/v1/regions/counties/500118", timeout=5)  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "educloud demo did not start:\n" + (home / "server.log").read_text()
                    ) from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()
