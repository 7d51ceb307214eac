"""Public Python interface of the regions app."""

from __future__ import annotations

from educloud.regions.models import City, County, Province
from educloud.regions.selectors import CountyRow, county_get, county_list, county_row, county_rows
from educloud.regions.services import LoadReport, regions_load

__all__ = [
    "City",
    "County",
    "CountyRow",
    "LoadReport",
    "Province",
    "county_get",
    "county_list",
    "county_row",
    "county_rows",
    "regions_load",
]
