"""The REST API: list/search with facets, writes, errors, OpenAPI."""

from __future__ import annotations

import pytest

from educloud.library.models import Resource

pytestmark = pytest.mark.django_db


def test_anonymous_list_shows_public_resources_only(client):
    body = client.get("/api/v1/library/resources?page_size=100").json()
    assert body["count"] == Resource.objects.filter(status="published", visibility="public").count() > 500
    assert {item["visibility"] for item in body["items"]} == {"public"}
    assert len(body["items"]) == 100


def test_logged_in_users_see_more_and_search_ranks_by_query(client, login):
    anonymous = client.get("/api/v1/library/resources").json()["count"]
    assert login("student").get("/api/v1/library/resources").json()["count"] > anonymous
    body = login("student").get("/api/v1/library/resources?q=勾股定理&stage=junior").json()
    assert body["count"] > 0
    assert all(item["stage"] == "junior" for item in body["items"])
    assert any(
        "勾股定理" in (item["title"] + item["description"] + "".join(item["tags"])) for item in body["items"]
    )


def test_facet_filters_and_counts(client):
    body = client.get("/api/v1/library/resources?subject=math&province_code=510000&facets=true").json()
    assert body["count"] > 0
    assert all(i["subject"] == "math" and i["province_code"] == "510000" for i in body["items"])
    assert dict(body["facets"]["subject"]) == {"math": body["count"]}
    searched = client.get("/api/v1/library/resources?q=数学&subject=math&facets=true").json()
    assert "stage" in searched["facets"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("subject=alchemy", "subject"),
        ("stage=kindergarten", "stage"),
        ("city_code=chengdu", "city_code"),
        ("province_code=110000", "province_code"),
        ("page=0", "page"),
        ("page_size=1000", "page_size"),
    ],
)
def test_bad_facets_and_pages_are_400_naming_the_parameter(client, query, field):
    response = client.get(f"/api/v1/library/resources?{query}")
    assert response.status_code == 400
    assert response.json()["field"] == field
    if not field.startswith("page"):
        assert field in response.json()["detail"]


def test_write_endpoints_need_login(client):
    assert client.post("/api/v1/library/resources", {}, content_type="application/json").status_code == 401


def test_create_submit_approve_through_the_api(login):
    teacher = login("teacher")
    created = teacher.post(
        "/api/v1/library/resources",
        {
            "title": "永川区七年级英语 Unit 1 微课",
            "type": "video",
            "subject": "english",
            "stage": "junior",
            "grade": "g7",
            "license": "cc-by-sa",
            "visibility": "circle",
            "tags": ["一般现在时"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    rid = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert teacher.post(f"/api/v1/library/resources/{rid}/submit").status_code == 400  # no file yet
    from .conftest import TXT, upload

    assert (
        teacher.post(f"/api/v1/library/resources/{rid}/versions", {"file": upload("a.md", TXT)}).status_code
        == 201
    )
    patched = teacher.patch(
        f"/api/v1/library/resources/{rid}", {"description": "十分钟微课"}, content_type="application/json"
    )
    assert patched.json()["description"] == "十分钟微课"
    bad = teacher.patch(f"/api/v1/library/resources/{rid}", {"grade": "g12"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "grade"
    assert teacher.post(f"/api/v1/library/resources/{rid}/submit").json()["status"] == "under_review"
    assert (
        teacher.post(
            f"/api/v1/library/resources/{rid}/approve", {}, content_type="application/json"
        ).status_code
        == 403
    )
    admin = login("school_admin")
    approved = admin.post(
        f"/api/v1/library/resources/{rid}/approve", {"note": "通过"}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    detail = admin.get(f"/api/v1/library/resources/{rid}").json()
    assert detail["versions"][0]["kind"] == "md" and detail["versions"][0]["download_url"].endswith(
        "/v/1/file"
    )


def test_access_request_and_decision_through_the_api(login, make_resource):
    resource = make_resource(status="published", visibility="county")
    outsider = login("jintang_bureau")
    assert outsider.get(f"/api/v1/library/resources/{resource.pk}").status_code == 404
    made = outsider.post(
        f"/api/v1/library/resources/{resource.pk}/access-requests",
        {"message": "学习"},
        content_type="application/json",
    )
    assert made.status_code == 201
    rid = made.json()["id"]
    owner = login("teacher")
    assert rid in [r["id"] for r in owner.get("/api/v1/library/access-requests").json()]
    decided = owner.post(
        f"/api/v1/library/access-requests/{rid}/decide", {"approve": True}, content_type="application/json"
    )
    assert decided.json()["status"] == "approved" and decided.json()["decided_by_id"]
    again = owner.post(
        f"/api/v1/library/access-requests/{rid}/decide",
        {"approve": False, "reason": "x"},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert login("jintang_bureau").get(f"/api/v1/library/resources/{resource.pk}").status_code == 200


def test_engagement_endpoints(login, make_resource):
    resource = make_resource(status="published")
    client = login("student")
    assert (
        client.post(
            f"/api/v1/library/resources/{resource.pk}/rating",
            {"value": 4, "review": "好"},
            content_type="application/json",
        ).json()["value"]
        == 4
    )
    assert (
        client.post(
            f"/api/v1/library/resources/{resource.pk}/rating", {"value": 9}, content_type="application/json"
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/library/resources/{resource.pk}/favourite",
            {"on": True},
            content_type="application/json",
        ).json()["kind"]
        == "favourite"
    )
    assert client.post(f"/api/v1/library/resources/{resource.pk}/complete").json()["kind"] == "completion"
    assert client.get(f"/api/v1/library/resources/{resource.pk}").json()["rating_avg"] == 4.0


def test_unknown_resource_is_404(client):
    assert client.get("/api/v1/library/resources/999999999").status_code == 404


def test_collections_and_cross_border_stats(client, login, make_resource):
    collections = client.get("/api/v1/library/collections").json()
    assert len(collections) >= 5 and all(c["is_synthetic"] for c in collections)
    items = client.get(f"/api/v1/library/collections/{collections[0]['id']}/resources").json()
    assert items and all(i["visibility"] == "public" for i in items)
    assert (
        login("teacher")
        .post(
            "/api/v1/library/collections",
            {"title": "我的合集", "kind": "topic"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    bureau = login("cq_bureau")
    made = bureau.post(
        "/api/v1/library/collections",
        {"title": "重庆乡村课堂", "kind": "topic"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["province_code"] == "500000"
    resource = make_resource(status="published")
    before = resource.quality
    added = bureau.post(
        f"/api/v1/library/collections/{made.json()['id']}/items",
        {"resource_id": resource.pk},
        content_type="application/json",
    )
    assert added.status_code == 201
    resource.refresh_from_db()
    assert resource.quality > before
    items_url = f"/api/v1/library/collections/{made.json()['id']}/items/{resource.pk}"
    assert login("sc_bureau").delete(items_url).status_code == 403  # not the curator
    bureau = login("cq_bureau")
    assert bureau.delete(items_url).status_code == 204
    resource.refresh_from_db()
    assert resource.quality == pytest.approx(before)
    again = bureau.delete(items_url)
    assert again.status_code == 404 and "不在合集中" in again.json()["detail"]
    stats = client.get("/api/v1/library/stats/cross-border?period=month").json()
    assert {(r["from_province"], r["to_province"]) for r in stats} == {
        ("510000", "500000"),
        ("500000", "510000"),
    }
    assert client.get("/api/v1/library/stats/cross-border?period=decade").status_code == 422


def test_openapi_lists_the_library_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/library/resources",
        "/api/v1/library/resources/{resource_id}",
        "/api/v1/library/resources/{resource_id}/versions",
        "/api/v1/library/resources/{resource_id}/approve",
        "/api/v1/library/access-requests/{request_id}/decide",
        "/api/v1/library/resources/{resource_id}/rating",
        "/api/v1/library/stats/cross-border",
    ):
        assert path in paths, path
