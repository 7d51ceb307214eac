"""Integers beyond what the databases hold are refused at the boundary, naming the field — never a 500.

``2**70`` overflows SQLite's INTEGER (``OverflowError``) and PostgreSQL's ``bigint`` ("out of range");
``2**63`` is the first value past both. Each case here reached the database before the bounds of
``educloud.lib.bounds`` and answered 500. Runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import re

import pytest

from educloud.lib.bounds import int_param, parse_int, parse_int_cell
from educloud.lib.errors import InvalidInput

pytestmark = pytest.mark.django_db

HUGE = str(2**70)  # 1180591620717411303424
JUST_PAST = str(2**63)

API_GETS = [
    ("/api/v1/equity/ranking?year={n}", "year"),
    ("/api/v1/equity/counties/500118/compliance?year={n}", "year"),
    ("/api/v1/equity/inequality?year={n}", "year"),
    ("/api/v1/equity/efficiency/counties?year={n}", "year"),
    ("/api/v1/equity/counties/500118/efficiency?year={n}", "year"),
    ("/api/v1/library/resources/{n}", "resource_id"),
    ("/api/v1/library/resources?page={n}", "page"),
    ("/api/v1/library/collections/{n}/resources", "collection_id"),
    ("/api/v1/search/?page={n}", "page"),
    ("/api/v1/learning/mastery/class?school=S5001180001&grade={n}&class_label=1", "grade"),
]


@pytest.mark.parametrize("number", [HUGE, JUST_PAST, "-" + HUGE])
@pytest.mark.parametrize(("url", "field"), API_GETS)
def test_api_refuses_huge_integers_naming_the_parameter(login, url, field, number):
    client = login("joint_office")
    response = client.get(url.format(n=number))
    assert response.status_code in (400, 422), (response.status_code, response.content[:300])
    body = response.json()
    assert body["field"] == field
    assert body["detail"]


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/api/v1/learning/items/{n}/responses", {"answer": "A"}, "item_id"),
        ("/api/v1/library/resources/{n}/rating", {"value": 3}, "resource_id"),
        ("/api/v1/library/collections/1/items", {"resource_id": int(HUGE)}, "resource_id"),
        ("/api/v1/library/access-requests/{n}/decide", {"approve": True}, "request_id"),
        ("/api/v1/equity/counties/500118/plan", {"year": int(HUGE)}, "year"),
    ],
)
def test_api_refuses_huge_integers_in_writes(login, url, payload, field):
    client = login("joint_office")
    response = client.post(url.format(n=HUGE), payload, content_type="application/json")
    assert response.status_code in (400, 422), (response.status_code, response.content[:300])
    assert response.json()["field"].endswith(field)


@pytest.mark.parametrize(
    ("user", "url"),
    [
        (None, "/equity/?year={n}"),
        ("joint_office", "/equity/counties/500118/?year={n}"),
        ("joint_office", "/equity/inequality/?year={n}"),
        (None, "/library/?page={n}"),
        (None, "/search/?q=数学&page={n}"),
        ("teacher", "/learning/class/?school=S5001180001&grade={n}&class=1"),
        ("yongchuan_bureau", "/equity/counties/500118/plan/?year={n}"),
        ("yongchuan_bureau", "/equity/import/template.csv?year={n}"),
    ],
)
def test_pages_refuse_huge_integers_with_a_chinese_message(client, login, user, url):
    if user:
        client = login(user)
    response = client.get(url.format(n=HUGE))
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert re.search(r"[\u4e00-\u9fff]", response.content.decode())  # a message in Chinese


def test_pages_refuse_huge_integers_in_forms(login):
    client = login("student")
    response = client.post("/learning/practice/", {"item": HUGE, "answer": "A"})
    assert response.status_code in (400, 404)
    client = login("yongchuan_bureau")
    response = client.post("/library/collections/1/add/", {"resource_id": HUGE})
    assert response.status_code in (302, 400, 403, 404)


def test_the_shared_parsers():
    assert parse_int(" 42 ", low=1, high=100) == 42
    assert parse_int("３", low=1, high=5) == 3  # full-width digits, as typed with a Chinese IME
    for bad in ("²", "⑤", "1e3", "0x10", "", HUGE):
        with pytest.raises(ValueError):
            parse_int(bad, low=0, high=2**63 - 1)
    assert parse_int_cell(2026.0, low=2000, high=2100) == 2026
    assert parse_int_cell("1,200", low=0, high=10_000) == 1200
    assert parse_int_cell("  ", low=0, high=1) is None
    for bad in (2.0**63, float("inf"), float("nan"), 1.5, True, "²", HUGE, 2**63):
        with pytest.raises(ValueError):
            parse_int_cell(bad, low=0, high=2**31 - 1)
    assert int_param({"year": "2025"}, "year", low=1900, high=2100, label="年份") == 2025
    assert int_param({}, "year", low=1900, high=2100, label="年份", default=7) == 7
    with pytest.raises(InvalidInput) as exc:
        int_param({"year": HUGE}, "year", low=1900, high=2100, label="年份")
    assert exc.value.field == "year" and "年份" in exc.value.message


@pytest.mark.parametrize(
    "url",
    [
        "/library/r/{n}/",
        "/library/r/{n}/cover",
        "/library/r/{n}/v/{n}/file",
        "/library/collections/{n}/",
        "/learning/items/{n}",
    ],
)
def test_huge_ids_in_page_paths_are_not_found(login, url):
    client = login("joint_office")
    response = client.get(url.format(n=HUGE))
    assert response.status_code == 404, (response.status_code, response.content[:300])


@pytest.mark.parametrize(
    "until", ["0216-09-11T02:26:10+16:40", "0001-01-01T00:00:00+10:00", "2025-01-01T00:00:00-23:59"]
)
def test_dates_with_any_offset_are_answered_not_a_500(login, until):
    """PostgreSQL refused offsets beyond ±15:59 with a DataError (found by the schemathesis run)."""
    response = login("joint_office").get("/api/v1/library/stats/cross-border", {"until": until})
    assert response.status_code in (200, 422), (response.status_code, response.content[:300])
    if response.status_code == 422:
        assert response.json()["field"] == "until"
