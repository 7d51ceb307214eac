"""Pairing benchmark: the exact matcher (HiGHS MILP) vs the greedy baseline, brute force and OR-Tools CP-SAT.

Generated instances (``algos.matching`` model: complementarity from random strength/gap profiles over
10 dimensions, distances between random points in the circle's bounding box, cross-border flags by
longitude, capacities 1–4, a few must/never pairs) of several sizes. For each size it prints

* objective of ``solve_exact`` (ours), of ``solve_greedy`` (baseline) and their ratio;
* on the tiny size, ``solve_brute_force`` (proves the exact objective optimal);
* OR-Tools CP-SAT (a real peer solving the same model: integer scores scaled by 10⁶) — objective and time;
* median solve times of ``--runs`` runs each (peer warmed and run as often as ours).

Usage::

    .venv/bin/python bench/pairing.py                  # sizes 4x8, 30x90, 100x400; 5 runs
    .venv/bin/python bench/pairing.py --sizes 200x1000 --runs 3
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

from educloud.algos.matching import (
    MatchingProblem,
    complementarity,
    great_circle_km,
    solve_brute_force,
    solve_exact,
    solve_greedy,
)


def instance(m: int, n: int, seed: int) -> MatchingProblem:
    rng = np.random.default_rng(seed)
    lon_s, lat_s = rng.uniform(102.5, 108.5, m), rng.uniform(28.2, 32.5, m)
    lon_w, lat_w = rng.uniform(102.5, 108.5, n), rng.uniform(28.2, 32.5, n)
    strength = np.clip(rng.normal(0.3, 0.3, (m, 10)), 0, None)
    gap = np.clip(rng.normal(0.2, 0.3, (n, 10)), 0, None)
    comp, _ = complementarity(strength, gap)
    capacity = rng.integers(1, 5, size=m)
    while capacity.sum() < n:
        capacity[rng.integers(m)] += 1
    never = [(int(rng.integers(m)), int(rng.integers(n))) for _ in range(max(1, n // 20))]
    must = []
    for j in rng.choice(n, size=max(1, n // 50), replace=False):
        i = int(rng.integers(m))
        if (i, int(j)) not in never and sum(1 for a, _ in must if a == i) < capacity[i]:
            must.append((i, int(j)))
    return MatchingProblem(
        complementarity=comp,
        distance_km=great_circle_km(lon_s[:, None], lat_s[:, None], lon_w[None, :], lat_w[None, :]),
        cross_border=(lon_s[:, None] > 106.0) != (lon_w[None, :] > 106.0),  # a rough 川/渝 split
        capacity=capacity,
        must=must,
        never=never,
        weak_mode="at_most",
    )


def solve_cpsat(problem: MatchingProblem) -> float:
    from ortools.sat.python import cp_model

    m, n = problem.shape
    allowed, score = problem.allowed, problem.score
    scale = 1_000_000
    model = cp_model.CpModel()
    x = {(i, j): model.new_bool_var(f"x{i}_{j}") for i in range(m) for j in range(n) if allowed[i, j]}
    for i in range(m):
        model.add(sum(x[i, j] for j in range(n) if (i, j) in x) <= int(problem.capacity[i]))
    for j in range(n):
        terms = [x[i, j] for i in range(m) if (i, j) in x]
        if problem.weak_mode == "exactly":
            model.add(sum(terms) == 1)
        else:
            model.add(sum(terms) <= 1)
    for pair in problem.must:
        model.add(x[pair] == 1)
    model.maximize(sum(int(round(score[k] * scale)) * v for k, v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status != cp_model.OPTIMAL:
        raise RuntimeError(f"CP-SAT did not prove optimality: {solver.status_name(status)}")
    return float(sum(score[k] for k, v in x.items() if solver.value(v)))


def timed(fn, runs: int) -> tuple[float, object]:
    fn()  # warm
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4x8,30x90,100x400", help="strong x weak, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.runs < 3:
        parser.error("--runs must be at least 3 (medians)")
    print(
        f"{'size':>9} {'exact obj':>10} {'greedy obj':>10} {'gap %':>6} {'brute obj':>10} {'CP-SAT obj':>10}"
        f" {'exact ms':>9} {'greedy ms':>9} {'CP-SAT ms':>9}"
    )
    for size in args.sizes.split(","):
        m, n = (int(v) for v in size.split("x"))
        problem = instance(m, n, args.seed)
        t_exact, exact = timed(lambda p=problem: solve_exact(p), args.runs)
        t_greedy, greedy = timed(lambda p=problem: solve_greedy(p), args.runs)
        t_peer, peer = timed(lambda p=problem: solve_cpsat(p), args.runs)
        brute = "-"
        if (m + 1) ** n <= 2_000_000:
            brute = f"{solve_brute_force(problem).objective:10.4f}"
        gap = 100 * (exact.objective - greedy.objective) / abs(exact.objective)
        print(
            f"{size:>9} {exact.objective:10.4f} {greedy.objective:10.4f} {gap:6.2f} {brute:>10} {peer:10.4f}"
            f" {1000 * t_exact:9.1f} {1000 * t_greedy:9.1f} {1000 * t_peer:9.1f}"
        )
        assert exact.objective >= greedy.objective - 1e-9
        assert abs(exact.objective - peer) < 1e-4 * max(1.0, abs(peer)), "CP-SAT and HiGHS disagree"


if __name__ == "__main__":
    main()
