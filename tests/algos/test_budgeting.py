"""Budget-constrained selection against pabutools on seeded generated instances, and review hygiene."""

from __future__ import annotations

import numpy as np
import pytest
from bench._pabutools_peer import (
    make_instance,
    peer_greedy,
    peer_knapsack,
    peer_mes,
    peer_phragmen,
)

from educloud.algos.budgeting import (
    assign_reviewers,
    greedy_select,
    knapsack_select,
    mes_select,
    normalise_scores,
    phragmen_select,
    project_scores,
)

SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("order", ["value", "ratio"])
def test_greedy_matches_pabutools(seed: int, order: str) -> None:
    inst = make_instance(40, 25, seed=seed)
    values = inst.utilities.sum(axis=0)
    ours = greedy_select(values, inst.costs, inst.budget, order=order)  # type: ignore[arg-type]
    assert ours.selected_set == peer_greedy(values, inst.costs, inst.budget, order)  # type: ignore[arg-type]
    assert ours.total_cost <= inst.budget


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("completion", [False, True])
def test_mes_matches_pabutools(seed: int, completion: bool) -> None:
    inst = make_instance(50, 30, seed=100 + seed)
    ours = mes_select(inst.utilities, inst.costs, inst.budget, completion="greedy" if completion else None)
    assert ours.selected_set == peer_mes(inst.utilities, inst.costs, inst.budget, completion)
    assert ours.total_cost <= inst.budget


@pytest.mark.parametrize("seed", SEEDS)
def test_phragmen_matches_pabutools(seed: int) -> None:
    inst = make_instance(40, 30, seed=200 + seed)
    approvals = inst.utilities >= 50
    ours = phragmen_select(approvals, inst.costs, inst.budget)
    assert ours.selected_set == peer_phragmen(approvals, inst.costs, inst.budget)


@pytest.mark.parametrize("seed", range(4))
def test_knapsack_matches_pabutools_optimum(seed: int) -> None:
    inst = make_instance(30, 20, seed=300 + seed)
    values = inst.utilities.sum(axis=0)
    ours = knapsack_select(values, inst.costs, inst.budget)
    theirs = peer_knapsack(values, inst.costs, inst.budget)
    assert ours.objective == pytest.approx(values[sorted(theirs)].sum())
    assert ours.total_cost <= inst.budget
    # Greedy is feasible, so never better than the optimum.
    assert greedy_select(values, inst.costs, inst.budget, order="ratio").objective <= ours.objective + 1e-9


def test_ties_go_to_the_lower_index_like_pabutools_lexicographic_order() -> None:
    costs = np.full(6, 100.0)
    utilities = np.ones((3, 6))  # everything tied
    for order in ("value", "ratio"):
        assert greedy_select(utilities.sum(0), costs, 300, order=order).selected == (0, 1, 2)
    assert mes_select(utilities, costs, 300, completion=None).selected == (0, 1, 2)
    assert mes_select(utilities, costs, 300).selected_set == peer_mes(utilities, costs, 300, True)
    assert phragmen_select(utilities > 0, costs, 300).selected == (0, 1, 2)


def test_mes_is_proportional_where_greedy_is_not() -> None:
    # 6 voters like A-projects, 4 like B-projects (utility 1, cost 1, budget 10): MES splits 6/4,
    # utilitarian greedy gives everything to the majority.
    utilities = np.zeros((10, 20))
    utilities[:6, :10] = 1
    utilities[6:, 10:] = 1
    costs = np.ones(20)
    mes = mes_select(utilities, costs, 10, completion=None)
    assert sum(p < 10 for p in mes.selected) == 6 and sum(p >= 10 for p in mes.selected) == 4
    greedy = greedy_select(utilities.sum(0), costs, 10)
    assert all(p < 10 for p in greedy.selected)
    assert mes.reasons[19] == "unaffordable" and mes.reasons[0] == "funded"


def test_knapsack_floor_per_group_is_met_and_can_be_infeasible() -> None:
    values = np.array([10.0, 9, 8, 1, 0.5])
    costs = np.array([50.0, 50, 50, 40, 40])
    groups = ["川", "川", "川", "渝", "渝"]
    free = knapsack_select(values, costs, 100)
    assert free.selected_set == {0, 1}
    floored = knapsack_select(values, costs, 100, groups=groups, floors={"渝": 40})
    assert floored.selected_set == {0, 3}
    assert floored.reasons[1] == "not_in_optimum"
    with pytest.raises(ValueError, match="floors"):
        knapsack_select(values, costs, 100, groups=groups, floors={"渝": 90})


def test_greedy_explains_skips_with_the_remaining_budget() -> None:
    result = greedy_select([9.0, 8.0, 1.0], [60.0, 50.0, 30.0], 100)
    assert result.selected == (0, 2)
    assert result.reasons == ("funded", "skipped_no_room", "funded")
    assert result.detail[1] == pytest.approx(40.0)  # 100 − 60 left when project 1 came up


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: greedy_select([1.0], [0.0], 10), "costs"),
        (lambda: greedy_select([-1.0], [1.0], 10), "values"),
        (lambda: greedy_select([1.0, 2.0], [1.0], 10), "values"),
        (lambda: knapsack_select([1.0], [1.0], float("nan")), "budget"),
        (lambda: mes_select([[1.0, -2.0]], [1.0, 1.0], 10), "utilities"),
        (lambda: mes_select([[1.0]], [1.0, 1.0], 10), "utilities"),
        (lambda: greedy_select([1.0], [1.0], 10, order="best"), "order"),  # type: ignore[arg-type]
    ],
)
def test_bad_inputs_name_the_argument(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_normalise_scores_removes_reviewer_severity() -> None:
    nan = np.nan
    raw = np.array(
        [
            [90.0, 80.0, 70.0, nan],  # lenient
            [60.0, 50.0, 40.0, nan],  # harsh, same ranking
            [nan, nan, 75.0, 75.0],  # no spread: no information
        ]
    )
    norm = normalise_scores(raw)
    assert np.allclose(norm[0, :3], norm[1, :3])
    pooled = raw[~np.isnan(raw)]
    assert norm[2, 2] == pytest.approx(pooled.mean()) and norm[2, 3] == pytest.approx(pooled.mean())
    assert np.isnan(norm[0, 3])
    means = project_scores(norm)
    assert means[0] > means[1] > means[2]
    # Per reviewer (with spread) the z-scores have mean 0, sd 1 on the pooled scale.
    z = (norm[0, :3] - pooled.mean()) / pooled.std()
    assert z.mean() == pytest.approx(0) and z.std() == pytest.approx(1)


def test_assign_reviewers_never_assigns_a_conflict_and_balances_load() -> None:
    rng = np.random.default_rng(7)
    conflicts = rng.random((8, 30)) < 0.2
    assignment = assign_reviewers(conflicts, 3)
    loads = np.zeros(8, dtype=int)
    for p, reviewers in enumerate(assignment):
        assert len(reviewers) == 3 == len(set(reviewers))
        assert not any(conflicts[r, p] for r in reviewers)
        loads[reviewers] += 1
    assert loads.sum() == 90 and loads.max() - loads.min() <= 2
    conflicts[:, 5] = True
    conflicts[0, 5] = False
    with pytest.raises(ValueError, match="project 5: only 1"):
        assign_reviewers(conflicts, 2)
