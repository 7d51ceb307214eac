"""Import of yearly school statistics from the CSV / Excel template: parse, check every row, report.

The template (:func:`template_rows`) has Chinese headers (:data:`COLUMNS`); English field names are
accepted too. :func:`check_rows` validates every row and returns the rows ready for
``schools.api.school_stats_replace`` together with a list of :class:`Problem` (row number as in the
spreadsheet, column as in the file, what is wrong). The service (``equity.services.stats_import``)
writes only when there is no problem at all.

Checks: required columns present; school code known and inside the importer's editable scope;
year a whole number in 2000–2100; section known and one the school's stage has (a 小学 has no
初中部; a 九年一贯制 school has both); every value present, numeric, not negative; counts whole
and within a 32-bit integer (``lib.bounds.parse_int_cell``), amounts at most 10^15;
enrolment not zero; 高于规定学历教师数 ≤ 专任教师数; no (school, year, section) twice in the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from educloud.equity.tabular import Table, parse_number
from educloud.lib.bounds import INT32_MAX, parse_int_cell
from educloud.lib.scope import Scope
from educloud.schools.api import SECTIONS_BY_STAGE, STATS_COUNT_FIELDS, School, SchoolYearStats, scope_filter

# (field, Chinese header), in template order. ``school_name`` is informational (not checked).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("school_code", "学校代码"),
    ("school_name", "学校名称"),
    ("year", "年份"),
    ("section", "学部"),
    ("enrolment", "在校生数"),
    ("teachers", "专任教师数"),
    ("teachers_above_degree", "高于规定学历教师数"),
    ("key_teachers", "县级及以上骨干教师数"),
    ("pe_art_teachers", "体育艺术专任教师数"),
    ("floor_area_m2", "教学及辅助用房面积（平方米）"),
    ("sports_ground_m2", "体育运动场馆面积（平方米）"),
    ("equipment_value_yuan", "教学仪器设备值（元）"),
    ("multimedia_classrooms", "网络多媒体教室数"),
    ("funding_yuan", "年度经费投入（元）"),
)
HEADER_OF = dict(COLUMNS)
VALUE_FIELDS = tuple(field for field, _ in COLUMNS[4:])
REQUIRED = tuple(field for field, _ in COLUMNS if field != "school_name")
SECTION_NAMES = {
    "primary": "primary",
    "小学": "primary",
    "小学部": "primary",
    "junior": "junior",
    "初中": "junior",
    "初中部": "junior",
    "senior": "senior",
    "高中": "senior",
    "高中部": "senior",
    "vocational": "vocational",
    "中职": "vocational",
    "higher": "higher",
    "高校": "higher",
}
SECTION_LABELS = dict(SchoolYearStats.Section.choices)
STAGE_NAMES = dict(School.Stage.choices)
MAX_PROBLEMS_SHOWN = 1000
YEAR_LOW, YEAR_HIGH = 2000, 2100
MAX_AMOUNT = 1e15  # areas (m²) and money (元): far above any school's, far below float overflow in sums
_IN_CHUNK = 900


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class CheckedFile:
    rows: list[dict[str, Any]]
    problems: list[Problem]
    ignored_columns: list[str]


@dataclass(frozen=True)
class _SchoolFacts:
    name: str
    stage: str
    county: str
    province: str
    city: str


def _schools(codes: Iterable[str]) -> dict[str, _SchoolFacts]:
    codes = sorted(set(codes))
    found: dict[str, _SchoolFacts] = {}
    for start in range(0, len(codes), _IN_CHUNK):
        for code, name, stage, county, province, city in School.objects.filter(
            code__in=codes[start : start + _IN_CHUNK]
        ).values_list("code", "name", "stage", "county_id", "county__province_id", "county__city_id"):
            found[code] = _SchoolFacts(name, stage, county, province, city)
    return found


def _field_positions(table: Table) -> tuple[dict[str, int], list[Problem], list[str]]:
    aliases = {header: field for field, header in COLUMNS} | {field: field for field, _ in COLUMNS}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(table.header):
        field = aliases.get(name)
        if field is None:
            if name:
                ignored.append(name)
        elif field in positions:
            return {}, [Problem(1, name, f"列 {HEADER_OF[field]} 出现了两次")], ignored
        else:
            positions[field] = index
    problems = [Problem(1, HEADER_OF[f], "缺少此列") for f in REQUIRED if f not in positions]
    return positions, problems, ignored


def check_rows(table: Table, *, editable_scope: Scope) -> CheckedFile:
    """Every problem of every row (nothing written here)."""
    positions, problems, ignored = _field_positions(table)
    if problems:
        return CheckedFile([], problems, ignored)
    if not table.rows:
        return CheckedFile([], [Problem(2, "", "文件没有数据行")], ignored)

    def cell(row: list[Any], field: str) -> Any:
        return row[positions[field]]

    def header(field: str) -> str:
        return table.header[positions[field]]

    facts = _schools(str(cell(row, "school_code") or "").strip() for row in table.rows)
    ready: list[dict[str, Any]] = []
    seen: dict[tuple[str, int, str], int] = {}
    for row, line in zip(table.rows, table.line_numbers, strict=True):
        found: list[Problem] = []

        def bad(field: str, message: str, line: int = line, found: list[Problem] = found) -> None:
            found.append(Problem(line, header(field), message))

        raw_code = cell(row, "school_code")
        code = (
            str(int(raw_code))
            if isinstance(raw_code, float) and raw_code.is_integer()
            else str(raw_code or "").strip()
        )
        school = facts.get(code)
        if not code:
            bad("school_code", "缺少学校代码")
        elif school is None:
            bad("school_code", f"学校代码 {code} 不存在")
        elif not editable_scope.covers_place(
            province_code=school.province, city_code=school.city, county_code=school.county, school_code=code
        ):
            bad("school_code", f"学校 {code}（{school.name}）不在您可修改的范围内")

        year: int | None = None
        try:
            year = parse_int_cell(cell(row, "year"), low=YEAR_LOW, high=YEAR_HIGH)
        except ValueError as exc:
            bad("year", f"年份无效：{exc}（应为 {YEAR_LOW}–{YEAR_HIGH} 的整数）")
        else:
            if year is None:
                bad("year", "缺少年份")

        raw_section = str(cell(row, "section") or "").strip()
        section = SECTION_NAMES.get(raw_section)
        if not raw_section:
            bad("section", "缺少学部")
        elif section is None:
            bad("section", f"学部 {raw_section!r} 无效（应为 小学部 / 初中部 / 高中部 / 中职 / 高校）")
        elif school is not None and section not in SECTIONS_BY_STAGE[school.stage]:
            bad("section", f"该校为{STAGE_NAMES[school.stage]}，没有{SECTION_LABELS[section]}")

        values: dict[str, float | int] = {}
        for field in VALUE_FIELDS:
            raw = cell(row, field)
            try:
                value = parse_number(raw)
            except ValueError:
                bad(field, f"{raw!r} 不是数值")
                continue
            if value is None:
                bad(field, "缺少数值")
            elif value < 0:
                bad(field, f"不能为负数（{raw!r}）")
            elif field in STATS_COUNT_FIELDS:
                try:  # counts are stored as 32-bit integers: 2^63 reaches no database
                    values[field] = parse_int_cell(raw, low=0, high=INT32_MAX) or 0
                except ValueError as exc:
                    bad(field, f"应为 0–{INT32_MAX} 的整数：{exc}")
            elif value > MAX_AMOUNT:
                bad(field, f"数值过大（{raw!r}，上限 {MAX_AMOUNT:.0e}）")
            else:
                values[field] = value
        if values.get("enrolment") == 0:
            bad("enrolment", "在校生数为 0：无法计算生均指标")
        if "teachers_above_degree" in values and "teachers" in values:
            if values["teachers_above_degree"] > values["teachers"]:
                bad("teachers_above_degree", "高于规定学历教师数超过专任教师数")

        if code and year is not None and section is not None:
            key = (code, year, section)
            if key in seen:
                bad("school_code", f"与第 {seen[key]} 行重复（同一学校、年份、学部）")
            else:
                seen[key] = line
        if found:
            problems.extend(found)
        else:
            ready.append({"school_code": code, "year": year, "section": section, **values})
    return CheckedFile(ready, problems, ignored)


def template_rows(*, editable_scope: Scope, year: int) -> list[list[Any]]:
    """One row per (school, section) in scope, prefilled with the stored values of ``year`` if any."""
    schools = list(
        School.objects.filter(scope_filter(editable_scope))
        .order_by("code")
        .values_list("pk", "code", "name", "stage")
    )
    stored = {
        (school_id, section): values
        for school_id, section, *values in SchoolYearStats.objects.filter(
            year=year, school__in=School.objects.filter(scope_filter(editable_scope))
        )
        .order_by()
        .values_list("school_id", "section", *VALUE_FIELDS)
    }
    order = list(SchoolYearStats.Section.values)
    rows = []
    for pk, code, name, stage in schools:
        for section in sorted(SECTIONS_BY_STAGE[stage], key=order.index):
            values = stored.get((pk, section), [None] * len(VALUE_FIELDS))
            rows.append([code, name, year, SECTION_LABELS[section], *values])
    return rows
