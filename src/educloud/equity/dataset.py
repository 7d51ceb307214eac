"""The boundary between the database and the science: yearly statistics as numpy arrays.

:func:`stats_table` runs **one** query (``values_list`` over ``SchoolYearStats`` joined to its school
and county) and returns a :class:`StatsTable` of column arrays, one entry per (school, year,
section). Everything downstream (compliance, inequality, planning, DEA) works on these arrays and
calls ``educloud.algos``; nothing issues per-school queries.

Units of evaluation: a *section* row. A nine-year school has a ``primary`` and a ``junior`` row, so it
counts in the primary evaluation with its primary part and in the junior one with its junior part
(教督〔2017〕6号). :attr:`StatsTable.exclusion` gives the reason a row does not enter the evaluation
(special-education school, 教学点 under 50 pupils — ``algos.standard.evaluated_schools_mask`` — or
zero enrolment, which makes every per-student indicator undefined), or ``""``.

Region names come from ``regions.api`` (one more small query, 142 rows) in :func:`region_lookup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np
from django.db.models import Max
from numpy.typing import NDArray

from educloud.algos.standard import evaluated_schools_mask
from educloud.equity.indicators import NUMERATOR_FIELDS, STAGES
from educloud.regions.api import county_list
from educloud.schools.api import SchoolYearStats

_COLUMNS = (
    "school__code",
    "school__name",
    "school__county_id",
    "school__county__province_id",
    "school__county__city_id",
    "school__county__urban_class",
    "school__location_class",
    "school__stage",
    "school__is_special_education",
    "school__is_teaching_point",
    "school__is_synthetic",
    "year",
    "section",
    "enrolment",
    "teachers",
    *NUMERATOR_FIELDS,
    "funding_yuan",
)


@dataclass(frozen=True)
class StatsTable:
    """Column arrays, one entry per stored (school, year, section) row, sorted by county then school."""

    code: NDArray[np.object_]
    name: NDArray[np.object_]
    county: NDArray[np.object_]
    province: NDArray[np.object_]
    city: NDArray[np.object_]
    urban_class: NDArray[np.object_]
    location: NDArray[np.object_]
    stage: NDArray[np.object_]
    special: NDArray[np.bool_]
    teaching_point: NDArray[np.bool_]
    synthetic: NDArray[np.bool_]
    year: NDArray[np.int64]
    section: NDArray[np.object_]
    enrolment: NDArray[np.float64]
    teachers: NDArray[np.float64]
    numerators: NDArray[np.float64]  # (n, 7) in standard.INDICATORS order
    funding: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.code.size)

    def take(self, index: NDArray[np.bool_] | NDArray[np.int64]) -> StatsTable:
        return StatsTable(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def exclusion(self) -> NDArray[np.object_]:
        """Why a row is left out of the evaluation (``""`` when it enters)."""
        reasons = np.full(len(self), "", dtype=object)
        if not len(self):
            return reasons
        kept = evaluated_schools_mask(
            self.enrolment, is_special_education=self.special, is_teaching_point=self.teaching_point
        )
        reasons[~kept & self.teaching_point] = "在校生不足 50 人的教学点"
        reasons[~kept & self.special] = "特殊教育学校"
        reasons[(self.enrolment <= 0) & (reasons == "")] = "在校生数为 0"
        return reasons

    @property
    def evaluated(self) -> NDArray[np.bool_]:
        return self.exclusion == ""


def stats_table(
    *,
    years: Iterable[int],
    county_codes: Iterable[str] | None = None,
    sections: Iterable[str] = STAGES,
) -> StatsTable:
    """Statistics of ``years`` (compulsory sections by default), optionally for some counties only."""
    qs = SchoolYearStats.objects.filter(year__in=list(years), section__in=list(sections))
    if county_codes is not None:
        qs = qs.filter(school__county_id__in=list(county_codes))
    rows = list(qs.order_by().values_list(*_COLUMNS))
    return _to_arrays(rows)


_TEXT = ("code", "name", "county", "province", "city", "urban_class", "location", "stage")
_FLAGS = ("special", "teaching_point", "synthetic")


def _to_arrays(rows: list[tuple[object, ...]]) -> StatsTable:
    n_text, n_flags = len(_TEXT), len(_FLAGS)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in _COLUMNS]
    text = {name: np.array(columns[i], dtype=object) for i, name in enumerate(_TEXT)}
    flags = {name: np.array(columns[n_text + i], dtype=bool) for i, name in enumerate(_FLAGS)}
    start = n_text + n_flags + 2  # after year and section: enrolment, teachers, 7 numerators, funding
    numbers = np.array(columns[start:], dtype=np.float64).T.reshape(len(rows), len(_COLUMNS) - start)
    table = StatsTable(
        **text,
        **flags,
        year=np.array(columns[n_text + n_flags], dtype=np.int64),
        section=np.array(columns[n_text + n_flags + 1], dtype=object),
        enrolment=numbers[:, 0],
        teachers=numbers[:, 1],
        numerators=numbers[:, 2:9],
        funding=numbers[:, 9],
    )
    order = np.lexsort((text["code"], text["county"]))  # by county, then school code
    return table.take(order)


@dataclass(frozen=True)
class CountyInfo:
    code: str
    name: str
    city_code: str
    city_name: str
    province_code: str
    province_name: str
    urban_class: str
    longitude: float
    latitude: float
    partial: bool


def region_lookup() -> dict[str, CountyInfo]:
    """Every member county with its city and province names (one query)."""
    return {
        c.code: CountyInfo(
            code=c.code,
            name=c.name,
            city_code=c.city_id,
            city_name=c.city.name,
            province_code=c.province_id,
            province_name=c.province.name,
            urban_class=c.urban_class,
            longitude=c.longitude,
            latitude=c.latitude,
            partial=c.membership == "partial",
        )
        for c in county_list()
    }


def latest_year() -> int | None:
    """The newest year with compulsory-education statistics (an index lookup), or ``None``."""
    return SchoolYearStats.objects.filter(section__in=STAGES).aggregate(latest=Max("year"))["latest"]


def available_years() -> list[int]:
    """Years with compulsory-education statistics, newest first."""
    return sorted(
        set(SchoolYearStats.objects.filter(section__in=STAGES).values_list("year", flat=True).distinct()),
        reverse=True,
    )
