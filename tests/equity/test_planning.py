"""The planner service: plans meet the standard, costs files, budgets, infeasible requests, scope."""

from __future__ import annotations

import numpy as np
import pytest

from educloud.algos.standard import assess_county, stage_standard
from educloud.equity.indicators import DEFAULT_COSTS, NUMERATOR_FIELDS
from educloud.equity.planning import county_plan, parse_costs
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import SchoolYearStats

pytestmark = pytest.mark.django_db

YONGCHUAN = "500118"


def stored(county: str, year: int, stage: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = list(
        SchoolYearStats.objects.filter(school__county_id=county, year=year, section=stage)
        .exclude(school__is_special_education=True)
        .order_by("school__code")
        .values_list("school__code", "enrolment", *NUMERATOR_FIELDS)
    )
    return [r[0] for r in rows], np.array([r[1] for r in rows], float), np.array([r[2:] for r in rows], float)


@pytest.mark.parametrize("stage", ["primary", "junior"])
def test_minimum_cost_plan_makes_the_county_pass(stage):
    plan = county_plan(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage=stage)
    codes, pupils, counts = stored(YONGCHUAN, 2025, stage)
    additions = np.zeros_like(counts)
    by_code = {s.code: s for s in plan.schools}
    assert set(by_code) == set(codes)
    keys = list(DEFAULT_COSTS)
    for row, code in enumerate(codes):
        for resource, amount in by_code[code].additions.items():
            additions[row, keys.index(resource)] = amount
    verdict = assess_county(counts + additions, pupils, stage_standard(stage))
    assert verdict.passes and plan.county_passes_after
    assert plan.total_cost == pytest.approx(float((additions * np.array(list(DEFAULT_COSTS.values()))).sum()))
    assert plan.schools_passing_before == int(
        assess_county(counts, pupils, stage_standard(stage)).schools.passes.sum()
    )
    assert all(s.explanation for s in plan.schools)
    assert 0 <= plan.gap <= 0.01 + 1e-9


def test_costs_change_the_plan_and_budget_mode_respects_the_budget():
    cheap = county_plan(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="junior")
    dearer = county_plan(
        scope=Scope.all(),
        county_code=YONGCHUAN,
        year=2025,
        stage="junior",
        unit_costs={"ground_area_m2": 1600},
    )
    assert dearer.total_cost > cheap.total_cost
    half = cheap.total_cost / 2
    within = county_plan(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="junior", budget=half)
    assert within.mode == "within_budget" and within.total_cost <= half
    assert within.schools_passing_after >= within.schools_passing_before
    assert any("未安排增配" in s.explanation for s in within.schools)
    enough = county_plan(
        scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="junior", budget=cheap.total_cost * 2
    )
    assert enough.county_passes_after


def test_infeasible_requests_name_the_constraint():
    with pytest.raises(InvalidInput, match="学校达标约束不可满足") as caught:
        county_plan(
            scope=Scope.all(),
            county_code=YONGCHUAN,
            year=2025,
            stage="primary",
            max_additions={"key_teachers": 0, "pe_art_teachers": 0, "senior_degree_teachers": 0},
        )
    assert caught.value.field == "school_pass" and "S500118" in caught.value.message


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"county_code": "999999"}, NotFound, "不在成渝"),
        ({"stage": "senior"}, InvalidInput, "学段"),
        ({"year": 1999}, InvalidInput, "没有统计数据"),
        ({"budget": -5.0}, InvalidInput, "预算"),
        ({"unit_costs": {"key_teachers": 0}}, InvalidInput, "正数"),
        ({"unit_costs": {"gold": 1}}, InvalidInput, "未知的资源"),
        ({"scope": Scope(county_codes=frozenset({"510121"}))}, PermissionDenied, "永川区"),
    ],
)
def test_bad_requests(kwargs, error, text):
    arguments = {"scope": Scope.all(), "county_code": YONGCHUAN, "year": 2025, "stage": "primary", **kwargs}
    with pytest.raises(error, match=text):
        county_plan(**arguments)


def test_parse_costs_json_csv_and_errors():
    costs, bounds = parse_costs(b'{"key_teachers": 200000, "sports_ground_m2": 900}', filename="c.json")
    assert costs == {"key_teachers": 200000.0, "ground_area_m2": 900.0} and bounds == {}
    costs, bounds = parse_costs(
        '{"unit_costs": {"网络多媒体教室": 1}, "max_additions": {"key_teachers": 0}}'.encode(),
        filename="c.json",
    )
    assert costs == {"multimedia_rooms": 1.0} and bounds == {"key_teachers": 0.0}
    costs, bounds = parse_costs(
        b"resource,unit_cost,max_per_school\nkey_teachers,190000,3\nfloor_area_m2,2500,\n",
        filename="c.csv",
    )
    assert costs == {"key_teachers": 190000.0, "floor_area_m2": 2500.0} and bounds == {"key_teachers": 3.0}
    for content, filename, text in [
        (b"{not json", "c.json", "JSON"),
        (b"[1, 2]", "c.json", "对象"),
        (b'{"key_teachers": -1}', "c.json", "正数"),
        (b'{"key_teachers": "abc"}', "c.json", "不是数值"),
        (b"resource,price\nkey_teachers,1\n", "c.csv", "resource,unit_cost"),
        (b"resource,unit_cost\nunicorns,1\n", "c.csv", "未知的资源"),
        (b"\xff\xfe\x00", "c.csv", "UTF-8"),
    ]:
        with pytest.raises(InvalidInput, match=text):
            parse_costs(content, filename=filename)
