"""REST endpoints of the schools app, scoped by the caller's roles.

A web-layer module: it may ask ``accounts`` for the caller's scope (see ADR 0001 and the
import contracts in ``.importlinter``); the schools app proper never imports ``accounts``.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import django_auth

from educloud.accounts.api import edit_scope, view_scope
from educloud.lib.api_errors import LOGIN_ERRORS, with_errors
from educloud.schools.api import School, school_get, school_list, school_stats, school_update

router = Router(tags=["schools"], auth=django_auth)

Stage = Literal["primary", "junior", "nine_year", "senior", "vocational", "higher"]
LocationClass = Literal["urban", "town", "rural"]


class SchoolOut(Schema):
    code: str
    name: str
    county_code: str = Field(alias="county_id")
    stage: str
    ownership: str
    location_class: str
    longitude: float | None
    latitude: float | None
    is_synthetic: bool


class StatsOut(Schema):
    year: int
    section: str
    enrolment: int
    teachers: int
    teachers_above_degree: int
    key_teachers: int
    pe_art_teachers: int
    floor_area_m2: float
    sports_ground_m2: float
    equipment_value_yuan: float
    multimedia_classrooms: int
    funding_yuan: float
    is_synthetic: bool


class SchoolDetailOut(SchoolOut):
    stats: list[StatsOut] = []

    @staticmethod
    def resolve_stats(obj: School) -> list[StatsOut]:
        return []


class SchoolPatch(Schema):
    name: str | None = Field(None, min_length=2, max_length=64)
    ownership: Literal["public", "private"] | None = None
    location_class: LocationClass | None = None
    longitude: float | None = None
    latitude: float | None = None


@router.get("", response=with_errors(list[SchoolOut], LOGIN_ERRORS), summary="我有权查看的学校")
@paginate(PageNumberPagination, page_size=50)
def schools(
    request,  # type: ignore[no-untyped-def]
    county_code: str | None = Query(None, pattern=r"^\d{6}$"),
    stage: Stage | None = None,
    location_class: LocationClass | None = None,
    q: str | None = Query(None, max_length=64),
):  # type: ignore[no-untyped-def]
    return school_list(
        scope=view_scope(request.user),
        county_code=county_code,
        stage=stage,
        location_class=location_class,
        q=q,
    )


def _detail(school: School) -> SchoolDetailOut:
    detail = SchoolDetailOut.model_validate(school)  # stats resolved below, not from the ORM manager
    detail.stats = [StatsOut.model_validate(s) for s in school_stats(school=school)]
    return detail


@router.get("/{code}", response=with_errors(SchoolDetailOut, LOGIN_ERRORS), summary="一所学校及其年度统计")
def school(request, code: str) -> SchoolDetailOut:  # type: ignore[no-untyped-def]
    return _detail(school_get(scope=view_scope(request.user), code=code))


@router.patch(
    "/{code}", response=with_errors(SchoolDetailOut, LOGIN_ERRORS), summary="修改学校基本信息（限本辖区）"
)
def school_patch(request, code: str, payload: SchoolPatch) -> SchoolDetailOut:  # type: ignore[no-untyped-def]
    changes = payload.dict(exclude_unset=True)
    return _detail(school_update(editable_scope=edit_scope(request.user), code=code, changes=changes))
