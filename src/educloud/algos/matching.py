"""Pairing strong schools with weak ones (名校+弱校): an exact capacitated assignment with bureau constraints.

What it owns
    Given ``m`` strong schools and ``n`` weak schools, and for every (strong i, weak j) pair

    * ``complementarity[i, j] ≥ 0`` — how much of i's strength lies on j's gaps (:func:`complementarity`:
      ``Σ_k strength[i, k] · gap[j, k]`` over the diagnosis dimensions: an indicator, or a subject at a
      stage), with the per-dimension terms kept for the explanation;
    * ``distance_km[i, j]`` — great-circle distance between the two schools' county seats
      (:func:`great_circle_km`), turned into travel time by :func:`travel_minutes`;
    * ``cross_border[i, j]`` — the two schools lie in different provinces (川渝 pairs are a policy goal),

    the score of a pair is ``w_c · complementarity − w_t · travel hours + w_x · cross_border``
    (:class:`Weights`). A strong school takes at most ``capacity[i]`` weak schools; a weak school gets
    exactly one partner (``weak_mode="exactly"``) or at most one (``"at_most"``). Bureaus add
    ``must`` pairs (fixed to 1) and ``never`` pairs (removed), and an optional travel-time limit
    (pairs beyond it are removed unless they are ``must`` pairs).

Model
    One binary ``x_ij`` per allowed pair; maximise ``Σ score_ij x_ij`` subject to
    ``Σ_j x_ij ≤ capacity_i`` and ``Σ_i x_ij = 1`` (or ``≤ 1``), ``x_ij = 1`` for must pairs. It is a
    transportation problem (a totally unimodular constraint matrix), solved exactly as a MILP by
    HiGHS through ``scipy.optimize.milp`` (:func:`solve_exact`). :func:`solve_greedy` is the
    baseline (best score first) and :func:`solve_brute_force` enumerates every assignment of tiny
    instances (tests prove the MILP optimal against it).

Infeasibility
    :class:`InfeasibleMatching` (a ``ValueError``) lists every conflict it can name, checked before
    solving (:func:`check_feasible`): a pair both required and forbidden, a weak school with two
    required partners, a strong school with more required partners than places, a weak school that
    every strong school is forbidden (or too far) for, too few places overall, and — by a maximum
    flow — the smallest group of weak schools whose allowed partners lack the places (Hall's
    condition). Messages are Chinese: they are shown to bureaus as they are.

Travel time (documented assumption, not a routing service): road distance is taken as 1.3 × the
great-circle distance (a common detour index for Chinese provincial road networks), driven at
60 km/h average, plus 15 minutes to leave and reach the school: ``minutes = 15 + 1.3 · km``.

Read next: ``educloud.pairing.services`` builds the matrices from the diagnosis and stores the result.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import maximum_flow

__all__ = [
    "DETOUR_INDEX",
    "EARTH_RADIUS_KM",
    "FIXED_MINUTES",
    "SPEED_KMH",
    "InfeasibleMatching",
    "MatchingProblem",
    "MatchingResult",
    "Weights",
    "check_feasible",
    "complementarity",
    "great_circle_km",
    "solve_brute_force",
    "solve_exact",
    "solve_greedy",
    "travel_minutes",
]

EARTH_RADIUS_KM = 6371.0088
DETOUR_INDEX = 1.3
SPEED_KMH = 60.0
FIXED_MINUTES = 15.0

WeakMode = Literal["exactly", "at_most"]


def great_circle_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Haversine distance in km (broadcasting: pass column and row vectors for a matrix)."""
    lo1, la1, lo2, la2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)


def travel_minutes(distance_km: ArrayLike) -> NDArray[np.float64]:
    """Door-to-door minutes for a great-circle distance (see the module docstring for the assumption)."""
    km = np.asarray(distance_km, dtype=np.float64)
    if np.any(km < 0) or not np.all(np.isfinite(km)):
        raise ValueError("distance_km must be finite and non-negative")
    return FIXED_MINUTES + DETOUR_INDEX * km * 60.0 / SPEED_KMH


def complementarity(strength: ArrayLike, gap: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(total (m, n), terms (m, n, k))``: ``terms[i, j, k] = strength[i, k] · gap[j, k]``.

    ``strength`` (m × k) and ``gap`` (n × k) are non-negative: how far school i is above the reference
    on dimension k, and how far school j is below it (0 where it is not). ``nan`` (no data) counts 0.
    """
    s = np.nan_to_num(np.asarray(strength, dtype=np.float64), nan=0.0)
    g = np.nan_to_num(np.asarray(gap, dtype=np.float64), nan=0.0)
    if s.ndim != 2 or g.ndim != 2 or s.shape[1] != g.shape[1]:
        raise ValueError(f"strength (m × k) and gap (n × k) must share k; got {s.shape} and {g.shape}")
    if np.any(s < 0) or np.any(g < 0):
        raise ValueError("strength and gap must be non-negative")
    terms = s[:, None, :] * g[None, :, :]
    return terms.sum(axis=2), terms


@dataclass(frozen=True)
class Weights:
    """Objective weights: per unit of complementarity, per hour of travel, per cross-border pair."""

    complementarity: float = 1.0
    per_travel_hour: float = 0.2
    cross_border: float = 0.15

    def __post_init__(self) -> None:
        for name in ("complementarity", "per_travel_hour", "cross_border"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {name} must be finite and non-negative, got {value}")


class InfeasibleMatching(ValueError):
    """The bureau's constraints admit no assignment; ``conflicts`` names each (Chinese, shown as is)."""

    def __init__(self, conflicts: Sequence[str]) -> None:
        self.conflicts = list(conflicts)
        super().__init__("；".join(self.conflicts))


@dataclass
class MatchingProblem:
    """A pairing instance; validated on construction (``ValueError`` naming the bad input)."""

    complementarity: NDArray[np.float64]  # (m, n)
    distance_km: NDArray[np.float64]  # (m, n)
    cross_border: NDArray[np.bool_]  # (m, n)
    capacity: NDArray[np.int64]  # (m,)
    must: list[tuple[int, int]] = field(default_factory=list)
    never: list[tuple[int, int]] = field(default_factory=list)
    weak_mode: WeakMode = "exactly"
    weights: Weights = field(default_factory=Weights)
    max_travel_minutes: float | None = None
    strong_labels: list[str] | None = None
    weak_labels: list[str] | None = None

    def __post_init__(self) -> None:
        self.complementarity = np.asarray(self.complementarity, dtype=np.float64)
        if self.complementarity.ndim != 2:
            raise ValueError("complementarity must be an (m strong × n weak) matrix")
        m, n = self.complementarity.shape
        self.distance_km = np.asarray(self.distance_km, dtype=np.float64)
        self.cross_border = np.asarray(self.cross_border, dtype=bool)
        self.capacity = np.asarray(self.capacity, dtype=np.int64)
        for name, arr in (("distance_km", self.distance_km), ("cross_border", self.cross_border)):
            if arr.shape != (m, n):
                raise ValueError(f"{name} must have shape {(m, n)}, got {arr.shape}")
        if self.capacity.shape != (m,):
            raise ValueError(f"capacity must have shape ({m},), got {self.capacity.shape}")
        if np.any(self.capacity < 0):
            raise ValueError("capacity must be non-negative")
        if not np.all(np.isfinite(self.complementarity)) or np.any(self.complementarity < 0):
            raise ValueError("complementarity must be finite and non-negative")
        if not np.all(np.isfinite(self.distance_km)) or np.any(self.distance_km < 0):
            raise ValueError("distance_km must be finite and non-negative")
        if self.weak_mode not in ("exactly", "at_most"):
            raise ValueError(f"weak_mode must be 'exactly' or 'at_most', got {self.weak_mode!r}")
        if self.max_travel_minutes is not None and not self.max_travel_minutes > 0:
            raise ValueError("max_travel_minutes must be positive")
        self.must = [(int(i), int(j)) for i, j in self.must]
        self.never = [(int(i), int(j)) for i, j in self.never]
        for name, pairs in (("must", self.must), ("never", self.never)):
            for i, j in pairs:
                if not (0 <= i < m and 0 <= j < n):
                    raise ValueError(f"{name} pair {(i, j)} is outside the {m} × {n} instance")
        for name, labels, size in (
            ("strong_labels", self.strong_labels, m),
            ("weak_labels", self.weak_labels, n),
        ):
            if labels is not None and len(labels) != size:
                raise ValueError(f"{name} must have {size} entries")

    @property
    def shape(self) -> tuple[int, int]:
        m, n = self.complementarity.shape
        return int(m), int(n)

    def strong_label(self, i: int) -> str:
        return self.strong_labels[i] if self.strong_labels else f"强校#{i}"

    def weak_label(self, j: int) -> str:
        return self.weak_labels[j] if self.weak_labels else f"弱校#{j}"

    @property
    def travel_minutes(self) -> NDArray[np.float64]:
        return travel_minutes(self.distance_km)

    @property
    def score(self) -> NDArray[np.float64]:
        w = self.weights
        return (
            w.complementarity * self.complementarity
            - w.per_travel_hour * self.travel_minutes / 60.0
            + w.cross_border * self.cross_border
        )

    @property
    def allowed(self) -> NDArray[np.bool_]:
        """Pairs the solver may choose: not forbidden, within the travel limit (must pairs always)."""
        ok = np.ones(self.shape, dtype=bool)
        if self.max_travel_minutes is not None:
            ok &= self.travel_minutes <= self.max_travel_minutes
        for i, j in self.never:
            ok[i, j] = False
        for i, j in self.must:
            if (i, j) not in set(self.never):
                ok[i, j] = True
        return ok


@dataclass(frozen=True)
class MatchingResult:
    """Chosen pairs ``(strong, weak)`` sorted, their total score, and how it was found."""

    pairs: tuple[tuple[int, int], ...]
    objective: float
    method: str
    optimal: bool

    def partner_of_weak(self) -> dict[int, int]:
        return {j: i for i, j in self.pairs}


def check_feasible(problem: MatchingProblem) -> None:
    """Raise :class:`InfeasibleMatching` naming every conflict found (nothing when feasible)."""
    _m, n = problem.shape
    conflicts: list[str] = []
    never = set(problem.never)
    must = sorted(set(problem.must))
    s, w = problem.strong_label, problem.weak_label
    for i, j in must:
        if (i, j) in never:
            conflicts.append(f"“{s(i)}—{w(j)}”同时被设为必须结对和禁止结对")
    by_weak: dict[int, list[int]] = {}
    by_strong: dict[int, list[int]] = {}
    for i, j in must:
        by_weak.setdefault(j, []).append(i)
        by_strong.setdefault(i, []).append(j)
    for j, partners in sorted(by_weak.items()):
        if len(partners) > 1:
            names = "、".join(s(i) for i in partners)
            conflicts.append(f"“{w(j)}”只能有一所结对强校，却被要求同时与 {names} 结对")
    for i, partners in sorted(by_strong.items()):
        if len(partners) > problem.capacity[i]:
            conflicts.append(
                f"“{s(i)}”最多结对 {problem.capacity[i]} 所学校，却有 {len(partners)} 个必须结对"
            )
    if conflicts:
        raise InfeasibleMatching(conflicts)
    if problem.weak_mode != "exactly":
        return
    allowed = problem.allowed
    reason = "禁止结对或超出通行时间上限" if problem.max_travel_minutes is not None else "被设为禁止结对"
    for j in range(n):
        if not allowed[:, j].any() or not (problem.capacity[allowed[:, j]] > 0).any():
            conflicts.append(f"“{w(j)}”与所有强校均{reason}（或可结对强校名额为 0），无法结对")
    total = int(problem.capacity.sum())
    if total < n:
        conflicts.append(f"强校名额合计 {total} 个，少于需要结对的薄弱学校 {n} 所")
    if conflicts:
        raise InfeasibleMatching(conflicts)
    # Hall's condition by maximum flow: source → strong (capacity) → weak (allowed) → sink (1).
    # Required pairs are fixed first: their weak schools leave the flow, their places are used.
    capacity = problem.capacity.copy()
    free = np.ones(n, dtype=bool)
    for i, j in must:
        capacity[i] -= 1
        free[j] = False
    short = _hall_violation(allowed & free[None, :], capacity, free)
    if short:
        names = "、".join(w(j) for j in short[:8]) + ("等" if len(short) > 8 else "")
        partners = sorted({int(i) for j in short for i in np.flatnonzero(allowed[:, j])})
        places = int(capacity[partners].sum())
        conflicts.append(
            f"{len(short)} 所薄弱学校（{names}）可结对的强校只有 {len(partners)} 所、共 {places} 个名额，"
            "不够分配：请放宽禁止结对或通行时间限制，或增加这些强校的名额"
        )
        raise InfeasibleMatching(conflicts)


def _hall_violation(
    allowed: NDArray[np.bool_], capacity: NDArray[np.int64], needed: NDArray[np.bool_]
) -> list[int]:
    """Weak schools on the source side of a minimum cut when the maximum flow is short, else []."""
    m, n = allowed.shape
    source, sink = m + n, m + n + 1
    rows, cols, caps = [], [], []
    for i in range(m):
        rows.append(source)
        cols.append(i)
        caps.append(int(capacity[i]))
    ii, jj = np.nonzero(allowed)
    rows += ii.tolist()
    cols += (m + jj).tolist()
    caps += [1] * ii.size
    for j in np.flatnonzero(needed):
        rows.append(m + int(j))
        cols.append(sink)
        caps.append(1)
    size = m + n + 2
    graph = csr_matrix((np.array(caps, dtype=np.int32), (rows, cols)), shape=(size, size))
    flow = maximum_flow(graph, source, sink)
    if flow.flow_value >= int(needed.sum()):
        return []
    # Residual graph (scipy's flow is antisymmetric, so this holds the reverse arcs too). The weak
    # schools that can still reach the sink (alternating paths from an unserved weak school) form a
    # set whose allowed partners are all full: the group Hall's condition fails for (König).
    residual = (graph - flow.flow).tocsr()
    into = residual.T.tocsr()  # row v lists the u with residual arc u → v
    seen = {sink}
    stack = [sink]
    while stack:
        v = stack.pop()
        row = into.getrow(v)
        for u, c in zip(row.indices, row.data, strict=True):
            if c > 0 and u not in seen:
                seen.add(int(u))
                stack.append(int(u))
    return sorted(v - m for v in seen if m <= v < m + n and needed[v - m])


def _objective(problem: MatchingProblem, pairs: Sequence[tuple[int, int]]) -> float:
    score = problem.score
    return float(sum(score[i, j] for i, j in pairs))


def solve_exact(problem: MatchingProblem, *, time_limit: float = 30.0) -> MatchingResult:
    """The optimal assignment (HiGHS MILP through ``scipy.optimize.milp``)."""
    check_feasible(problem)
    m, n = problem.shape
    allowed = problem.allowed
    ii, jj = np.nonzero(allowed)
    k = ii.size
    if k == 0:
        return MatchingResult((), 0.0, "milp", True)
    score = problem.score[ii, jj]
    edge = np.arange(k)
    strong_rows = coo_matrix((np.ones(k), (ii, edge)), shape=(m, k))
    weak_rows = coo_matrix((np.ones(k), (jj, edge)), shape=(n, k))
    weak_low = np.ones(n) if problem.weak_mode == "exactly" else np.zeros(n)
    constraints = [
        LinearConstraint(strong_rows.tocsr(), np.zeros(m), problem.capacity.astype(np.float64)),
        LinearConstraint(weak_rows.tocsr(), weak_low, np.ones(n)),
    ]
    lower = np.zeros(k)
    index = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(ii, jj, strict=True))}
    for pair in problem.must:
        lower[index[pair]] = 1.0
    result = milp(
        c=-score,
        constraints=constraints,
        integrality=np.ones(k),
        bounds=Bounds(lower, np.ones(k)),
        options={"time_limit": time_limit},
    )
    if result.status == 2:  # infeasible despite the checks (should not happen: the checks are complete)
        raise InfeasibleMatching(["约束组合无可行的结对方案"])
    if result.x is None:
        raise RuntimeError(f"HiGHS did not solve the pairing model: {result.message}")
    chosen = np.flatnonzero(result.x > 0.5)
    pairs = tuple(sorted((int(ii[e]), int(jj[e])) for e in chosen))
    return MatchingResult(pairs, _objective(problem, pairs), "milp", result.status == 0)


def solve_greedy(problem: MatchingProblem) -> MatchingResult:
    """Baseline: must pairs, then the best-scoring allowed pair first while places last.

    In ``at_most`` mode a pair is taken only if its score is positive. In ``exactly`` mode every weak
    school left over is then given the best strong school with a free place; greedy may strand one
    (``InfeasibleMatching``) where the exact solver finds an assignment.
    """
    check_feasible(problem)
    _m, n = problem.shape
    allowed = problem.allowed
    score = problem.score
    left = problem.capacity.copy()
    partner = np.full(n, -1)
    for i, j in sorted(set(problem.must)):
        partner[j] = i
        left[i] -= 1
    order = np.argsort(-score, axis=None, kind="stable")
    for flat in order:
        i, j = divmod(int(flat), n)
        if not allowed[i, j] or partner[j] >= 0 or left[i] <= 0:
            continue
        if problem.weak_mode == "at_most" and score[i, j] <= 0:
            break
        partner[j] = i
        left[i] -= 1
    if problem.weak_mode == "exactly":
        stranded = [problem.weak_label(j) for j in range(n) if partner[j] < 0]
        if stranded:
            raise InfeasibleMatching([f"贪心法无法为 {'、'.join(stranded)} 找到有名额的强校"])
    pairs = tuple(sorted((int(partner[j]), j) for j in range(n) if partner[j] >= 0))
    return MatchingResult(pairs, _objective(problem, pairs), "greedy", False)


def solve_brute_force(
    problem: MatchingProblem, *, max_assignments: int = 2_000_000, check: bool = True
) -> MatchingResult:
    """Every assignment of a tiny instance (tests only): the true optimum.

    ``check=False`` skips :func:`check_feasible`, so tests can confirm its verdicts independently.
    """
    if check:
        check_feasible(problem)
    m, n = problem.shape
    allowed = problem.allowed
    never = set(problem.never)
    must: dict[int, set[int]] = {}
    for i, j in problem.must:
        must.setdefault(j, set()).add(i)
    options: list[list[int]] = []
    for j in range(n):
        if j in must:
            options.append([i for i in must[j] if (i, j) not in never][:1] if len(must[j]) == 1 else [])
            continue
        choice = [int(i) for i in np.flatnonzero(allowed[:, j])]
        if problem.weak_mode == "at_most":
            choice.append(-1)
        options.append(choice)
    if math.prod(len(o) for o in options) > max_assignments:
        raise ValueError("instance too large for brute force")
    score = problem.score
    best: tuple[float, tuple[tuple[int, int], ...]] | None = None
    for combo in itertools.product(*options):
        counts = np.bincount([i for i in combo if i >= 0], minlength=m)
        if np.any(counts > problem.capacity):
            continue
        pairs = tuple(sorted((i, j) for j, i in enumerate(combo) if i >= 0))
        value = float(sum(score[i, j] for i, j in pairs))
        if best is None or value > best[0] + 1e-12:
            best = (value, pairs)
    if best is None:
        raise InfeasibleMatching(["穷举未找到可行方案"])
    return MatchingResult(best[1], best[0], "brute_force", True)
