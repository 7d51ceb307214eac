"""Nothing of a resource leaves its scope (issue #11, item 9).

Ids are sequential, so whatever the answer for a resource outside the caller's scope says — a
title, its school, its visibility, even a different status code — anyone can learn it for every
resource by walking the ids. The answer must be the one for an id that does not exist: on the
page, in the API, on the download, preview and cover URLs, and in the access-request workflow
(a requester sees no title until they may see the resource).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from educloud.library import services
from educloud.library.models import AccessRequest, Resource

from .conftest import user

TITLE = "永川区第1小学《校本课程》内部讲义"
DESCRIPTION = "含本校学生作品与家长联系方式，仅限校内使用。"
MISSING = 987_654_321

pytestmark = pytest.mark.django_db


def _secret(make_resource, **fields) -> Resource:  # type: ignore[no-untyped-def]
    values = {
        "status": "published",
        "visibility": "school",
        "license": "school_only",
        "title": TITLE,
        "description": DESCRIPTION,
    }
    values.update(fields)
    return make_resource(**values)


def _leaks(body: str, resource: Resource) -> list[str]:
    """The pieces of ``resource`` that appear in ``body``."""
    pieces = [resource.title, resource.description, "校本课程", "学生作品"]
    if resource.school is not None:
        pieces.append(resource.school.name)
    pieces.append(resource.owner.get_full_name() or resource.owner.username)
    pieces += ["仅限", resource.get_visibility_display() + "范围"]
    return [p for p in pieces if p and p in body]


def _normalised(body: str, resource_id: int) -> str:
    """The page with what differs between any two requests (CSRF token, the id asked for) removed."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    return body.replace(str(resource_id), "ID")


def _as(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def _outsiders() -> dict[str, Client]:
    """Anonymous, and a bureau of another county (outside a school-only resource's scope)."""
    return {"anonymous": Client(), "jintang_bureau": _as("jintang_bureau")}


@pytest.mark.parametrize("status", ["published", "draft"])
def test_the_resource_page_answers_as_for_a_missing_id(make_resource, status):
    resource = _secret(make_resource, status=status)
    for who, client in _outsiders().items():
        restricted = client.get(f"/library/r/{resource.pk}/")
        missing = client.get(f"/library/r/{MISSING}/")
        body = restricted.content.decode()
        assert restricted.status_code == missing.status_code == 404, who
        assert _leaks(body, resource) == [], who
        assert "资源不存在或无权查看" in body
        assert _normalised(body, resource.pk) == _normalised(missing.content.decode(), MISSING), who
    # Those in scope still see it.
    assert TITLE in _as("teacher").get(f"/library/r/{resource.pk}/").content.decode()


def test_the_api_answers_as_for_a_missing_id(make_resource):
    resource = _secret(make_resource)
    for who, client in _outsiders().items():
        restricted = client.get(f"/api/v1/library/resources/{resource.pk}")
        missing = client.get(f"/api/v1/library/resources/{MISSING}")
        assert restricted.status_code == missing.status_code == 404, who
        assert restricted.json()["detail"] == missing.json()["detail"] == "资源不存在或无权查看", who
        for path in ("rate", "favourite", "complete"):
            answer = client.post(f"/api/v1/library/resources/{resource.pk}/{path}", {"value": 5, "on": True},
                                 content_type="application/json")
            assert answer.status_code in (401, 404) and _leaks(answer.content.decode(), resource) == [], path
        listed = client.get("/api/v1/library/resources", {"page_size": 100}).content.decode()
        assert _leaks(listed, resource) == [], who


def test_files_preview_and_cover_answer_as_for_a_missing_id(make_resource):
    resource = _secret(make_resource)
    urls = ["/library/r/{}/v/1/file", "/library/r/{}/v/1/file?inline=1", "/library/r/{}/cover"]
    for who, client in _outsiders().items():
        for url in urls:
            restricted = client.get(url.format(resource.pk))
            missing = client.get(url.format(MISSING))
            assert restricted.status_code == missing.status_code == 404, (who, url)
            assert not restricted.streaming, (who, url)  # no byte of the file
            body = restricted.content.decode()
            assert _leaks(body, resource) == [], (who, url)
            assert _normalised(body, resource.pk) == _normalised(missing.content.decode(), MISSING)


def test_access_request_workflow_shows_no_title_until_granted(make_resource):
    resource = _secret(make_resource)
    outsider = _as("jintang_bureau")
    page = outsider.get(f"/library/r/{resource.pk}/").content.decode()
    assert "申请访问" in page and f"/library/r/{resource.pk}/request/" in page  # the link-holder may ask
    anonymous = Client().get(f"/library/r/{resource.pk}/").content.decode()
    assert anonymous.count("申请访问") == 1  # the login hint only, no form

    made = outsider.post(
        f"/api/v1/library/resources/{resource.pk}/access-requests", {"message": "教研"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["resource_title"] is None
    assert _leaks(made.content.decode(), resource) == []

    def titles(client, box):  # type: ignore[no-untyped-def]
        rows = client.get("/api/v1/library/access-requests", {"box": box}).json()
        return [r["resource_title"] for r in rows if r["id"] == made.json()["id"]]

    assert titles(outsider, "outgoing") == [None]
    inbox = outsider.get("/library/requests/").content.decode()
    assert _leaks(inbox, resource) == [] and f"资源 #{resource.pk}" in inbox

    owner = _as("teacher")  # the owner decides, seeing the title
    assert titles(owner, "incoming") == [TITLE]
    assert TITLE in owner.get("/library/requests/").content.decode()
    services.access_request_decide(
        actor=user("teacher"), request_id=made.json()["id"], approve=True, reason=""
    )
    assert titles(outsider, "outgoing") == [TITLE]  # granted: now theirs to see
    assert TITLE in outsider.get("/library/requests/").content.decode()
    assert TITLE in outsider.get(f"/library/r/{resource.pk}/").content.decode()


def test_requesting_access_to_a_draft_answers_as_for_a_missing_id(make_resource):
    draft = _secret(make_resource, status="draft")
    outsider = _as("jintang_bureau")
    answers = [
        outsider.post(f"/api/v1/library/resources/{rid}/access-requests", {}, content_type="application/json")
        for rid in (draft.pk, MISSING)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json()["detail"] == answers[1].json()["detail"] == "资源不存在或无权查看"
    assert not AccessRequest.objects.filter(resource=draft).exists()
