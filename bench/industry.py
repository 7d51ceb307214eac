"""产教融合 allocation benchmark: graduates of vocational programmes to open positions, exact vs greedy.

Generated instances of the ``algos.skills`` model: 40 skills, each position asks for 2–4 of them at levels
1–5, each programme teaches 3–6 (a programme of position j's industry teaches its skills more often);
county seats drawn in the circle's bounding box (重庆 east of 106°E, 四川 west); headcounts 5–90,
graduates per year 10–45. Scores come from ``match_scores`` (IDF-weighted coverage, proximity, 川渝
bonus); pairs below 0.35 are not allowed, as on the page. For each size it prints, from one run,

* total score and graduates placed of ``allocate_exact`` (HiGHS MILP, ours) and ``allocate_greedy``
  (baseline), the exact/greedy ratio and both times (median of ``--runs``);
* OR-Tools' min-cost flow on the same network (a real peer: scores scaled to integers by 10⁶, a
  zero-cost bypass arc so it may leave graduates unplaced) — its total, to confirm the optimum, and time.

Usage::

    .venv/bin/python bench/industry.py                 # sizes 20x30, 200x300, 1000x1500; 3 runs
    .venv/bin/python bench/industry.py --sizes 2000x3000 --runs 1
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from educloud.algos.skills import allocate_exact, allocate_greedy, match_scores

N_SKILLS, N_INDUSTRIES, MIN_SCORE = 40, 8, 0.35


def instance(n_supply: int, n_demand: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    industry_skills = [rng.choice(N_SKILLS, size=8, replace=False) for _ in range(N_INDUSTRIES)]

    def levels(n: int, low: int, high: int) -> np.ndarray:
        m = np.zeros((n, N_SKILLS))
        for r in range(n):
            pool = industry_skills[rng.integers(N_INDUSTRIES)]
            k = rng.choice(pool, size=int(rng.integers(low, high + 1)), replace=False)
            m[r, k] = rng.integers(1, 6, size=k.size)
        return m

    need, have = levels(n_demand, 2, 4), levels(n_supply, 3, 6)
    lon_d, lat_d = rng.uniform(103.0, 108.5, n_demand), rng.uniform(28.5, 31.5, n_demand)
    lon_s, lat_s = rng.uniform(103.0, 108.5, n_supply), rng.uniform(28.5, 31.5, n_supply)
    score, *_ = match_scores(
        need,
        have,
        demand_lonlat=np.column_stack([lon_d, lat_d]),
        supply_lonlat=np.column_stack([lon_s, lat_s]),
        demand_province=["500000" if x > 106 else "510000" for x in lon_d],
        supply_province=["500000" if x > 106 else "510000" for x in lon_s],
    )
    return score, rng.integers(10, 46, n_supply), rng.integers(5, 91, n_demand)


def ortools_total(score: np.ndarray, graduates: np.ndarray, headcount: np.ndarray) -> tuple[float, float]:
    from ortools.graph.python import min_cost_flow

    started = time.perf_counter()
    m, n = score.shape
    source, sink = m + n, m + n + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    rows, cols = np.nonzero(score >= MIN_SCORE)
    arcs = [
        flow.add_arc_with_capacity_and_unit_cost(
            int(i), int(m + j), int(min(graduates[i], headcount[j])), -round(score[i, j] * 1e6)
        )
        for i, j in zip(rows, cols, strict=True)
    ]
    for i in range(m):
        flow.add_arc_with_capacity_and_unit_cost(source, i, int(graduates[i]), 0)
    for j in range(n):
        flow.add_arc_with_capacity_and_unit_cost(m + j, sink, int(headcount[j]), 0)
    total = int(graduates.sum())
    flow.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)  # graduates left unplaced
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools min-cost flow: no optimum")
    value = sum(score[rows[a], cols[a]] * flow.flow(arc) for a, arc in enumerate(arcs))
    return float(value), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="20x30,200x300,1000x1500", help="programmes x positions, comma separated"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(
        f"{'size':>10} {'exact total':>12} {'greedy total':>12} {'ratio':>7} {'placed e/g':>13} "
        f"{'exact ms':>9} {'greedy ms':>9} {'ortools total':>13} {'ortools ms':>10}"
    )
    for size in args.sizes.split(","):
        n_supply, n_demand = (int(v) for v in size.lower().split("x"))
        score, graduates, headcount = instance(n_supply, n_demand, args.seed)
        exact_times, greedy_times, peer_times = [], [], []
        for _ in range(args.runs):
            exact = allocate_exact(score, graduates, headcount, min_score=MIN_SCORE)
            greedy = allocate_greedy(score, graduates, headcount, min_score=MIN_SCORE)
            peer, peer_seconds = ortools_total(score, graduates, headcount)
            exact_times.append(exact.seconds)
            greedy_times.append(greedy.seconds)
            peer_times.append(peer_seconds)
        placed = f"{sum(q for *_, q in exact.flows)}/{sum(q for *_, q in greedy.flows)}"
        print(
            f"{size:>10} {exact.total:12.3f} {greedy.total:12.3f} {exact.total / greedy.total:7.4f} "
            f"{placed:>13} "
            f"{statistics.median(exact_times) * 1e3:9.1f} {statistics.median(greedy_times) * 1e3:9.1f} "
            f"{peer:13.3f} {statistics.median(peer_times) * 1e3:10.1f}"
        )
        if exact.total + 1e-6 < greedy.total or abs(exact.total - peer) > 1e-3 * max(1.0, peer):
            raise SystemExit(f"{size}: exact {exact.total} vs greedy {greedy.total} vs OR-Tools {peer}")


if __name__ == "__main__":
    main()
