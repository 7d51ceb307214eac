"""Public Python interface of the schools app."""

from __future__ import annotations

from educloud.schools.models import School, SchoolYearStats
from educloud.schools.selectors import (
    has_synthetic_data,
    school_counts_by,
    school_counts_by_county,
    school_counts_by_stage,
    school_get,
    school_in_scope,
    school_list,
    school_stats,
    scope_filter,
)
from educloud.schools.services import (
    SECTIONS_BY_STAGE,
    STATS_COUNT_FIELDS,
    STATS_VALUE_FIELDS,
    StatsReplaceReport,
    school_stats_replace,
    school_update,
)
from educloud.schools.synthetic import SeedReport, synthetic_schools_seed

__all__ = [
    "SECTIONS_BY_STAGE",
    "STATS_COUNT_FIELDS",
    "STATS_VALUE_FIELDS",
    "School",
    "SchoolYearStats",
    "SeedReport",
    "StatsReplaceReport",
    "has_synthetic_data",
    "school_counts_by",
    "school_counts_by_county",
    "school_counts_by_stage",
    "school_get",
    "school_in_scope",
    "school_list",
    "school_stats",
    "school_stats_replace",
    "school_update",
    "scope_filter",
    "synthetic_schools_seed",
]
