"""``schools.services.school_stats_replace``: all-or-nothing, scope-checked, idempotent replacement."""

from __future__ import annotations

import pytest

from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import STATS_VALUE_FIELDS, SchoolYearStats, school_stats_replace

pytestmark = pytest.mark.django_db

YONGCHUAN = Scope(county_codes=frozenset({"500118"}))
PRIMARY = "S5001180001"  # a primary school of 永川区 in the demo seed
NINE_YEAR = "S5001180009"


def row(code: str = PRIMARY, year: int = 2026, section: str = "primary", **changes: object) -> dict:
    values: dict[str, object] = {
        "enrolment": 600,
        "teachers": 40,
        "teachers_above_degree": 30,
        "key_teachers": 8,
        "pe_art_teachers": 6,
        "floor_area_m2": 3000.5,
        "sports_ground_m2": 5000.0,
        "equipment_value_yuan": 1_500_000.0,
        "multimedia_classrooms": 15,
        "funding_yuan": 9_000_000.0,
    }
    return {"school_code": code, "year": year, "section": section, **values, **changes}


def stored(code: str, year: int, section: str) -> SchoolYearStats:
    return SchoolYearStats.objects.get(school__code=code, year=year, section=section)


def test_creates_then_replaces_then_is_idempotent():
    rows = [row(), row(NINE_YEAR, section="primary"), row(NINE_YEAR, section="junior", enrolment=300)]
    assert school_stats_replace(editable_scope=YONGCHUAN, rows=rows).created == 3
    assert stored(NINE_YEAR, 2026, "junior").enrolment == 300
    assert not stored(PRIMARY, 2026, "primary").is_synthetic
    again = school_stats_replace(editable_scope=YONGCHUAN, rows=rows)
    assert (again.created, again.replaced, again.unchanged) == (0, 0, 3)
    changed = school_stats_replace(editable_scope=YONGCHUAN, rows=[row(enrolment=650)])
    assert (changed.created, changed.replaced, changed.unchanged) == (0, 1, 0)
    assert stored(PRIMARY, 2026, "primary").enrolment == 650
    assert SchoolYearStats.objects.filter(school__code=PRIMARY, year=2026).count() == 1


def test_replacing_a_synthetic_row_marks_it_real():
    before = stored(PRIMARY, 2025, "primary")
    assert before.is_synthetic
    values = {name: getattr(before, name) for name in STATS_VALUE_FIELDS}
    report = school_stats_replace(editable_scope=YONGCHUAN, rows=[row(year=2025, **values)])
    assert report.replaced == 1 and not stored(PRIMARY, 2025, "primary").is_synthetic


@pytest.mark.parametrize(
    ("bad", "error", "field"),
    [
        (row("S5101210001"), PermissionDenied, "school_code"),  # 金堂县: outside 永川区
        (row("NOPE"), NotFound, "school_code"),
        (row(section="junior"), InvalidInput, "section"),  # a primary school has no junior section
        (row(section="kindergarten"), InvalidInput, "section"),
        (row(enrolment=-1), InvalidInput, "enrolment"),
        (row(teachers=4.5), InvalidInput, "teachers"),
        (row(floor_area_m2="lots"), InvalidInput, "floor_area_m2"),
        (row(floor_area_m2=float("nan")), InvalidInput, "floor_area_m2"),
        (row(teachers_above_degree=41), InvalidInput, "teachers_above_degree"),
        (row(year=1999), InvalidInput, "year"),
        ({"school_code": PRIMARY, "year": 2026, "section": "primary"}, InvalidInput, "enrolment"),
    ],
)
def test_one_bad_row_writes_nothing(bad, error, field):
    count = SchoolYearStats.objects.count()
    with pytest.raises(error) as caught:
        school_stats_replace(editable_scope=YONGCHUAN, rows=[row(NINE_YEAR), bad])
    assert caught.value.field == field
    assert SchoolYearStats.objects.count() == count


def test_duplicates_and_empty_scope_are_refused():
    with pytest.raises(InvalidInput, match="重复"):
        school_stats_replace(editable_scope=YONGCHUAN, rows=[row(), row(enrolment=1)])
    with pytest.raises(PermissionDenied):
        school_stats_replace(editable_scope=Scope.none(), rows=[row()])
    assert school_stats_replace(editable_scope=Scope.all(), rows=[]).created == 0
