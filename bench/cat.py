"""Adaptive-testing benchmark: our AdaptiveTest (educloud.algos.cat) against catsim on the same bank
and the same simulees.

Bank: a SIMULATED 300-item 2PL bank (a ~ logN(0.2, 0.3), b ~ N(0, 1), seed 0; 6 content areas of 50
items). SAT12 has only 32 items, too few for 20-item tests under a 0.25 exposure cap (20/32 = 0.63 is
the average exposure of any 20-item test from 32 items), so it is not used here.
Simulees: ``--n`` (default 1,000) theta ~ N(0, 1), seed 1, the same array for every run.
Tests: fixed length ``--length`` (default 20) items, first item at theta = 0.

Rows: ours with Sympson–Hetter (K calibrated by ``calibrate_exposure`` on a separate 600-draw
sample; calibration time shown separately), ours with randomesque (5), ours with SH plus
Kingsbury–Zara content balancing over the 6 areas; catsim 0.21 with ``MaxInfoSelector(r_max=0.25)``
(catsim's own exposure cap) and with ``RandomesqueSelector(5)``, both with its
``NumericalSearchEstimator`` (ML with Dodd's step for constant patterns). Ours estimates by EAP.
catsim's 2PL is 1/(1+exp(-a(theta-b))), the same logistic metric as ours (d = -a b); no adapter is
needed beyond building catsim's [a, b, c, d] matrix.

Measures per row: RMSE(theta), correlation r, mean test length, max item exposure, simulation wall
time (median of ``--repeats`` runs, each tool warmed with one 50-simulee run first).

Usage: ``.venv/bin/python bench/cat.py [--n 1000] [--length 20] [--repeats 1]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from educloud.algos.cat import AdaptiveTest  # noqa: E402
from educloud.algos.irt import ItemParams  # noqa: E402

Result = tuple[np.ndarray, np.ndarray, float]  # estimates, test lengths, max exposure


def make_bank(n_items: int = 300) -> tuple[ItemParams, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.lognormal(0.2, 0.3, n_items)
    b = rng.normal(0, 1, n_items)
    content = np.repeat(np.arange(6), n_items // 6 + 1)[:n_items]
    return ItemParams(a, -a * b), b, content


def ours(test: AdaptiveTest, thetas: np.ndarray) -> Result:
    out = test.simulate(thetas, rng=2)
    return out.theta, out.n_items, out.max_exposure


def catsim_run(
    bank: ItemParams, b: np.ndarray, thetas: np.ndarray, selector_name: str, length: int
) -> Result:
    from catsim.estimation import NumericalSearchEstimator
    from catsim.initialization import FixedPointInitializer
    from catsim.selection import MaxInfoSelector, RandomesqueSelector
    from catsim.simulation import Simulator
    from catsim.stopping import TestLengthStopper

    items = np.column_stack([bank.a, b, np.zeros(bank.n_items), np.ones(bank.n_items)])
    selector = MaxInfoSelector(r_max=0.25) if selector_name == "maxinfo" else RandomesqueSelector(5)
    sim = Simulator(items, thetas, FixedPointInitializer(0.0), selector, NumericalSearchEstimator(),
                    TestLengthStopper(max_items=length), seed=2)
    sim.simulate()
    lengths = np.array([len(a) for a in sim.administered_items])
    estimates = np.asarray(sim.latest_estimations, dtype=float)
    return estimates, lengths, float(np.max(sim.item_bank.exposure_rates))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--length", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    bank, b, content = make_bank()
    thetas = np.random.default_rng(1).normal(size=args.n)
    warm = thetas[:50]

    def design(exposure: str, with_content: bool = False) -> AdaptiveTest:
        return AdaptiveTest(bank, content if with_content else None, max_items=args.length, se_stop=None,
                            exposure=exposure, max_exposure=0.25, random_state=3)  # type: ignore[arg-type]

    sh = design("sympson-hetter")
    t0 = time.perf_counter()
    sh.calibrate_exposure(np.random.default_rng(4).normal(size=600), rng=5)
    cal_sh = time.perf_counter() - t0
    shc = design("sympson-hetter", with_content=True)
    t0 = time.perf_counter()
    shc.calibrate_exposure(np.random.default_rng(4).normal(size=600), rng=5)
    cal_shc = time.perf_counter() - t0
    rq = design("randomesque")

    runs: list[tuple[str, Callable[[np.ndarray], Result], str]] = [
        ("ours  Sympson-Hetter (EAP)", lambda t: ours(sh, t), f"K calibrated in {cal_sh:.1f} s"),
        ("ours  randomesque-5 (EAP)", lambda t: ours(rq, t), ""),
        ("ours  SH + content 6 areas", lambda t: ours(shc, t), f"K calibrated in {cal_shc:.1f} s"),
    ]
    try:
        import catsim  # noqa: F401

        runs += [
            ("catsim MaxInfo r_max=0.25 (ML)", lambda t: catsim_run(bank, b, t, "maxinfo", args.length), ""),
            ("catsim randomesque-5 (ML)", lambda t: catsim_run(bank, b, t, "randomesque", args.length), ""),
        ]
    except ImportError as exc:
        print(f"[skip] catsim not importable here: {exc}")

    print(f"CAT on a simulated 300-item 2PL bank, {args.n} simulees theta ~ N(0,1), "
          f"fixed {args.length} items")
    print(f"{'design':<32} {'RMSE':>6} {'r':>6} {'length':>7} {'max exp':>8} {'sim s':>7}  note")
    for name, fn, note in runs:
        fn(warm)
        times = []
        est, lengths, max_exp = np.zeros(0), np.zeros(0), 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            est, lengths, max_exp = fn(thetas)
            times.append(time.perf_counter() - t0)
        rmse = float(np.sqrt(np.mean((est - thetas) ** 2)))
        r = float(np.corrcoef(est, thetas)[0, 1])
        print(f"{name:<32} {rmse:6.3f} {r:6.3f} {lengths.mean():7.2f} {max_exp:8.3f} "
              f"{statistics.median(times):7.2f}  {note}")
    print("targets: RMSE <= 0.30, r >= 0.95 within 20 items, max exposure <= 0.25")


if __name__ == "__main__":
    main()
