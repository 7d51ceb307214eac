"""Compliance with the national standard and inequality, computed from a :class:`StatsTable`.

No database here: :mod:`educloud.equity.selectors` loads the table (one query) and region names,
then calls these functions, which group rows by county with numpy and call ``algos.standard`` /
``algos.inequality``. Results are frozen dataclasses; :func:`jsonable` turns them into JSON-ready
dicts (``inf``/``nan`` become ``None``: an all-zero indicator has an undefined difference
coefficient, which fails the limit).

Ranking of counties (per stage): counties that pass first; then by share of evaluated schools that
pass; then by the worst ``CV / limit`` ratio (smaller is better); then by code.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from educloud.algos.inequality import difference_coefficient, gini, theil_split, theil_t
from educloud.algos.standard import (
    INDICATOR_KEYS,
    INDICATORS,
    CountyVerdict,
    assess_county,
    assess_schools,
    county_difference_coefficients,
    per_students_scale,
    stage_standard,
)
from educloud.equity.dataset import CountyInfo, StatsTable
from educloud.equity.indicators import LOCATION_LABELS, STAGE_LABELS, URBAN_CLASS_LABELS

TOP_DRIVERS = 5


def jsonable(value: Any) -> Any:
    """Dataclasses, numpy scalars and arrays → plain JSON values; non-finite floats → ``None``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


# --- compliance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountySummary:
    """One county's verdict for one stage and year (an aggregate: names no school)."""

    county_code: str
    county_name: str
    city_name: str
    province_name: str
    urban_class: str
    longitude: float
    latitude: float
    stage: str
    year: int
    n_schools: int
    n_excluded: int
    n_passing: int
    pass_rate: float | None
    passes: bool | None  # None: no evaluated school of this stage
    cv: dict[str, float]
    cv_limit: float
    failing_indicators: tuple[str, ...]
    worst_cv_ratio: float | None
    rank: int | None = None


@dataclass(frozen=True)
class IndicatorRow:
    key: str
    label: str
    unit: str
    threshold: float
    county_value: float | None
    cv: float | None
    cv_limit: float
    cv_within_limit: bool
    schools_meeting: int
    schools_total: int
    verify: bool


@dataclass(frozen=True)
class SchoolRow:
    code: str
    name: str
    location: str
    enrolment: int
    values: dict[str, float]
    ratio: dict[str, float]
    met: dict[str, bool]
    n_met: int
    passes: bool
    shortfalls: dict[str, float]


@dataclass(frozen=True)
class Driver:
    code: str
    name: str
    value: float
    variance_share: float
    below_mean: bool


@dataclass(frozen=True)
class Excluded:
    code: str
    name: str
    enrolment: int
    reason: str


@dataclass(frozen=True)
class CountyDetail:
    """The county dashboard: the summary, indicator rows, and (when in scope) the schools."""

    summary: CountySummary
    indicators: tuple[IndicatorRow, ...]
    schools: tuple[SchoolRow, ...] | None
    drivers: dict[str, tuple[Driver, ...]] | None
    excluded: tuple[Excluded, ...] | None


def _county_groups(county: NDArray[np.object_]) -> list[tuple[str, NDArray[np.int64]]]:
    """(county code, row indices) for a table already sorted by county."""
    if county.size == 0:
        return []
    codes, starts = np.unique(county, return_index=True)
    order = np.argsort(starts)
    codes, starts = codes[order], starts[order]
    ends = np.append(starts[1:], county.size)
    return [(str(c), np.arange(s, e)) for c, s, e in zip(codes, starts, ends, strict=True)]


def _summary(
    info: CountyInfo,
    *,
    stage: str,
    year: int,
    verdict: CountyVerdict | None,
    n_excluded: int,
) -> CountySummary:
    limit = stage_standard(stage).cv_limit
    if verdict is None:
        return CountySummary(
            info.code,
            info.name,
            info.city_name,
            info.province_name,
            info.urban_class,
            info.longitude,
            info.latitude,
            stage,
            year,
            0,
            n_excluded,
            0,
            None,
            None,
            {},
            limit,
            (),
            None,
        )
    n = int(verdict.schools.passes.size)
    n_passing = int(verdict.schools.passes.sum())
    cv = {d.key: d.cv for d in verdict.dispersion}
    return CountySummary(
        county_code=info.code,
        county_name=info.name,
        city_name=info.city_name,
        province_name=info.province_name,
        urban_class=info.urban_class,
        longitude=info.longitude,
        latitude=info.latitude,
        stage=stage,
        year=year,
        n_schools=n,
        n_excluded=n_excluded,
        n_passing=n_passing,
        pass_rate=n_passing / n,
        passes=verdict.passes,
        cv=cv,
        cv_limit=limit,
        failing_indicators=verdict.failing_indicators,
        worst_cv_ratio=max(cv.values()) / limit,
    )


def _stage_rows(table: StatsTable, *, stage: str, year: int) -> StatsTable:
    return table.take((table.section == stage) & (table.year == year))


def county_verdicts(
    table: StatsTable, regions: dict[str, CountyInfo], *, stage: str, year: int
) -> dict[str, tuple[CountySummary, CountyVerdict | None, StatsTable]]:
    """Full verdict (``algos.standard.assess_county``) of every county in ``regions`` — for a few counties."""
    rows = _stage_rows(table, stage=stage, year=year)
    evaluated = rows.evaluated
    excluded = {code: int((~evaluated[index]).sum()) for code, index in _county_groups(rows.county)}
    kept = rows.take(evaluated)
    standard = stage_standard(stage)
    result: dict[str, tuple[CountySummary, CountyVerdict | None, StatsTable]] = {}
    for code, index in _county_groups(kept.county):
        if code not in regions:
            continue
        part = kept.take(index)
        verdict = assess_county(part.numerators, part.enrolment, standard)
        summary = _summary(
            regions[code], stage=stage, year=year, verdict=verdict, n_excluded=excluded.get(code, 0)
        )
        result[code] = (summary, verdict, part)
    for code, info in regions.items():
        if code not in result:
            summary = _summary(info, stage=stage, year=year, verdict=None, n_excluded=excluded.get(code, 0))
            result[code] = (summary, None, kept.take(np.zeros(0, dtype=np.int64)))
    return result


def county_summaries(
    table: StatsTable, regions: dict[str, CountyInfo], *, stage: str, year: int
) -> list[CountySummary]:
    """Every county's :class:`CountySummary` — the same numbers as :func:`county_verdicts`, faster.

    The school rule is row-wise, so ``algos.standard.assess_schools`` runs once over all schools of
    the stage; each county's coefficients come from ``algos.standard.county_difference_coefficients``
    (the function ``assess_county`` uses) on a slice of the county-sorted arrays. No per-school
    driver lists are built (the ranking does not show them).
    """
    rows = _stage_rows(table, stage=stage, year=year)
    evaluated = rows.evaluated
    excluded = {code: int((~evaluated[index]).sum()) for code, index in _county_groups(rows.county)}
    county, numerators, enrolment = (
        rows.county[evaluated],
        rows.numerators[evaluated],
        rows.enrolment[evaluated],
    )
    standard = stage_standard(stage)
    limit = standard.cv_limit
    summaries: dict[str, CountySummary] = {}
    if county.size:
        values = numerators * per_students_scale() / enrolment[:, None]
        passes = assess_schools(values, standard).passes
        for code, index in _county_groups(county):
            if code not in regions:
                continue
            part = slice(int(index[0]), int(index[-1]) + 1)  # rows are sorted by county: a contiguous slice
            cvs = county_difference_coefficients(values[part], enrolment[part])
            n, n_passing = int(index.size), int(passes[part].sum())
            failing = tuple(key for key, cv in zip(INDICATOR_KEYS, cvs, strict=True) if not cv <= limit)
            info = regions[code]
            summaries[code] = CountySummary(
                county_code=code,
                county_name=info.name,
                city_name=info.city_name,
                province_name=info.province_name,
                urban_class=info.urban_class,
                longitude=info.longitude,
                latitude=info.latitude,
                stage=stage,
                year=year,
                n_schools=n,
                n_excluded=excluded.get(code, 0),
                n_passing=n_passing,
                pass_rate=n_passing / n,
                passes=n_passing == n and not failing,
                cv=dict(zip(INDICATOR_KEYS, cvs.tolist(), strict=True)),
                cv_limit=limit,
                failing_indicators=failing,
                worst_cv_ratio=float(cvs.max()) / limit,
            )
    for code, info in regions.items():
        if code not in summaries:
            summaries[code] = _summary(
                info, stage=stage, year=year, verdict=None, n_excluded=excluded.get(code, 0)
            )
    return list(summaries.values())


def _rank_key(summary: CountySummary) -> tuple[int, float, float, str]:
    return (
        0 if summary.passes else 1,
        -(summary.pass_rate or 0.0),
        summary.worst_cv_ratio if summary.worst_cv_ratio is not None else math.inf,
        summary.county_code,
    )


def county_ranking(
    table: StatsTable, regions: dict[str, CountyInfo], *, stage: str, year: int
) -> list[CountySummary]:
    """Every county, ranked (counties without evaluated schools last, unranked)."""
    summaries = county_summaries(table, regions, stage=stage, year=year)
    with_data = sorted((s for s in summaries if s.passes is not None), key=_rank_key)
    without = sorted((s for s in summaries if s.passes is None), key=lambda s: s.county_code)
    ranked = [dataclasses.replace(s, rank=i + 1) for i, s in enumerate(with_data)]
    return ranked + without


def county_detail(
    table: StatsTable,
    info: CountyInfo,
    *,
    stage: str,
    year: int,
    with_schools: bool,
) -> CountyDetail:
    """One county's dashboard; school-level parts only when ``with_schools``."""
    verdicts = county_verdicts(table, {info.code: info}, stage=stage, year=year)
    summary, verdict, part = verdicts[info.code]
    standard = stage_standard(stage)
    all_rows = _stage_rows(table, stage=stage, year=year)
    all_rows = all_rows.take(all_rows.county == info.code)
    reasons = all_rows.exclusion
    excluded = tuple(
        Excluded(str(c), str(n), int(e), str(r))
        for c, n, e, r in zip(all_rows.code, all_rows.name, all_rows.enrolment, reasons, strict=True)
        if r
    )
    indicators = []
    for k, indicator in enumerate(INDICATORS):
        dispersion = verdict.dispersion[k] if verdict else None
        indicators.append(
            IndicatorRow(
                key=indicator.key,
                label=indicator.label_zh,
                unit=indicator.unit,
                threshold=float(standard.thresholds[k]),
                county_value=dispersion.county_value if dispersion else None,
                cv=dispersion.cv if dispersion else None,
                cv_limit=standard.cv_limit,
                cv_within_limit=bool(dispersion.within_limit) if dispersion else False,
                schools_meeting=int(verdict.schools.met[:, k].sum()) if verdict else 0,
                schools_total=summary.n_schools,
                verify=indicator.verify,
            )
        )
    if not with_schools:
        return CountyDetail(summary, tuple(indicators), None, None, None)
    schools: list[SchoolRow] = []
    drivers: dict[str, tuple[Driver, ...]] = {}
    if verdict is not None:
        assessed = verdict.schools
        for row in range(len(part)):
            schools.append(
                SchoolRow(
                    code=str(part.code[row]),
                    name=str(part.name[row]),
                    location=str(part.location[row]),
                    enrolment=int(part.enrolment[row]),
                    values=dict(zip(INDICATOR_KEYS, assessed.values[row].tolist(), strict=True)),
                    ratio=dict(zip(INDICATOR_KEYS, assessed.ratio_to_threshold[row].tolist(), strict=True)),
                    met=dict(zip(INDICATOR_KEYS, assessed.met[row].tolist(), strict=True)),
                    n_met=int(assessed.n_met[row]),
                    passes=bool(assessed.passes[row]),
                    shortfalls=verdict.shortfalls.get(row, {}),
                )
            )
        schools.sort(key=lambda s: (s.passes, s.n_met, s.code))
        for k, dispersion in enumerate(verdict.dispersion):
            drivers[dispersion.key] = tuple(
                Driver(
                    code=str(part.code[i]),
                    name=str(part.name[i]),
                    value=float(assessed.values[i, k]),
                    variance_share=float(dispersion.variance_share[i]),
                    below_mean=below,
                )
                for i, below in zip(dispersion.drivers[:TOP_DRIVERS], dispersion.below_mean, strict=False)
            )
    return CountyDetail(summary, tuple(indicators), tuple(schools), drivers, excluded)


def county_trend(
    table: StatsTable, info: CountyInfo, *, stage: str, years: Sequence[int]
) -> list[CountySummary]:
    """The county's summary for each of ``years`` (oldest first)."""
    return [
        county_verdicts(table, {info.code: info}, stage=stage, year=year)[info.code][0]
        for year in sorted(years)
    ]


# --- inequality -------------------------------------------------------------------------------

GROUPINGS: dict[str, str] = {
    "province": "省（市）之间",
    "city": "市（州）之间",
    "urban_class": "区县城乡类别（中心城区/其他市辖区/县域）",
    "location": "学校城乡（城区/镇区/乡村）",
    "stage": "学段（小学/初中）",
    "county": "区县之间",
}


@dataclass(frozen=True)
class GroupPart:
    label: str
    name: str
    size: int
    mean: float
    share: float
    theil: float
    within_contribution: float
    between_contribution: float


@dataclass(frozen=True)
class Decomposition:
    grouping: str
    title: str
    between: float
    within: float
    between_share: float
    groups: tuple[GroupPart, ...]


@dataclass(frozen=True)
class InequalityReport:
    """One indicator's dispersion across the evaluated schools (sections) of the selection."""

    indicator: str
    label: str
    unit: str
    year: int
    stage: str
    weighting: str
    n_schools: int
    mean: float
    cv: float
    gini: float
    theil: float
    decompositions: tuple[Decomposition, ...]


def indicator_values(table: StatsTable, key: str) -> NDArray[np.float64]:
    k = INDICATOR_KEYS.index(key)
    return table.numerators[:, k] * per_students_scale()[k] / table.enrolment


def _group_names(grouping: str, regions: dict[str, CountyInfo]) -> Callable[[str], str]:
    if grouping == "province":
        names = {i.province_code: i.province_name for i in regions.values()}
    elif grouping == "city":
        names = {i.city_code: i.city_name for i in regions.values()}
    elif grouping == "county":
        names = {code: i.name for code, i in regions.items()}
    else:
        names = {"urban_class": URBAN_CLASS_LABELS, "location": LOCATION_LABELS, "stage": STAGE_LABELS}[
            grouping
        ]
    return lambda label: names.get(label, label)


def _labels(table: StatsTable, grouping: str) -> NDArray[np.object_]:
    column = {"urban_class": "urban_class", "location": "location", "stage": "section"}.get(
        grouping, grouping
    )
    if column not in GROUPINGS and column != "section":
        raise ValueError(f"unknown grouping {grouping!r}")
    return getattr(table, column)


def inequality_reports(
    table: StatsTable,
    regions: dict[str, CountyInfo],
    *,
    indicators: Sequence[str],
    year: int,
    stage: str,
    weighting: str = "enrolment",
    groupings: Sequence[str] = ("province", "city", "urban_class", "location", "stage"),
) -> list[InequalityReport]:
    """CV, Gini, Theil T (+ decompositions) of each indicator over evaluated rows of ``year``/``stage``.

    ``stage`` is ``primary``, ``junior`` or ``all`` (both sections pooled; adds the split by stage).
    With ``weighting="enrolment"`` each school counts with its enrolment in all three measures (the
    indicator as pupils experience it); ``"unweighted"`` counts schools equally (PySAL's indices).
    CV, Gini, the total Theil and its splits all come from ``algos.inequality``.
    """
    chosen = (table.year == year) & (table.section == stage if stage != "all" else np.ones(len(table), bool))
    selected = table.take(chosen)
    selected = selected.take(selected.evaluated)
    if not len(selected):
        raise ValueError(f"no evaluated schools for {stage} in {year}")
    used = [g for g in groupings if not (g == "stage" and stage != "all")]
    codes = {}
    for grouping in used:
        labels, inverse = np.unique(_labels(selected, grouping).astype(str), return_inverse=True)
        codes[grouping] = (labels, inverse.astype(np.int64))
    w = selected.enrolment if weighting == "enrolment" else np.ones(len(selected))
    weights = selected.enrolment if weighting == "enrolment" else None
    reports = []
    for indicator in indicators:
        values = indicator_values(selected, indicator)
        theil = theil_t(values, weights=weights)  # validates: finite, non-negative, positive mean
        decompositions = []
        for grouping in used:
            labels, inverse = codes[grouping]
            split = theil_split(values, w, inverse, labels.size)
            namer = _group_names(grouping, regions)
            between, within = float(split["between"].sum()), float(split["within"].sum())
            decompositions.append(
                Decomposition(
                    grouping=grouping,
                    title=GROUPINGS[grouping],
                    between=between,
                    within=within,
                    between_share=between / theil if theil > 0 else 0.0,
                    groups=tuple(
                        GroupPart(
                            label=str(label),
                            name=namer(str(label)),
                            size=int(split["size"][g]),
                            mean=float(split["mean"][g]),
                            share=float(split["share"][g]),
                            theil=float(split["theil"][g]),
                            within_contribution=float(split["within"][g]),
                            between_contribution=float(split["between"][g]),
                        )
                        for g, label in enumerate(labels)
                    ),
                )
            )
        meta = INDICATORS[INDICATOR_KEYS.index(indicator)]
        reports.append(
            InequalityReport(
                indicator=indicator,
                label=meta.label_zh,
                unit=meta.unit,
                year=year,
                stage=stage,
                weighting=weighting,
                n_schools=len(selected),
                mean=float(np.dot(w, values) / w.sum()),
                cv=difference_coefficient(values, weights=weights),
                gini=gini(values, weights=weights),
                theil=theil,
                decompositions=tuple(decompositions),
            )
        )
    return reports


def inequality_report(
    table: StatsTable,
    regions: dict[str, CountyInfo],
    *,
    indicator: str,
    year: int,
    stage: str,
    weighting: str = "enrolment",
    groupings: Sequence[str] = ("province", "city", "urban_class", "location", "stage"),
) -> InequalityReport:
    """:func:`inequality_reports` for one indicator."""
    return inequality_reports(
        table,
        regions,
        indicators=[indicator],
        year=year,
        stage=stage,
        weighting=weighting,
        groupings=groupings,
    )[0]
