from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_counties_lists_142_with_the_contract_fields(client):
    response = client.get("/api/v1/regions/counties")
    assert response.status_code == 200
    data = response.json()
    assert len(data) == 142
    required = {"code", "name", "province_code", "city_code", "membership", "longitude", "latitude"}
    assert required <= set(data[0])
    by_name = {c["name"]: c for c in data}
    assert by_name["开州区"]["membership"] == "partial" and by_name["云阳县"]["membership"] == "partial"
    assert by_name["锦江区"]["city_code"] == "510100" and by_name["锦江区"]["province_code"] == "510000"
    assert {c["membership"] for c in data if c["name"] not in {"开州区", "云阳县"}} == {"full"}


def test_filter_by_province(client):
    data = client.get("/api/v1/regions/counties", {"province_code": "500000"}).json()
    assert len(data) == 29


def test_one_county(client):
    response = client.get("/api/v1/regions/counties/500118")
    assert response.status_code == 200 and response.json()["name"] == "永川区"


def test_unknown_county_code_is_404_with_a_message(client):
    response = client.get("/api/v1/regions/counties/510726")  # 北川: not a member
    assert response.status_code == 404
    assert "不在成渝地区双城经济圈成员区县中" in response.json()["detail"]


def test_malformed_code_is_400_naming_the_problem(client):
    response = client.get("/api/v1/regions/counties", {"city_code": "abc"})
    assert response.status_code == 400
    assert "6 位数字" in response.json()["detail"]


def test_bad_enum_is_422_naming_the_parameter(client):
    response = client.get("/api/v1/regions/counties", {"membership": "half"})
    assert response.status_code == 422
    assert "membership" in response.json()["detail"]


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/regions/counties" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_api_docs_load_everything_from_this_server(client):
    """No CDN: every script and stylesheet of the docs page is served by us (the network is closed)."""
    import re

    page = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
