"""Who holds which visibility keys; the /search/ pages and the REST endpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from educloud.accounts.api import User
from educloud.search.api import document_upsert, visibility_keys_for

pytestmark = pytest.mark.django_db

LIB = "library.resource"  # the pages' source
WORD = "鹭鸶洲欧姆定律"  # a title word no demo resource has


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_visibility_keys_for_roles():
    assert visibility_keys_for(None) == ["public"]
    assert visibility_keys_for(AnonymousUser()) == ["public"]
    teacher = _user("teacher")
    keys = visibility_keys_for(teacher)
    school = teacher.roles.get().school
    assert keys[:3] == ["public", "circle", f"user:{teacher.pk}"]
    assert {f"school:{school.code}", "county:500118", "city:500000", "province:500000"} <= set(keys)
    assert not any(k.startswith("manage:") for k in keys)
    assert f"manage:school:{school.code}" in visibility_keys_for(_user("school_admin"))
    assert "all" in visibility_keys_for(_user("joint_office"))
    chengdu = set(visibility_keys_for(_user("chengdu_bureau")))
    assert {"city:510100", "province:510000", "manage:city:510100"} <= chengdu
    assert not any(k.startswith(("county:", "school:")) for k in chengdu)
    jintang = set(visibility_keys_for(_user("jintang_bureau")))
    assert {"county:510121", "city:510100", "province:510000", "manage:county:510121"} <= jintang
    assert {"province:500000", "manage:province:500000"} <= set(visibility_keys_for(_user("cq_bureau")))
    assert set(visibility_keys_for(_user("enterprise"))) == {
        "public",
        "circle",
        f"user:{_user('enterprise').pk}",
    }


def test_inactive_users_are_anonymous():
    teacher = _user("teacher")
    teacher.is_active = False
    assert visibility_keys_for(teacher) == ["public"]


@pytest.fixture
def resources() -> None:
    when = datetime(2026, 9, 1, tzinfo=UTC)
    document_upsert(
        source=LIB,
        object_id="t-public",
        title=f"{WORD}实验 公开课",
        body=f"介绍{WORD}的实验。",
        url="/library/resources/t-public/",
        quality=0.5,
        updated_at=when,
    )
    document_upsert(
        source=LIB,
        object_id="t-jintang",
        title=f"{WORD}校本作业（金堂）",
        visibility_keys=["county:510121"],
        url="/library/resources/t-jintang/",
        updated_at=when,
    )


def test_search_page(client: Client, resources: None):
    page = client.get("/search/")
    assert page.status_code == 200
    assert 'name="q"' in page.content.decode() and "/search/suggest" in page.content.decode()
    html = client.get("/search/", {"q": WORD}).content.decode()
    assert f"<mark>{WORD}</mark>实验 公开课" in html
    assert 'href="/library/resources/t-public/"' in html
    assert "金堂" not in html  # not visible to anonymous users


def test_search_page_respects_the_users_scope(login, resources: None):  # type: ignore[no-untyped-def]
    assert "校本作业" in login("jintang_bureau").get("/search/", {"q": WORD}).content.decode()
    assert "校本作业" not in login("teacher").get("/search/", {"q": WORD}).content.decode()


def test_search_page_htmx_partial_and_errors(client: Client, resources: None):
    partial = client.get("/search/", {"q": WORD}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and WORD in partial
    bad = client.get("/search/", {"q": WORD, "page": "0"})
    assert bad.status_code == 400 and "页码" in bad.content.decode()
    assert client.get("/search/", {"q": WORD, "page": "abc"}).status_code == 400
    empty = client.get("/search/", {"q": "完全不存在的词语组合鹭鸶"}).content.decode()
    assert 'data-testid="search-empty"' in empty


def test_suggestions(client: Client, resources: None):
    html = client.get("/search/suggest", {"q": WORD[:4]}).content.decode()
    assert f'<option value="{WORD}实验 公开课">' in html
    assert "金堂" not in html
    assert "<option" not in client.get("/search/suggest", {"q": ""}).content.decode()


def test_api(client: Client, login, resources: None):  # type: ignore[no-untyped-def]
    anonymous = client.get("/api/v1/search/", {"q": WORD}).json()
    assert anonymous["count"] == 1 and anonymous["count_exact"] is True
    assert anonymous["items"][0]["object_id"] == "t-public"
    assert anonymous["items"][0]["url"] == "/library/resources/t-public/"
    assert login("jintang_bureau").get("/api/v1/search/", {"q": WORD}).json()["count"] == 2


def test_api_errors(client: Client):
    response = client.get("/api/v1/search/", {"q": "勾股定理", "page": 0})
    assert response.status_code == 400 and response.json()["field"] == "page"
    assert client.get("/api/v1/search/", {"q": "x", "page_size": 500}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "字" * 201}).status_code == 422
    assert client.get("/api/v1/search/", {"source": "a b"}).json()["field"] == "source"


def test_api_suggest_and_schema(client: Client, resources: None):
    assert client.get("/api/v1/search/suggest", {"q": WORD[:4]}).json() == [f"{WORD}实验 公开课"]
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/search/" in paths and "/api/v1/search/suggest" in paths
