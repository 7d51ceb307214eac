"""Reads of the equity app: compliance, rankings, trends and inequality, scoped to the caller.

Each function loads what it needs with **one** statistics query (:func:`dataset.stats_table`) plus
the region names, then computes with :mod:`educloud.equity.reports` (numpy + ``algos``).

Access (see ``docs/decisions/0008-equity.md``): county-level aggregates (verdicts, coefficients,
ranking, inequality) name no school and are shown to any caller the view allows; school-level
details (which schools fail, their values, what pulls a coefficient up) only when the caller's
view ``Scope`` covers the county.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from educloud.algos.standard import INDICATOR_KEYS, assess_schools, per_students_scale, stage_standard
from educloud.equity import reports
from educloud.equity.dataset import (
    CountyInfo,
    StatsTable,
    available_years,
    latest_year,
    region_lookup,
    stats_table,
)
from educloud.equity.indicators import STAGES
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope


def check_stage(stage: str, *, allow_all: bool = False) -> str:
    allowed = (*STAGES, "all") if allow_all else STAGES
    if stage not in allowed:
        raise InvalidInput(f"学段只能是 {' / '.join(allowed)}，收到 {stage!r}", field="stage")
    return stage


def resolve_year(year: int | None) -> int:
    """The latest year with statistics when ``year`` is ``None``; ``year`` itself otherwise.

    A given year is checked where its statistics are loaded (:func:`load_year`), so a report costs
    no extra query; :func:`check_year_exists` explains an empty result.
    """
    if year is None:
        latest = latest_year()
        if latest is None:
            raise NotFound("还没有任何义务教育学校的年度统计数据，请先导入", field="year")
        return latest
    return year


def check_year_exists(year: int) -> None:
    """``InvalidInput`` listing the available years if ``year`` has no statistics at all."""
    years = available_years()
    if year not in years:
        listed = "、".join(str(y) for y in sorted(years)) or "无"
        raise InvalidInput(f"{year} 年没有统计数据；现有年份：{listed}", field="year")


def load_year(
    year: int, *, county_codes: list[str] | None = None, sections: tuple[str, ...] = STAGES
) -> StatsTable:
    """The statistics of ``year`` (one query); an empty result is checked against the stored years."""
    table = stats_table(years=[year], county_codes=county_codes, sections=sections)
    if not len(table):
        check_year_exists(year)
    return table


def county_info(code: str) -> CountyInfo:
    regions = region_lookup()
    if code not in regions:
        raise NotFound(f"区县代码 {code} 不在成渝地区双城经济圈成员区县中", field="county")
    return regions[code]


def covers(scope: Scope, info: CountyInfo) -> bool:
    return scope.covers_place(
        province_code=info.province_code, city_code=info.city_code, county_code=info.code
    )


def require_county_scope(scope: Scope, info: CountyInfo) -> None:
    if not covers(scope, info):
        raise PermissionDenied(f"您的权限范围不包括{info.province_name}{info.name}", field="county")


def ranking(*, year: int | None, stage: str) -> list[reports.CountySummary]:
    """Every member county ranked for ``stage`` (public aggregate)."""
    check_stage(stage)
    year = resolve_year(year)
    table = load_year(year)
    return reports.county_ranking(table, region_lookup(), stage=stage, year=year)


@dataclass(frozen=True)
class CircleOverview:
    """Both stages' rankings, and a combined status per county for the map."""

    year: int
    rankings: dict[str, list[reports.CountySummary]]
    combined: list[dict[str, Any]]


def circle_overview(*, year: int | None) -> CircleOverview:
    year = resolve_year(year)
    table = load_year(year)
    regions = region_lookup()
    rankings = {stage: reports.county_ranking(table, regions, stage=stage, year=year) for stage in STAGES}
    return CircleOverview(year=year, rankings=rankings, combined=_combined(regions, rankings))


def _combined(regions: dict[str, CountyInfo], rankings: dict[str, list[reports.CountySummary]]) -> list[dict]:
    by_county: dict[str, list[reports.CountySummary]] = {}
    for summaries in rankings.values():
        for s in summaries:
            by_county.setdefault(s.county_code, []).append(s)
    points = []
    for code, info in regions.items():
        parts = [s for s in by_county.get(code, []) if s.passes is not None]
        n = sum(s.n_schools for s in parts)
        passing = sum(s.n_passing for s in parts)
        if not parts:
            status = "no_data"
        elif all(s.passes for s in parts):
            status = "pass"
        elif passing / n >= 0.85:
            status = "near"
        else:
            status = "fail"
        points.append(
            {
                "code": code,
                "name": info.name,
                "province": info.province_name,
                "city": info.city_name,
                "value": [info.longitude, info.latitude, round(100 * passing / n, 1) if n else 0],
                "status": status,
                "n_schools": n,
                "n_passing": passing,
                "failing": sorted({k for s in parts for k in s.failing_indicators}),
            }
        )
    return points


def county_compliance(
    *, scope: Scope, county_code: str, year: int | None, stage: str
) -> reports.CountyDetail:
    """The county dashboard; school-level details only within ``scope``."""
    check_stage(stage)
    info = county_info(county_code)
    year = resolve_year(year)
    table = load_year(year, county_codes=[county_code])
    return reports.county_detail(table, info, stage=stage, year=year, with_schools=covers(scope, info))


def county_trend(*, county_code: str, stage: str) -> list[reports.CountySummary]:
    """The county's verdict in every year with statistics (oldest first)."""
    check_stage(stage)
    info = county_info(county_code)
    years = available_years()
    table = stats_table(years=years, county_codes=[county_code])
    return reports.county_trend(table, info, stage=stage, years=years)


def check_indicator(indicator: str) -> str:
    if indicator not in INDICATOR_KEYS:
        raise InvalidInput(f"指标 {indicator!r} 无效，可选：{', '.join(INDICATOR_KEYS)}", field="indicator")
    return indicator


def inequality(
    *, year: int | None, indicator: str, stage: str = "all", weighting: str = "enrolment"
) -> reports.InequalityReport:
    """CV, Gini, Theil with decompositions for one indicator (public aggregate)."""
    check_indicator(indicator)
    check_stage(stage, allow_all=True)
    if weighting not in ("enrolment", "unweighted"):
        raise InvalidInput("weighting 只能是 enrolment 或 unweighted", field="weighting")
    year = resolve_year(year)
    table = load_year(year)
    try:
        return reports.inequality_report(
            table, region_lookup(), indicator=indicator, year=year, stage=stage, weighting=weighting
        )
    except ValueError as exc:
        raise InvalidInput(f"无法计算不均衡指数：{exc}", field="indicator") from exc


@dataclass(frozen=True)
class FullReport:
    """The circle's full report: both rankings and every indicator's inequality (the benchmark's unit)."""

    year: int
    rankings: dict[str, list[reports.CountySummary]]
    inequality: list[reports.InequalityReport]


def full_report(
    *, year: int | None, groupings: tuple[str, ...] = ("province", "urban_class", "location", "stage")
) -> FullReport:
    year = resolve_year(year)
    table = load_year(year)
    regions = region_lookup()
    rankings = {stage: reports.county_ranking(table, regions, stage=stage, year=year) for stage in STAGES}
    indices = reports.inequality_reports(
        table, regions, indicators=INDICATOR_KEYS, year=year, stage="all", groupings=groupings
    )
    return FullReport(year=year, rankings=rankings, inequality=indices)


@dataclass(frozen=True)
class SchoolStanding:
    """One school section's seven indicators against the standard (for the pairing diagnosis)."""

    code: str
    name: str
    county_code: str
    stage: str
    enrolment: int
    teachers: int
    values: dict[str, float]
    ratio: dict[str, float]
    n_met: int
    passes: bool


def school_standings(*, scope: Scope, year: int | None, stage: str) -> tuple[int, list[SchoolStanding]]:
    """``(year, rows)``: every evaluated school section of ``stage`` inside ``scope`` (one query)."""
    check_stage(stage)
    if scope.is_empty:
        return resolve_year(year), []
    year = resolve_year(year)
    county_codes = None
    if not scope.everything and not scope.school_codes and not scope.city_codes and not scope.province_codes:
        county_codes = sorted(scope.county_codes)
    table = load_year(year, county_codes=county_codes, sections=(stage,))
    table = table.take(table.evaluated)
    keep = np.array(
        [
            scope.covers_place(province_code=p, city_code=c, county_code=k, school_code=s)
            for p, c, k, s in zip(table.province, table.city, table.county, table.code, strict=True)
        ],
        dtype=bool,
    )
    table = table.take(keep) if len(table) else table
    if not len(table):
        return year, []
    values = table.numerators * per_students_scale() / table.enrolment[:, None]
    assessed = assess_schools(values, stage_standard(stage))
    rows = [
        SchoolStanding(
            code=str(table.code[r]),
            name=str(table.name[r]),
            county_code=str(table.county[r]),
            stage=stage,
            enrolment=int(table.enrolment[r]),
            teachers=int(table.teachers[r]),
            values=dict(zip(INDICATOR_KEYS, assessed.values[r].tolist(), strict=True)),
            ratio=dict(zip(INDICATOR_KEYS, assessed.ratio_to_threshold[r].tolist(), strict=True)),
            n_met=int(assessed.n_met[r]),
            passes=bool(assessed.passes[r]),
        )
        for r in range(len(table))
    ]
    return year, rows
