"""The NUL character is refused at the boundary with a 400 naming where it was — never a 500.

PostgreSQL cannot store or compare U+0000 in text: each API case below answered 500 on PostgreSQL
before ``educloud.lib.nul_guard`` (found by schemathesis in CI: ``POST /api/v1/library/collections``
with a NUL in the title, ``GET /api/v1/recommend/classes/recommendations?school=%00…``). Runs on
SQLite and, with ``DATABASE_URL``, on PostgreSQL, where the 500s were.
"""

from __future__ import annotations

import json

import pytest

from educloud.lib.nul_guard import MESSAGE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/recommend/classes/recommendations?school=S5001%00&grade=5&class_label=1", "school"),
        ("/api/v1/search/?q=%E6%95%B0%00%E5%AD%A6", "q"),
        ("/api/v1/library/resources?subject=%00", "subject"),
        ("/api/v1/regions/counties?na%00me=1", "name"),
    ],
)
def test_api_get_with_a_nul_in_a_parameter_is_refused_naming_it(login, url, field):
    response = login("joint_office").get(url)
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"detail": MESSAGE, "field": field}


def test_json_body_with_an_escaped_nul_is_refused_and_nothing_is_stored(login):
    client = login("joint_office")
    before = client.get("/api/v1/library/collections").json()
    response = client.post(
        "/api/v1/library/collections",
        json.dumps({"title": "有理数\u0000专题", "kind": "topic"}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["field"] == "body"
    assert client.get("/api/v1/library/collections").json() == before


def test_json_body_with_an_escaped_backslash_before_u0000_is_text_and_allowed(login):
    client = login("joint_office")
    title = "转义示例 \\u0000"  # the six characters \u0000, not a NUL
    response = client.post(
        "/api/v1/library/collections",
        json.dumps({"title": title, "kind": "topic"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["title"] == title


def test_xapi_statement_with_a_nul_is_refused(client):
    response = client.post(
        "/xapi/statements",
        json.dumps({"actor": {"mbox": "mailto:a@example.org", "name": "a\u0000"}}),
        content_type="application/json",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_page_with_a_nul_in_the_query_shows_the_chinese_error_page(client):
    response = client.get("/library/?q=%00")
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_form_post_with_a_nul_is_refused(login):
    client = login("joint_office")
    response = client.post(
        "/library/collections/new/",
        "title=a%00b&kind=topic",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
