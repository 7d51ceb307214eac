"""Memory of one worker under a flood of wrong passwords (issue #11.3): peak RSS, before and after.

What it does:

1. starts ``educloud demo`` (uvicorn, one worker, in-process) in a fresh ``EDUCLOUD_HOME`` on a
   free loopback port, and creates LRS credentials with ``educloud lrs client-create``;
2. samples the server process's resident memory (``VmRSS``) every 5 ms, after resetting its
   high-water mark (``/proc/PID/clear_refs``), and reports the baseline and the peak of each flood;
3. **login flood**: N concurrent ``POST /login/`` with wrong passwords (the demo accounts in turn,
   at most 2 tries each, so no lockout stops them before hashing);
4. **xAPI flood**: N concurrent ``GET /xapi/statements`` with the right key and a wrong secret.

Each Argon2 check of Django's parameters takes ~100 MB. ``--hash-concurrency`` sets
``EDUCLOUD_HASH_CONCURRENCY`` for the server (default: the application's default, 2); a large value
(e.g. 1000) shows the unbounded behaviour. ``--educloud PATH`` runs another checkout's command (e.g.
``/work/main/.venv/bin/educloud`` for the code before the fix).

Usage: ``python bench/auth_flood.py [--n 20] [--hash-concurrency K] [--educloud PATH]``. Linux only
(reads ``/proc``).
"""

from __future__ import annotations

import argparse
import base64
import collections
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from _serving import educloud_command, free_port, wait_until_serving

Prepared = list[tuple[urllib.request.OpenerDirector, urllib.request.Request]]

DEMO_USERS = [
    "joint_office", "cq_bureau", "sc_bureau", "chengdu_bureau", "yongchuan_bureau",
    "jintang_bureau", "school_admin", "teacher", "student", "enterprise", "expert",
]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


class Sampler:
    """Peak VmRSS of a process while running (every 5 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # reset VmHWM
        except OSError:
            pass
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _status(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> int:
    try:
        return int(opener.open(request, timeout=120).status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def flood(n: int, make_request: Prepared) -> list[int]:
    start = threading.Barrier(n)
    statuses = [0] * n

    def run(i: int) -> None:
        opener, request = make_request[i]
        start.wait()
        statuses[i] = _status(opener, request)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def login_requests(base: str, n: int) -> Prepared:
    prepared = []
    for i in range(n):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        page = opener.open(base + "/login/", timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        data = urllib.parse.urlencode(
            {"username": DEMO_USERS[i % len(DEMO_USERS)], "password": f"wrong-{i}",
             "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        prepared.append((opener, urllib.request.Request(base + "/login/", data=data)))  # noqa: S310
    return prepared


def xapi_requests(base: str, key: str, n: int) -> Prepared:
    auth = "Basic " + base64.b64encode(f"{key}:wrong-secret".encode()).decode()
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
    return [
        (
            urllib.request.build_opener(),
            urllib.request.Request(base + "/xapi/statements?limit=1", headers=headers),  # noqa: S310
        )
        for _ in range(n)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--hash-concurrency", type=int, default=None)
    parser.add_argument("--educloud", default=None)
    args = parser.parse_args()

    educloud = args.educloud or educloud_command()
    home = Path(tempfile.mkdtemp(prefix="educloud-flood-"))
    port = free_port()
    env = {**os.environ, "EDUCLOUD_HOME": str(home), "PORT": str(port), "WEB_CONCURRENCY": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if args.hash_concurrency is not None:
        env["EDUCLOUD_HASH_CONCURRENCY"] = str(args.hash_concurrency)
    base = f"http://127.0.0.1:{port}"
    log = (home / "server.log").open("w")
    server = subprocess.Popen([educloud, "demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_until_serving(server, port, timeout=300, path="/api/v1/regions/counties/500118"):
            print((home / "server.log").read_text())
            return 1
        created = subprocess.run(
            [educloud, "lrs", "client-create", "--name", "flood", "--county", "500118", "--json"],
            env=env, capture_output=True, text=True, check=True,
        )
        key = json.loads(created.stdout)["key"]
        time.sleep(1)
        baseline = rss_mb(server.pid)
        print(f"educloud: {educloud}")
        print(f"EDUCLOUD_HASH_CONCURRENCY: {env.get('EDUCLOUD_HASH_CONCURRENCY', 'unset')}")
        print(f"server RSS before the floods: {baseline:.0f} MB")
        for name, prepared in (
            ("login", login_requests(base, args.n)),
            ("xAPI", xapi_requests(base, key, args.n)),
        ):
            started = time.monotonic()
            with Sampler(server.pid) as sampler:
                statuses = flood(args.n, prepared)
            took = time.monotonic() - started
            counts = dict(sorted(collections.Counter(statuses).items()))
            print(
                f"{args.n} concurrent wrong {name} attempts: peak RSS {sampler.peak:.0f} MB "
                f"(+{sampler.peak - baseline:.0f} MB), {took:.1f} s, statuses {counts}"
            )
            time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
