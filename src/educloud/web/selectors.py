"""Data the web pages show, composed from the apps' public APIs (no writes here).

The home page's circle overview (counts of schools per county, city, province and stage; the county
table and map) is the same for every visitor, anonymous or not: it holds no scoped data, so it is
computed once and kept in the cache (Redis in production, process memory in the demo) for
``OVERVIEW_SECONDS`` under one key; the home template keeps its rendered HTML as long, in a fragment
cache that is never keyed by, nor holds, anything of the visitor. ``dashboard_data`` hands the
overview over lazily: while the fragment is fresh it is not even read. Only the visitor's own roles
(``my_roles``) are read per request (``accounts`` keeps them per user and ``roles_version``, never
in the shared fragment). Schools are created by seeding or import, not by
page views: a new school shows on the home page within ``OVERVIEW_SECONDS``. ADR 0012.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from educloud.accounts.api import User, roles_of
from educloud.regions.api import County, county_list
from educloud.schools.api import School, has_synthetic_data, school_counts_by_county, school_counts_by_stage

STAGE_LABELS = dict(School.Stage.choices)
OVERVIEW_CACHE_KEY = "web:circle-overview:v1"
OVERVIEW_SECONDS = 60
SYNTHETIC_CACHE_KEY = "web:synthetic-data:v1"


def dashboard_data(*, user: User | None) -> dict[str, Any]:
    """The home page's context: the public circle overview (cached, read only when the page's cached
    fragment is stale), how long the page may keep it, and ``user``'s own roles."""
    return {
        "overview": SimpleLazyObject(circle_overview),
        "overview_seconds": OVERVIEW_SECONDS,
        "my_roles": roles_of(user),
    }


def circle_overview() -> dict[str, Any]:
    """The circle-wide figures every visitor sees, from the cache when fresh (see the module docstring)."""
    overview = cache.get(OVERVIEW_CACHE_KEY)
    if overview is None:
        overview = _circle_overview()
        cache.set(OVERVIEW_CACHE_KEY, overview, OVERVIEW_SECONDS)
    return overview


def synthetic_data_shown() -> bool:
    """Whether the platform holds synthetic demo data (every page says so); cached like the overview."""
    shown = cache.get(SYNTHETIC_CACHE_KEY)
    if shown is None:
        shown = has_synthetic_data()
        cache.set(SYNTHETIC_CACHE_KEY, shown, OVERVIEW_SECONDS)
    return bool(shown)


def _circle_overview() -> dict[str, Any]:
    counties = list(county_list())
    per_county = school_counts_by_county()
    by_province: Counter[str] = Counter()
    by_city: Counter[tuple[str, str]] = Counter()
    for c in counties:
        n = per_county.get(c.code, 0)
        by_province[c.province.name] += n
        by_city[(c.province.name, c.city.name)] += n
    stages = school_counts_by_stage()
    county_rows = [
        {
            "code": c.code,
            "url": reverse("web:county", args=[c.code]),
            "name": c.name,
            "city": c.city.name,
            "province": c.province.name,
            "membership": c.get_membership_display(),
            "partial": c.membership == County.Membership.PARTIAL,
            "urban_class": c.get_urban_class_display(),
            "pole": c.pole,
            "schools": per_county.get(c.code, 0),
        }
        for c in counties
    ]
    map_points = [
        {
            "name": c.name,
            "value": [c.longitude, c.latitude, per_county.get(c.code, 0)],
            "code": c.code,
            "province": c.province.name,
            "partial": c.membership == County.Membership.PARTIAL,
        }
        for c in counties
    ]
    return {
        "county_count": len(counties),
        "partial_count": sum(1 for c in counties if c.membership == County.Membership.PARTIAL),
        "school_total": sum(per_county.values()),
        "by_province": sorted(by_province.items()),
        "by_city": [(p, city, n) for (p, city), n in sorted(by_city.items())],
        "by_stage": [(STAGE_LABELS[k], stages.get(k, 0)) for k in School.Stage.values],
        "county_rows": county_rows,
        "map_points": map_points,
    }
