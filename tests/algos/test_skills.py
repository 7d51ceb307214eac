"""educloud.algos.skills: coverage, scores, explanations, exact vs greedy allocation, ranks with ties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from educloud.algos import skills


def test_coverage_counts_levels_and_weights():
    need = [[3, 2, 0]]
    have = [[3, 0, 0], [1, 2, 4], [5, 5, 5], [0, 0, 5]]
    cov = skills.skill_coverage(need, have)
    assert cov[:, 0] == pytest.approx([3 / 5, (1 + 2) / 5, 1.0, 0.0])
    # a heavier weight on skill 1 makes the programme that teaches it fully fit better
    weighted = skills.skill_coverage(need, have, weights=[1.0, 3.0, 1.0])
    assert weighted[1, 0] > cov[1, 0]


def test_idf_gives_rare_skills_more_weight():
    w = skills.idf_weights([[1, 1, 0], [1, 0, 0], [1, 0, 2]])
    assert w[0] < w[1] == w[2]


def test_match_scores_prefer_coverage_then_proximity_and_the_cross_border_bonus():
    need = [[3, 2, 0]]
    have = [[3, 2, 0], [3, 2, 0], [3, 2, 0], [0, 0, 3]]
    # same skills: near (same seat), far, far but in the other province; last: near but no skill
    score, coverage, km, cross = skills.match_scores(
        need,
        have,
        demand_lonlat=[[105.93, 29.36]],
        supply_lonlat=[[105.93, 29.36], [108.4, 30.8], [103.0, 30.0], [105.93, 29.36]],
        demand_province=["500000"],
        supply_province=["500000", "500000", "510000", "500000"],
    )
    assert coverage[:3, 0] == pytest.approx([1, 1, 1]) and coverage[3, 0] == 0
    assert km[0, 0] == pytest.approx(0, abs=1e-6) and km[1, 0] > 250
    assert list(cross[:, 0]) == [False, False, True, False]
    assert score[0, 0] > score[1, 0]
    assert score[2, 0] - score[1, 0] > 0.05  # the 川渝 bonus outweighs the extra distance here
    assert score[3, 0] < score[1, 0]  # skills weigh more than proximity


def test_bad_inputs_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="levels must lie"):
        skills.skill_coverage([[6]], [[1]])
    with pytest.raises(ValueError, match="skills"):
        skills.skill_coverage([[1, 2]], [[1]])
    with pytest.raises(ValueError, match="non-negative integers"):
        skills.allocate_exact([[1.0]], [-1], [1])
    with pytest.raises(ValueError):
        skills.MatchWeights(skill=-1)


def test_explanation_lists_matched_partial_and_missing_skills():
    matched, partial, missing, text = skills.explain(
        {"数控车床编程": 3, "PLC 编程": 2, "焊接": 3}, {"数控车床编程": 4, "焊接": 2}, km=12.4, cross=True
    )
    assert matched == ["数控车床编程"]
    assert partial == ["焊接（2/3 级）"]
    assert missing == ["PLC 编程"]
    assert text.startswith("匹配技能：数控车床编程；部分达到：焊接（2/3 级）；缺少：PLC 编程")
    assert "约 12 公里" in text and "川渝跨省合作加分" in text
    assert skills.explain({"A": 1}, {"A": 1})[3] == "匹配技能：A；缺少：无"


def _brute_force(score, graduates, headcount, min_score):
    """Every integer allocation of a tiny instance (the optimum, by enumeration)."""
    m, n = score.shape
    pairs = [(i, j) for i in range(m) for j in range(n) if score[i, j] >= min_score]
    best = 0.0
    ranges = [range(min(graduates[i], headcount[j]) + 1) for i, j in pairs]
    for x in itertools.product(*ranges):
        used_g = np.zeros(m, int)
        used_h = np.zeros(n, int)
        for (i, j), q in zip(pairs, x, strict=True):
            used_g[i] += q
            used_h[j] += q
        if (used_g <= graduates).all() and (used_h <= headcount).all():
            best = max(best, sum(score[i, j] * q for (i, j), q in zip(pairs, x, strict=True)))
    return best


def test_exact_allocation_is_optimal_on_tiny_instances_and_never_below_greedy():
    rng = np.random.default_rng(7)
    for _ in range(15):
        score = rng.random((2, 3))
        g, h = rng.integers(0, 3, 2), rng.integers(0, 3, 3)
        exact = skills.allocate_exact(score, g, h, min_score=0.2)
        greedy = skills.allocate_greedy(score, g, h, min_score=0.2)
        assert exact.total == pytest.approx(_brute_force(score, g, h, 0.2))
        assert exact.total >= greedy.total - 1e-9


def test_exact_beats_or_ties_greedy_on_random_instances_and_meets_the_lp_bound():
    rng = np.random.default_rng(2026)
    strictly_better = 0
    for _ in range(25):
        m, n = int(rng.integers(3, 12)), int(rng.integers(3, 12))
        score = rng.random((m, n))
        g, h = rng.integers(0, 15, m), rng.integers(0, 15, n)
        exact = skills.allocate_exact(score, g, h, min_score=0.3)
        greedy = skills.allocate_greedy(score, g, h, min_score=0.3)
        assert exact.total >= greedy.total - 1e-9
        strictly_better += exact.total > greedy.total + 1e-9
        # capacities respected
        for result in (exact, greedy):
            used_g, used_h = np.zeros(m, int), np.zeros(n, int)
            for i, j, q in result.flows:
                assert score[i, j] >= 0.3 and q > 0
                used_g[i] += q
                used_h[j] += q
            assert (used_g <= g).all() and (used_h <= h).all()
        # the LP relaxation's optimum (an upper bound) is reached: the integer solution is optimal
        keep = [(i, j) for i in range(m) for j in range(n) if score[i, j] >= 0.3]
        if not keep:
            continue
        a = np.zeros((m + n, len(keep)))
        for t, (i, j) in enumerate(keep):
            a[i, t] = a[m + j, t] = 1
        lp = linprog(
            -np.array([score[i, j] for i, j in keep]), A_ub=a, b_ub=np.concatenate([g, h]), bounds=(0, None)
        )
        assert exact.total == pytest.approx(-lp.fun, rel=1e-7, abs=1e-7)
    assert strictly_better > 0  # greedy is not optimal in general


def test_greedy_is_suboptimal_on_a_known_instance():
    # one graduate, two positions: greedy takes the 0.9 pair and blocks two 0.8 pairs
    score = np.array([[0.9, 0.8], [0.8, 0.0]])
    exact = skills.allocate_exact(score, np.array([1, 1]), np.array([1, 1]), min_score=0.1)
    greedy = skills.allocate_greedy(score, np.array([1, 1]), np.array([1, 1]), min_score=0.1)
    assert greedy.total == pytest.approx(0.9)
    assert exact.total == pytest.approx(1.6)
    assert sorted(exact.flows) == [(0, 1, 1), (1, 0, 1)]


def test_rank_with_ties():
    assert skills.rank_with_ties([3, 5, 5, 1, float("nan")]) == [3, 1, 1, 4, 5]
    assert skills.rank_with_ties([2.0, 2.0 + 1e-12, 1.0]) == [1, 1, 3]
    assert skills.rank_with_ties([]) == []
