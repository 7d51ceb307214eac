"""Compliance and inequality from stored statistics: the right rows, the right columns, few queries.

Expected values are rebuilt here from the ORM independently of ``equity.dataset`` (explicit column
mapping, explicit exclusions), then compared with the reports; PySAL's ``inequality`` package is the
oracle for Gini / Theil / the between–within split.
"""

from __future__ import annotations

import numpy as np
import pytest
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

from educloud.algos.inequality import difference_coefficient
from educloud.equity import selectors
from educloud.lib.scope import Scope
from educloud.schools.api import School, SchoolYearStats

pytestmark = pytest.mark.django_db

YONGCHUAN = "500118"
# Stored column → indicator, with the per-100 scale, written out independently of equity.indicators.
MAPPING = [
    ("teachers_above_degree", "senior_degree_teachers_per_100", 100),
    ("key_teachers", "key_teachers_per_100", 100),
    ("pe_art_teachers", "pe_art_teachers_per_100", 100),
    ("floor_area_m2", "floor_area_per_student", 1),
    ("sports_ground_m2", "ground_area_per_student", 1),
    ("equipment_value_yuan", "equipment_value_per_student", 1),
    ("multimedia_classrooms", "multimedia_rooms_per_100", 100),
]


def expected_rows(county: str | None, year: int, section: str | None) -> list[SchoolYearStats]:
    qs = SchoolYearStats.objects.filter(year=year).select_related("school", "school__county")
    qs = qs.filter(section=section) if section else qs.filter(section__in=["primary", "junior"])
    if county:
        qs = qs.filter(school__county_id=county)
    return [
        s
        for s in qs
        if not s.school.is_special_education
        and not (s.school.is_teaching_point and s.enrolment < 50)
        and s.enrolment > 0
    ]


def values(rows: list[SchoolYearStats], field: str, scale: int) -> np.ndarray:
    return np.array([getattr(s, field) * scale / s.enrolment for s in rows])


def test_county_report_uses_the_sections_of_nine_year_schools_and_the_standard_cv():
    detail = selectors.county_compliance(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="junior")
    rows = expected_rows(YONGCHUAN, 2025, "junior")
    codes = {s.school.code for s in rows}
    assert {s.code for s in detail.schools} == codes
    assert "S5001180009" in codes  # the nine-year school's junior part counts for junior
    pupils = np.array([s.enrolment for s in rows], dtype=float)
    for field, key, scale in MAPPING:
        expected = difference_coefficient(values(rows, field, scale), weights=pupils)
        assert detail.summary.cv[key] == pytest.approx(expected, rel=1e-12)
    nine = next(s for s in detail.schools if s.code == "S5001180009")
    stored = SchoolYearStats.objects.get(school__code="S5001180009", year=2025, section="junior")
    assert nine.enrolment == stored.enrolment
    assert nine.values["key_teachers_per_100"] == pytest.approx(100 * stored.key_teachers / stored.enrolment)


def test_verdict_reasons_are_consistent():
    detail = selectors.county_compliance(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="primary")
    summary = detail.summary
    assert summary.n_passing == sum(s.passes for s in detail.schools)
    for school in detail.schools:
        assert school.passes == (school.n_met >= 6 and min(school.ratio.values()) >= 0.85 * (1 - 1e-9))
        assert set(school.shortfalls) == {k for k, met in school.met.items() if not met} or school.passes
    failing_cv = {k for k, v in summary.cv.items() if v > summary.cv_limit}
    assert set(summary.failing_indicators) == failing_cv
    assert summary.passes == (summary.n_passing == summary.n_schools and not failing_cv)
    for drivers in detail.drivers.values():
        shares = [d.variance_share for d in drivers]
        assert shares == sorted(shares, reverse=True) and all(0 < s <= 1 for s in shares)


def test_exclusions_special_education_small_teaching_points_and_zero_enrolment():
    schools = list(School.objects.filter(county_id=YONGCHUAN, stage="primary").order_by("code"))
    special, point, big_point, empty = schools[:4]
    School.objects.filter(pk=special.pk).update(is_special_education=True)
    School.objects.filter(pk__in=[point.pk, big_point.pk]).update(is_teaching_point=True)
    SchoolYearStats.objects.filter(school=point, year=2025).update(enrolment=49)
    SchoolYearStats.objects.filter(school=big_point, year=2025).update(enrolment=50)
    SchoolYearStats.objects.filter(school=empty, year=2025).update(enrolment=0)
    detail = selectors.county_compliance(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="primary")
    reasons = {e.code: e.reason for e in detail.excluded}
    assert reasons == {
        special.code: "特殊教育学校",
        point.code: "在校生不足 50 人的教学点",
        empty.code: "在校生数为 0",
    }
    assert big_point.code in {s.code for s in detail.schools}
    assert detail.summary.n_excluded == 3
    assert detail.summary.n_schools == len(expected_rows(YONGCHUAN, 2025, "primary"))


def test_school_details_only_within_scope():
    outside = Scope(county_codes=frozenset({"510121"}))
    detail = selectors.county_compliance(scope=outside, county_code=YONGCHUAN, year=None, stage="primary")
    assert detail.schools is None and detail.drivers is None and detail.excluded is None
    assert detail.summary.n_schools > 0 and len(detail.indicators) == 7
    city = Scope(city_codes=frozenset({"500000"}))  # 重庆's counties hang under the municipality
    assert selectors.county_compliance(scope=city, county_code=YONGCHUAN, year=None, stage="primary").schools


def test_ranking_covers_every_county_in_order():
    ranked = selectors.ranking(year=2025, stage="primary")
    assert len(ranked) == 142 and len({r.county_code for r in ranked}) == 142
    with_rank = [r for r in ranked if r.rank is not None]
    assert [r.rank for r in with_rank] == list(range(1, len(with_rank) + 1))
    keys = [(not r.passes, -r.pass_rate, r.worst_cv_ratio) for r in with_rank]
    assert keys == sorted(keys)
    assert all(r.passes is None for r in ranked[len(with_rank) :])


def test_trend_has_one_entry_per_year_oldest_first():
    trend = selectors.county_trend(county_code=YONGCHUAN, stage="primary")
    assert [t.year for t in trend] == [2023, 2024, 2025]
    latest = selectors.county_compliance(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="primary")
    assert trend[-1].cv == latest.summary.cv


def test_reports_do_not_query_per_school(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # years, regions, one statistics query
        selectors.full_report(year=2025)
    with django_assert_max_num_queries(3):
        selectors.county_compliance(scope=Scope.all(), county_code=YONGCHUAN, year=2025, stage="primary")


@pytest.mark.parametrize(
    "key_field",
    [("key_teachers_per_100", "key_teachers", 100), ("floor_area_per_student", "floor_area_m2", 1)],
)
def test_inequality_matches_pysal_unweighted(key_field):
    key, field, scale = key_field
    report = selectors.inequality(year=2025, indicator=key, stage="all", weighting="unweighted")
    rows = expected_rows(None, 2025, None)
    x = values(rows, field, scale)
    assert report.n_schools == len(rows)
    assert report.gini == pytest.approx(Gini(x).g, rel=1e-9)
    assert report.theil == pytest.approx(Theil(x).T, rel=1e-9)
    parts = {d.grouping: d for d in report.decompositions}
    for grouping, labels in (
        ("province", [s.school.county.province_id for s in rows]),
        ("location", [s.school.location_class for s in rows]),
        ("urban_class", [s.school.county.urban_class for s in rows]),
        ("stage", [s.section for s in rows]),
    ):
        codes = np.unique(labels, return_inverse=True)[1]
        oracle = TheilD(x, codes)
        assert parts[grouping].between == pytest.approx(float(np.squeeze(oracle.bg)), rel=1e-8, abs=1e-12)
        assert parts[grouping].within == pytest.approx(float(np.squeeze(oracle.wg)), rel=1e-8)


def test_inequality_weighted_by_enrolment():
    report = selectors.inequality(year=2025, indicator="key_teachers_per_100", stage="primary")
    rows = expected_rows(None, 2025, "primary")
    pupils = np.array([s.enrolment for s in rows], dtype=float)
    x = values(rows, "key_teachers", 100)
    assert report.cv == pytest.approx(difference_coefficient(x, weights=pupils), rel=1e-12)
    # Enrolment weights = replicating each school once per pupil (integer weights).
    replicated = np.repeat(x, pupils.astype(int))
    assert report.gini == pytest.approx(Gini(replicated).g, rel=1e-6)
    for d in report.decompositions:
        assert d.between + d.within == pytest.approx(report.theil, rel=1e-9)
    assert "stage" not in {d.grouping for d in report.decompositions}  # one stage: no stage split


def test_vectorised_theil_split_equals_the_algos_decomposition():
    from educloud.algos.inequality import theil_decomposition, theil_split

    rng = np.random.default_rng(11)
    x = rng.lognormal(0, 0.6, 500)
    x[:7] = 0.0  # zero values, and below a whole group with zero total
    w = rng.integers(20, 2000, 500).astype(float)
    codes = rng.integers(0, 5, 500)
    codes[:7] = 5
    expected = theil_decomposition(x, codes.tolist(), weights=w)
    split = theil_split(x, w, codes, 6)
    by_label = {g.label: g for g in expected.groups}
    for g in range(6):
        assert split["theil"][g] == pytest.approx(by_label[g].theil, rel=1e-12, abs=1e-15)
        assert split["between"][g] == pytest.approx(by_label[g].between_contribution, rel=1e-12, abs=1e-15)
        assert split["share"][g] == pytest.approx(by_label[g].share, rel=1e-12, abs=1e-15)
    assert split["between"].sum() == pytest.approx(expected.between, rel=1e-12)
    assert split["within"].sum() == pytest.approx(expected.within, rel=1e-12)


def test_fast_ranking_summaries_equal_the_full_verdicts():
    from educloud.equity.dataset import region_lookup, stats_table
    from educloud.equity.reports import county_summaries, county_verdicts

    table = stats_table(years=[2024])
    regions = region_lookup()
    for stage in ("primary", "junior"):
        fast = {s.county_code: s for s in county_summaries(table, regions, stage=stage, year=2024)}
        full = county_verdicts(table, regions, stage=stage, year=2024)
        assert set(fast) == set(full) == set(regions)
        for code, (summary, _, _) in full.items():
            assert fast[code] == summary
