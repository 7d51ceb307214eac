"""Skills-based matching of talent demand (enterprise positions) to supply (vocational programmes).

What it owns
    Demand ``d`` asks for skills at levels ``need[d, k] ∈ {0, 1..5}`` (0: not asked); a school's
    programme ``s`` teaches skills at levels ``have[s, k]``. Skills are canonical: synonyms are
    resolved before they reach this module (``educloud.industry.services``).

    * **Skill coverage** (:func:`skill_coverage`) — the share of the demand's weighted skill need the
      programme meets: ``Σ_k w_k · need[d,k] · min(have[s,k] / need[d,k], 1) / Σ_k w_k · need[d,k]``,
      with ``w_k`` an IDF weight over the demands (:func:`idf_weights`: a skill every position asks
      for tells less about fit than a rare one). 1 means every asked skill is taught at the asked level.
    * **Proximity** — ``exp(−km / scale_km)`` of the great-circle distance between the two county seats
      (:func:`educloud.algos.matching.great_circle_km`; 1 in the same county, ~0.37 at ``scale_km``).
    * **Cross-border bonus** — the two lie in different provinces (川渝 cooperation is a policy goal).

    ``score = w_skill · coverage + w_near · proximity + w_cross · cross`` (:class:`MatchWeights`).
    :func:`explain` lists matched, partly met and missing skills in Chinese
    (“匹配技能：数控车床编程；部分达到：焊接（2/3 级）；缺少：PLC 编程”).

Allocation
    Positions ``j`` with ``headcount[j]``, programmes ``i`` with ``graduates[i]``, scores ``score[i, j]``;
    pairs below ``min_score`` are not allowed. Maximise ``Σ score_ij x_ij`` with ``Σ_j x_ij ≤ graduates_i``,
    ``Σ_i x_ij ≤ headcount_j``, ``x_ij ≥ 0`` integer — a transportation problem (totally unimodular),
    solved exactly by HiGHS through ``scipy.optimize.milp`` (:func:`allocate_exact`); the baseline is
    :func:`allocate_greedy` (best pair first, as many as fit). The exact total is never below greedy's.

Judging
    :func:`rank_with_ties` gives standard competition ranks (“1224”): equal scores share a rank.
    Per-judge score normalisation is :func:`educloud.algos.budgeting.normalise_scores` (z-scores per
    judge rescaled to the pooled mean and sd).

Read next: ``educloud.industry.services`` (turns rows into these arrays and stores the outcome).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from educloud.algos.matching import great_circle_km

__all__ = [
    "MAX_LEVEL",
    "Allocation",
    "MatchWeights",
    "allocate_exact",
    "allocate_greedy",
    "explain",
    "idf_weights",
    "match_scores",
    "proximity",
    "rank_with_ties",
    "skill_coverage",
]

MAX_LEVEL = 5


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the score's three parts; ``scale_km``: distance at which proximity falls to 1/e."""

    skill: float = 0.7
    near: float = 0.2
    cross: float = 0.1
    scale_km: float = 150.0

    def __post_init__(self) -> None:
        for name in ("skill", "near", "cross"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"weight {name} must be finite and non-negative, got {value}")
        if not np.isfinite(self.scale_km) or self.scale_km <= 0:
            raise ValueError(f"scale_km must be positive, got {self.scale_km}")


def _levels(data: ArrayLike, *, name: str) -> NDArray[np.float64]:
    try:
        a = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be read as numbers ({exc})") from exc
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 2-d array (rows × skills), got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a > MAX_LEVEL):
        raise ValueError(f"{name}: levels must lie in [0, {MAX_LEVEL}]")
    return a


def idf_weights(need: ArrayLike) -> NDArray[np.float64]:
    """Smoothed IDF of each skill over the demands: ``log((1 + n) / (1 + df_k)) + 1``."""
    a = _levels(need, name="need")
    df = (a > 0).sum(axis=0)
    return np.asarray(np.log((1.0 + a.shape[0]) / (1.0 + df)) + 1.0, dtype=np.float64)


def skill_coverage(need: ArrayLike, have: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    """``(n_supply, n_demand)`` weighted share of each demand's skill need each programme meets."""
    d = _levels(need, name="need")
    s = _levels(have, name="have")
    if d.shape[1] != s.shape[1]:
        raise ValueError(f"need has {d.shape[1]} skills, have has {s.shape[1]}")
    w = np.ones(d.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (d.shape[1],) or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights: one finite non-negative weight per skill")
    wd = d * w  # (n_d, k)
    total = wd.sum(axis=1)  # (n_d,)
    with np.errstate(divide="ignore", invalid="ignore"):
        # met[s, d, k] = min(have / need, 1) where need > 0
        ratio = np.where(
            d[None, :, :] > 0, np.minimum(s[:, None, :] / np.where(d > 0, d, 1.0)[None], 1.0), 0.0
        )
    met = (ratio * wd[None, :, :]).sum(axis=2)
    return np.asarray(np.where(total[None, :] > 0, met / np.where(total > 0, total, 1.0)[None, :], 0.0))


def proximity(km: ArrayLike, scale_km: float) -> NDArray[np.float64]:
    a = np.asarray(km, dtype=np.float64)
    if np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ValueError("distances must be finite and non-negative")
    return np.asarray(np.exp(-a / scale_km))


def match_scores(
    need: ArrayLike,
    have: ArrayLike,
    *,
    demand_lonlat: ArrayLike,
    supply_lonlat: ArrayLike,
    demand_province: Sequence[str],
    supply_province: Sequence[str],
    weights: MatchWeights | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """``(score, coverage, km, cross)``, each ``(n_supply, n_demand)``; IDF over the demands given."""
    w = weights or MatchWeights()
    d = _levels(need, name="need")
    s = _levels(have, name="have")
    dl = np.asarray(demand_lonlat, dtype=np.float64).reshape(-1, 2)
    sl = np.asarray(supply_lonlat, dtype=np.float64).reshape(-1, 2)
    if dl.shape[0] != d.shape[0] or sl.shape[0] != s.shape[0]:
        raise ValueError("one (longitude, latitude) per demand and per supply")
    if len(demand_province) != d.shape[0] or len(supply_province) != s.shape[0]:
        raise ValueError("one province per demand and per supply")
    coverage = skill_coverage(d, s, idf_weights(d))
    km = great_circle_km(sl[:, 0:1], sl[:, 1:2], dl[None, :, 0], dl[None, :, 1])
    cross = np.asarray(supply_province)[:, None] != np.asarray(demand_province)[None, :]
    score = w.skill * coverage + w.near * proximity(km, w.scale_km) + w.cross * cross
    return score, coverage, km, cross


def explain(
    need: dict[str, int], have: dict[str, int], *, km: float | None = None, cross: bool = False
) -> tuple[list[str], list[str], list[str], str]:
    """``(matched, partial, missing, text)`` for one demand (skill name → level) and one programme.

    Names are canonical skill names; ``partial`` entries read “焊接（2/3 级）” (taught / asked).
    """
    matched = [k for k, lv in need.items() if have.get(k, 0) >= lv]
    partial = [f"{k}（{have[k]}/{lv} 级）" for k, lv in need.items() if 0 < have.get(k, 0) < lv]
    missing = [k for k, lv in need.items() if have.get(k, 0) == 0]
    parts = [f"匹配技能：{'、'.join(matched) or '无'}"]
    if partial:
        parts.append(f"部分达到：{'、'.join(partial)}")
    parts.append(f"缺少：{'、'.join(missing) or '无'}")
    if km is not None:
        parts.append(f"距离约 {km:.0f} 公里")
    if cross:
        parts.append("川渝跨省合作加分")
    return matched, partial, missing, "；".join(parts)


# ------------------------------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Allocation:
    """``flows``: (programme i, position j, graduates) with graduates > 0; ``total``: Σ score · graduates."""

    flows: list[tuple[int, int, int]]
    total: float
    seconds: float
    method: str


def _allocation_inputs(
    score: ArrayLike, graduates: ArrayLike, headcount: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    sc = np.asarray(score, dtype=np.float64)
    g = np.asarray(graduates)
    h = np.asarray(headcount)
    if sc.ndim != 2 or not np.all(np.isfinite(sc)):
        raise ValueError("score: a finite 2-d array (programmes × positions)")
    if g.shape != (sc.shape[0],) or h.shape != (sc.shape[1],):
        raise ValueError("one graduate count per programme (row) and one headcount per position (column)")
    for name, v in (("graduates", g), ("headcount", h)):
        if not np.issubdtype(v.dtype, np.integer) or np.any(v < 0):
            raise ValueError(f"{name}: non-negative integers")
    return sc, g.astype(np.int64), h.astype(np.int64)


def allocate_exact(
    score: ArrayLike,
    graduates: ArrayLike,
    headcount: ArrayLike,
    *,
    min_score: float = 0.0,
    time_limit: float = 30.0,
) -> Allocation:
    """The allocation of greatest total score (HiGHS MILP; integral optimum of a transportation problem)."""
    started = time.perf_counter()
    sc, g, h = _allocation_inputs(score, graduates, headcount)
    rows, cols = np.nonzero(sc >= min_score)
    keep = (g[rows] > 0) & (h[cols] > 0)
    rows, cols = rows[keep], cols[keep]
    n = rows.size
    if n == 0:
        return Allocation([], 0.0, time.perf_counter() - started, "exact")
    m_i, m_j = sc.shape
    var = np.arange(n)
    a = coo_matrix(
        (np.ones(2 * n), (np.concatenate([rows, m_i + cols]), np.concatenate([var, var]))),
        shape=(m_i + m_j, n),
    ).tocsr()
    upper = np.concatenate([g, h]).astype(np.float64)
    result = milp(
        c=-sc[rows, cols],
        constraints=LinearConstraint(a, -np.inf, upper),
        integrality=np.ones(n),
        bounds=Bounds(0, np.minimum(g[rows], h[cols]).astype(np.float64)),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        raise RuntimeError(f"HiGHS found no allocation: {result.message}")
    x = np.rint(result.x).astype(np.int64)
    flows = [(int(rows[t]), int(cols[t]), int(x[t])) for t in np.nonzero(x > 0)[0]]
    total = float(sum(sc[i, j] * q for i, j, q in flows))
    return Allocation(flows, total, time.perf_counter() - started, "exact")


def allocate_greedy(
    score: ArrayLike, graduates: ArrayLike, headcount: ArrayLike, *, min_score: float = 0.0
) -> Allocation:
    """Best pair first (ties: lower programme, then lower position), as many graduates as still fit."""
    started = time.perf_counter()
    sc, g, h = _allocation_inputs(score, graduates, headcount)
    left_g, left_h = g.copy(), h.copy()
    rows, cols = np.nonzero(sc >= min_score)
    order = np.lexsort((cols, rows, -sc[rows, cols]))
    flows: list[tuple[int, int, int]] = []
    for t in order:
        i, j = int(rows[t]), int(cols[t])
        q = int(min(left_g[i], left_h[j]))
        if q > 0:
            flows.append((i, j, q))
            left_g[i] -= q
            left_h[j] -= q
    total = float(sum(sc[i, j] * q for i, j, q in flows))
    return Allocation(flows, total, time.perf_counter() - started, "greedy")


# --------------------------------------------------------------------------------------- rankings


def rank_with_ties(values: ArrayLike, *, tolerance: float = 1e-9) -> list[int]:
    """Standard competition ranks, highest value first: equal values (within ``tolerance``) share a
    rank and the next rank skips (“1224”). NaN (not scored) ranks last."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError("values: a 1-d array")
    key = np.where(np.isnan(v), -np.inf, v)
    order = sorted(range(v.size), key=lambda i: (-key[i], i))
    ranks = [0] * v.size
    for pos, i in enumerate(order):
        previous = key[order[pos - 1]] if pos > 0 else None
        # equal -inf (two unscored) compare equal; finite values within the tolerance share a rank
        if previous is not None and (key[i] == previous or abs(key[i] - previous) <= tolerance):
            ranks[i] = ranks[order[pos - 1]]
        else:
            ranks[i] = pos + 1
    return ranks
