"""IRT calibration benchmark: our 2PL MML (educloud.algos.irt) against girth's ``twopl_mml``.

Two data sets, both tools on the same 0/1 matrix:

* LSAT7 (mirt's data, 32 patterns with counts, expanded to 1,000 rows because girth takes no
  weights; ours is also timed on the 32 weighted patterns). Accuracy: max |difference| of slopes and
  intercepts from mirt's published 2PL estimates, and each tool's marginal log-likelihood (computed
  by our code for girth's parameters, mirt: -2658.805).
* A simulated 2PL test (default 5,000 persons x 40 items, a ~ U(0.7, 2.2), b ~ N(0, 1), theta ~
  N(0, 1), seed 0). Accuracy: RMSE of slopes a and intercepts d against the generating values.

Timing: median of ``--repeats`` (default 3) fits each, after one untimed warm-up fit of each tool.
girth's parameters (a, b) are converted to slope-intercept form d = -a b.

Usage: ``.venv/bin/python bench/irt.py [--persons 5000] [--items 40] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from educloud.algos.irt import IRTModel, ItemParams, category_probabilities  # noqa: E402

DATA = ROOT / ".." / "shared" / "datasets" / "irt"
MIRT_A = np.array([0.988, 1.081, 1.706, 0.765, 0.736])
MIRT_D = np.array([1.856, 0.808, 1.804, 0.486, 1.855])
MIRT_LOGLIK = -2658.805


def _timed(
    fn: Callable[[], tuple[np.ndarray, np.ndarray]], repeats: int
) -> tuple[float, np.ndarray, np.ndarray]:
    fn()  # warm-up
    times = []
    out: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out[0], out[1]


def ours(x: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    m = IRTModel("2PL").fit(x, weights=w)
    return m.a_, m.d_


def girth_2pl(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from girth import twopl_mml

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = twopl_mml(x.T.astype(int))
    a = np.asarray(res["Discrimination"], dtype=float)
    b = np.asarray(res["Difficulty"], dtype=float)
    return a, -a * b


def loglik(a: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray) -> float:
    """Marginal log-likelihood by our quadrature (61 points on [-6, 6]) for any tool's parameters."""
    grid = np.linspace(-6, 6, 61)
    qw = np.exp(-grid**2 / 2)
    qw /= qw.sum()
    p = category_probabilities(ItemParams(a, d), grid)[:, :, 1]  # (Q, J)
    ll = x @ np.log(p).T + (1 - x) @ np.log1p(-p).T  # (n, Q)
    return float(w @ np.log(np.exp(ll) @ qw))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    try:
        import girth  # noqa: F401
    except ImportError as exc:
        sys.exit(f"girth is not installed ({exc}); `make venv` installs the dev dependencies")

    rows = []
    path = DATA / "LSAT7.RData"
    if path.exists():
        import pyreadr

        df = pyreadr.read_r(str(path))["LSAT7"]
        pat, cnt = df.iloc[:, :5].to_numpy(float), df["freq"].to_numpy(float)
        x = np.repeat(pat, cnt.astype(int), axis=0)
        ones = np.ones(x.shape[0])
        for name, fn in (
            ("ours (32 weighted patterns)", lambda: ours(pat, cnt)),
            ("ours (1,000 rows)", lambda: ours(x)),
            ("girth twopl_mml (1,000 rows)", lambda: girth_2pl(x)),
        ):
            t, a, d = _timed(fn, args.repeats)
            rows.append(("LSAT7", name, t, np.abs(a - MIRT_A).max(), np.abs(d - MIRT_D).max(),
                         loglik(a, d, x, ones)))
    else:
        print(f"[skip] {path} absent: LSAT7 part not run")

    rng = np.random.default_rng(0)
    a_true = rng.uniform(0.7, 2.2, args.items)
    d_true = -a_true * rng.normal(0, 1, args.items)
    theta = rng.normal(size=args.persons)
    p = category_probabilities(ItemParams(a_true, d_true), theta)[:, :, 1]
    xs = (rng.random(p.shape) < p).astype(float)
    for name, fn in (("ours", lambda: ours(xs)), ("girth twopl_mml", lambda: girth_2pl(xs))):
        t, a, d = _timed(fn, args.repeats)
        rows.append((f"sim {args.persons}x{args.items}", name, t, float(np.sqrt(np.mean((a - a_true) ** 2))),
                     float(np.sqrt(np.mean((d - d_true) ** 2))), loglik(a, d, xs, np.ones(args.persons))))

    print(f"2PL marginal ML, median of {args.repeats} warmed fits each")
    print("LSAT7 columns: max|a - mirt|, max|d - mirt| (mirt logLik -2658.805); sim columns: RMSE vs truth")
    print(f"{'data':<16} {'tool':<30} {'fit s':>8} {'a err':>8} {'d err':>8} {'logLik':>12}")
    for data, tool, t, ea, ed, ll in rows:
        print(f"{data:<16} {tool:<30} {t:8.3f} {ea:8.4f} {ed:8.4f} {ll:12.3f}")


if __name__ == "__main__":
    main()
