"""Load benchmark: 50 concurrent users on the platform's common reads, on the PostgreSQL production
setup next to the same run on ``make demo`` (SQLite), p50/p95/p99, requests/second and errors per
endpoint, side by side.

The mix (equal weights; each virtual user picks one at random per request, no think time):

| name | request |
|---|---|
| ``home`` | ``GET /`` (the circle dashboard) |
| ``search`` | ``GET /api/v1/search/?q=...`` (Chinese words, pinyin initials, blank = browse) |
| ``resource`` | ``GET /library/r/<id>/`` (a resource the user may see; records a page view) |
| ``counties`` | ``GET /api/v1/regions/counties`` (the 142 counties) |
| ``xapi`` | ``GET /xapi/statements?limit=10``, HTTP Basic of an LRS client scoped to 永川区 (500118), |
| | ``X-Experience-API-Version: 1.0.3``; the client stores 200 Statements once, so the page is full |

``--logged-in`` of the users (default 40%) carry the session cookie of a demo account (teacher,
student, school admin, county/city/province bureau, joint office), obtained once per account
before the timed phase by posting the login form with its CSRF token; the others are anonymous.

Servers, started and stopped by this script, only on 127.0.0.1, one side after the other:

- ``pg``: the README's production recipe: database ``educloud_bench_load`` (created, migrated, regions
  loaded and ``seed --scale demo`` on first use; kept for later runs, ``--fresh`` recreates it),
  ``REDIS_URL`` (``BENCH_REDIS_URL``, default Redis db 13 on 127.0.0.1:6379), ``EDUCLOUD_MANIFEST_STATIC``
  with ``collectstatic``, then ``educloud serve --workers W`` (uvicorn workers, each on its own
  ``SO_REUSEPORT`` socket; default 2: this machine has 2 cores);
- ``demo``: ``educloud demo`` (what ``make demo`` runs: SQLite, one uvicorn process) in its own
  ``EDUCLOUD_HOME``.

Both keep their state under ``var/bench-load/``. Each side: a 3 s warm-up (not counted), then
``--duration`` seconds of load; requests still in flight at the end are awaited (30 s timeout each),
so a run is bounded. An error is a transport failure, a timeout or any status other than 200.
The load generator (aiohttp on uvloop) shares the machine's cores with the server: figures are
pessimistic on a small machine. Each side also prints the load generator's CPU and the server's CPU
per request (its processes' user + system time over the timed phase, from /proc; the database's own
CPU not included): unlike latencies, that figure holds when other work shares the machine.
A first run also seeds both databases (~1 min more); later runs take ~75 s with the defaults.

Usage: ``python bench/load.py [--duration 20] [--users 50] [--workers 2] [--sides pg,demo]
[--logged-in 0.4] [--json FILE] [--fresh]``. Without PostgreSQL at ``BENCH_PG_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``) the ``pg`` side is skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from _serving import educloud_command, free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "var" / "bench-load"
DB_NAME = "educloud_bench_load"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSWORD = "educloud-demo-2026"  # noqa: S105 - the demo accounts' published password (README)
ACCOUNTS = [
    "teacher",
    "student",
    "school_admin",
    "yongchuan_bureau",
    "chengdu_bureau",
    "sc_bureau",
    "joint_office",
]
ENDPOINTS = ["home", "search", "resource", "counties", "xapi"]
QUERIES = [
    "数学",
    "勾股定理",
    "二次函数",
    "语文 教学设计",
    "英语",
    "光合作用",
    "化学",
    "蜀绣",
    "ggdl",
    "ecs",
    "",
]
WARMUP_SECONDS = 3.0
REQUEST_TIMEOUT = 30.0
TARGET_P99_MS = 300.0
T = TypeVar("T")


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([educloud_command(), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"educloud {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --------------------------------------------------------------------------- the two setups


@dataclass
class Side:
    name: str
    label: str
    env: dict[str, str]
    command: list[str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    def start(self) -> None:
        assert self.log_path is not None
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if not wait_until_serving(self.proc, self.port, timeout=120):
            self.stop()
            raise RuntimeError(f"{self.label} did not start; see {self.log_path}")

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the server process and its workers (Linux /proc)."""
        if self.proc is None:
            return None
        try:
            pids = [self.proc.pid]
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                pids += [int(p) for p in (task / "children").read_text().split()]
            ticks = 0
            for pid in pids:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            return None
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def _base_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "EDUCLOUD_HOME": str(home),
        "EDUCLOUD_ALLOWED_HOSTS": "127.0.0.1",
        "EDUCLOUD_LOG_LEVEL": "ERROR",
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "EDUCLOUD_MANIFEST_STATIC",
        "EDUCLOUD_SECURE",
        "EDUCLOUD_DEBUG",
    ):
        env.pop(name, None)
    return env


def _pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def _redis_usable() -> str | None:
    """None if the cache the README's recipe names can be used here, else why not."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} does not answer ({exc.__class__.__name__})"
    return None


def pg_side(*, workers: int, fresh: bool) -> Side:
    import psycopg

    home = STATE / "pg"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    env = _base_env(home)
    env.update({"DATABASE_URL": DB_URL, "EDUCLOUD_MANIFEST_STATIC": "true"})
    notes = []
    why_not = _redis_usable()
    if why_not is None:
        env["REDIS_URL"] = REDIS_URL
        notes.append(f"cache: Redis {REDIS_URL}")
    else:
        notes.append(f"cache: per-process memory — NOT the README's Redis: {why_not}")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        if fresh:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    _run(["migrate", "-v0"], env)
    _run(["loadregions"], env)
    with psycopg.connect(DB_URL) as conn:
        row = conn.execute("SELECT count(*) FROM schools_school").fetchone()
        seeded = bool(row and row[0])
    if not seeded:
        print(f"  seeding {DB_NAME} (seed --scale demo, once) ...", flush=True)
        _run(["seed", "--scale", "demo", "--seed", "2026"], env)
    _run(["collectstatic", "--noinput", "-v0"], env)
    port = free_port()
    command = [
        educloud_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--uvicorn-arg=--no-access-log",
    ]  # fmt: skip
    return Side(
        name="pg",
        label=f"PostgreSQL, educloud serve --workers {workers}",
        env=env,
        command=command,
        port=port,
        log_path=home / "server.log",
        notes=notes,
    )


def demo_side(*, fresh: bool) -> Side:
    home = STATE / "demo"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    env = _base_env(home)
    _run(["demo", "--no-serve"], env)  # migrate, regions, seed once: not timed
    port = free_port()
    env.update({"PORT": str(port), "HOST": "127.0.0.1"})
    env.pop("WEB_CONCURRENCY", None)
    return Side(
        name="demo",
        label="make demo (educloud demo, SQLite)",
        env=env,
        command=[educloud_command(), "demo"],
        port=port,
        log_path=home / "server.log",
    )


def lrs_client(side: Side) -> str:
    """An ``Authorization`` header for the bench's LRS client scoped to 永川区 (500118), created with
    ``educloud lrs client-create`` on first use and kept (credentials in the side's state folder)."""
    saved = Path(side.env["EDUCLOUD_HOME"]) / "lrs-client.json"
    if not saved.exists():
        out = _run(["lrs", "client-create", "--name", "bench", "--county", "500118", "--json"], side.env)
        creds = json.loads(out.strip().splitlines()[-1])
        saved.write_text(json.dumps(creds))
        saved.chmod(0o600)
    creds = json.loads(saved.read_text())
    return "Basic " + base64.b64encode(f"{creds['key']}:{creds['secret']}".encode()).decode()


XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}
STORED_STATEMENTS = 200


def _statement(i: int) -> dict[str, object]:
    return {
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://bench.example", "name": f"u{i % 20}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"zh-CN": "作答"}},
        "object": {
            "id": f"https://bench.example/items/{i % 50}",
            "definition": {"name": {"zh-CN": f"练习题 {i % 50}"}, "interactionType": "choice"},
        },
        "result": {"success": i % 3 != 0, "response": "b", "duration": "PT30S"},
    }


async def lrs_statements(session: aiohttp.ClientSession, base: str, auth: str) -> str:
    """Make sure the client's GET has something to read: it stores ``STORED_STATEMENTS`` Statements
    (about learners of another system, by account) once; returns a note for the report."""
    headers = {"Authorization": auth, **XAPI_HEADERS}
    async with session.get(f"{base}/xapi/statements?limit=1", headers=headers) as resp:
        if resp.status != 200:
            raise RuntimeError(f"xAPI GET with the bench client: HTTP {resp.status}")
        if (await resp.json())["statements"]:
            return "xAPI: the bench client's stored Statements"
    body = [_statement(i) for i in range(STORED_STATEMENTS)]
    async with session.post(f"{base}/xapi/statements", json=body, headers=headers) as resp:
        if resp.status != 200:
            return f"xAPI: storing Statements failed (HTTP {resp.status}): the GET reads an empty page"
    return f"xAPI: {STORED_STATEMENTS} Statements stored for the GET to read"


# --------------------------------------------------------------------------- the users


@dataclass
class Identity:
    """What a virtual user sends: its cookie (None: anonymous) and the resources it may open."""

    cookie: str | None
    resources: list[str]


async def login(session: aiohttp.ClientSession, base: str, username: str) -> str:
    async with session.get(f"{base}/login/") as resp:
        page = await resp.text()
        csrf_cookie = resp.cookies["csrftoken"].value
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token in the login form")
    async with session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)},
        headers={"Cookie": f"csrftoken={csrf_cookie}", "Referer": f"{base}/login/"},
        allow_redirects=False,
    ) as resp:
        if resp.status != 302 or "sessionid" not in resp.cookies:
            raise RuntimeError(f"login of {username} failed: HTTP {resp.status}")
        return f"sessionid={resp.cookies['sessionid'].value}"


async def visible_resources(session: aiohttp.ClientSession, base: str, cookie: str | None) -> list[str]:
    """Resource pages this identity may open: the first 100 of a blank search (browse)."""
    headers = {"Cookie": cookie} if cookie else {}
    async with session.get(f"{base}/api/v1/search/?q=&page_size=100", headers=headers) as resp:
        body = await resp.json()
    urls = [hit["url"] for hit in body["items"] if hit["url"]]
    if not urls:
        raise RuntimeError("the search finds no resource to open")
    return urls


@dataclass
class Sample:
    endpoint: str
    seconds: float
    ok: bool


def _request(endpoint: str, rng: random.Random, who: Identity, xapi_auth: str) -> tuple[str, dict[str, str]]:
    headers = {"Cookie": who.cookie} if who.cookie else {}
    if endpoint == "home":
        return "/", headers
    if endpoint == "search":
        return "/api/v1/search/?" + _query({"q": rng.choice(QUERIES), "page_size": "20"}), headers
    if endpoint == "resource":
        return rng.choice(who.resources), headers
    if endpoint == "counties":
        return "/api/v1/regions/counties", headers
    return "/xapi/statements?limit=10", {"Authorization": xapi_auth, **XAPI_HEADERS}


def _query(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


async def user_loop(
    *,
    session: aiohttp.ClientSession,
    base: str,
    who: Identity,
    xapi_auth: str,
    rng: random.Random,
    until: float,
    record: Callable[[Sample], None],
) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        endpoint = rng.choice(ENDPOINTS)
        path, headers = _request(endpoint, rng, who, xapi_auth)
        started = loop.time()
        try:
            async with session.get(base + path, headers=headers, allow_redirects=False) as resp:
                await resp.read()
                ok = resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        record(Sample(endpoint, loop.time() - started, ok))


async def load_side(
    side: Side, *, users: int, duration: float, logged_in: float, seed: int
) -> tuple[list[Sample], float]:
    base = f"http://127.0.0.1:{side.port}"
    xapi_auth = lrs_client(side)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=users + 8)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        print(f"  {await lrs_statements(session, base, xapi_auth)}")
        cookies = {name: await login(session, base, name) for name in ACCOUNTS}
        pools = {name: await visible_resources(session, base, cookie) for name, cookie in cookies.items()}
        anonymous = Identity(cookie=None, resources=await visible_resources(session, base, None))
        n_logged = round(users * logged_in)
        identities = [
            Identity(
                cookie=cookies[ACCOUNTS[i % len(ACCOUNTS)]], resources=pools[ACCOUNTS[i % len(ACCOUNTS)]]
            )
            for i in range(n_logged)
        ] + [anonymous] * (users - n_logged)
        loop = asyncio.get_running_loop()

        async def phase(seconds: float, record: Callable[[Sample], None]) -> float:
            started = loop.time()
            until = started + seconds
            await asyncio.gather(
                *(
                    user_loop(
                        session=session,
                        base=base,
                        who=who,
                        xapi_auth=xapi_auth,
                        rng=random.Random(seed * 1000 + i),
                        until=until,
                        record=record,
                    )
                    for i, who in enumerate(identities)
                )
            )
            return loop.time() - started

        await phase(WARMUP_SECONDS, lambda s: None)
        samples: list[Sample] = []
        cpu = time.process_time()
        server_cpu = side.cpu_seconds()
        elapsed = await phase(duration, samples.append)
        cpu = time.process_time() - cpu
        server_after = side.cpu_seconds()
    print(f"  load generator CPU: {cpu:.1f} s in {elapsed:.1f} s ({cpu / elapsed:.0%} of a core)")
    if server_cpu is not None and server_after is not None and samples:
        used = server_after - server_cpu
        print(
            f"  server CPU: {used:.1f} s in {elapsed:.1f} s, {1000 * used / len(samples):.1f} ms per request "
            "(the database's own CPU not included)"
        )
    return samples, elapsed


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarize(samples: list[Sample], elapsed: float) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[s.endpoint].append(s)
    groups["overall"] = samples
    out = {}
    for name, group in groups.items():
        ms = [s.seconds * 1000 for s in group] or [float("nan")]
        out[name] = {
            "n": len(group),
            "rps": len(group) / elapsed,
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "errors": sum(1 for s in group if not s.ok),
        }
    return out


def print_table(results: dict[str, dict[str, dict[str, float]]], labels: dict[str, str]) -> None:
    sides = list(results)
    cell = "{:>6} {:>7} {:>7} {:>7} {:>6}"
    print()
    print(f"{'':10}" + "".join(f" | {labels[s][:38]:<38}" for s in sides))
    print(
        f"{'endpoint':10}"
        + " | {:<38}".format(cell.format("req/s", "p50 ms", "p95 ms", "p99 ms", "errors")) * len(sides)
    )
    for name in [*ENDPOINTS, "overall"]:
        row = f"{name:10}"
        for s in sides:
            r = results[s].get(name)
            if r is None:
                row += f" | {'—':<38}"
                continue
            row += " | {:<38}".format(
                cell.format(
                    f"{r['rps']:.1f}",
                    f"{r['p50']:.0f}",
                    f"{r['p95']:.0f}",
                    f"{r['p99']:.0f}",
                    int(r["errors"]),
                )
            )
        print(row)


def _run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when installed (it comes with educloud): the client spends less CPU."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load per side")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of the PostgreSQL side")
    parser.add_argument("--sides", default="pg,demo", help="comma list of pg, demo")
    parser.add_argument("--logged-in", type=float, default=0.4, help="share of users with a session")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--fresh", action="store_true", help="recreate the bench databases first")
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 1 <= args.duration <= 600 or not 0 <= args.logged_in <= 1:
        parser.error("--users 1..500, --duration 1..600 s, --logged-in 0..1")
    wanted = [s.strip() for s in args.sides.split(",") if s.strip()]
    if not wanted or any(s not in ("pg", "demo") for s in wanted):
        parser.error("--sides takes pg and/or demo")

    print(
        f"load: {args.users} users ({round(args.users * args.logged_in)} logged in), no think time, "
        f"equal mix of {', '.join(ENDPOINTS)}; "
        f"{WARMUP_SECONDS:.0f} s warm-up + {args.duration:.0f} s per side"
    )
    results: dict[str, dict[str, dict[str, float]]] = {}
    labels: dict[str, str] = {}
    for name in wanted:
        if name == "pg" and not _pg_reachable():
            print(f"  PostgreSQL is not reachable at {ADMIN_URL}: the pg side is skipped")
            continue
        print(f"== {name}: setting up ...", flush=True)
        side = (
            pg_side(workers=args.workers, fresh=args.fresh) if name == "pg" else demo_side(fresh=args.fresh)
        )
        for note in side.notes:
            print(f"  {note}")
        side.start()
        try:
            samples, elapsed = _run_async(
                load_side(
                    side, users=args.users, duration=args.duration, logged_in=args.logged_in, seed=args.seed
                )
            )
        finally:
            side.stop()
        results[name] = summarize(samples, elapsed)
        labels[name] = side.label
        overall = results[name]["overall"]
        print(
            f"  {int(overall['n'])} requests in {elapsed:.1f} s: {overall['rps']:.1f} req/s, "
            f"p99 {overall['p99']:.0f} ms, {int(overall['errors'])} errors",
            flush=True,
        )
    if not results:
        return 0
    print_table(results, labels)
    if "pg" in results:
        pg = results["pg"]["overall"]
        met = pg["p99"] <= TARGET_P99_MS and pg["errors"] == 0
        print(
            f"\ntarget (issue #11) on PostgreSQL: p99 ≤ {TARGET_P99_MS:.0f} ms and 0 errors "
            f"at {args.users} users: "
            f"{'met' if met else 'NOT met'} (p99 {pg['p99']:.0f} ms, {int(pg['errors'])} errors)"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"args": vars(args) | {"json": str(args.json)}, "results": results}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
