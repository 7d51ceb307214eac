from __future__ import annotations

import hashlib

import numpy as np
import pytest
from django.core.management import call_command

from educloud.lib.errors import InvalidInput
from educloud.schools.api import School, SchoolYearStats, synthetic_schools_seed
from tests.conftest import SEED

pytestmark = pytest.mark.django_db


def _digest() -> str:
    rows = SchoolYearStats.objects.order_by("school__code", "year", "section").values_list(
        "school__code",
        "school__name",
        "year",
        "section",
        "enrolment",
        "teachers_above_degree",
        "equipment_value_yuan",
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_seed_is_deterministic_and_replaces_only_synthetic_rows():
    from educloud.regions.api import County

    real = School.objects.create(
        code="5001180001",
        name="真实学校样例",
        county=County.objects.get(code="500118"),
        stage="primary",
        location_class="urban",
    )
    before = _digest()
    call_command("seed", scale="demo", seed=SEED, verbosity=0)
    assert _digest() == before
    assert School.objects.filter(pk=real.pk).exists()
    call_command("seed", scale="demo", seed=SEED + 1, verbosity=0)
    assert _digest() != before


def test_reseeding_schools_under_synthetic_people_is_refused_with_a_way_out():
    with pytest.raises(InvalidInput, match="educloud seed"):
        synthetic_schools_seed(scale="demo", seed=SEED)


def test_every_county_has_schools_and_everything_is_flagged():
    assert School.objects.values("county").distinct().count() == 142
    assert not School.objects.filter(is_synthetic=False).exists()
    assert not SchoolYearStats.objects.filter(is_synthetic=False).exists()


def test_nine_year_schools_have_primary_and_junior_sections():
    school = School.objects.filter(stage="nine_year").first()
    assert set(school.stats.values_list("section", flat=True)) == {"primary", "junior"}


def test_rural_schools_lag_urban_ones_in_equipment_and_qualified_teachers():
    def per_student(location: str, field: str) -> float:
        rows = SchoolYearStats.objects.filter(school__location_class=location, section="primary", year=2025)
        values = np.array([(getattr(r, field), r.enrolment) for r in rows], dtype=float)
        return float(values[:, 0].sum() / values[:, 1].sum())

    assert per_student("rural", "equipment_value_yuan") < 0.7 * per_student("urban", "equipment_value_yuan")
    assert per_student("rural", "teachers_above_degree") < per_student("urban", "teachers_above_degree")
    assert per_student("rural", "sports_ground_m2") > per_student("urban", "sports_ground_m2")
