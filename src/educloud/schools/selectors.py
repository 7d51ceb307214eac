"""Reads of schools, always through a ``Scope`` (see ``educloud.lib.scope``).

Aggregates (counts by province, city, stage) are public: they name no person and no school.
Lists and details of schools are filtered by the caller's scope.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.models import School, SchoolYearStats


def scope_filter(scope: Scope, prefix: str = "") -> Q:
    """A Q object restricting schools (reached through ``prefix``) to ``scope``."""
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    if scope.province_codes:
        q |= Q(**{f"{prefix}county__province_id__in": scope.province_codes})
    if scope.city_codes:
        q |= Q(**{f"{prefix}county__city_id__in": scope.city_codes})
    if scope.county_codes:
        q |= Q(**{f"{prefix}county_id__in": scope.county_codes})
    if scope.school_codes:
        q |= Q(**{f"{prefix}code__in": scope.school_codes})
    return q


def school_list(
    *,
    scope: Scope,
    county_code: str | None = None,
    stage: str | None = None,
    location_class: str | None = None,
    q: str | None = None,
) -> QuerySet[School]:
    qs = School.objects.filter(scope_filter(scope)).select_related("county", "county__city")
    if county_code:
        qs = qs.filter(county_id=county_code)
    if stage:
        if stage not in School.Stage.values:
            raise InvalidInput(f"学段 {stage!r} 无效，可选：{', '.join(School.Stage.values)}", field="stage")
        qs = qs.filter(stage=stage)
    if location_class:
        if location_class not in School.LocationClass.values:
            raise InvalidInput(f"城乡类别 {location_class!r} 无效", field="location_class")
        qs = qs.filter(location_class=location_class)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("code")


def school_in_scope(scope: Scope, school: School) -> bool:
    """Whether ``school`` (with its county loaded) lies inside ``scope``."""
    county = school.county
    return scope.covers_place(
        province_code=county.province_id,
        city_code=county.city_id,
        county_code=county.code,
        school_code=school.code,
    )


def school_get(*, scope: Scope, code: str) -> School:
    school = (
        School.objects.select_related("county", "county__city", "county__province").filter(code=code).first()
    )
    if school is None:
        raise NotFound(f"没有代码为 {code} 的学校")
    if not school_in_scope(scope, school):
        raise PermissionDenied(f"您的权限范围不包括{school.county.province.name}{school.county.name}的学校")
    return school


def school_stats(*, school: School) -> QuerySet[SchoolYearStats]:
    return school.stats.order_by("-year", "section")


def school_counts_by(*, field: str) -> list[dict[str, object]]:
    """Public aggregate: number of schools grouped by ``field`` (e.g. ``county__province__name``)."""
    return list(School.objects.values(field).annotate(n=Count("id")).order_by(field))


def school_counts_by_county() -> dict[str, int]:
    return {row["county_id"]: row["n"] for row in School.objects.values("county_id").annotate(n=Count("id"))}


def school_counts_by_stage(*, county_code: str | None = None) -> dict[str, int]:
    qs = School.objects.all()
    if county_code:
        qs = qs.filter(county_id=county_code)
    return {row["stage"]: row["n"] for row in qs.values("stage").annotate(n=Count("id"))}


def has_synthetic_data() -> bool:
    return School.objects.filter(is_synthetic=True).exists()
