"""Budget-constrained selection: ``educloud.algos.budgeting`` vs ``pabutools`` on the same instances.

For each size (projects = voters = N; each voter scores 8 projects 1–100; costs 50k–500k yuan;
budget 30% of the total asked) and each of ``--seeds`` generated instances, both implementations
run every rule once to warm up and then ``--runs`` times each; the table prints the median time of
ours and the peer's and the agreement rate of the selected sets over the instances:

* greedy (by value), greedy by value per cost — ``greedy_utilitarian_welfare`` (Additive_Cardinal_Sat)
* MES, MES + greedy completion — ``method_of_equal_shares`` / ``completion_by_rule_combination``
* Phragmén (approval = score ≥ 50) — ``sequential_phragmen``
* knapsack — ours: HiGHS MILP (``scipy.optimize.milp``, relative gap 0; it also takes the fund's
  per-province floors); peer: ``max_additive_utilitarian_welfare`` with its default primal/dual
  knapsack branch and bound (``knapsack``) and with its ILP through PuLP + CBC (``knapsack_ilp``).
  Agreement compares the optimal objective (sets may differ between tied optima).

pabutools computes in exact rationals (gmpy2), ours in floats with a relative tie tolerance. The
peer's Instance/Profile objects are built before timing; our timings include validating the arrays.
The peer's Phragmén and ILP knapsack are skipped above ``--peer-max`` projects (their run time grows
too fast for a one-minute bench); pass a larger value to include them.

Usage::

    .venv/bin/python bench/budgeting.py                     # N = 50, 200, 1000; 3 instances; 3 runs
    .venv/bin/python bench/budgeting.py --sizes 2000 --seeds 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._pabutools_peer import (  # noqa: E402
    PBInstance,
    make_instance,
    prepare_greedy,
    prepare_knapsack,
    prepare_mes,
    prepare_phragmen,
)

from educloud.algos import budgeting  # noqa: E402


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _pair(rule: str, inst: PBInstance) -> tuple[Callable[[], object], Callable[[], object]]:
    """(ours, peer) for one rule on one instance; the peer's pabutools objects are built here, untimed."""
    u, c, b = inst.utilities, inst.costs, inst.budget
    v = u.sum(axis=0)
    if rule in ("greedy", "greedy_ratio"):
        order: Literal["value", "ratio"] = "value" if rule == "greedy" else "ratio"
        run = prepare_greedy(v, c, b, order)
        return (lambda: budgeting.greedy_select(v, c, b, order=order).selected_set), run
    if rule in ("mes", "mes_greedy"):
        completion = rule == "mes_greedy"
        run = prepare_mes(u, c, b, completion)
        mode: Literal["greedy"] | None = "greedy" if completion else None
        return (lambda: budgeting.mes_select(u, c, b, completion=mode).selected_set), run
    if rule == "phragmen":
        approvals = u >= 50
        return (lambda: budgeting.phragmen_select(approvals, c, b).selected_set), prepare_phragmen(
            approvals, c, b
        )
    run = prepare_knapsack(v, c, b, ilp=rule == "knapsack_ilp")
    return (lambda: budgeting.knapsack_select(v, c, b).objective), (lambda: float(v[sorted(run())].sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--peer-max", type=int, default=200, help="largest N for Phragmén and the ILP knapsack"
    )
    args = parser.parse_args()

    print(f"{'N':>5} {'rule':<14} {'ours ms':>10} {'pabutools ms':>13} {'ratio':>7} {'agree':>6}")
    for n in args.sizes:
        for rule in ("greedy", "greedy_ratio", "mes", "mes_greedy", "phragmen", "knapsack", "knapsack_ilp"):
            if rule in ("phragmen", "knapsack_ilp") and n > args.peer_max:
                continue
            ours_t, peer_t, agree = [], [], 0
            for seed in range(args.seeds):
                ours, peer = _pair(rule, make_instance(n, n, seed=seed))
                t1, r1 = _timed(ours, args.runs)
                t2, r2 = _timed(peer, args.runs)
                ours_t.append(t1)
                peer_t.append(t2)
                same = bool(np.isclose(r1, r2)) if rule.startswith("knapsack") else r1 == r2
                agree += same
            mo, mp = statistics.median(ours_t) * 1e3, statistics.median(peer_t) * 1e3
            print(f"{n:>5} {rule:<14} {mo:>10.2f} {mp:>13.2f} {mp / mo:>6.2f}x {agree}/{args.seeds:<4}")


if __name__ == "__main__":
    main()
