"""Reads of the regions tables. Regions are public: no actor needed."""

from __future__ import annotations

from django.db.models import QuerySet

from educloud.lib.errors import InvalidInput, NotFound
from educloud.regions.models import County


def _check_code(value: str, what: str) -> None:
    if len(value) != 6 or not value.isdigit():
        raise InvalidInput(f"{what}代码必须是 6 位数字（GB/T 2260），收到 {value!r}", field=what)


def county_list(
    *, province_code: str | None = None, city_code: str | None = None, membership: str | None = None
) -> QuerySet[County]:
    qs = County.objects.select_related("city", "province").order_by("code")
    if province_code:
        _check_code(province_code, "省")
        qs = qs.filter(province_id=province_code)
    if city_code:
        _check_code(city_code, "市")
        qs = qs.filter(city_id=city_code)
    if membership:
        if membership not in County.Membership.values:
            raise InvalidInput(f"membership 只能是 full 或 partial，收到 {membership!r}", field="membership")
        qs = qs.filter(membership=membership)
    return qs


def county_get(*, code: str) -> County:
    _check_code(code, "区县")
    county = County.objects.select_related("city", "province").filter(code=code).first()
    if county is None:
        raise NotFound(f"区县代码 {code} 不在成渝地区双城经济圈成员区县中")
    return county
