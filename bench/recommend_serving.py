"""Recommendation serving benchmark: a learner's recommendations from the per-learner cache, beside
the same recommendations computed on the fly.

Setup (a scratch database: SQLite file in a temporary ``EDUCLOUD_HOME`` by default, or PostgreSQL
``educloud_bench_recommend`` with ``--pg``, created and dropped):

1. ``educloud seed --scale region`` — the region's ~20,000 synthetic schools (no people, no library);
2. synthetic people, library, learning and engagement through the apps' own ``api``: the demo
   people (both provinces' demo schools), ``demo_library_seed`` with ``--resources`` resources and
   ``--events`` engagement events, the learning seed (graphs, items, BKT mastery of every student),
   then the recommend seed (a resource per knowledge point, published through the library's services,
   and views recorded through the library's services), then ``recommender_fit``.

Measured, for ``--learners`` students (with mastery), each timed ``--rounds`` times per run after one
warm-up call of each side, over ``--runs`` runs (median of the runs' percentiles reported):

* **ours** — ``recommend.selectors.recommendations(actor, k=10)``: the learner's cached candidates
  (one row), their profile and mastery, one visibility query, the mastery-aware re-ranker;
* **peer** — ``recommendations(actor, k=10, cached=False)``: the same recommendations without the
  cache: the learner's events read and folded into the model (``HybridRecommender.recommend``) over
  every resource the learner may open (the visibility set read in full);
* both again through the API in process (``GET /api/v1/recommend/me`` with Django's test client:
  session, middleware, JSON), for the cached path.

Usage::

    .venv/bin/python bench/recommend_serving.py                     # modest: 3,000 resources, 30,000 events
    .venv/bin/python bench/recommend_serving.py --resources 5000 --events 100000 --learners 300
    .venv/bin/python bench/recommend_serving.py --pg                # on PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
PG_BASE = os.environ.get("EDUCLOUD_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "educloud_bench_recommend"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _setup(args: argparse.Namespace) -> dict[str, Any]:
    import django
    from django.core.management import call_command

    django.setup()
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed", scale="region", seed=args.seed, verbosity=0)
    from educloud.accounts.api import demo_people_seed
    from educloud.learning.api import demo_learning_seed
    from educloud.library.api import demo_library_seed
    from educloud.recommend.api import demo_recommend_seed
    from educloud.schools.api import School

    schools = School.objects.count()
    demo_people_seed(seed=args.seed)
    library = demo_library_seed(seed=args.seed, n_resources=args.resources, n_events=args.events)
    demo_learning_seed(seed=args.seed)
    rec = demo_recommend_seed(seed=args.seed)
    from django.db import connection

    if connection.vendor == "postgresql":  # planner statistics, as autovacuum keeps them in production
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "schools": schools,
        "resources": library.published,
        "events": library.events + rec.events,
        "fit": str(rec.fit),
        "setup_s": time.perf_counter() - t0,
    }


def _measure(args: argparse.Namespace) -> None:
    from django.test import Client

    from educloud.accounts.api import StudentProfile, User
    from educloud.learning.api import StudentMastery
    from educloud.recommend.selectors import recommendations

    with_mastery = StudentMastery.objects.values("student_id").distinct()
    learners = list(
        User.objects.filter(pk__in=with_mastery, student_profile__isnull=False).order_by("pk")[
            : args.learners
        ]
    )
    assert learners and StudentProfile.objects.exists()
    for u in learners:  # warm: each side once per learner (model unpickled, caches filled)
        recommendations(actor=u, k=10)
        recommendations(actor=u, k=10, cached=False)
    client = Client()
    runs: dict[str, list[tuple[float, float, float]]] = {"ours": [], "peer": [], "api": []}
    same = 0
    for _ in range(args.runs):
        times: dict[str, list[float]] = {"ours": [], "peer": [], "api": []}
        for _ in range(args.rounds):
            for u in learners:
                t = time.perf_counter()
                a = recommendations(actor=u, k=10)
                times["ours"].append(1000 * (time.perf_counter() - t))
                t = time.perf_counter()
                b = recommendations(actor=u, k=10, cached=False)
                times["peer"].append(1000 * (time.perf_counter() - t))
                same += [r.resource_id for r in a.items] == [r.resource_id for r in b.items]
        for u in learners:
            client.force_login(u)
            client.get("/api/v1/recommend/me?k=10")  # warm this session
            for _ in range(args.rounds):
                t = time.perf_counter()
                response = client.get("/api/v1/recommend/me?k=10")
                times["api"].append(1000 * (time.perf_counter() - t))
                assert response.status_code == 200
        for name, values in times.items():
            runs[name].append((_pct(values, 0.5), _pct(values, 0.95), _pct(values, 0.99)))
    n_calls = args.runs * args.rounds * len(learners)
    print(f"learners: {len(learners)}, calls per side: {n_calls} ({args.runs} runs × {args.rounds} rounds)")
    print(f"identical top-10 lists, cached vs on the fly: {same}/{n_calls}")
    print(f"{'':40} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   (median over runs)")
    labels = {
        "ours": "ours: cached candidates",
        "peer": "peer: on the fly (fold-in, all visible)",
        "api": "ours via GET /api/v1/recommend/me",
    }
    med: dict[str, tuple[float, ...]] = {}
    for name in ("ours", "peer", "api"):
        med[name] = tuple(statistics.median(r[i] for r in runs[name]) for i in range(3))
        p50, p95, p99 = med[name]
        print(f"{labels[name]:40} {p50:8.2f} {p95:8.2f} {p99:8.2f}")
    ratio50, ratio99 = med["peer"][0] / med["ours"][0], med["peer"][2] / med["ours"][2]
    print(f"peer / ours at p50: {ratio50:.1f}×, at p99: {ratio99:.1f}×")
    print(f"target p99 <= 20 ms (selector): {'met' if med['ours'][2] <= 20 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=3000)
    parser.add_argument("--events", type=int, default=30000)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        info = _setup(args)
        print(
            f"database: {os.environ.get('DATABASE_URL') or 'SQLite'}; {info['schools']} schools "
            f"(region scale), {info['resources']} published resources, {info['events']} engagement "
            f"events; setup {info['setup_s']:.0f}s"
        )
        print(info["fit"])
        _measure(args)
        return
    with tempfile.TemporaryDirectory(prefix="educloud-bench-rec-") as home:
        env = {**os.environ, "EDUCLOUD_HOME": home, "DJANGO_SETTINGS_MODULE": "educloud.config.settings"}
        env.pop("DATABASE_URL", None)
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        if args.pg:
            import psycopg

            with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
                conn.execute(f"CREATE DATABASE {PG_DB}")
            env["DATABASE_URL"] = f"{PG_BASE}/{PG_DB}"
        try:
            cmd = [sys.executable, __file__, "--child", *sys.argv[1:]]
            raise SystemExit(subprocess.call(cmd, env=env))
        finally:
            if args.pg:
                import psycopg

                with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
