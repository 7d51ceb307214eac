"""The member counties served from the cached county table: no query once warm, and a load of the
county table (``regions_load``) is visible at once, not after the cache expires."""

from __future__ import annotations

from pathlib import Path

import pytest

from educloud.accounts.api import User
from educloud.lib.errors import InvalidInput, NotFound
from educloud.regions.api import county_row, county_rows, regions_load
from educloud.regions.services import COUNTIES_CSV
from educloud.search.api import visibility_keys_for

pytestmark = pytest.mark.django_db


def test_warm_counties_api_makes_no_query(client, django_assert_num_queries):
    first = client.get("/api/v1/regions/counties").json()
    with django_assert_num_queries(0):
        second = client.get("/api/v1/regions/counties?province_code=500000").json()
    assert len(first) == 142 and len(second) == 29
    assert second == [c for c in first if c["province_code"] == "500000"]


def test_filters_are_checked_as_before():
    assert {r["name"] for r in county_rows(membership="partial")} == {"开州区", "云阳县"}
    assert [r["code"] for r in county_rows(city_code="510100")][:2] == ["510104", "510105"]
    with pytest.raises(InvalidInput) as bad:
        county_rows(province_code="5100")
    assert bad.value.field == "省"
    with pytest.raises(InvalidInput):
        county_rows(membership="half")
    with pytest.raises(NotFound):
        county_row(code="999999")


def test_a_county_table_load_shows_at_once(client, tmp_path: Path, django_capture_on_commit_callbacks):
    assert county_row(code="500118")["name"] == "永川区"  # warm
    renamed = tmp_path / "counties.csv"
    text = COUNTIES_CSV.read_text(encoding="utf-8")
    renamed.write_text(text.replace(",永川区,", ",永川新区,"), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        regions_load(path=renamed)
    assert county_row(code="500118")["name"] == "永川新区"
    by_code = {c["code"]: c for c in client.get("/api/v1/regions/counties").json()}
    assert by_code["500118"]["name"] == "永川新区"


def test_visibility_keys_read_no_region_table(django_assert_num_queries):
    teacher = User.objects.get(username="teacher")
    county_row(code="500118")  # warm the table
    with django_assert_num_queries(1):  # the teacher's roles only
        keys = visibility_keys_for(teacher)
    assert {"county:500118", "city:500000", "province:500000"} <= set(keys)


def test_counties_api_returns_exactly_the_documented_schema(client):
    from educloud.regions.api import county_list
    from educloud.regions.endpoints import CountyOut

    response = client.get("/api/v1/regions/counties?city_code=510100")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    expected = [  # straight from the ORM rows, independently of the cached table
        {
            "code": c.code,
            "name": c.name,
            "province_code": c.province_id,
            "province_name": c.province.name,
            "city_code": c.city_id,
            "city_name": c.city.name,
            "membership": c.membership,
            "pole": c.pole,
            "division_type": c.division_type,
            "urban_class": c.urban_class,
            "longitude": c.longitude,
            "latitude": c.latitude,
        }
        for c in county_list(city_code="510100")
    ]
    assert response.json() == expected
    assert [CountyOut.model_validate(row).model_dump(mode="json") for row in response.json()] == expected
