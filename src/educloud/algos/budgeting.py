"""Budget-constrained selection of projects for the 成渝教育协同发展专项基金, and review-score hygiene.

What it owns
    Given ``P`` projects with costs ``c`` and a budget ``B``:

    * :func:`knapsack_select` — the exact 0/1 knapsack: maximise ``Σ v_p x_p`` s.t. ``Σ c_p x_p ≤ B``
      (and, optionally, a minimum spend per group — province, category — ``Σ_{p∈g} c_p x_p ≥ f_g``),
      solved as a MILP with SciPy's HiGHS (``scipy.optimize.milp``, relative gap 0).
    * :func:`greedy_select` — utilitarian greedy: projects in decreasing value (``order="value"``) or
      value per yuan (``order="ratio"``); each is funded if it still fits, otherwise skipped
      (the scan goes on). This is ``pabutools``' ``greedy_utilitarian_welfare`` for additive
      satisfaction (``order="ratio"``); ``order="value"`` is the same rule with satisfaction
      ``v_p · c_p`` (so that value per cost is the value).
    * :func:`mes_select` — the Method of Equal Shares with cardinal utilities ``u`` (voters ×
      projects): every voter starts with ``B / n``; a project is ``ρ``-affordable when
      ``Σ_i min(b_i, ρ u_ip) = c_p``; the project with the smallest ``ρ`` is funded and its
      supporters pay ``min(b_i, ρ u_ip)``; it stops when no project is affordable. With
      ``completion="greedy"`` the leftover budget is filled by :func:`greedy_select` (ratio) over
      the unfunded projects with total utility as value (``pabutools``'
      ``completion_by_rule_combination`` of MES then greedy).
    * :func:`phragmen_select` — sequential Phragmén for approval ballots (Los, Christoff & Grossi
      2022, as in ``pabutools``): a project's new maximal load is ``(Σ_{i∈N_p} ℓ_i + c_p)/|N_p|``;
      the project with the smallest one is funded and its supporters' loads are set to it; the rule
      stops at the first such project that does not fit the budget.

    Ties (equal value, ratio, ρ or load within a relative 1e-12) go to the lower project index — the
    lexicographic tie-breaking of ``pabutools`` with names that sort like indices. Knapsack ties
    between optimal sets are left to the solver (tests compare objective values, and sets on
    instances whose optimum is unique).

    Reviews: :func:`normalise_scores` turns raw scores (reviewers × projects, ``nan`` where not
    reviewed) into per-reviewer z-scores rescaled to the pooled mean and standard deviation of all
    raw scores, so a harsh reviewer and a lenient one weigh the same; a reviewer with fewer than two
    scores, or all equal, carries no ranking information: their scores map to the pooled mean.
    :func:`assign_reviewers` gives each project ``k`` reviewers among those not in conflict with it
    (least-loaded first); a conflicted pair is never assigned.

Invariants
    Costs finite and > 0, budget finite and ≥ 0, values/utilities finite and ≥ 0; otherwise
    ``ValueError`` names the argument and the first bad entry. Every result spends at most ``B``.
    :class:`Selection` reports, per project, why it was or was not funded (``reasons``).

Read next: ``educloud.governance.fund`` (turns applications and reviews into these arrays).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = [
    "Reason",
    "Selection",
    "assign_reviewers",
    "greedy_select",
    "knapsack_select",
    "mes_select",
    "normalise_scores",
    "phragmen_select",
    "project_scores",
]

_REL_TIE = 1e-12

# Why a project was (not) funded; the web layer words these in Chinese.
#   funded            selected by the rule (round / rank in ``detail``)
#   skipped_no_room   its turn came but the remaining budget was smaller than its cost
#   not_in_optimum    knapsack: the optimal set under the budget (and floors) leaves it out
#   unaffordable      MES: its supporters' remaining money fell short of its cost
#   stopped           Phragmén: the rule stopped before this project (a cheaper-load one did not fit)
#   no_support        no voter gives it positive utility / approval (MES: never affordable)
Reason = Literal["funded", "skipped_no_room", "not_in_optimum", "unaffordable", "stopped", "no_support"]


@dataclass(frozen=True)
class Selection:
    """The funded projects (indices, in funding order) and a reason for every project."""

    rule: str
    selected: tuple[int, ...]
    budget: float
    total_cost: float
    objective: float
    reasons: tuple[Reason, ...]
    # Per project: the rule's number behind the decision (greedy rank, MES ρ, Phragmén load,
    # remaining budget when skipped); nan where none.
    detail: tuple[float, ...] = field(default=())

    @property
    def selected_set(self) -> frozenset[int]:
        return frozenset(self.selected)


# --------------------------------------------------------------------------------------------- input


def _vector(data: ArrayLike, *, name: str, positive: bool) -> NDArray[np.float64]:
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be read as numbers ({exc})") from exc
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-d array, got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{name}: missing or non-finite value at index {int(bad[0])}")
    bad = np.flatnonzero(array <= 0) if positive else np.flatnonzero(array < 0)
    if bad.size:
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{name}: value {array[bad[0]]!r} at index {int(bad[0])} is not {kind}")
    return array


def _budget(budget: float) -> float:
    value = float(budget)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"budget: must be a finite non-negative number, got {budget!r}")
    return value


def _costs_values(values: ArrayLike, costs: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    c = _vector(costs, name="costs", positive=True)
    v = _vector(values, name="values", positive=False)
    if v.shape != c.shape:
        raise ValueError(f"values: {v.shape[0]} entries for {c.shape[0]} costs")
    return v, c


def _matrix(data: ArrayLike, *, name: str, n_projects: int) -> NDArray[np.float64]:
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be read as numbers ({exc})") from exc
    if array.ndim != 2 or array.shape[1] != n_projects:
        raise ValueError(f"{name}: expected shape (voters, {n_projects}), got {array.shape}")
    bad = np.argwhere(~np.isfinite(array) | (array < 0))
    if bad.size:
        row, col = (int(v) for v in bad[0])
        raise ValueError(
            f"{name}: value {array[row, col]!r} at row {row}, column {col} is not a finite number ≥ 0"
        )
    return array


def _less(a: float, b: float) -> bool:
    """``a < b`` beyond a relative tie tolerance (ties go to the lower index)."""
    return a < b - _REL_TIE * max(abs(a), abs(b), 1e-300)


# ---------------------------------------------------------------------------------------- knapsack


def knapsack_select(
    values: ArrayLike,
    costs: ArrayLike,
    budget: float,
    *,
    groups: Sequence[str] | None = None,
    floors: Mapping[str, float] | None = None,
    time_limit: float = 60.0,
) -> Selection:
    """Exact 0/1 knapsack by MILP (HiGHS); ``floors[g]``: minimum spend on projects of group ``g``.

    Raises ``ValueError`` when the floors cannot all be met within the budget.
    """
    v, c = _costs_values(values, costs)
    b = _budget(budget)
    n = c.size
    rows = [c]
    lower = [-np.inf]
    upper = [b]
    if floors:
        if groups is None or len(groups) != n:
            raise ValueError("groups: one group label per project is needed with floors")
        for name, floor in floors.items():
            f = float(floor)
            if not np.isfinite(f) or f < 0:
                raise ValueError(f"floors: {name!r} must be a finite non-negative amount, got {floor!r}")
            if f == 0:
                continue
            mask = np.array([g == name for g in groups], dtype=np.float64)
            rows.append(c * mask)
            lower.append(f)
            upper.append(np.inf)
    if n == 0:
        return Selection("knapsack", (), b, 0.0, 0.0, (), ())
    result = milp(
        c=-v,
        constraints=LinearConstraint(np.vstack(rows), np.array(lower), np.array(upper)),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": float(time_limit)},
    )
    if result.status == 2 or result.x is None:
        raise ValueError("floors: no set of projects meets every floor within the budget")
    if result.status != 0:
        raise ValueError(f"knapsack: the solver stopped without a proven optimum ({result.message})")
    chosen = np.flatnonzero(result.x > 0.5)
    order = sorted(chosen.tolist(), key=lambda p: (-v[p], p))
    reasons: list[Reason] = ["not_in_optimum"] * n
    for p in order:
        reasons[p] = "funded"
    return Selection(
        "knapsack",
        tuple(order),
        b,
        float(c[chosen].sum()),
        float(v[chosen].sum()),
        tuple(reasons),
        tuple(float(v[p]) for p in range(n)),
    )


# ------------------------------------------------------------------------------------------ greedy


def _greedy(
    v: NDArray[np.float64],
    c: NDArray[np.float64],
    remaining: float,
    candidates: Sequence[int],
    order: Literal["value", "ratio"],
) -> tuple[list[int], dict[int, float], float]:
    """Scan ``candidates`` by decreasing key (ties: lower index); return funded, skipped → room, room."""
    key = v / c if order == "ratio" else v
    ranked = sorted(candidates, key=lambda p: p)
    # Stable sort on the key with a tolerance: bucket equal keys by the lower index.
    ranked = _sort_desc_with_ties(ranked, key)
    funded: list[int] = []
    skipped: dict[int, float] = {}
    for p in ranked:
        if c[p] <= remaining * (1 + 1e-12):
            funded.append(p)
            remaining -= c[p]
        else:
            skipped[p] = remaining
    return funded, skipped, remaining


def _sort_desc_with_ties(indices: Sequence[int], key: NDArray[np.float64]) -> list[int]:
    def compare(a: int, b: int) -> int:
        if _less(key[b], key[a]):
            return -1
        if _less(key[a], key[b]):
            return 1
        return -1 if a < b else (1 if a > b else 0)

    return sorted(indices, key=functools.cmp_to_key(compare))


def greedy_select(
    values: ArrayLike, costs: ArrayLike, budget: float, *, order: Literal["value", "ratio"] = "value"
) -> Selection:
    """Utilitarian greedy by value (``order="value"``) or value per cost (``"ratio"``)."""
    if order not in ("value", "ratio"):
        raise ValueError(f"order: expected 'value' or 'ratio', got {order!r}")
    v, c = _costs_values(values, costs)
    b = _budget(budget)
    funded, skipped, _room = _greedy(v, c, b, range(c.size), order)
    reasons: list[Reason] = ["skipped_no_room"] * c.size
    detail = [np.nan] * c.size
    for rank, p in enumerate(funded, start=1):
        reasons[p] = "funded"
        detail[p] = float(rank)
    for p, left in skipped.items():
        detail[p] = float(left)
    return Selection(
        f"greedy_{order}",
        tuple(funded),
        b,
        float(c[funded].sum()) if funded else 0.0,
        float(v[funded].sum()) if funded else 0.0,
        tuple(reasons),
        tuple(detail),
    )


# --------------------------------------------------------------------------------------------- MES


def _affordability(cost: float, budgets: NDArray[np.float64], utils: NDArray[np.float64]) -> float:
    """Smallest ρ with ``Σ min(b_i, ρ u_i) = cost`` over supporters (``utils > 0``); inf if unaffordable."""
    if budgets.sum() < cost * (1 - 1e-12):
        return np.inf
    order = np.argsort(budgets / utils, kind="stable")
    paid = 0.0
    denominator = float(utils.sum())
    for i in order:
        rho = (cost - paid) / denominator
        if rho * utils[i] <= budgets[i] * (1 + 1e-12):
            return float(rho)
        paid += budgets[i]
        denominator -= utils[i]
    return np.inf  # rounding: the whole budget was exactly the cost


def mes_select(
    utilities: ArrayLike,
    costs: ArrayLike,
    budget: float,
    *,
    completion: Literal["greedy"] | None = "greedy",
) -> Selection:
    """Method of Equal Shares (cardinal utilities, voters × projects), optionally completed by greedy."""
    c = _vector(costs, name="costs", positive=True)
    u = _matrix(utilities, name="utilities", n_projects=c.size)
    b = _budget(budget)
    n_voters, n = u.shape
    reasons: list[Reason] = ["unaffordable"] * n
    detail = [np.nan] * n
    total_utility = u.sum(axis=0)
    if n_voters == 0:
        return Selection("mes", (), b, 0.0, 0.0, tuple(["no_support"] * n), tuple(detail))
    money = np.full(n_voters, b / n_voters)
    supporters = [np.flatnonzero(u[:, p] > 0) for p in range(n)]
    remaining = [p for p in range(n) if supporters[p].size]
    for p in range(n):
        if not supporters[p].size:
            reasons[p] = "no_support"
    funded: list[int] = []
    rho_last = np.full(n, 0.0)  # ρ only grows as budgets shrink: a lower bound for lazy evaluation
    while remaining:
        best, best_rho = -1, np.inf
        still: list[int] = []
        for p in sorted(remaining, key=lambda q: (rho_last[q], q)):
            if best >= 0 and _less(best_rho, rho_last[p]):
                still.append(p)
                continue
            s = supporters[p]
            rho = _affordability(float(c[p]), money[s], u[s, p])
            if not np.isfinite(rho):
                continue  # unaffordable now, hence forever
            rho_last[p] = rho
            still.append(p)
            if best < 0 or _less(rho, best_rho) or (not _less(best_rho, rho) and p < best):
                best, best_rho = p, rho
        remaining = still
        if best < 0:
            break
        s = supporters[best]
        money[s] -= np.minimum(money[s], best_rho * u[s, best])
        funded.append(best)
        reasons[best] = "funded"
        detail[best] = best_rho
        remaining.remove(best)
    rule = "mes"
    order_all = list(funded)
    spent = float(c[funded].sum()) if funded else 0.0
    if completion == "greedy":
        rule = "mes_greedy"
        unfunded = [p for p in range(n) if p not in set(funded)]
        extra, skipped, _ = _greedy(total_utility, c, b - spent, unfunded, "ratio")
        for p in extra:
            reasons[p] = "funded"
            detail[p] = np.nan
        for p, left in skipped.items():
            if reasons[p] != "no_support":
                reasons[p] = "unaffordable"
            detail[p] = left
        order_all += extra
        spent += float(c[extra].sum()) if extra else 0.0
    elif completion is not None:
        raise ValueError(f"completion: expected 'greedy' or None, got {completion!r}")
    return Selection(
        rule,
        tuple(order_all),
        b,
        spent,
        float(total_utility[order_all].sum()) if order_all else 0.0,
        tuple(reasons),
        tuple(detail),
    )


# ---------------------------------------------------------------------------------------- Phragmén


def phragmen_select(approvals: ArrayLike, costs: ArrayLike, budget: float) -> Selection:
    """Sequential Phragmén for approval ballots (voters × projects, truthy = approves)."""
    c = _vector(costs, name="costs", positive=True)
    a = _matrix(approvals, name="approvals", n_projects=c.size) > 0
    b = _budget(budget)
    n = c.size
    load = np.zeros(a.shape[0])
    score = a.sum(axis=0)
    remaining = [p for p in range(n) if c[p] <= b]
    reasons: list[Reason] = ["stopped" if score[p] else "no_support" for p in range(n)]
    detail = [np.nan] * n
    funded: list[int] = []
    spent = 0.0
    while remaining:
        best, best_load = -1, np.inf
        for p in remaining:
            new = (float(load[a[:, p]].sum()) + c[p]) / score[p] if score[p] else np.inf
            if best < 0 or _less(new, best_load) or (not _less(best_load, new) and p < best):
                best, best_load = p, new
        if spent + c[best] > b * (1 + 1e-12):
            detail[best] = b - spent
            break
        load[a[:, best]] = best_load
        funded.append(best)
        reasons[best] = "funded"
        detail[best] = best_load
        spent += float(c[best])
        remaining.remove(best)
    return Selection(
        "phragmen",
        tuple(funded),
        b,
        spent,
        float(score[funded].sum()) if funded else 0.0,
        tuple(reasons),
        tuple(detail),
    )


# ----------------------------------------------------------------------------------------- reviews


def normalise_scores(scores: ArrayLike) -> NDArray[np.float64]:
    """Per-reviewer z-scores rescaled to the pooled mean and sd (reviewers × projects, nan = none)."""
    try:
        s = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scores: cannot be read as numbers ({exc})") from exc
    if s.ndim != 2:
        raise ValueError(f"scores: expected a 2-d array (reviewers × projects), got shape {s.shape}")
    if np.isinf(s).any():
        row, col = (int(v) for v in np.argwhere(np.isinf(s))[0])
        raise ValueError(f"scores: infinite value at row {row}, column {col}")
    seen = ~np.isnan(s)
    out = np.full_like(s, np.nan)
    if not seen.any():
        return out
    pooled_mean = float(s[seen].mean())
    pooled_sd = float(s[seen].std())
    for r in range(s.shape[0]):
        mine = seen[r]
        if not mine.any():
            continue
        row = s[r, mine]
        sd = float(row.std())
        if row.size < 2 or sd == 0.0:
            out[r, mine] = pooled_mean
        else:
            out[r, mine] = pooled_mean + pooled_sd * (row - row.mean()) / sd
    return out


def project_scores(normalised: ArrayLike) -> NDArray[np.float64]:
    """Mean normalised score per project (nan for a project nobody scored)."""
    s = np.asarray(normalised, dtype=np.float64)
    counts = (~np.isnan(s)).sum(axis=0)
    totals = np.nansum(s, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def assign_reviewers(conflicts: ArrayLike, per_project: int) -> list[list[int]]:
    """``per_project`` reviewers for every project, none in conflict (reviewers × projects bool).

    Projects with the fewest eligible reviewers are served first; among eligible reviewers the
    least loaded (then lowest index) is taken, which keeps loads within one of each other when the
    conflicts allow. ``ValueError`` names the first project with too few eligible reviewers.
    """
    blocked = np.asarray(conflicts, dtype=bool)
    if blocked.ndim != 2:
        raise ValueError(f"conflicts: expected a 2-d array (reviewers × projects), got shape {blocked.shape}")
    if per_project < 1:
        raise ValueError(f"per_project: must be at least 1, got {per_project!r}")
    n_reviewers, n_projects = blocked.shape
    eligible = ~blocked
    counts = eligible.sum(axis=0)
    short = np.flatnonzero(counts < per_project)
    if short.size:
        p = int(short[0])
        raise ValueError(
            f"project {p}: only {int(counts[p])} reviewers without conflict, {per_project} needed"
        )
    load = np.zeros(n_reviewers, dtype=np.int64)
    result: list[list[int]] = [[] for _ in range(n_projects)]
    for p in sorted(range(n_projects), key=lambda q: (int(counts[q]), q)):
        pool = np.flatnonzero(eligible[:, p])
        chosen = sorted(pool.tolist(), key=lambda r: (int(load[r]), r))[:per_project]
        for r in chosen:
            load[r] += 1
        result[p] = sorted(chosen)
    return result
