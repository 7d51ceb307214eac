"""The 优质均衡 standard: indicator values, the 6-of-7 + 85 % rule, the county verdict, exclusions."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import ArrayLike

from educloud.algos.inequality import difference_coefficient
from educloud.algos.standard import (
    CV_LIMITS,
    INDICATOR_KEYS,
    INDICATORS,
    SchoolStage,
    StageStandard,
    assess_county,
    assess_schools,
    evaluated_schools_mask,
    indicator_values,
    numerators_from_columns,
    stage_standard,
)

PRIMARY = stage_standard("primary")
PER_STUDENTS = np.array([indicator.per_students for indicator in INDICATORS], dtype=float)


def counts_at(ratios: ArrayLike, pupils: ArrayLike, standard: StageStandard = PRIMARY) -> np.ndarray:
    """Raw counts giving ``ratios`` × threshold for each school."""
    return np.asarray(ratios, dtype=float) * standard.thresholds * np.asarray(pupils)[:, None] / PER_STUDENTS


def test_the_seven_indicators_and_their_thresholds() -> None:
    assert INDICATOR_KEYS == (
        "senior_degree_teachers_per_100",
        "key_teachers_per_100",
        "pe_art_teachers_per_100",
        "floor_area_per_student",
        "ground_area_per_student",
        "equipment_value_per_student",
        "multimedia_rooms_per_100",
    )
    np.testing.assert_allclose(PRIMARY.thresholds, [4.2, 1, 0.9, 4.5, 7.5, 2000, 2.3])
    junior = stage_standard(SchoolStage.JUNIOR)
    np.testing.assert_allclose(junior.thresholds, [5.3, 1, 0.9, 5.8, 10.2, 2500, 2.4])
    assert (
        (PRIMARY.cv_limit, junior.cv_limit)
        == (0.50, 0.45)
        == (CV_LIMITS[SchoolStage.PRIMARY], CV_LIMITS[SchoolStage.JUNIOR])
    )
    assert all(indicator.label_zh and indicator.unit for indicator in INDICATORS)
    assert [i.verify for i in INDICATORS] == [False, False, False, True, True, True, True]


def test_indicator_values_from_raw_counts() -> None:
    columns = {
        "senior_degree_teachers": [21, 10],
        "key_teachers": [5, 1],
        "pe_art_teachers": [5, 2],
        "floor_area_m2": [2250, 900],
        "ground_area_m2": [3750, 1000],
        "equipment_value_yuan": [1_000_000, 150_000],
        "multimedia_rooms": [12, 4],
    }
    values = indicator_values(numerators_from_columns(columns), [500, 200])
    np.testing.assert_allclose(values[0], [4.2, 1.0, 1.0, 4.5, 7.5, 2000, 2.4])
    np.testing.assert_allclose(values[1], [5.0, 0.5, 1.0, 4.5, 5.0, 750, 2.0])


@pytest.mark.parametrize(
    ("ratios", "passes"),
    [
        ([1, 1, 1, 1, 1, 1, 1], True),  # exactly on every threshold (float tolerance)
        ([1.2, 1, 1, 1, 1, 1, 0.90], True),  # six met, seventh at 90 %
        ([1.2, 1, 1, 1, 1, 1, 0.85], True),  # seventh exactly at 85 %
        ([1.2, 1, 1, 1, 1, 1, 0.84], False),  # seventh below 85 %
        ([1.2, 1, 1, 1, 1, 0.95, 0.95], False),  # only five met
    ],
)
def test_school_pass_rule(ratios: list[float], passes: bool) -> None:
    values = np.asarray(ratios)[None, :] * PRIMARY.thresholds
    assert bool(assess_schools(values, PRIMARY).passes[0]) is passes


def test_21_teachers_for_500_pupils_meet_4_point_2() -> None:
    counts = counts_at(np.ones((1, 7)), [500])
    counts[0, 0] = 21
    assert assess_schools(indicator_values(counts, [500]), PRIMARY).met[0, 0]


def test_county_verdict_with_reasons() -> None:
    pupils = np.array([1000, 800, 300, 200])
    ratios = np.ones((4, 7)) * 1.1
    ratios[2, 1] = 0.5  # school 2: key teachers at 50 % → fails, and drives that CV
    ratios[3, 5] = 3.0  # school 3: rich in equipment → drives that CV from above
    verdict = assess_county(counts_at(ratios, pupils), pupils, PRIMARY)
    assert not verdict.passes
    assert verdict.failing_schools == (2,)
    assert verdict.shortfalls[2] == {"key_teachers_per_100": pytest.approx(0.5)}
    values = indicator_values(counts_at(ratios, pupils), pupils)
    for column, dispersion in enumerate(verdict.dispersion):
        assert dispersion.cv == pytest.approx(difference_coefficient(values[:, column], weights=pupils))
    key = verdict.dispersion[1]
    assert key.drivers[0] == 2 and key.below_mean[0]
    equipment = verdict.dispersion[5]
    assert equipment.drivers[0] == 3 and not equipment.below_mean[0]
    assert equipment.variance_share.sum() == pytest.approx(1.0)
    assert verdict.dispersion[0].cv == 0.0 and verdict.dispersion[0].drivers == ()


def test_county_fails_on_cv_alone() -> None:
    pupils = np.array([500, 500])
    ratios = np.ones((2, 7))
    ratios[1, 4] = 4.0  # ground area: (1, 4) → CV = 1.5 / 2.5 = 0.6 > 0.5
    verdict = assess_county(counts_at(ratios, pupils), pupils, PRIMARY)
    assert verdict.failing_schools == ()
    assert verdict.failing_indicators == ("ground_area_per_student",)
    assert verdict.dispersion[4].cv == pytest.approx(0.6)
    unweighted = assess_county(counts_at(ratios, pupils), pupils, PRIMARY, cv_weighting="unweighted")
    assert unweighted.dispersion[4].cv == pytest.approx(0.6)


def test_all_zero_indicator_has_undefined_cv_and_fails() -> None:
    counts = counts_at(np.ones((2, 7)), [100, 100])
    counts[:, 6] = 0
    verdict = assess_county(counts, [100, 100], PRIMARY)
    assert verdict.dispersion[6].cv == np.inf and "multimedia_rooms_per_100" in verdict.failing_indicators


def test_exclusions() -> None:
    mask = evaluated_schools_mask(
        [30, 30, 600, 49, 50],
        is_special_education=np.array([False, True, True, False, False]),
        is_teaching_point=np.array([True, False, False, True, True]),
    )
    assert mask.tolist() == [False, False, False, False, True]


@pytest.mark.parametrize(
    ("numerators", "enrolment", "message"),
    [
        (np.ones((2, 7)), [100], "2 school rows do not match 1"),
        (np.ones((2, 6)), [100, 100], "expected shape"),
        (
            np.where(np.eye(2, 7, 3) > 0, -1.0, 1.0),
            [100, 100],
            "negative value at school row 0, indicator floor",
        ),
        (np.where(np.eye(2, 7, 1) > 0, np.nan, 1.0), [100, 100], "missing .* row 0, indicator key_teachers"),
        (np.ones((2, 7)), [100, 0], "zero enrolment at school row 1"),
        (np.ones((2, 7)), [100, float("nan")], "enrolment: missing"),
        (np.ones((0, 7)), [], "enrolment: empty"),
    ],
)
def test_bad_input(numerators: np.ndarray, enrolment: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assess_county(numerators, enrolment, PRIMARY)


def test_bad_columns_and_standard() -> None:
    with pytest.raises(ValueError, match="missing column"):
        numerators_from_columns({"key_teachers": [1]})
    with pytest.raises(ValueError, match="thresholds"):
        StageStandard(thresholds=np.ones(6), cv_limit=0.5)
    with pytest.raises(ValueError, match="cv_limit"):
        StageStandard(thresholds=np.ones(7), cv_limit=0.0)
    with pytest.raises(ValueError, match="is_teaching_point: length"):
        evaluated_schools_mask([60], is_special_education=np.array([False]), is_teaching_point=np.array([]))
