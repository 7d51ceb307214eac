"""Reads of the regions tables. Regions are public: no actor needed.

``county_rows`` serves the member counties as plain rows from the cache (Redis in production, process
memory in the demo): the table is reference data that only ``regions_load`` (``educloud loadregions``)
changes, and it clears the cached copy when it commits. The cached copy expires after
``COUNTY_TABLE_SECONDS`` anyway, so a load by another route shows within that time. ADR 0012.
"""

from __future__ import annotations

from typing import TypedDict

from django.core.cache import cache
from django.db.models import QuerySet

from educloud.lib.errors import InvalidInput, NotFound
from educloud.regions.models import County


def _check_code(value: str, what: str) -> None:
    if len(value) != 6 or not value.isdigit():
        raise InvalidInput(f"{what}代码必须是 6 位数字（GB/T 2260），收到 {value!r}", field=what)


def _check_filters(province_code: str | None, city_code: str | None, membership: str | None) -> None:
    if province_code:
        _check_code(province_code, "省")
    if city_code:
        _check_code(city_code, "市")
    if membership and membership not in County.Membership.values:
        raise InvalidInput(f"membership 只能是 full 或 partial，收到 {membership!r}", field="membership")


def county_list(
    *, province_code: str | None = None, city_code: str | None = None, membership: str | None = None
) -> QuerySet[County]:
    _check_filters(province_code, city_code, membership)
    qs = County.objects.select_related("city", "province").order_by("code")
    if province_code:
        qs = qs.filter(province_id=province_code)
    if city_code:
        qs = qs.filter(city_id=city_code)
    if membership:
        qs = qs.filter(membership=membership)
    return qs


class CountyRow(TypedDict):
    """A member county as plain data (what ``GET /api/v1/regions/counties`` returns per county)."""

    code: str
    name: str
    province_code: str
    province_name: str
    city_code: str
    city_name: str
    membership: str
    pole: str
    division_type: str
    urban_class: str
    longitude: float
    latitude: float


COUNTY_TABLE_CACHE_KEY = "regions:county-table:v1"
COUNTY_TABLE_SECONDS = 300


def county_table() -> dict[str, CountyRow]:
    """Every member county by code, in code order; from the cache (see the module docstring)."""
    table: dict[str, CountyRow] | None = cache.get(COUNTY_TABLE_CACHE_KEY)
    if table is None:
        table = {
            c.code: CountyRow(
                code=c.code,
                name=c.name,
                province_code=c.province_id,
                province_name=c.province.name,
                city_code=c.city_id,
                city_name=c.city.name,
                membership=c.membership,
                pole=c.pole,
                division_type=c.division_type,
                urban_class=c.urban_class,
                longitude=c.longitude,
                latitude=c.latitude,
            )
            for c in County.objects.select_related("city", "province").order_by("code")
        }
        cache.set(COUNTY_TABLE_CACHE_KEY, table, COUNTY_TABLE_SECONDS)
    return table


def county_rows(
    *, province_code: str | None = None, city_code: str | None = None, membership: str | None = None
) -> list[CountyRow]:
    """The member counties matching the filters, in code order (the filters as in ``county_list``)."""
    _check_filters(province_code, city_code, membership)
    return [
        row
        for row in county_table().values()
        if (not province_code or row["province_code"] == province_code)
        and (not city_code or row["city_code"] == city_code)
        and (not membership or row["membership"] == membership)
    ]


def county_row(*, code: str) -> CountyRow:
    """One member county as a plain row, from the cached table; NotFound like ``county_get``."""
    _check_code(code, "区县")
    row = county_table().get(code)
    if row is None:
        raise NotFound(f"区县代码 {code} 不在成渝地区双城经济圈成员区县中")
    return row


def county_get(*, code: str) -> County:
    _check_code(code, "区县")
    county = County.objects.select_related("city", "province").filter(code=code).first()
    if county is None:
        raise NotFound(f"区县代码 {code} 不在成渝地区双城经济圈成员区县中")
    return county
