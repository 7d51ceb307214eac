"""The peer for ``educloud.algos.budgeting``: the same instances run through ``pabutools``.

``prepare_*`` builds pabutools' Instance and Profile from the arrays and returns the rule's run
(so a benchmark times the rule, not the conversion); ``peer_*`` runs it once. Used by
``tests/algos/test_budgeting.py`` (identical selected sets) and ``bench/budgeting.py``
(time and agreement). Project ``p`` is named ``f"p{p:05d}"`` so pabutools' lexicographic tie-breaking
is our lower-index tie-breaking. ``make_instance`` generates seeded instances shaped like a fund
call: costs in 50k–500k yuan, each reviewer scores a few projects (0–100), budget a share of the
total asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pabutools.election import (
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Instance,
    Project,
)
from pabutools.rules import (
    MaxAddUtilWelfareAlgo,
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    max_additive_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)


@dataclass(frozen=True)
class PBInstance:
    costs: NDArray[np.float64]  # integer yuan (exact in pabutools' rationals)
    utilities: NDArray[np.float64]  # voters × projects, 0 = not scored
    budget: float


def make_instance(
    n_projects: int, n_voters: int, *, seed: int, per_voter: int = 8, share: float = 0.3
) -> PBInstance:
    rng = np.random.default_rng(seed)
    costs = rng.integers(50, 501, size=n_projects).astype(np.float64) * 1000
    utilities = np.zeros((n_voters, n_projects))
    for v in range(n_voters):
        chosen = rng.choice(n_projects, size=min(per_voter, n_projects), replace=False)
        utilities[v, chosen] = rng.integers(1, 101, size=chosen.size)
    budget = float(np.floor(share * costs.sum() / 1000) * 1000)
    return PBInstance(costs, utilities, budget)


def _name(p: int) -> str:
    return f"p{p:05d}"


def _instance(costs: NDArray[np.float64], budget: float) -> tuple[Instance, list[Project]]:
    projects = [Project(_name(p), int(c)) for p, c in enumerate(costs)]
    return Instance(projects, budget_limit=int(budget)), projects


def _cardinal(utilities: NDArray[np.float64], projects: list[Project], instance: Instance) -> CardinalProfile:
    ballots = []
    for row in utilities:
        ballots.append(CardinalBallot({projects[p]: int(row[p]) for p in np.flatnonzero(row > 0)}))
    return CardinalProfile(ballots, instance=instance)


def _indices(allocation: list[Project]) -> frozenset[int]:
    return frozenset(int(p.name[1:]) for p in allocation)


def prepare_greedy(
    values: NDArray[np.float64], costs: NDArray[np.float64], budget: float, order: Literal["value", "ratio"]
) -> Callable[[], frozenset[int]]:
    """One voter whose utility is the value (ratio) or value × cost (so that density = value)."""
    instance, projects = _instance(costs, budget)
    weights = values * costs if order == "value" else values
    profile = CardinalProfile(
        [
            CardinalBallot(
                {projects[p]: int(round(weights[p])) for p in range(len(projects)) if weights[p] > 0}
            )
        ],
        instance=instance,
    )
    return lambda: _indices(greedy_utilitarian_welfare(instance, profile, sat_class=Additive_Cardinal_Sat))


def prepare_mes(
    utilities: NDArray[np.float64], costs: NDArray[np.float64], budget: float, completion: bool
) -> Callable[[], frozenset[int]]:
    instance, projects = _instance(costs, budget)
    profile = _cardinal(utilities, projects, instance)
    if not completion:
        return lambda: _indices(method_of_equal_shares(instance, profile, sat_class=Additive_Cardinal_Sat))
    return lambda: _indices(
        completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Additive_Cardinal_Sat}, {"sat_class": Additive_Cardinal_Sat}],
        )
    )


def prepare_phragmen(
    approvals: NDArray[np.bool_], costs: NDArray[np.float64], budget: float
) -> Callable[[], frozenset[int]]:
    instance, projects = _instance(costs, budget)
    profile = ApprovalProfile(
        [ApprovalBallot({projects[p] for p in np.flatnonzero(row)}) for row in approvals], instance=instance
    )
    return lambda: _indices(sequential_phragmen(instance, profile))


def prepare_knapsack(
    values: NDArray[np.float64], costs: NDArray[np.float64], budget: float, *, ilp: bool = False
) -> Callable[[], frozenset[int]]:
    """pabutools' exact utilitarian optimum, one voter with the values: its default primal/dual
    knapsack branch and bound, or (``ilp=True``) its ILP through PuLP/CBC."""
    instance, projects = _instance(costs, budget)
    profile = CardinalProfile(
        [CardinalBallot({projects[p]: int(values[p]) for p in range(len(projects)) if values[p] > 0})],
        instance=instance,
    )
    algo = MaxAddUtilWelfareAlgo.ILP_SOLVER if ilp else MaxAddUtilWelfareAlgo.PRIMAL_DUAL
    return lambda: _indices(
        max_additive_utilitarian_welfare(instance, profile, sat_class=Additive_Cardinal_Sat, inner_algo=algo)
    )


def peer_greedy(*args: Any, **kwargs: Any) -> frozenset[int]:
    return prepare_greedy(*args, **kwargs)()


def peer_mes(*args: Any, **kwargs: Any) -> frozenset[int]:
    return prepare_mes(*args, **kwargs)()


def peer_phragmen(*args: Any, **kwargs: Any) -> frozenset[int]:
    return prepare_phragmen(*args, **kwargs)()


def peer_knapsack(*args: Any, **kwargs: Any) -> frozenset[int]:
    return prepare_knapsack(*args, **kwargs)()
