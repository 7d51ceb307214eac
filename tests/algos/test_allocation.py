"""The planner: hand-checkable optima, validity checked independently with standard.py, budgets, errors."""

from __future__ import annotations

import time

import numpy as np
import pytest
from numpy.typing import ArrayLike

from educloud.algos.allocation import (
    RESOURCE_KEYS,
    InfeasiblePlanError,
    plan_minimum_cost,
    plan_within_budget,
)
from educloud.algos.standard import INDICATORS, StageStandard, assess_county, stage_standard

PRIMARY = stage_standard("primary")
JUNIOR = stage_standard("junior")
PER_STUDENTS = np.array([indicator.per_students for indicator in INDICATORS], dtype=float)
WHOLE_UNITS = np.array([indicator.integer_resource for indicator in INDICATORS])
COSTS = {
    "senior_degree_teachers": 150_000,
    "key_teachers": 180_000,
    "pe_art_teachers": 140_000,
    "floor_area_m2": 3_000,
    "ground_area_m2": 800,
    "equipment_value_yuan": 1.0,
    "multimedia_rooms": 60_000,
}


def counts_at(ratios: ArrayLike, pupils: ArrayLike, standard: StageStandard = PRIMARY) -> np.ndarray:
    counts = (
        np.asarray(ratios, float) * standard.thresholds * np.asarray(pupils, float)[:, None] / PER_STUDENTS
    )
    counts[:, WHOLE_UNITS] = np.round(counts[:, WHOLE_UNITS])
    return counts


def synthetic_county(
    n: int, seed: int, *, spread: float, level: float, standard: StageStandard
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pupils = np.round(rng.lognormal(6.3, 0.8, n)).clip(50, 4000)
    return counts_at(rng.lognormal(level, spread, (n, 7)), pupils, standard), pupils


def assert_plan_meets_standard(
    counts: np.ndarray, pupils: np.ndarray, additions: np.ndarray, standard: StageStandard
) -> None:
    assert np.all(additions >= 0)
    np.testing.assert_array_equal(additions[:, WHOLE_UNITS], np.round(additions[:, WHOLE_UNITS]))
    verdict = assess_county(counts + additions, pupils, standard)
    assert verdict.schools.passes.all(), verdict.failing_schools
    assert np.all(verdict.cv <= standard.cv_limit), verdict.cv


# --- hand-checkable optima ------------------------------------------------------------------


def test_one_school_fixes_the_indicator_below_85_percent_and_tolerates_the_other() -> None:
    pupils = np.array([500.0])
    counts = counts_at(np.ones((1, 7)) * 1.1, pupils)
    counts[0, 0] = 20  # senior-degree teachers: need 21, at 95 % → may be tolerated
    counts[0, 1] = 4  # key teachers: need 5, at 80 % → must be fixed
    plan = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS, school_ids=["渝中一小"])
    assert plan.schools[0].additions == {"key_teachers": 1.0}
    assert plan.total_cost == 180_000
    assert plan.gap == 0.0
    school = plan.schools[0]
    assert school.school_id == "渝中一小" and not school.passes_before and school.passes_after
    assert school.newly_met == ("key_teachers_per_100",)
    assert school.still_below == ("senior_degree_teachers_per_100",)


def test_the_cheaper_of_two_near_misses_is_fixed() -> None:
    pupils = np.array([500.0])
    counts = counts_at(np.ones((1, 7)) * 1.1, pupils)
    counts[0, 3] = 2150  # floor area: need 2250 m², 100 m² short (300 000 yuan)
    counts[0, 6] = 11  # multimedia rooms: need 11.5 → 1 room (60 000 yuan)
    plan = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS)
    assert plan.schools[0].additions == {"multimedia_rooms": 1.0}
    assert plan.total_cost == 60_000
    costly_rooms = {**COSTS, "multimedia_rooms": 400_000}
    plan = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=costly_rooms)
    assert plan.schools[0].additions == {"floor_area_m2": pytest.approx(100.0)}


def test_cv_binding_two_schools_water_filling_optimum() -> None:
    # equal enrolment, equipment at 1× and 5× threshold: CV = (5 − h)/(5 + h) ≤ 0.5 ⇔ h ≥ 5/3,
    # so the optimum raises school 0 to 5/3 of 2000 yuan × 100 pupils: 133 333.33 yuan.
    pupils = np.array([100.0, 100.0])
    ratios = np.ones((2, 7)) * 1.2
    ratios[:, 5] = [1.0, 5.0]
    counts = counts_at(ratios, pupils)
    plan = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS, optimality_gap=1e-4)
    assert plan.additions[0, 5] == pytest.approx(200_000 * (5 / 3 - 1), rel=1e-6)
    assert plan.additions.sum() == pytest.approx(plan.additions[0, 5])
    assert plan.cv_after["equipment_value_per_student"] == pytest.approx(0.5, abs=1e-6)
    assert plan.cost_lower_bound <= plan.total_cost * (1 + 1e-9)
    assert plan.gap <= 1e-4
    assert_plan_meets_standard(counts, pupils, plan.additions, PRIMARY)


def test_nothing_to_do() -> None:
    pupils = np.array([300.0, 400.0])
    counts = counts_at(np.ones((2, 7)) * 1.3, pupils)
    plan = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS)
    assert plan.total_cost == 0 and plan.county_passes_after and plan.schools_receiving() == ()


# --- synthetic counties, checked independently -------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_easy_county_is_solved_exactly(seed: int) -> None:
    counts, pupils = synthetic_county(60, seed, spread=0.35, level=-0.05, standard=PRIMARY)
    plan = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS)
    assert_plan_meets_standard(counts, pupils, plan.additions, PRIMARY)
    assert plan.gap <= 1e-9  # CV not binding: the per-school optimum is optimal
    assert plan.schools_passing_after == 60
    assert sum(s.cost for s in plan.schools) == pytest.approx(plan.total_cost)
    assert sum(plan.cost_by_resource.values()) == pytest.approx(plan.total_cost)


def test_cv_binding_county_meets_the_standard_with_a_proven_gap() -> None:
    counts, pupils = synthetic_county(40, 3, spread=0.7, level=0.3, standard=JUNIOR)
    assert not assess_county(counts, pupils, JUNIOR).passes
    plan = plan_minimum_cost(counts, pupils, standard=JUNIOR, unit_costs=COSTS, time_limit=3.0)
    assert_plan_meets_standard(counts, pupils, plan.additions, JUNIOR)
    assert max(plan.cv_before.values()) > JUNIOR.cv_limit
    assert plan.cost_lower_bound <= plan.total_cost
    assert plan.gap < 0.05
    for school in plan.schools:
        assert set(school.additions) <= set(RESOURCE_KEYS)
        assert school.passes_after and len(school.still_below) <= 1


def test_300_school_county_is_fast() -> None:
    counts, pupils = synthetic_county(300, 5, spread=0.7, level=0.3, standard=JUNIOR)
    started = time.perf_counter()
    plan = plan_minimum_cost(counts, pupils, standard=JUNIOR, unit_costs=COSTS)  # default time_limit 3 s
    elapsed = time.perf_counter() - started
    assert_plan_meets_standard(counts, pupils, plan.additions, JUNIOR)
    assert elapsed < 5.0
    assert plan.gap < 0.05


# --- budget mode ------------------------------------------------------------------------------


def test_budget_large_enough_gives_the_minimum_cost_plan() -> None:
    counts, pupils = synthetic_county(30, 2, spread=0.35, level=-0.05, standard=PRIMARY)
    full = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS)
    plan = plan_within_budget(
        counts, pupils, standard=PRIMARY, unit_costs=COSTS, budget=full.total_cost * 1.5
    )
    assert plan.county_passes_after and plan.total_cost == pytest.approx(full.total_cost)
    assert plan.mode == "within_budget"


def test_small_budget_maximises_passing_schools_then_cost() -> None:
    counts, pupils = synthetic_county(30, 2, spread=0.35, level=-0.05, standard=PRIMARY)
    full = plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS)
    school_costs = sorted(s.cost for s in full.schools)  # CV not binding: per-school optimum costs
    budget = 0.5 * full.total_cost
    best_count = int(np.searchsorted(np.cumsum(school_costs), budget, side="right"))
    plan = plan_within_budget(counts, pupils, standard=PRIMARY, unit_costs=COSTS, budget=budget)
    assert plan.total_cost <= budget
    assert plan.schools_passing_after == best_count
    assert plan.total_cost == pytest.approx(sum(school_costs[:best_count]))
    np.testing.assert_array_equal(plan.additions[:, WHOLE_UNITS], np.round(plan.additions[:, WHOLE_UNITS]))
    zero = plan_within_budget(counts, pupils, standard=PRIMARY, unit_costs=COSTS, budget=0)
    assert zero.total_cost == 0 and zero.schools_passing_after == full.schools_passing_before


# --- infeasible and bad requests --------------------------------------------------------------


def test_upper_bound_makes_a_school_unable_to_pass() -> None:
    pupils = np.array([500.0, 500.0])
    counts = counts_at(np.ones((2, 7)) * 1.1, pupils)
    counts[1, 1] = 3  # key teachers 3 of 5 (60 %)
    with pytest.raises(InfeasiblePlanError, match=r"school 二小 .*key_teachers_per_100") as error:
        plan_minimum_cost(
            counts,
            pupils,
            standard=PRIMARY,
            unit_costs=COSTS,
            max_additions={"key_teachers": 1},
            school_ids=["一小", "二小"],
        )
    assert error.value.constraint == "school_pass" and error.value.school == 1
    assert error.value.indicators == ("key_teachers_per_100",)
    budget_plan = plan_within_budget(
        counts, pupils, standard=PRIMARY, unit_costs=COSTS, budget=1e9, max_additions={"key_teachers": 1}
    )
    assert budget_plan.unreachable_schools == (1,) and budget_plan.schools_passing_after == 1


def test_two_indicators_short_with_bounds() -> None:
    pupils = np.array([500.0])
    counts = counts_at(np.ones((1, 7)) * 1.1, pupils)
    counts[0, 0], counts[0, 6] = 20, 11  # both at ~95 %: one must be fixed
    with pytest.raises(InfeasiblePlanError, match="only one may stay below"):
        plan_minimum_cost(
            counts,
            pupils,
            standard=PRIMARY,
            unit_costs=COSTS,
            max_additions={"senior_degree_teachers": 0, "multimedia_rooms": 0},
        )


def test_cv_limit_unreachable_within_bounds_names_the_indicator() -> None:
    pupils = np.array([100.0, 100.0])
    ratios = np.ones((2, 7)) * 1.2
    ratios[:, 5] = [1.0, 5.0]
    counts = counts_at(ratios, pupils)
    with pytest.raises(InfeasiblePlanError, match="equipment_value_per_student") as error:
        plan_minimum_cost(
            counts, pupils, standard=PRIMARY, unit_costs=COSTS, max_additions={"equipment_value_yuan": 50_000}
        )
    assert error.value.constraint == "cv_limit"
    assert error.value.indicators == ("equipment_value_per_student",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit_costs": {**COSTS, "key_teachers": 0}}, "unit_costs: key_teachers must have a positive"),
        (
            {"unit_costs": {k: v for k, v in COSTS.items() if k != "floor_area_m2"}},
            "missing resource key.*floor_area",
        ),
        ({"unit_costs": {**COSTS, "pianos": 1}}, "unknown resource key.*pianos"),
        ({"unit_costs": COSTS, "max_additions": {"key_teachers": -1}}, "max_additions: negative"),
        ({"unit_costs": COSTS, "school_ids": ["a"]}, "school_ids: length 1"),
        ({"unit_costs": np.ones(6)}, "unit_costs: shape"),
    ],
)
def test_bad_requests(kwargs: dict[str, object], message: str) -> None:
    pupils = np.array([100.0, 200.0])
    with pytest.raises(ValueError, match=message):
        plan_minimum_cost(counts_at(np.ones((2, 7)), pupils), pupils, standard=PRIMARY, **kwargs)  # type: ignore[arg-type]


def test_bad_budget_and_counts() -> None:
    pupils = np.array([100.0, 200.0])
    counts = counts_at(np.ones((2, 7)), pupils)
    with pytest.raises(ValueError, match="budget"):
        plan_within_budget(counts, pupils, standard=PRIMARY, unit_costs=COSTS, budget=-1)
    counts[1, 2] = np.nan
    with pytest.raises(ValueError, match="school row 1, indicator pe_art_teachers_per_100"):
        plan_minimum_cost(counts, pupils, standard=PRIMARY, unit_costs=COSTS)
