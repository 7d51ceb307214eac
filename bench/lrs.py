"""LRS benchmark on PostgreSQL: Statements stored per second through the real HTTP endpoint versus a raw
``COPY`` of the same rows (the ceiling), and query latency for one agent's Statements at N stored.

What it does, in a scratch database it creates and drops (``educloud_bench_lrs``):

1. ``educloud migrate``, then ``educloud lrs client-create --circle --json`` (real credentials);
2. starts uvicorn (``educloud.config.asgi:application``, ``--workers W``) on a free loopback port;
3. **write**: POSTs batches of 100 and of 1,000 realistic Statements (actor account, verb, a choice
   interaction with definition, result, registration, parent context Activity) over ``C`` keep-alive
   connections; Statements/second = Statements / wall time. Repeated ``--runs`` times: medians;
4. **ceiling**: the very rows the LRS wrote for the same Statements (Statement rows + key rows,
   computed beforehand by the LRS's own code, untimed), inserted with ``COPY`` in one transaction per
   batch (timed);
5. **query**: bulk-generates N Statements with one ``INSERT ... SELECT generate_series`` per table
   (N/100 agents, so ~100 Statements each), then times ``GET /xapi/statements?agent=...&limit=100`` for
   random agents over HTTP (p50/p95), next to the same SQL the LRS runs, executed directly.

Usage: ``python bench/lrs.py [--n 1000000] [--runs 3] [--total 20000] [--workers 2] [--connections 4]
[--keep]``. Needs PostgreSQL at ``BENCH_PG_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``);
without it the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from _serving import educloud_command, free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "educloud_bench_lrs"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME
VERBS = [
    f"http://adlnet.gov/expapi/verbs/{v}"
    for v in (
        "answered",
        "completed",
        "attempted",
        "experienced",
        "passed",
        "failed",
        "launched",
        "progressed",
    )
]


def _env(home: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "EDUCLOUD_HOME": home,
        "EDUCLOUD_ALLOWED_HOSTS": "127.0.0.1",
        "EDUCLOUD_LOG_LEVEL": "ERROR",
    }


# --------------------------------------------------------------------------- scratch database


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def database_create(home: str) -> dict[str, str]:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(f"CREATE DATABASE {DB_NAME}")
    env = _env(home)
    subprocess.run([educloud_command(), "migrate", "-v0"], env=env, check=True)
    out = subprocess.run(
        [educloud_command(), "lrs", "client-create", "--name", "bench", "--circle", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def database_drop() -> None:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


# --------------------------------------------------------------------------- statements


def make_statement(rng: random.Random, agents: int) -> dict[str, Any]:
    item = rng.randrange(2000)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://moodle.school.example.cn", "name": f"s{rng.randrange(agents)}"},
        },
        "verb": {"id": VERBS[0], "display": {"en-US": "answered", "zh-CN": "作答"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://moodle.school.example.cn/items/{item}",
            "definition": {
                "name": {"zh-CN": f"第{item}题"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["b"],
                "choices": [{"id": c, "description": {"zh-CN": c.upper()}} for c in "abcd"],
            },
        },
        "result": {"success": rng.random() < 0.6, "response": rng.choice("abcd"), "duration": "PT21S"},
        "context": {
            "registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "contextActivities": {
                "parent": [{"id": f"https://moodle.school.example.cn/courses/{item % 40}"}]
            },
            "platform": "Moodle",
            "language": "zh-CN",
        },
        "timestamp": "2026-11-20T09:15:00+08:00",
    }


# --------------------------------------------------------------------------- HTTP


class Server:
    def __init__(self, home: str, workers: int) -> None:
        self.port = free_port()
        self.log = open(Path(home) / "uvicorn.log", "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "educloud.config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=_env(home),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_until_serving(self.proc, self.port, timeout=60):
            raise RuntimeError("uvicorn did not start; see " + self.log.name)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def _headers(credentials: dict[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{credentials['key']}:{credentials['secret']}".encode()).decode()
    return {
        "Authorization": f"Basic {token}",
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
    }


def post_batches(port: int, headers: dict[str, str], bodies: list[bytes], connections: int) -> float:
    """POST every body over ``connections`` keep-alive connections; return the wall time."""
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            conn.request("POST", "/xapi/statements", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                errors.append(f"{response.status} {data[:300]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} failed POSTs, e.g. {errors[0]}")
    return elapsed


# --------------------------------------------------------------------------- ceiling: COPY of the same rows


def django_setup(home: str) -> None:
    os.environ.update(
        {"DATABASE_URL": DB_URL, "EDUCLOUD_HOME": home, "DJANGO_SETTINGS_MODULE": "educloud.config.settings"}
    )
    import django

    django.setup()


def lrs_rows(
    statements: list[dict[str, Any]], client: Any
) -> tuple[list[dict[str, Any]], list[list[tuple[int, Any]]]]:
    """The Statement rows and key rows the LRS writes for ``statements`` (its own code, untimed)."""
    from django.utils import timezone

    from educloud.lrs import services
    from educloud.lrs.identity import client_authority
    from educloud.lrs.xapi import index_statement, prepare_statement

    now = timezone.now()
    authority = client_authority(client)
    rows, keys = [], []
    for s in statements:
        p = prepare_statement(s, authority=authority, stored_at=now)
        index = index_statement(p)
        rows.append(
            {
                "statement_id": uuid.UUID(p["id"]),
                "stored": now,
                "timestamp": now,
                "payload": services._dumps(p),
                "verb_id": index.verb_id,
                "registration": uuid.UUID(index.registration) if index.registration else None,
                "actor_key": min(index.actor_keys),
                "object_activity_id": index.object_activity_id or "",
                "object_agent_key": "",
                "ref_target": None,
                "is_voiding": False,
                "voided": False,
                "client_id": client.pk,
                "learner_id": None,
                "province_code": "",
                "city_code": "",
                "county_code": "",
                "school_code": "",
            }
        )
        keys.append(list(services._own_keys(index).rows()))
    return rows, keys


def copy_batches(rows: list[dict[str, Any]], keys: list[list[tuple[int, Any]]], batch: int) -> float:
    from django.db import transaction

    from educloud.lrs import bulk

    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        with transaction.atomic():
            seqs = bulk.insert_statements(rows[start : start + batch])
            bulk.insert_keys(
                [
                    (seq, kind, key)
                    for seq, ks in zip(seqs, keys[start : start + batch], strict=True)
                    for kind, key in ks
                ]
            )
    return time.perf_counter() - started


# --------------------------------------------------------------------------- query at N stored


_GENERATE = """
WITH c AS (SELECT id FROM lrs_client WHERE name = 'bench' LIMIT 1)
INSERT INTO lrs_statement (statement_id, stored, timestamp, payload, verb_id, registration, actor_key,
    object_activity_id, object_agent_key, ref_target, is_voiding, voided, client_id, learner_id,
    province_code, city_code, county_code, school_code)
SELECT md5('s' || g)::uuid,
       timestamptz '2026-01-01' + g * interval '1 second',
       timestamptz '2026-01-01' + g * interval '1 second',
       format('{"id":"%%s","actor":{"objectType":"Agent","mbox":"mailto:agent%%s@example.com"},'
              '"verb":{"id":"%%s"},"object":{"objectType":"Activity","id":"https://bench.example/items/%%s"},'
              '"result":{"success":true},"stored":"%%s","timestamp":"%%s","version":"1.0.0",'
              '"authority":{"objectType":"Agent","account":{"homePage":"http://127.0.0.1:8000","name":"bench"}}}',
              md5('s' || g)::uuid, g %% %(agents)s, %(verb)s, g %% 10000,
              to_char((timestamptz '2026-01-01' + g * interval '1 second') AT TIME ZONE 'UTC',
                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              to_char((timestamptz '2026-01-01' + g * interval '1 second') AT TIME ZONE 'UTC',
                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
       %(verb)s, NULL, 'mbox:mailto:agent' || (g %% %(agents)s) || '@example.com',
       'https://bench.example/items/' || (g %% 10000), '', NULL, false, false, c.id, NULL, '', '', '', ''
FROM generate_series(%(start)s, %(stop)s) AS g, c
"""

# key_hash(kind, value) = first 16 bytes of sha256(kind || 0x00 || value), as in lrs.models.
_KEYS = """
INSERT INTO lrs_statementkey (key, kind, statement_id)
SELECT substr(encode(sha256(convert_to(k.ns, 'UTF8') || '\\x00'::bytea || convert_to(k.value, 'UTF8')),
                     'hex'), 1, 32)::uuid,
       k.kind, s.id
FROM lrs_statement s
CROSS JOIN LATERAL (VALUES ('verb', 1, s.verb_id), ('agent', 3, s.actor_key),
                           ('activity', 5, s.object_activity_id)) AS k(ns, kind, value)
WHERE s.id > %(low)s
"""


def generate(n: int, chunk: int = 500_000) -> float:
    """Insert ``n`` synthetic Statements (and their key rows) with set-based SQL; return seconds."""
    from django.db import connection

    agents = max(1, n // 100)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for start in range(1, n + 1, chunk):
            stop = min(n, start + chunk - 1)
            cursor.execute("SELECT coalesce(max(id), 0) FROM lrs_statement")
            (low,) = cursor.fetchone()
            cursor.execute(_GENERATE, {"agents": agents, "verb": VERBS[0], "start": start, "stop": stop})
            cursor.execute(_KEYS, {"low": low})
        cursor.execute("VACUUM ANALYZE lrs_statement")
        cursor.execute("VACUUM ANALYZE lrs_statementkey")
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def query_latency(
    port: int, headers: dict[str, str], client: Any, agents: int, samples: int
) -> tuple[list[float], list[float]]:
    """(HTTP ms, direct SQL ms) for one agent's newest 100 Statements."""
    import psycopg
    from django.db import connection

    from educloud.lrs.selectors import StatementQuery, _filtered

    rng = random.Random(7)
    http_ms, sql_ms = [], []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    get_headers = {k: v for k, v in headers.items() if k != "Content-Type"}
    raw = psycopg.connect(DB_URL, autocommit=True)
    for _ in range(samples):
        agent = {"mbox": f"mailto:agent{rng.randrange(agents)}@example.com"}
        url = "/xapi/statements?" + urllib.parse.urlencode({"agent": json.dumps(agent), "limit": 100})
        started = time.perf_counter()
        conn.request("GET", url, headers=get_headers)
        response = conn.getresponse()
        body = response.read()
        http_ms.append((time.perf_counter() - started) * 1e3)
        if response.status != 200 or not json.loads(body)["statements"]:
            raise RuntimeError(f"query failed: {response.status} {body[:200]!r}")
        qs = (
            _filtered(client, StatementQuery(agent=agent))
            .order_by("-stored", "-id")
            .only("id", "statement_id", "payload", "stored", "learner_id")[:101]
        )
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:  # the exact SQL text Django sends (client-side binding)
            sql_text = cursor.mogrify(sql, params) if hasattr(cursor, "mogrify") else sql % params
        started = time.perf_counter()
        raw.execute(sql_text).fetchall()
        sql_ms.append((time.perf_counter() - started) * 1e3)
    raw.close()
    conn.close()
    return http_ms, sql_ms


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Statements stored for the query test")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--total", type=int, default=20_000, help="Statements per write run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    try:
        _admin("SELECT 1")
    except Exception as exc:
        print(f"PostgreSQL not reachable at {ADMIN_URL} ({exc.__class__.__name__}): LRS benchmark skipped")
        return 0
    home = tempfile.mkdtemp(prefix="educloud-bench-lrs-")
    credentials = database_create(home)
    django_setup(home)
    from educloud.lrs.models import Client

    client = Client.objects.get(key=credentials["key"])
    headers = _headers(credentials)
    server = Server(home, args.workers)
    results: dict[str, Any] = {}
    try:
        rng = random.Random(2026)
        agents = 5_000
        for batch in (100, 1000):
            http_rates, copy_rates = [], []
            for _ in range(args.runs):
                statements = [make_statement(rng, agents) for _ in range(args.total)]
                bodies = [
                    json.dumps(statements[i : i + batch], ensure_ascii=False).encode()
                    for i in range(0, len(statements), batch)
                ]
                elapsed = post_batches(server.port, headers, bodies, args.connections)
                http_rates.append(args.total / elapsed)
                twins = [{**s, "id": str(uuid.uuid4())} for s in statements]  # same rows, fresh ids
                rows, keys = lrs_rows(twins, client)
                copy_rates.append(args.total / copy_batches(rows, keys, batch))
            results[batch] = (
                statistics.median(http_rates),
                statistics.median(copy_rates),
                http_rates,
                copy_rates,
            )
            print(f"batch {batch}: HTTP {http_rates} st/s, COPY {copy_rates} st/s", flush=True)
        gen_seconds = generate(args.n)
        from educloud.lrs.models import Statement

        total_stored = Statement.objects.count()
        http_ms, sql_ms = query_latency(server.port, headers, client, max(1, args.n // 100), args.samples)
    finally:
        server.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database_drop()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)

    print(
        f"\nLRS benchmark (PostgreSQL, {os.cpu_count()} CPUs, uvicorn --workers {args.workers}, "
        f"{args.connections} connections, {args.runs} runs x {args.total:,} Statements; medians)"
    )
    print(f"{'write':<34}{'HTTP /xapi/statements':>24}{'raw COPY (ceiling)':>22}{'COPY/HTTP':>11}")
    for batch, (rate, ceiling, http_rates, copy_rates) in results.items():
        print(
            f"{'POST batches of ' + format(batch, ','):<34}{rate:>18,.0f} st/s{ceiling:>16,.0f} st/s"
            f"{ceiling / rate:>10.2f}x"
        )
        print(
            f"{'  runs':<34}{' '.join(f'{r:,.0f}' for r in http_rates):>24}"
            f"{' '.join(f'{r:,.0f}' for r in copy_rates):>22}"
        )
    print(f"\n{'query: one agent, newest 100':<34}{'HTTP GET (p50 / p95)':>24}{'same SQL direct':>22}")
    print(
        f"{f'{total_stored:,} stored ({gen_seconds:.0f} s to generate)':<34}"
        f"{percentile(http_ms, 0.5):>9.1f} / {percentile(http_ms, 0.95):.1f} ms"
        f"{percentile(sql_ms, 0.5):>12.1f} / {percentile(sql_ms, 0.95):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
