"""Equity benchmark at region scale (≈ 20,000 schools): compliance and inequality report, plans; PySAL peer.

What it measures, through the app's own code (``educloud.equity``), on a scratch database seeded
with ``educloud seed --scale region`` (SQLite in a temporary ``EDUCLOUD_HOME`` by default, or the
PostgreSQL database given by ``--database-url``, which must exist and is overwritten):

* **full report**: ``equity.selectors.full_report`` — every member county's verdict for both stages
  (each school's seven indicators, the pass rule, seven enrolment-weighted coefficients, ranking) and,
  for each of the seven indicators, CV / Gini / Theil T with between–within splits by province,
  county urban class, school location and stage. One statistics query included. Target ≤ 2 s.
* **indices side by side with PySAL** (``inequality`` package, unweighted, the same arrays: every
  evaluated school section of the year, seven indicators, four groupings): PySAL ``Gini`` + ``Theil``
  + ``TheilD`` vs ``algos.inequality`` (``gini``, ``theil_t``, ``theil_decomposition``) and vs the
  report's vectorised split (``algos.inequality.theil_split``); times and the largest difference.
* **one county's plan**: ``equity.planning.county_plan`` (minimum cost, both stages) for the county
  with the most schools. Target ≤ 5 s.
* **all counties' plans**: the same for all 142 counties × 2 stages. Target ≤ 60 s.

BLAS: ``OPENBLAS_NUM_THREADS`` defaults to 1 here (set before NumPy loads). The reports' vector
operations are far too small to gain from threads, and on a busy machine OpenBLAS's spinning
threads make a 19,000-element ``np.dot`` a thousand times slower (measured: 0.003 ms vs 4.7 ms on
two loaded cores). Web workers should run with it too (one process per core).

Medians of ``--runs`` runs (``--all-runs`` for the all-counties loop). Results also go to
``bench/out/equity.json``.

Usage::

    .venv/bin/python bench/equity.py                        # SQLite scratch database, 5 runs
    .venv/bin/python bench/equity.py --home /tmp/eq --keep  # reuse a seeded home on the next run
    .venv/bin/python bench/equity.py --database-url postgres://postgres@127.0.0.1:5432/educloud_bench_equity
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy is imported: see the docstring

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "equity.json"
STRESS_LIMIT = 0.15


def _educloud() -> str:
    return shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"


def _prepare(home: Path, database_url: str | None, reseed: bool) -> float | None:
    env = {**os.environ, "EDUCLOUD_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    marker = home / "equity-bench-seeded"
    if marker.exists() and not reseed and not database_url:
        return None
    started = time.perf_counter()
    subprocess.run([_educloud(), "migrate", "-v0"], env=env, check=True)
    subprocess.run([_educloud(), "seed", "--scale", "region"], env=env, check=True)
    marker.write_text("seeded")
    return time.perf_counter() - started


def _median_time(fn, runs: int) -> tuple[float, list[float], object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--all-runs", type=int, default=3)
    parser.add_argument("--home", help="EDUCLOUD_HOME to use (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the home (and reuse its seed next time)")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL scratch database (it is overwritten)")
    args = parser.parse_args()

    home = Path(args.home or tempfile.mkdtemp(prefix="educloud-bench-equity-"))
    home.mkdir(parents=True, exist_ok=True)
    try:
        seed_seconds = _prepare(home, args.database_url, args.reseed)
        os.environ["EDUCLOUD_HOME"] = str(home)
        os.environ.pop("DATABASE_URL", None)
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educloud.config.settings")
        import django

        django.setup()
        run(args, seed_seconds)
    finally:
        if not args.keep and not args.home:
            shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace, seed_seconds: float | None) -> None:
    import numpy as np
    from inequality.gini import Gini
    from inequality.theil import Theil, TheilD

    from educloud.algos.allocation import plan_minimum_cost
    from educloud.algos.inequality import gini, theil_decomposition, theil_split, theil_t
    from educloud.algos.standard import INDICATOR_KEYS, StageStandard, stage_standard
    from educloud.equity import selectors
    from educloud.equity.dataset import region_lookup, stats_table
    from educloud.equity.indicators import DEFAULT_COSTS
    from educloud.equity.planning import county_plan
    from educloud.equity.reports import indicator_values
    from educloud.lib.errors import DomainError
    from educloud.lib.scope import Scope

    year = selectors.resolve_year(None)
    table = stats_table(years=[year])
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"backend {backend}; year {year}; {len(table)} school sections (primary/junior rows) loaded")
    if seed_seconds is not None:
        print(f"seeded the region scale in {seed_seconds:.1f} s")

    selectors.full_report(year=year)  # warm-up (imports, caches)
    full_median, full_times, report = _median_time(lambda: selectors.full_report(year=year), args.runs)
    load_median, _, _ = _median_time(lambda: stats_table(years=[year]), args.runs)
    passing = {s: sum(1 for r in report.rankings[s] if r.passes) for s in report.rankings}

    # --- indices side by side with PySAL on the same arrays ---------------------------------------
    evaluated = table.take(table.evaluated)
    columns = [indicator_values(evaluated, key) for key in INDICATOR_KEYS]
    groupings = {
        "province": evaluated.province,
        "urban_class": evaluated.urban_class,
        "location": evaluated.location,
        "stage": evaluated.section,
    }
    coded = {name: np.unique(labels.astype(str), return_inverse=True) for name, labels in groupings.items()}
    ones = np.ones(len(evaluated))

    def ours_algos() -> list[tuple[float, ...]]:
        out = []
        for x in columns:
            row = [gini(x), theil_t(x)]
            for name in groupings:
                split = theil_decomposition(x, coded[name][1], weights=None)
                row += [split.between, split.within]
            out.append(tuple(row))
        return out

    def ours_vectorised() -> list[tuple[float, ...]]:
        out = []
        for x in columns:
            row = [gini(x), theil_t(x)]
            for name in groupings:
                labels, codes = coded[name]
                split = theil_split(x, ones, codes, labels.size)
                row += [float(split["between"].sum()), float(split["within"].sum())]
            out.append(tuple(row))
        return out

    def pysal() -> list[tuple[float, ...]]:
        out = []
        for x in columns:
            row = [float(Gini(x).g), float(Theil(x).T)]
            for name in groupings:
                split = TheilD(x, coded[name][1])
                row += [float(np.squeeze(split.bg)), float(np.squeeze(split.wg))]
            out.append(tuple(row))
        return out

    algos_median, _, algos_values = _median_time(ours_algos, args.runs)
    vector_median, _, vector_values = _median_time(ours_vectorised, args.runs)
    pysal_median, _, pysal_values = _median_time(pysal, args.runs)
    diff_algos = float(np.max(np.abs(np.array(algos_values) - np.array(pysal_values))))
    diff_vector = float(np.max(np.abs(np.array(vector_values) - np.array(pysal_values))))

    # --- plans ------------------------------------------------------------------------------------
    regions = region_lookup()
    sizes: dict[str, int] = {}
    for code in evaluated.county.tolist():
        sizes[code] = sizes.get(code, 0) + 1
    biggest = max(sizes, key=lambda c: (sizes[c], c))

    def one_county() -> list[object]:
        return [
            county_plan(scope=Scope.all(), county_code=biggest, year=year, stage=stage)
            for stage in ("primary", "junior")
        ]

    one_median, one_times, _ = _median_time(one_county, args.runs)

    def all_counties() -> dict[str, object]:
        seconds, gaps, costs, failures = [], [], 0.0, []
        for code in sorted(regions):
            for stage in ("primary", "junior"):
                started = time.perf_counter()
                try:
                    plan = county_plan(scope=Scope.all(), county_code=code, year=year, stage=stage)
                except DomainError as exc:
                    failures.append(f"{code} {stage}: {exc.message}")
                    continue
                seconds.append(time.perf_counter() - started)
                gaps.append(plan.gap)
                costs += plan.total_cost
                assert plan.county_passes_after
        return {
            "plans": len(seconds),
            "slowest": max(seconds),
            "max_gap": max(gaps),
            "total_cost": costs,
            "failures": failures,
        }

    all_median, all_times, all_info = _median_time(all_counties, args.all_runs)

    # The synthetic coefficients stay under the national limits, so the plans above never need the
    # MILP. Stress it: the biggest county's primary schools against a limit the data do exceed.
    part = evaluated.take((evaluated.county == biggest) & (evaluated.section == "primary"))
    tight = StageStandard(thresholds=stage_standard("primary").thresholds, cv_limit=STRESS_LIMIT)
    stress_median, _, stress_plan = _median_time(
        lambda: plan_minimum_cost(part.numerators, part.enrolment, standard=tight, unit_costs=DEFAULT_COSTS),
        args.runs,
    )

    rows = [
        (
            "full report: 142 counties × 2 stages + 7 indicators' inequality",
            f"{full_median:.3f} s",
            "—",
            "≤ 2 s",
        ),
        ("  of which the statistics query → arrays", f"{load_median:.3f} s", "—", ""),
        (
            "indices: Gini + Theil + 4 splits × 7 indicators (algos)",
            f"{algos_median:.3f} s",
            f"{pysal_median:.3f} s",
            "",
        ),
        ("indices: same, report's vectorised split", f"{vector_median:.3f} s", f"{pysal_median:.3f} s", ""),
        (
            f"one county's plan (both stages; {regions[biggest].name}, {sizes[biggest]} sections)",
            f"{one_median:.3f} s",
            "—",
            "≤ 5 s",
        ),
        (f"all counties' plans ({all_info['plans']} plans)", f"{all_median:.1f} s", "—", "≤ 60 s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'educloud':>10}  {'PySAL':>8}  target")
    for name, ours, peer, target in rows:
        print(f"{name:<{width}}  {ours:>10}  {peer:>8}  {target}")
    print(
        f"\nlargest |difference| from PySAL: algos {diff_algos:.2e}, vectorised {diff_vector:.2e}; "
        f"counties passing: primary {passing['primary']}, junior {passing['junior']}; "
        f"slowest single plan {all_info['slowest']:.2f} s, largest optimality gap {all_info['max_gap']:.2%}; "
        f"plan failures: {len(all_info['failures'])}"
    )
    for failure in all_info["failures"][:5]:
        print("  ", failure)
    print(
        f"runs: full report {[round(t, 3) for t in full_times]}, "
        f"one county {[round(t, 3) for t in one_times]}, all counties {[round(t, 1) for t in all_times]}"
    )
    print(
        f"stress (CV limit {STRESS_LIMIT} forces the MILP cutting-plane loop, "
        f"{regions[biggest].name} primary): median {stress_median:.2f} s, {stress_plan.rounds} rounds, "
        f"{stress_plan.cuts} cuts, gap {stress_plan.gap:.2%}"
    )
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "backend": backend,
                "year": year,
                "school_sections": len(table),
                "full_report_s": full_median,
                "load_s": load_median,
                "indices_algos_s": algos_median,
                "indices_vectorised_s": vector_median,
                "indices_pysal_s": pysal_median,
                "max_abs_diff_vs_pysal": {"algos": diff_algos, "vectorised": diff_vector},
                "one_county_plan_s": one_median,
                "one_county": biggest,
                "all_counties_plans_s": all_median,
                "all_counties": {k: v for k, v in all_info.items() if k != "failures"},
                "stress_plan_s": stress_median,
                "stress": {"cv_limit": STRESS_LIMIT, "rounds": stress_plan.rounds, "gap": stress_plan.gap},
                "runs": {"full": full_times, "one": one_times, "all": all_times},
                "load_average": os.getloadavg()[0],
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
