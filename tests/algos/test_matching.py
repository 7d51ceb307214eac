"""The pairing solver: exact = brute force on small instances, constraints honoured, conflicts named."""

from __future__ import annotations

import numpy as np
import pytest

from educloud.algos.matching import (
    InfeasibleMatching,
    MatchingProblem,
    Weights,
    complementarity,
    great_circle_km,
    solve_brute_force,
    solve_exact,
    solve_greedy,
    travel_minutes,
)


def random_problem(seed: int, m: int, n: int, *, mode: str = "exactly", constraints: bool = False):
    rng = np.random.default_rng(seed)
    capacity = rng.integers(1, 3, size=m)
    while capacity.sum() < n:
        capacity[rng.integers(m)] += 1
    must, never = [], []
    if constraints:
        j = int(rng.integers(n))
        must = [(int(rng.integers(m)), j)]
        never = [
            (int(rng.integers(m)), int(k)) for k in rng.choice(n, size=min(2, n), replace=False) if k != j
        ]
    comp, _ = complementarity(rng.random((m, 4)), rng.random((n, 4)))
    return MatchingProblem(
        complementarity=comp,
        distance_km=rng.uniform(0, 400, (m, n)),
        cross_border=rng.random((m, n)) < 0.4,
        capacity=capacity,
        must=must,
        never=never,
        weak_mode=mode,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("mode", ["exactly", "at_most"])
@pytest.mark.parametrize("seed", range(12))
def test_exact_equals_brute_force(seed: int, mode: str) -> None:
    problem = random_problem(seed, m=3, n=5, mode=mode, constraints=seed % 2 == 1)
    try:
        exact = solve_exact(problem)
    except InfeasibleMatching:
        # The pre-checks claimed infeasible: brute force (which skips them) must find nothing either.
        with pytest.raises(InfeasibleMatching, match="穷举未找到可行方案"):
            solve_brute_force(problem, check=False)
        return
    brute = solve_brute_force(problem)
    assert exact.objective == pytest.approx(brute.objective, abs=1e-9)
    greedy = solve_greedy(problem) if mode == "at_most" else None
    if greedy is not None:
        assert greedy.objective <= exact.objective + 1e-9


def test_greedy_is_beaten_on_a_known_instance() -> None:
    # One strong school with one place is the best partner of both weak schools; greedy gives it to the
    # higher score and strands the other with a poor partner, the optimum splits them the other way.
    problem = MatchingProblem(
        complementarity=np.array([[1.0, 0.9], [0.8, 0.0]]),
        distance_km=np.zeros((2, 2)),
        cross_border=np.zeros((2, 2), dtype=bool),
        capacity=np.array([1, 1]),
        weights=Weights(per_travel_hour=0.0, cross_border=0.0),
    )
    assert solve_greedy(problem).pairs == ((0, 0), (1, 1))
    assert solve_exact(problem).pairs == ((0, 1), (1, 0))
    assert solve_exact(problem).objective == pytest.approx(1.7)


@pytest.mark.parametrize("seed", range(6))
def test_constraints_are_honoured(seed: int) -> None:
    problem = random_problem(seed, m=6, n=14, constraints=True)
    problem.max_travel_minutes = 500.0
    result = solve_exact(problem)
    partners = result.partner_of_weak()
    assert sorted(partners) == list(range(14))  # exactly one each
    load = np.bincount([i for i, _ in result.pairs], minlength=6)
    assert np.all(load <= problem.capacity)
    for i, j in problem.must:
        assert partners[j] == i
    for i, j in problem.never:
        if (i, j) not in problem.must:
            assert partners[j] != i
    minutes = problem.travel_minutes
    assert all(minutes[i, j] <= 500.0 or (i, j) in problem.must for i, j in result.pairs)


def base(m: int = 2, n: int = 3, **kw):
    return MatchingProblem(
        complementarity=np.ones((m, n)),
        distance_km=np.full((m, n), 10.0),
        cross_border=np.zeros((m, n), dtype=bool),
        capacity=kw.pop("capacity", np.full(m, 2)),
        strong_labels=[f"名校{i}" for i in range(m)],
        weak_labels=[f"弱校{j}" for j in range(n)],
        **kw,
    )


def test_infeasible_must_and_never_named() -> None:
    with pytest.raises(InfeasibleMatching, match="“名校0—弱校1”同时被设为必须结对和禁止结对"):
        solve_exact(base(must=[(0, 1)], never=[(0, 1)]))


def test_infeasible_two_required_partners_named() -> None:
    with pytest.raises(InfeasibleMatching, match=r"“弱校2”只能有一所结对强校.*名校0、名校1"):
        solve_exact(base(must=[(0, 2), (1, 2)]))


def test_infeasible_capacity_of_required_pairs() -> None:
    with pytest.raises(InfeasibleMatching, match="“名校0”最多结对 1 所学校，却有 2 个必须结对"):
        solve_exact(base(capacity=np.array([1, 3]), must=[(0, 0), (0, 1)]))


def test_infeasible_total_places_and_hall_group() -> None:
    with pytest.raises(InfeasibleMatching, match="强校名额合计 2 个，少于需要结对的薄弱学校 3 所"):
        solve_exact(base(capacity=np.array([1, 1])))
    # 弱校0 and 弱校1 may only go to 名校0 (one place): the group is named.
    problem = base(capacity=np.array([1, 3]), never=[(1, 0), (1, 1)])
    with pytest.raises(InfeasibleMatching) as caught:
        solve_exact(problem)
    assert "弱校0、弱校1" in str(caught.value) and "共 1 个名额" in str(caught.value)
    # ... and the greedy baseline fails the same way, while "at most one" is solvable.
    problem.weak_mode = "at_most"
    assert len(solve_exact(problem).pairs) == 2


def test_bad_shapes_raise() -> None:
    with pytest.raises(ValueError, match="distance_km must have shape"):
        MatchingProblem(np.ones((2, 3)), np.ones((3, 2)), np.zeros((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="outside the 2 × 3 instance"):
        base(must=[(5, 0)])
    with pytest.raises(ValueError, match="weight per_travel_hour"):
        Weights(per_travel_hour=-1)


def test_distance_and_travel_time() -> None:
    # 成都 (104.07, 30.67) to 重庆 渝中 (106.57, 29.56): about 266 km great-circle.
    km = float(great_circle_km(104.07, 30.67, 106.57, 29.56))
    assert 255 < km < 275
    assert float(travel_minutes(km)) == pytest.approx(15 + 1.3 * km)
    with pytest.raises(ValueError):
        travel_minutes(-1)
