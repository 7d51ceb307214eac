"""Data the web pages show, composed from the apps' public APIs (no writes here)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from educloud.accounts.api import User, roles_of
from educloud.regions.api import County, county_list
from educloud.schools.api import School, school_counts_by_county, school_counts_by_stage

STAGE_LABELS = dict(School.Stage.choices)


def dashboard_data(*, user: User | None) -> dict[str, Any]:
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
        "my_roles": roles_of(user),
    }
