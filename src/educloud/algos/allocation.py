"""Resource-allocation planner: the cheapest additions that make a county meet the 优质均衡 standard.

What it owns
    Given per-school raw counts ``a`` (n × 7, the numerators of ``standard.INDICATORS``), enrolment
    ``p``, a :class:`~educloud.algos.standard.StageStandard` (thresholds ``t_k``, CV limit ``c``) and
    the unit cost of each resource (yuan per teacher, per m², per yuan of equipment, per classroom),
    it decides additions ``x ≥ 0`` (n × 7; teachers and classrooms in whole units):

    * :func:`plan_minimum_cost` — minimise ``Σ cost_k x_ik`` such that every school passes
      (≥ 6 of 7 thresholds and the 7th ≥ 85 %) and every indicator's difference coefficient ≤ ``c``.
    * :func:`plan_within_budget` — if the minimum-cost plan fits the budget, that plan. Otherwise
      the county cannot pass within the budget, and the plan maximises the number of passing
      schools, then minimises cost; CV limits are then reported, not targeted (a bureau can move
      "达标学校数" school by school; the CV is county-wide). Without CV limits the schools are
      independent, so this objective is solved exactly by taking schools in order of their exact
      cheapest passing cost.

Model (mixed-integer linear master, HiGHS via ``scipy.optimize.milp``)
    ``T_ik = t_k p_i / scale_k`` is the count school i needs for threshold k and ``d_ik = T_ik − a_ik``
    its deficit. For every (i, k) with a deficit a binary ``y_ik`` marks "the one indicator allowed to
    stay between 85 % and 100 %"::

        x_ik + 0.15 T_ik y_ik ≥ d_ik,      Σ_k y_ik ≤ 1

    which is exactly the pass rule (no big-M). Continuous resources are scaled to O(1) units.

The CV constraint (a second-order cone) — how it is handled and why it is sound
    With ``u_i = (a_ik + x_ik)/T_ik`` (value relative to threshold, linear in x) and weights
    ``w_i = p_i/P`` (or ``1/n``), CV ≤ c reads ``f(u) := sqrt(Σ w_i (u_i − ū)²) ≤ c ū``, ``ū = Σ w_i u_i``.
    ``f`` is a Euclidean norm of a linear map of u, so convex and positively homogeneous; at any u⁰
    with ``f(u⁰) > 0`` its gradient ``g = w ⊙ (u⁰ − ū⁰)/f(u⁰)`` satisfies ``g·u ≤ f(u)`` for **every** u
    (Cauchy–Schwarz). So the tangent cut ``Σ_i (g_i − c w_i) u_i ≤ 0`` holds at every plan meeting
    the limit: cuts never remove a feasible plan, and the master (with cuts, and with whole-unit
    constraints relaxed for speed) is a relaxation of the true problem — its HiGHS dual bound is a
    valid **lower bound** on the optimal cost. The exact pass-rule-only optimum (schools solved
    independently, whole units) is another valid lower bound; the larger is reported.

    Plans (**upper bounds**) never rely on the cuts being tight: for a choice of tolerated indicators
    ``y`` (from the master, and the per-school optimum), each indicator is *water-filled*: every
    school below a level ``h`` (relative to threshold) is raised to ``h`` — in whole units where
    required — with the smallest ``h`` (bisection) that brings the CV within the limit. Raising
    schools at the bottom lowers the CV monotonically, and for enrolment weights and continuous
    resources water-filling is the exact optimum for the given ``y`` (KKT: all raised schools share
    one level). Every candidate is checked with ``standard.county_difference_coefficients`` (the code
    the verdict uses) before it is accepted, and the final plan with ``standard.assess_county``.

    Loop: solve master → build candidates → keep the cheapest valid plan → stop if
    ``(cost − lower bound) ≤ optimality_gap · cost`` (default 1 %) → else add cuts at the master's
    point for every violated indicator and at the water-filled point of every indicator whose CV is
    within 2 % of the limit (supporting cuts where the optimum lies) → repeat, until ``max_rounds``
    or ``time_limit`` (default 3 s). The result always meets the standard; ``plan.gap`` says how far
    from optimal it can at most be. When the CV limits do not bind, the per-school optimum is
    returned with gap 0 and no MILP is solved.

Infeasibility
    :class:`InfeasiblePlanError` (a ``ValueError``) names the constraint, school and/or indicator:
    a school whose ``max_additions`` keep an indicator below 85 % or keep two indicators below 100 %
    (checked before solving), or indicators whose CV limit cannot be reached within the bounds
    (master infeasible; diagnosed by water-filling each indicator as far as the bounds allow).

Invariants
    Unit costs are positive; upper bounds are ≥ 0 (``inf`` = unbounded); additions never remove
    resources (transfers between schools are not modelled).

Read next: ``standard.py`` (the rule this plans for), ``inequality.py`` (the CV formula).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from educloud.algos.inequality import difference_coefficient
from educloud.algos.standard import (
    INDICATOR_KEYS,
    INDICATORS,
    MEETS_RTOL,
    PARTIAL_FRACTION,
    CvWeighting,
    StageStandard,
    assess_county,
    county_difference_coefficients,
    per_students_scale,
    validate_school_counts,
)

__all__ = [
    "RESOURCE_KEYS",
    "AllocationPlan",
    "InfeasiblePlanError",
    "PlanNotConvergedError",
    "SchoolPlan",
    "plan_minimum_cost",
    "plan_within_budget",
]

RESOURCE_KEYS: tuple[str, ...] = tuple(indicator.numerator_key for indicator in INDICATORS)
_K = len(INDICATORS)
_INTEGER = np.array([indicator.integer_resource for indicator in INDICATORS])
_RELAX = 1.0 - PARTIAL_FRACTION  # 0.15: how far below threshold the one tolerated indicator may be
_REPAIR_RTOL = 1e-10  # < MEETS_RTOL · 0.85, so a repaired integer count always passes the check


class InfeasiblePlanError(ValueError):
    """The request cannot be met; ``constraint`` is ``"school_pass"`` or ``"cv_limit"``."""

    def __init__(
        self,
        message: str,
        *,
        constraint: str,
        school: int | None = None,
        school_id: str | None = None,
        indicators: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.school = school
        self.school_id = school_id
        self.indicators = indicators


class PlanNotConvergedError(RuntimeError):
    """The cutting-plane loop hit ``max_rounds`` (or the solver its time limit) without a valid plan."""


@dataclass(frozen=True)
class SchoolPlan:
    """What one school receives and what it changes.

    ``additions`` maps resource keys (``standard.Indicator.numerator_key``) to amounts (only
    non-zero ones); ``newly_met`` are indicators that go from below to at/above threshold;
    ``still_below`` those still under threshold afterwards (at most one if the school passes).
    """

    row: int
    school_id: str
    additions: dict[str, float]
    cost: float
    passes_before: bool
    passes_after: bool
    newly_met: tuple[str, ...]
    still_below: tuple[str, ...]


@dataclass(frozen=True)
class AllocationPlan:
    """A plan and its explanation. ``additions`` is ``(n, 7)`` in :data:`RESOURCE_KEYS` order."""

    mode: Literal["minimum_cost", "within_budget"]
    additions: NDArray[np.float64]
    schools: tuple[SchoolPlan, ...]
    total_cost: float
    cost_by_resource: dict[str, float]
    amount_by_resource: dict[str, float]
    budget: float | None
    schools_passing_before: int
    schools_passing_after: int
    cv_before: dict[str, float]
    cv_after: dict[str, float]
    cv_limit: float
    county_passes_after: bool
    rounds: int
    cuts: int
    seconds: float
    cost_lower_bound: float
    gap: float
    unreachable_schools: tuple[int, ...] = field(default=())

    def schools_receiving(self) -> tuple[SchoolPlan, ...]:
        return tuple(school for school in self.schools if school.additions)


# --- input handling ---------------------------------------------------------------------------


def _per_resource(
    data: Mapping[str, float] | ArrayLike, *, name: str, n_schools: int, allow_inf: bool
) -> NDArray[np.float64]:
    """Unit costs / bounds given per resource key (mapping) or as an array broadcastable to (n, 7)."""
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - set(RESOURCE_KEYS))
        if unknown:
            raise ValueError(
                f"{name}: unknown resource key(s) {', '.join(unknown)}; expected {RESOURCE_KEYS}"
            )
        if not allow_inf:
            missing = [key for key in RESOURCE_KEYS if key not in data]
            if missing:
                raise ValueError(f"{name}: missing resource key(s) {', '.join(missing)}")
        array = np.array([float(data.get(key, np.inf)) for key in RESOURCE_KEYS])
    else:
        try:
            array = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: cannot be read as numbers ({exc})") from exc
    try:
        full = np.broadcast_to(array, (n_schools, _K)).copy()
    except ValueError as exc:
        raise ValueError(
            f"{name}: shape {array.shape} does not fit (n_schools, {_K}) = {(n_schools, _K)}"
        ) from exc
    if np.any(np.isnan(full)) or (not allow_inf and not np.all(np.isfinite(full))):
        raise ValueError(f"{name}: missing or non-finite value")
    negative = np.argwhere(full < 0)
    if negative.size:
        row, column = (int(v) for v in negative[0])
        raise ValueError(f"{name}: negative value at school row {row}, resource {RESOURCE_KEYS[column]}")
    return full


@dataclass
class _Problem:
    counts: NDArray[np.float64]  # a (n, 7)
    pupils: NDArray[np.float64]  # p (n,)
    required: NDArray[np.float64]  # T (n, 7)
    deficient: NDArray[np.bool_]  # a < T (n, 7)
    weights: NDArray[np.float64]  # CV weights, sum 1 (n,)
    unit_costs: NDArray[np.float64]  # (7,)
    upper: NDArray[np.float64]  # (n, 7), may be inf
    column_scale: NDArray[np.float64]  # internal unit of each resource (7,)
    standard: StageStandard
    cv_weighting: CvWeighting
    school_ids: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.counts.shape[0])


def _prepare(
    numerators: ArrayLike,
    enrolment: ArrayLike,
    standard: StageStandard,
    unit_costs: Mapping[str, float] | ArrayLike,
    max_additions: Mapping[str, float] | ArrayLike | None,
    school_ids: Sequence[str] | None,
    cv_weighting: CvWeighting,
) -> _Problem:
    counts, pupils = validate_school_counts(numerators, enrolment)
    n = counts.shape[0]
    if cv_weighting not in ("enrolment", "unweighted"):
        raise ValueError(f"cv_weighting: expected 'enrolment' or 'unweighted', got {cv_weighting!r}")
    costs = _per_resource(unit_costs, name="unit_costs", n_schools=1, allow_inf=False)[0]
    zero = np.flatnonzero(costs <= 0)
    if zero.size:
        raise ValueError(f"unit_costs: {RESOURCE_KEYS[int(zero[0])]} must have a positive unit cost")
    upper = (
        np.full((n, _K), np.inf)
        if max_additions is None
        else _per_resource(max_additions, name="max_additions", n_schools=n, allow_inf=True)
    )
    upper[:, _INTEGER] = np.floor(upper[:, _INTEGER])
    if school_ids is None:
        ids = tuple(str(row) for row in range(n))
    else:
        ids = tuple(str(school) for school in school_ids)
        if len(ids) != n:
            raise ValueError(f"school_ids: length {len(ids)} does not match {n} schools")
    required = standard.thresholds[None, :] * pupils[:, None] / per_students_scale()[None, :]
    deficient = counts < required * (1.0 - MEETS_RTOL)
    weights = pupils / pupils.sum() if cv_weighting == "enrolment" else np.full(n, 1.0 / n)
    column_scale = np.where(_INTEGER, 1.0, np.median(required, axis=0))
    return _Problem(
        counts=counts,
        pupils=pupils,
        required=required,
        deficient=deficient,
        weights=weights,
        unit_costs=costs,
        upper=upper,
        column_scale=column_scale,
        standard=standard,
        cv_weighting=cv_weighting,
        school_ids=ids,
    )


def _schools_that_cannot_pass(problem: _Problem) -> dict[int, str]:
    """Schools whose upper bounds make the pass rule unreachable, with the reason."""
    reachable = problem.counts + problem.upper
    full = reachable >= problem.required * (1.0 - MEETS_RTOL)
    partial = reachable >= PARTIAL_FRACTION * problem.required * (1.0 - MEETS_RTOL)
    reasons: dict[int, str] = {}
    for row in range(problem.n):
        below_partial = np.flatnonzero(~partial[row])
        below_full = np.flatnonzero(~full[row])
        if below_partial.size:
            column = int(below_partial[0])
            needed = PARTIAL_FRACTION * problem.required[row, column] - problem.counts[row, column]
            reasons[row] = (
                f"{INDICATOR_KEYS[column]} cannot reach 85% of its threshold: needs {needed:.6g} more "
                f"{RESOURCE_KEYS[column]}, at most {problem.upper[row, column]:.6g} allowed"
            )
        elif below_full.size > 1:
            keys = ", ".join(INDICATOR_KEYS[int(c)] for c in below_full)
            reasons[row] = f"{keys} cannot all reach their thresholds and only one may stay below"
    return reasons


# --- the MILP ---------------------------------------------------------------------------------


class _Model:
    """Variables ``[ξ (n·7) | y (deficient pairs)]`` and growing rows (the pass rule, then CV cuts).

    ``ξ_ik = x_ik / column_scale_k`` so continuous resources are O(1). ``whole_units=False`` relaxes
    the integrality of teachers / classrooms (the master stays a relaxation). Rows are kept as
    sparse blocks so that cuts can be appended between solves.
    """

    def __init__(self, problem: _Problem, *, whole_units: bool = True) -> None:
        self.problem = problem
        n = problem.n
        self.n_x = n * _K
        self.pairs = [(int(i), int(k)) for i, k in np.argwhere(problem.deficient)]
        self.y_start = self.n_x
        self.n_vars = self.y_start + len(self.pairs)
        upper = problem.upper
        self.lb = np.zeros(self.n_vars)
        self.ub = np.ones(self.n_vars)
        self.ub[: self.n_x] = (upper / problem.column_scale[None, :]).ravel()
        self.integrality = np.ones(self.n_vars, dtype=np.int64)
        self.integrality[: self.n_x] = np.tile(_INTEGER & whole_units, n).astype(np.int64)
        self.cost = np.zeros(self.n_vars)
        self.cost[: self.n_x] = np.tile(problem.unit_costs * problem.column_scale, n)

        self._blocks: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]] = []
        self._lower: list[NDArray[np.float64]] = []
        self._upper: list[NDArray[np.float64]] = []
        self.n_rows = 0
        self.cuts = 0
        self._add_pass_rule_rows()

    def add_rows(
        self,
        local_rows: NDArray[np.int64],
        cols: NDArray[np.int64],
        values: NDArray[np.float64],
        lower: NDArray[np.float64],
        upper: NDArray[np.float64],
    ) -> None:
        self._blocks.append((np.asarray(local_rows) + self.n_rows, np.asarray(cols), np.asarray(values)))
        self._lower.append(np.asarray(lower, dtype=np.float64))
        self._upper.append(np.asarray(upper, dtype=np.float64))
        self.n_rows += len(lower)

    def _add_pass_rule_rows(self) -> None:
        problem = self.problem
        if not self.pairs:
            return
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        per_school: dict[int, list[int]] = {}
        for offset, (i, k) in enumerate(self.pairs):
            y_col = self.y_start + offset
            per_school.setdefault(i, []).append(y_col)
            required = problem.required[i, k]
            deficit = (required - problem.counts[i, k]) / required
            row = len(lower)
            rows += [row, row]
            cols += [i * _K + k, y_col]
            values += [problem.column_scale[k] / required, _RELAX]
            lower.append(deficit)
            upper.append(np.inf)
        for y_cols in per_school.values():
            if len(y_cols) > 1:
                row = len(lower)
                rows += [row] * len(y_cols)
                cols += y_cols
                values += [1.0] * len(y_cols)
                lower.append(-np.inf)
                upper.append(1.0)
        self.add_rows(np.array(rows), np.array(cols), np.array(values), np.array(lower), np.array(upper))

    def add_cv_cut(self, column: int, relative_values: NDArray[np.float64]) -> bool:
        """Tangent cut ``Σ_i (g_i − c w_i) u_i ≤ 0`` at ``u = relative_values``; False if degenerate."""
        problem = self.problem
        w = problem.weights
        limit = problem.standard.cv_limit
        mean = float(w @ relative_values)
        deviation = relative_values - mean
        spread = math.sqrt(max(float(w @ deviation**2), 0.0))
        if spread <= 0 or mean <= 0:
            return False
        r = w * deviation / spread - limit * w  # r · u ≤ 0 with u_i = (a_i + x_i) / T_i
        required = problem.required[:, column]
        coefs = r * problem.column_scale[column] / required
        rhs = -float(r @ (problem.counts[:, column] / required))
        norm = float(np.max(np.abs(coefs)))
        self.add_rows(
            np.zeros(problem.n, dtype=np.int64),
            np.arange(problem.n) * _K + column,
            coefs / norm,
            np.array([-np.inf]),
            np.array([rhs / norm]),
        )
        self.cuts += 1
        return True

    def solve(
        self, objective: NDArray[np.float64], *, time_limit: float, mip_rel_gap: float
    ) -> tuple[int, NDArray[np.float64] | None, float, str]:
        """Return (scipy status, x or None, dual bound, message)."""
        rows = np.concatenate([block[0] for block in self._blocks])
        cols = np.concatenate([block[1] for block in self._blocks])
        values = np.concatenate([block[2] for block in self._blocks])
        matrix = coo_matrix((values, (rows, cols)), shape=(self.n_rows, self.n_vars)).tocsr()
        result = milp(
            objective,
            integrality=self.integrality,
            bounds=Bounds(self.lb, self.ub),
            constraints=[LinearConstraint(matrix, np.concatenate(self._lower), np.concatenate(self._upper))],
            options={"time_limit": max(time_limit, 0.05), "mip_rel_gap": mip_rel_gap, "presolve": True},
        )
        x = None if result.x is None else np.asarray(result.x, dtype=np.float64)
        dual_bound = getattr(result, "mip_dual_bound", None)
        if dual_bound is None or not np.isfinite(dual_bound):
            dual_bound = float(result.fun) if result.status == 0 and result.fun is not None else -np.inf
        return int(result.status), x, float(dual_bound), str(result.message)


# --- primal plans: rounding, top-up, water-filling --------------------------------------------


def _tolerated(model: _Model, raw: NDArray[np.float64]) -> NDArray[np.bool_]:
    """``(n, 7)``: the indicator each school is allowed to leave between 85 % and 100 %."""
    tolerated = np.zeros((model.problem.n, _K), dtype=bool)
    for offset, (i, k) in enumerate(model.pairs):
        tolerated[i, k] = raw[model.y_start + offset] > 0.5
    return tolerated


def _pass_rule_floor(
    problem: _Problem, tolerated: NDArray[np.bool_], passing: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Smallest additions meeting the pass rule for the chosen tolerated indicators (exact, rounded up)."""
    target = problem.required * (1.0 - _RELAX * tolerated)
    need = np.where(problem.deficient & passing[:, None], target - problem.counts, 0.0)
    need[:, _INTEGER] = np.ceil(need[:, _INTEGER] - _REPAIR_RTOL * problem.required[:, _INTEGER])
    return np.maximum(need, 0.0)


def _rounded(model: _Model, raw: NDArray[np.float64]) -> NDArray[np.float64]:
    problem = model.problem
    additions = np.maximum(raw[: model.n_x].reshape(problem.n, _K) * problem.column_scale[None, :], 0.0)
    additions[:, _INTEGER] = np.round(additions[:, _INTEGER])
    additions[(~_INTEGER)[None, :] & (additions < 1e-9 * problem.column_scale[None, :])] = 0.0
    return additions


def _cvs(problem: _Problem, additions: NDArray[np.float64]) -> NDArray[np.float64]:
    values = (problem.counts + additions) * per_students_scale() / problem.pupils[:, None]
    return county_difference_coefficients(values, problem.pupils, cv_weighting=problem.cv_weighting)


def _water_fill(problem: _Problem, column: int, floor: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Raise the lowest schools of one indicator to a common level until its CV is within the limit.

    Starting from ``floor`` (additions already needed), every school below level ``h`` (relative to
    its threshold) is raised to ``h`` — whole units for teachers / classrooms — with the smallest
    ``h`` found by bisection. For enrolment weights and continuous resources this is the cheapest
    way to meet the CV given the floor (KKT: free schools share one level). ``None`` if the upper
    bounds stop it from reaching the limit.
    """
    required = problem.required[:, column]
    counts = problem.counts[:, column]
    base = counts + floor
    ceiling = counts + problem.upper[:, column]
    integer = bool(_INTEGER[column])
    limit = problem.standard.cv_limit
    weights = problem.pupils if problem.cv_weighting == "enrolment" else None

    def additions_at(level: float) -> NDArray[np.float64]:
        wanted = level * required
        if integer:
            wanted = np.ceil(wanted - _REPAIR_RTOL * required)
        return np.minimum(np.maximum(base, wanted), ceiling) - counts

    def cv_at(level: float) -> float:
        totals = counts + additions_at(level)
        if not np.any(totals > 0):
            return math.inf
        return difference_coefficient(totals / required, weights=weights)

    low = float(np.min(base / required))
    high = float(np.max(base / required))
    if cv_at(low) <= limit:
        return floor.copy()
    if not cv_at(high) <= limit:
        return None
    for _ in range(60):
        middle = 0.5 * (low + high)
        if cv_at(middle) <= limit:
            high = middle
        else:
            low = middle
        if high - low <= 1e-9 * high:
            break
    return additions_at(high)


def _water_filled_plan(
    problem: _Problem, tolerated: NDArray[np.bool_], passing: NDArray[np.bool_]
) -> NDArray[np.float64] | None:
    floor = _pass_rule_floor(problem, tolerated, passing)
    plan = np.empty_like(floor)
    for column in range(_K):
        filled = _water_fill(problem, column, floor[:, column])
        if filled is None:
            return None
        plan[:, column] = filled
    return plan


def _cheapest_pass_per_school(problem: _Problem) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Exact cheapest way for each school alone to pass: which indicator to tolerate, and its cost.

    Enumerates "tolerate none" and "tolerate k" for every deficient k, with whole units rounded up
    and ``max_additions`` respected. Schools are independent under the pass rule, so the sum of
    these costs is the exact optimum of the problem without CV limits — a valid lower bound for the
    full problem. Unreachable schools get cost ``inf``.
    """
    n = problem.n
    no_tolerance = np.zeros((n, _K), dtype=bool)
    all_passing = np.ones(n, dtype=bool)
    full = _pass_rule_floor(problem, no_tolerance, all_passing)
    partial = _pass_rule_floor(problem, np.ones((n, _K), dtype=bool), all_passing)
    within = problem.upper
    full_ok = full <= within
    cost_full = (full * problem.unit_costs[None, :]).sum(axis=1)
    saving = (full - partial) * problem.unit_costs[None, :]  # (n, 7): saving if k is the tolerated one
    options = np.full((n, _K + 1), np.inf)
    options[:, 0] = np.where(full_ok.all(axis=1), cost_full, np.inf)
    for k in range(_K):
        others_ok = np.delete(full_ok, k, axis=1).all(axis=1)
        allowed = problem.deficient[:, k] & others_ok & (partial[:, k] <= within[:, k])
        options[:, k + 1] = np.where(allowed, cost_full - saving[:, k], np.inf)
    choice = np.argmin(options, axis=1)
    tolerated = np.zeros((n, _K), dtype=bool)
    chosen_k = choice[choice > 0] - 1
    tolerated[np.flatnonzero(choice > 0), chosen_k] = True
    return tolerated, options[np.arange(n), choice]


# --- minimum-cost loop ------------------------------------------------------------------------


@dataclass
class _LoopResult:
    additions: NDArray[np.float64] | None
    lower_bound: float
    rounds: int
    cuts: int
    infeasible: bool


def _minimum_cost_loop(
    problem: _Problem, *, max_rounds: int, deadline: float, optimality_gap: float
) -> _LoopResult:
    """Outer approximation with a water-filling primal step; stops when the proven gap is small."""
    model = _Model(problem, whole_units=False)
    current = problem.counts / problem.required
    for column in range(_K):
        for state in (
            current[:, column],
            np.maximum(current[:, column], PARTIAL_FRACTION),
            np.maximum(current[:, column], 1.0),
        ):
            if _relative_cv(problem, state) > problem.standard.cv_limit:
                model.add_cv_cut(column, state)
    unit_costs = problem.unit_costs
    passing = np.ones(problem.n, dtype=bool)
    school_tolerated, school_costs = _cheapest_pass_per_school(problem)
    lower_bound = float(school_costs.sum())  # the pass rule alone: exact, a relaxation of the whole
    best: NDArray[np.float64] | None = None
    best_cost = math.inf

    def consider(candidate: NDArray[np.float64] | None) -> None:
        nonlocal best, best_cost
        if candidate is None or not np.all(_cvs(problem, candidate) <= problem.standard.cv_limit):
            return
        cost = float(np.sum(candidate * unit_costs[None, :]))
        if cost < best_cost:
            best, best_cost = candidate, cost

    consider(_water_filled_plan(problem, school_tolerated, passing))
    rounds = 0
    while best is None or best_cost - lower_bound > optimality_gap * best_cost:
        if rounds >= max_rounds or time.perf_counter() >= deadline:
            break
        rounds += 1
        status, raw, dual_bound, _ = model.solve(
            model.cost, time_limit=deadline - time.perf_counter(), mip_rel_gap=optimality_gap / 4
        )
        if status == 2:
            return _LoopResult(None, math.inf, rounds, model.cuts, infeasible=True)
        if raw is None:
            break
        lower_bound = max(lower_bound, dual_bound)
        tolerated = _tolerated(model, raw)
        master_point = np.maximum(_rounded(model, raw), _pass_rule_floor(problem, tolerated, passing))
        filled = _water_filled_plan(problem, tolerated, passing)
        consider(master_point)
        consider(filled)
        if best is not None and best_cost - lower_bound <= optimality_gap * best_cost:
            break
        added = False
        relative = (problem.counts + master_point) / problem.required
        for column, cv in enumerate(_cvs(problem, master_point)):
            if cv > problem.standard.cv_limit:
                added |= model.add_cv_cut(column, relative[:, column])
        if filled is not None:  # supporting cuts where the optimum probably lies
            relative = (problem.counts + filled) / problem.required
            for column, cv in enumerate(_cvs(problem, filled)):
                if cv >= 0.98 * problem.standard.cv_limit:
                    added |= model.add_cv_cut(column, relative[:, column])
        if not added:
            break
    if best is None:
        raise PlanNotConvergedError(
            f"no plan meeting every CV limit found in {rounds} rounds / the time limit"
        )
    return _LoopResult(best, lower_bound, rounds, model.cuts, infeasible=False)


def _relative_cv(problem: _Problem, relative_values: NDArray[np.float64]) -> float:
    if not np.any(relative_values > 0):
        return math.inf
    weights = problem.pupils if problem.cv_weighting == "enrolment" else None
    return difference_coefficient(relative_values, weights=weights)


# --- public API -------------------------------------------------------------------------------


def plan_minimum_cost(
    numerators: ArrayLike,
    enrolment: ArrayLike,
    *,
    standard: StageStandard,
    unit_costs: Mapping[str, float] | ArrayLike,
    max_additions: Mapping[str, float] | ArrayLike | None = None,
    school_ids: Sequence[str] | None = None,
    cv_weighting: CvWeighting = "enrolment",
    optimality_gap: float = 1e-2,
    max_rounds: int = 40,
    time_limit: float = 3.0,
) -> AllocationPlan:
    """Cheapest additions so that every school passes and every indicator's CV ≤ the limit.

    ``unit_costs`` and ``max_additions`` are keyed by :data:`RESOURCE_KEYS` (or arrays in that order;
    ``max_additions`` may also be ``(n, 7)`` per school, ``inf`` = unbounded, missing keys unbounded).
    The returned plan always meets the standard; its cost is within ``plan.gap`` (relative) of the
    proven lower bound ``plan.cost_lower_bound``. Raises :class:`InfeasiblePlanError` naming the
    school / indicator that cannot be satisfied.
    """
    started = time.perf_counter()
    problem = _prepare(numerators, enrolment, standard, unit_costs, max_additions, school_ids, cv_weighting)
    _check_loop_settings(optimality_gap, max_rounds, time_limit)
    _raise_if_a_school_cannot_pass(problem)
    result = _minimum_cost_loop(
        problem, max_rounds=max_rounds, deadline=started + time_limit, optimality_gap=optimality_gap
    )
    if result.infeasible or result.additions is None:
        _raise_cv_infeasible(problem)
    assert result.additions is not None
    plan = _explain(
        problem,
        result.additions,
        "minimum_cost",
        None,
        result.rounds,
        result.cuts,
        result.lower_bound,
        started,
        (),
    )
    if not plan.county_passes_after:
        raise PlanNotConvergedError("internal check failed: the plan does not make the county pass")
    return plan


def plan_within_budget(
    numerators: ArrayLike,
    enrolment: ArrayLike,
    *,
    standard: StageStandard,
    unit_costs: Mapping[str, float] | ArrayLike,
    budget: float,
    max_additions: Mapping[str, float] | ArrayLike | None = None,
    school_ids: Sequence[str] | None = None,
    cv_weighting: CvWeighting = "enrolment",
    optimality_gap: float = 1e-2,
    max_rounds: int = 40,
    time_limit: float = 3.0,
) -> AllocationPlan:
    """Best plan costing at most ``budget``.

    If the cheapest plan that makes the whole county pass (:func:`plan_minimum_cost`) fits the
    budget, that plan is returned. Otherwise the county cannot pass within the budget, and the plan
    maximises the number of passing schools, then minimises cost (exact: schools are taken in order
    of their cheapest passing cost); the CV limits are not targeted in that case but reported in
    ``cv_after``. Never infeasible (adding
    nothing is a plan); schools that cannot pass within ``max_additions`` are listed in
    ``unreachable_schools``. A negative or non-finite budget is a ``ValueError``.
    """
    started = time.perf_counter()
    if isinstance(budget, bool) or not (
        isinstance(budget, int | float) and math.isfinite(budget) and budget >= 0
    ):
        raise ValueError(f"budget: must be a finite number ≥ 0, got {budget!r}")
    problem = _prepare(numerators, enrolment, standard, unit_costs, max_additions, school_ids, cv_weighting)
    _check_loop_settings(optimality_gap, max_rounds, time_limit)
    unreachable = tuple(sorted(_schools_that_cannot_pass(problem)))
    if not unreachable:
        try:
            full = _minimum_cost_loop(
                problem,
                max_rounds=max_rounds,
                deadline=started + time_limit / 2,
                optimality_gap=optimality_gap,
            )
        except PlanNotConvergedError:
            full = None
        if full is not None and full.additions is not None:
            cost = float(np.sum(full.additions * problem.unit_costs[None, :]))
            if cost <= budget:
                return _explain(
                    problem,
                    full.additions,
                    "within_budget",
                    float(budget),
                    full.rounds,
                    full.cuts,
                    full.lower_bound,
                    started,
                    (),
                )

    # The county cannot pass within the budget. Without CV limits schools are independent, so the
    # most schools pass by taking them in order of their exact cheapest passing cost (ties: row).
    tolerated, school_costs = _cheapest_pass_per_school(problem)
    order = np.argsort(school_costs, kind="stable")
    cumulative = np.cumsum(school_costs[order])
    chosen = np.zeros(problem.n, dtype=bool)
    chosen[order[cumulative <= budget * (1 + 1e-12)]] = True
    additions = _pass_rule_floor(problem, tolerated, chosen)
    exact_cost = float(np.sum(additions * problem.unit_costs[None, :]))  # optimal for this objective
    return _explain(
        problem, additions, "within_budget", float(budget), 0, 0, exact_cost, started, unreachable
    )


def _raise_if_a_school_cannot_pass(problem: _Problem) -> None:
    unreachable = _schools_that_cannot_pass(problem)
    if unreachable:
        row, reason = next(iter(unreachable.items()))
        raise InfeasiblePlanError(
            f"school {problem.school_ids[row]} (row {row}) cannot pass within max_additions: {reason}",
            constraint="school_pass",
            school=row,
            school_id=problem.school_ids[row],
            indicators=tuple(key for key in INDICATOR_KEYS if key in reason),
        )


def _check_loop_settings(optimality_gap: float, max_rounds: int, time_limit: float) -> None:
    if not 0 < optimality_gap < 1:
        raise ValueError(f"optimality_gap: must be in (0, 1), got {optimality_gap!r}")
    if max_rounds < 1:
        raise ValueError(f"max_rounds: must be ≥ 1, got {max_rounds!r}")
    if not time_limit > 0:
        raise ValueError(f"time_limit: must be positive, got {time_limit!r}")


def _raise_cv_infeasible(problem: _Problem) -> None:
    """Name the indicators whose CV limit is out of reach within ``max_additions``.

    From the pass-rule floor, every school of an indicator is raised from the bottom as far as its
    bounds allow (capped water-filling); an indicator for which even the fullest fill misses the
    limit is named. Otherwise the limits conflict with the pass rule under the bounds.
    """
    limit = problem.standard.cv_limit
    everyone_passes = np.ones(problem.n, dtype=bool)
    floor = _pass_rule_floor(problem, np.zeros((problem.n, _K), dtype=bool), everyone_passes)
    floor = np.minimum(floor, problem.upper)
    hopeless = tuple(INDICATOR_KEYS[k] for k in range(_K) if _water_fill(problem, k, floor[:, k]) is None)
    if hopeless:
        raise InfeasiblePlanError(
            f"the difference-coefficient limit {limit} of {', '.join(hopeless)} cannot be met within "
            "max_additions",
            constraint="cv_limit",
            indicators=hopeless,
        )
    raise InfeasiblePlanError(
        f"the difference-coefficient limits ({limit}) cannot be met within max_additions while every "
        "school passes",
        constraint="cv_limit",
        indicators=INDICATOR_KEYS,
    )


def _explain(
    problem: _Problem,
    additions: NDArray[np.float64],
    mode: Literal["minimum_cost", "within_budget"],
    budget: float | None,
    rounds: int,
    cuts: int,
    lower_bound: float,
    started: float,
    unreachable: tuple[int, ...],
) -> AllocationPlan:
    before = assess_county(
        problem.counts, problem.pupils, problem.standard, cv_weighting=problem.cv_weighting
    )
    after = assess_county(
        problem.counts + additions, problem.pupils, problem.standard, cv_weighting=problem.cv_weighting
    )
    costs = additions * problem.unit_costs[None, :]
    schools: list[SchoolPlan] = []
    for row in range(problem.n):
        met_before, met_after = before.schools.met[row], after.schools.met[row]
        schools.append(
            SchoolPlan(
                row=row,
                school_id=problem.school_ids[row],
                additions={
                    RESOURCE_KEYS[k]: float(additions[row, k]) for k in range(_K) if additions[row, k] > 0
                },
                cost=float(costs[row].sum()),
                passes_before=bool(before.schools.passes[row]),
                passes_after=bool(after.schools.passes[row]),
                newly_met=tuple(INDICATOR_KEYS[k] for k in range(_K) if met_after[k] and not met_before[k]),
                still_below=tuple(INDICATOR_KEYS[k] for k in range(_K) if not met_after[k]),
            )
        )
    return AllocationPlan(
        mode=mode,
        additions=additions,
        schools=tuple(schools),
        total_cost=float(costs.sum()),
        cost_by_resource={key: float(costs[:, k].sum()) for k, key in enumerate(RESOURCE_KEYS)},
        amount_by_resource={key: float(additions[:, k].sum()) for k, key in enumerate(RESOURCE_KEYS)},
        budget=budget,
        schools_passing_before=int(before.schools.passes.sum()),
        schools_passing_after=int(after.schools.passes.sum()),
        cv_before={d.key: d.cv for d in before.dispersion},
        cv_after={d.key: d.cv for d in after.dispersion},
        cv_limit=problem.standard.cv_limit,
        county_passes_after=after.passes,
        rounds=rounds,
        cuts=cuts,
        seconds=time.perf_counter() - started,
        cost_lower_bound=float(lower_bound),
        gap=_relative_gap(float(costs.sum()), lower_bound),
        unreachable_schools=unreachable,
    )


def _relative_gap(cost: float, lower_bound: float) -> float:
    if cost <= 0:
        return 0.0
    if not math.isfinite(lower_bound):
        return math.inf
    return max(cost - lower_bound, 0.0) / cost
