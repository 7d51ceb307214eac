"""Public Python interface of the regions app."""

from __future__ import annotations

from educloud.regions.models import City, County, Province
from educloud.regions.selectors import county_get, county_list
from educloud.regions.services import LoadReport, regions_load

__all__ = ["City", "County", "LoadReport", "Province", "county_get", "county_list", "regions_load"]
