"""Writes to schools: editing a school, and replacing yearly statistics, within the actor's editable scope."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.models import School, SchoolYearStats
from educloud.schools.selectors import school_get

EDITABLE_FIELDS = {"name", "ownership", "location_class", "longitude", "latitude"}


@transaction.atomic
def school_update(*, editable_scope: Scope, code: str, changes: dict[str, Any]) -> School:
    """Change a school's basic facts. Raises PermissionDenied outside ``editable_scope``.

    Validates everything before writing, so a rejected change leaves the school as it was.
    """
    school = school_get(scope=editable_scope, code=code)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not 2 <= len(name) <= 64:
            raise InvalidInput("学校名称应为 2 到 64 个字", field="name")
        changes["name"] = name
    if "ownership" in changes and changes["ownership"] not in School.Ownership.values:
        raise InvalidInput("办学性质只能是 public（公办）或 private（民办）", field="ownership")
    if "location_class" in changes and changes["location_class"] not in School.LocationClass.values:
        raise InvalidInput("城乡类别只能是 urban、town 或 rural", field="location_class")
    for axis, low, high in (("longitude", 97.0, 111.0), ("latitude", 26.0, 34.0)):
        if changes.get(axis) is not None and not low <= float(changes[axis]) <= high:
            raise InvalidInput(f"{axis} 超出川渝范围（{low}–{high}）", field=axis)
    for key, value in changes.items():
        setattr(school, key, value)
    school.save(update_fields=list(changes))
    return school


# --- yearly statistics: bulk replace (used by the equity app's import) ----------------------------

SECTIONS_BY_STAGE: dict[str, frozenset[str]] = {
    School.Stage.PRIMARY: frozenset({SchoolYearStats.Section.PRIMARY}),
    School.Stage.JUNIOR: frozenset({SchoolYearStats.Section.JUNIOR}),
    School.Stage.NINE_YEAR: frozenset({SchoolYearStats.Section.PRIMARY, SchoolYearStats.Section.JUNIOR}),
    School.Stage.SENIOR: frozenset({SchoolYearStats.Section.SENIOR}),
    School.Stage.VOCATIONAL: frozenset({SchoolYearStats.Section.VOCATIONAL}),
    School.Stage.HIGHER: frozenset({SchoolYearStats.Section.HIGHER}),
}
STATS_COUNT_FIELDS = (
    "enrolment",
    "teachers",
    "teachers_above_degree",
    "key_teachers",
    "pe_art_teachers",
    "multimedia_classrooms",
)
STATS_AMOUNT_FIELDS = ("floor_area_m2", "sports_ground_m2", "equipment_value_yuan", "funding_yuan")
STATS_VALUE_FIELDS = STATS_COUNT_FIELDS + STATS_AMOUNT_FIELDS
STATS_YEARS = (2000, 2100)
_IN_CHUNK = 900  # stays under SQLite's historical 999-parameter limit


@dataclass(frozen=True)
class StatsReplaceReport:
    """What ``school_stats_replace`` did: rows new, rows whose values changed, rows already identical."""

    created: int
    replaced: int
    unchanged: int


def _check_stats_row(index: int, row: Mapping[str, Any]) -> tuple[str, int, str, dict[str, int | float]]:
    where = f"第 {index + 1} 条记录"
    try:
        code, year, section = str(row["school_code"]).strip(), row["year"], row["section"]
    except KeyError as exc:
        raise InvalidInput(f"{where}缺少 {exc.args[0]}", field=str(exc.args[0])) from None
    if isinstance(year, bool) or not isinstance(year, int) or not STATS_YEARS[0] <= year <= STATS_YEARS[1]:
        raise InvalidInput(f"{where}：年份 {year!r} 无效", field="year")
    if section not in SchoolYearStats.Section.values:
        raise InvalidInput(f"{where}：学部 {section!r} 无效", field="section")
    values: dict[str, int | float] = {}
    for name in STATS_VALUE_FIELDS:
        if name not in row:
            raise InvalidInput(f"{where}缺少 {name}", field=name)
        value = row[name]
        whole = name in STATS_COUNT_FIELDS
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput(f"{where}：{name} 不是数值", field=name)
        if value < 0:
            raise InvalidInput(f"{where}：{name} 不能为负数", field=name)
        if whole and value != int(value):
            raise InvalidInput(f"{where}：{name} 必须是整数", field=name)
        values[name] = int(value) if whole else float(value)
    if values["teachers_above_degree"] > values["teachers"]:
        raise InvalidInput(f"{where}：高于规定学历教师数不能超过专任教师数", field="teachers_above_degree")
    return code, year, section, values


@transaction.atomic
def school_stats_replace(
    *, editable_scope: Scope, rows: Sequence[Mapping[str, Any]], is_synthetic: bool = False
) -> StatsReplaceReport:
    """Write yearly statistics; each (school, year, section) row replaces the stored one. Idempotent.

    ``rows`` are mappings with ``school_code``, ``year``, ``section`` and every field of
    :data:`STATS_VALUE_FIELDS` (counts as whole numbers, all ≥ 0). All rows are checked before
    anything is written — unknown schools, schools outside ``editable_scope`` (``PermissionDenied``),
    a section the school's stage does not have, duplicates — so a rejected call writes nothing.
    """
    checked = [_check_stats_row(index, row) for index, row in enumerate(rows)]
    codes = sorted({code for code, _, _, _ in checked})
    schools: dict[str, School] = {}
    for start in range(0, len(codes), _IN_CHUNK):
        chunk = codes[start : start + _IN_CHUNK]
        for school in School.objects.filter(code__in=chunk).select_related("county"):
            schools[school.code] = school
    seen: dict[tuple[str, int, str], int] = {}
    for index, (code, year, section, _) in enumerate(checked):
        school = schools.get(code)
        if school is None:
            raise NotFound(f"第 {index + 1} 条记录：没有代码为 {code} 的学校", field="school_code")
        if not editable_scope.covers_place(
            province_code=school.county.province_id,
            city_code=school.county.city_id,
            county_code=school.county_id,
            school_code=school.code,
        ):
            raise PermissionDenied(
                f"第 {index + 1} 条记录：学校 {code}（{school.name}）不在您可修改的范围内",
                field="school_code",
            )
        if section not in SECTIONS_BY_STAGE[school.stage]:
            raise InvalidInput(
                f"第 {index + 1} 条记录：{school.get_stage_display()}学校 {code} 没有 {section} 学部",
                field="section",
            )
        key = (code, year, section)
        if key in seen:
            raise InvalidInput(
                f"第 {index + 1} 条记录与第 {seen[key] + 1} 条重复（{code} {year} {section}）",
                field="school_code",
            )
        seen[key] = index

    ids = [schools[code].pk for code in codes]
    existing: dict[tuple[int, int, str], SchoolYearStats] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        for stats in SchoolYearStats.objects.filter(school_id__in=ids[start : start + _IN_CHUNK]):
            existing[(stats.school_id, stats.year, stats.section)] = stats
    to_create: list[SchoolYearStats] = []
    to_update: list[SchoolYearStats] = []
    unchanged = 0
    for code, year, section, values in checked:
        school = schools[code]
        current = existing.get((school.pk, year, section))
        if current is None:
            to_create.append(
                SchoolYearStats(
                    school=school, year=year, section=section, is_synthetic=is_synthetic, **values
                )
            )
            continue
        if current.is_synthetic == is_synthetic and all(
            getattr(current, name) == value for name, value in values.items()
        ):
            unchanged += 1
            continue
        for name, value in values.items():
            setattr(current, name, value)
        current.is_synthetic = is_synthetic
        to_update.append(current)
    SchoolYearStats.objects.bulk_create(to_create, batch_size=2000)
    SchoolYearStats.objects.bulk_update(to_update, [*STATS_VALUE_FIELDS, "is_synthetic"], batch_size=1000)
    return StatsReplaceReport(created=len(to_create), replaced=len(to_update), unchanged=unchanged)
