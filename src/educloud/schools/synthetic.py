"""Deterministic synthetic schools and yearly statistics, for the demo and for benchmarks.

Nothing here is real: every row is flagged ``is_synthetic`` and the UI shows a banner. The
generator aims for *plausible shapes*, not real figures:

- counts per county grow with how urban it is (``scale="demo"`` ≈ 2,200 schools in the circle,
  ``scale="region"`` ≈ 20,000 — the order of the circle's real number of schools);
- urban schools are large and short of space; rural schools are small, with fewer qualified,
  key and PE/art teachers and less equipment per student, but more ground per student; the
  gaps straddle the national thresholds so that compliance and planning have work to do;
- later years improve slightly on earlier ones.

The same ``seed`` always gives the same rows (``numpy.random.default_rng``; counties in code order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import ProtectedError

from educloud.lib.errors import InvalidInput
from educloud.regions.models import County
from educloud.schools.models import School, SchoolYearStats

YEARS = (2023, 2024, 2025)
_TOWN_SYLLABLES = "青石河桥坝溪龙凤白马金沙新华安兴永乐长丰福宁太平双江清泉黄桷柏林花园松梅竹".replace(
    " ", ""
)

# Expected number of schools of each stage in one county, by urban class, at demo scale.
_DEMO_COUNTS: dict[str, dict[str, float]] = {
    "core": {"primary": 9, "junior": 4, "nine_year": 1, "senior": 2, "vocational": 1, "higher": 0.3},
    "urban": {"primary": 8, "junior": 4, "nine_year": 2, "senior": 2, "vocational": 1, "higher": 0.1},
    "county": {"primary": 7, "junior": 3, "nine_year": 2, "senior": 1, "vocational": 1, "higher": 0.0},
}
_SCALE_FACTOR = {"demo": 1.0, "region": 9.0}

# Location-class mix of schools, by county urban class: P(urban), P(town), P(rural).
_LOCATION_MIX = {"core": (0.8, 0.15, 0.05), "urban": (0.45, 0.35, 0.2), "county": (0.2, 0.4, 0.4)}

# Per-location means of the seven indicators (per 100 students or per student) and enrolment.
# Chosen around the national thresholds (FACTS §2) to give realistic urban/rural gaps.
_PROFILE = {
    #         degree key  pe_art floor ground equip  mm   enrol
    "urban": (6.2, 1.6, 1.15, 4.8, 6.5, 3600, 3.0, 1800),
    "town": (4.8, 1.05, 0.95, 5.6, 8.5, 2400, 2.5, 900),
    "rural": (3.9, 0.6, 0.6, 6.8, 12.0, 1600, 1.9, 260),
}
_JUNIOR_BOOST = (1.25, 1.0, 1.0, 1.25, 1.35, 1.25, 1.05, 1.1)  # junior thresholds are higher


@dataclass(frozen=True)
class SeedReport:
    schools: int
    stats_rows: int


def _school_name(rng: np.random.Generator, county: County, stage: str, location: str, serial: int) -> str:
    base = county.name[:-1] if len(county.name) > 2 else county.name
    town = "".join(rng.choice(list(_TOWN_SYLLABLES), size=2)) + ("镇" if location != "urban" else "街道")
    suffix = {
        "primary": "小学",
        "junior": "中学",
        "nine_year": "九年制学校",
        "senior": "高级中学",
        "vocational": "职业教育中心",
        "higher": "职业技术学院",
    }[stage]
    if location == "urban":
        return (
            f"{base}区第{serial}{suffix}"
            if county.division_type == "district"
            else f"{base}第{serial}{suffix}"
        )
    return f"{base}{town}{'中心' if serial % 3 == 0 else ''}{suffix}"


def _sections(stage: str) -> list[str]:
    return {
        "primary": ["primary"],
        "junior": ["junior"],
        "nine_year": ["primary", "junior"],
        "senior": ["senior"],
        "vocational": ["vocational"],
        "higher": ["higher"],
    }[stage]


def _stats_row(
    rng: np.random.Generator, school: School, section: str, year_index: int, county_wealth: float
) -> dict[str, float | int]:
    profile = np.array(_PROFILE[school.location_class], dtype=float)
    if section != "primary":
        profile = profile * np.array(_JUNIOR_BOOST)
    noise = rng.lognormal(mean=0.0, sigma=0.22, size=profile.size)
    improvement = 1.0 + 0.03 * year_index
    values = profile * noise * county_wealth * improvement
    enrolment = max(20, int(profile[7] * rng.lognormal(0.0, 0.35)))
    if school.is_teaching_point:
        enrolment = int(rng.integers(15, 90))
    per100 = enrolment / 100.0
    teachers = max(2, int(round(enrolment / rng.uniform(13.0, 19.0))))
    return {
        "enrolment": enrolment,
        "teachers": teachers,
        "teachers_above_degree": min(teachers, int(round(values[0] * per100))),
        "key_teachers": int(round(values[1] * per100)),
        "pe_art_teachers": int(round(values[2] * per100)),
        "floor_area_m2": round(values[3] * enrolment, 1),
        "sports_ground_m2": round(values[4] * enrolment, 1),
        "equipment_value_yuan": round(values[5] * enrolment, -2),
        "multimedia_classrooms": max(1, int(round(values[6] * per100))),
        "funding_yuan": round(enrolment * rng.uniform(11000, 19000) * county_wealth, -3),
    }


@transaction.atomic
def synthetic_schools_seed(*, scale: str, seed: int, years: tuple[int, ...] = YEARS) -> SeedReport:
    """Replace all synthetic schools with a fresh deterministic set. Real schools are untouched."""
    if scale not in _SCALE_FACTOR:
        raise ValueError(f"scale must be one of {sorted(_SCALE_FACTOR)}, got {scale!r}")
    try:
        School.objects.filter(is_synthetic=True).delete()
    except ProtectedError as exc:
        raise InvalidInput(
            "合成学校仍被账户、学生等记录引用：请用 `educloud seed` 重建全部合成数据（它先删除合成账户）"
        ) from exc
    rng = np.random.default_rng(seed)
    factor = _SCALE_FACTOR[scale]
    schools: list[School] = []
    wealth: dict[str, float] = {}
    for county in County.objects.order_by("code"):
        county_wealth = {"core": 1.08, "urban": 1.0, "county": 0.93}[county.urban_class] * rng.uniform(
            0.94, 1.06
        )
        wealth[county.code] = county_wealth
        mix = _LOCATION_MIX[county.urban_class]
        serial = 0
        for stage, expected in _DEMO_COUNTS[county.urban_class].items():
            for _ in range(int(rng.poisson(expected * factor))):
                serial += 1
                location = str(rng.choice(["urban", "town", "rural"], p=mix))
                if stage in {"senior", "vocational", "higher"} and location == "rural":
                    location = "town"
                spread = 0.03 if location == "urban" else 0.12
                schools.append(
                    School(
                        code=f"S{county.code}{serial:04d}",
                        name=_school_name(rng, county, stage, location, serial),
                        county=county,
                        stage=stage,
                        ownership="private" if rng.random() < 0.08 else "public",
                        location_class=location,
                        longitude=round(county.longitude + rng.normal(0, spread), 5),
                        latitude=round(county.latitude + rng.normal(0, spread), 5),
                        is_teaching_point=stage == "primary" and location == "rural" and rng.random() < 0.15,
                        is_synthetic=True,
                    )
                )
    School.objects.bulk_create(schools, batch_size=2000)
    saved = {
        s.code: s
        for s in School.objects.filter(is_synthetic=True).only(
            "id", "code", "location_class", "is_teaching_point", "county_id"
        )
    }
    stats: list[SchoolYearStats] = []
    for school in schools:
        row_school = saved[school.code]
        row_school.is_teaching_point = school.is_teaching_point
        for section in _sections(school.stage):
            for year_index, year in enumerate(years):
                values = _stats_row(rng, row_school, section, year_index, wealth[school.county_id])
                stats.append(
                    SchoolYearStats(
                        school=row_school, year=year, section=section, is_synthetic=True, **values
                    )
                )
    SchoolYearStats.objects.bulk_create(stats, batch_size=5000)
    return SeedReport(schools=len(schools), stats_rows=len(stats))
