"""Public Python interface of the equity app (what other apps may call)."""

from __future__ import annotations

from educloud.equity.efficiency import EfficiencyReport, county_efficiency, school_efficiency
from educloud.equity.planning import PlanReport, county_plan, parse_costs
from educloud.equity.reports import CountyDetail, CountySummary, InequalityReport, jsonable
from educloud.equity.selectors import (
    circle_overview,
    county_compliance,
    county_trend,
    full_report,
    inequality,
    ranking,
    school_standings,  # the pairing app's diagnosis
)
from educloud.equity.services import ImportReport, stats_import

__all__ = [
    "CountyDetail",
    "CountySummary",
    "EfficiencyReport",
    "ImportReport",
    "InequalityReport",
    "PlanReport",
    "circle_overview",
    "county_compliance",
    "county_efficiency",
    "county_plan",
    "county_trend",
    "full_report",
    "inequality",
    "jsonable",
    "parse_costs",
    "ranking",
    "school_efficiency",
    "school_standings",
    "stats_import",
]
