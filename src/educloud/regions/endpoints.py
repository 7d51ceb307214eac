"""REST endpoints of the regions app (public)."""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from typing import Literal

import orjson
from django.http import HttpResponse
from ninja import Router, Schema

from educloud.lib.api_errors import with_errors
from educloud.regions.api import CountyRow, county_row, county_rows

router = Router(tags=["regions"])


class CountyOut(Schema):
    code: str
    name: str
    province_code: str
    province_name: str
    city_code: str
    city_name: str
    membership: Literal["full", "partial"]
    pole: str
    division_type: str
    urban_class: str
    longitude: float
    latitude: float


@router.get(
    "/counties",
    response=with_errors(list[CountyOut]),
    summary="成渝地区双城经济圈成员区县（142 个）",
    auth=None,
)
def counties(
    request,  # type: ignore[no-untyped-def]
    province_code: str | None = None,
    city_code: str | None = None,
    membership: Literal["full", "partial"] | None = None,
) -> HttpResponse:
    rows = county_rows(province_code=province_code, city_code=city_code, membership=membership)
    # The cached rows carry exactly CountyOut's fields (regions.selectors.CountyRow; tests/regions compare
    # both): encoded as they are, not revalidated field by field (~10 ms for the 142). ADR 0012.
    return HttpResponse(orjson.dumps(rows), content_type="application/json; charset=utf-8")


@router.get("/counties/{code}", response=with_errors(CountyOut), summary="一个成员区县", auth=None)
def county(request, code: str) -> CountyRow:  # type: ignore[no-untyped-def]
    return county_row(code=code)
