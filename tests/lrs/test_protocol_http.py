"""Cross-cutting HTTP rules: version header, authentication, CORS, HEAD, alternate syntax, About."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from django.test import Client as DjangoClient

from educloud.lrs.models import Statement
from tests.lrs.conftest import XAPI, statement

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- version header (Communication 3.3)


@pytest.mark.parametrize("version", [None, "0.95", "1.1.0", "2.0.0", "banana"])
def test_bad_or_missing_version_header_is_400(xapi, version) -> None:  # type: ignore[no-untyped-def]
    xapi.version = version
    response = xapi.get({"statementId": "12345678-1234-5678-1234-567812345678"})
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.9"])
def test_any_1_0_x_version_is_accepted_and_answered_with_1_0_3(xapi, version) -> None:  # type: ignore[no-untyped-def]
    xapi.version = version
    response = xapi.post(statement())
    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == "1.0.3"


# ---------------------------------------------------------------- authentication (Communication 4.0)


def test_missing_or_wrong_credentials_get_401_with_challenge(xapi) -> None:
    http = DjangoClient()
    response = http.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    wrong = "Basic " + base64.b64encode(f"{xapi.key}:wrong".encode()).decode()
    response = http.get(
        "/xapi/statements", headers={"Authorization": wrong, "X-Experience-API-Version": "1.0.3"}
    )
    assert response.status_code == 401
    garbage = http.get(
        "/xapi/statements", headers={"Authorization": "Basic !!!", "X-Experience-API-Version": "1.0.3"}
    )
    assert garbage.status_code == 401


def test_deactivated_client_is_refused_on_its_next_request(xapi) -> None:
    from educloud.lrs.services import client_deactivate

    assert xapi.get().status_code == 200
    client_deactivate(key=xapi.key)
    assert xapi.get().status_code == 401


def test_internal_client_cannot_log_in(xapi) -> None:
    from educloud.lrs.services import INTERNAL_CLIENT_KEY, internal_client

    internal_client()
    impostor = XAPI(INTERNAL_CLIENT_KEY, "")
    assert impostor.get().status_code == 401


# ---------------------------------------------------------------- CORS, OPTIONS, HEAD, 405


def test_preflight_needs_no_credentials_and_allows_xapi_headers() -> None:
    response = DjangoClient().options(
        "/xapi/statements",
        headers={"Origin": "https://moodle.example.cn", "Access-Control-Request-Method": "PUT"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://moodle.example.cn"
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "x-experience-api-version",
        "content-type",
        "if-match",
        "if-none-match",
    } <= allowed
    assert "PUT" in response["Access-Control-Allow-Methods"]


def test_cors_headers_on_answers_and_errors(xapi) -> None:
    ok = xapi.get(headers={"Origin": "https://h5p.example.cn"})
    assert ok["Access-Control-Allow-Origin"] == "https://h5p.example.cn"
    assert "X-Experience-API-Consistent-Through" in ok["Access-Control-Expose-Headers"]
    denied = DjangoClient().get("/xapi/statements", headers={"Origin": "https://x.example"})
    assert denied.status_code == 401
    assert denied["Access-Control-Allow-Origin"] == "https://x.example"


def test_head_answers_like_get_without_a_body(xapi) -> None:
    s = statement()
    xapi.post(s)
    get = xapi.get({"statementId": s["id"]})
    head = xapi.request("HEAD", "statements", {"statementId": s["id"]})
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    assert xapi.request("HEAD", "about").status_code == 200


def test_unsupported_method_is_405(xapi) -> None:
    response = xapi.request("PATCH", "statements", body={})
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert xapi.request("DELETE", "statements").status_code == 405


# ---------------------------------------------------------------- alternate syntax (Communication 1.3)


def _alternate(xapi: XAPI, method: str, path: str, form: dict[str, str], query: str = "") -> object:
    fields = {"Authorization": xapi.auth, "X-Experience-API-Version": "1.0.3", **form}
    return DjangoClient().post(
        f"/xapi/{path}?method={method}{query}",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


def test_alternate_syntax_put_get_and_document(xapi) -> None:
    s = statement()
    response = _alternate(
        xapi,
        "PUT",
        "statements",
        {
            "statementId": s["id"],
            "content": json.dumps(s),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 204  # type: ignore[attr-defined]
    got = _alternate(xapi, "GET", "statements", {"statementId": s["id"]})
    assert got.json()["id"] == s["id"]  # type: ignore[attr-defined]
    doc = {
        "activityId": "http://example.com/a",
        "agent": json.dumps({"mbox": "mailto:a@example.com"}),
        "stateId": "s",
    }
    assert (
        _alternate(
            xapi, "PUT", "activities/state", {**doc, "content": "hello", "Content-Type": "text/plain"}
        ).status_code
        == 204
    )  # type: ignore[attr-defined]
    assert (
        xapi.request("GET", "activities/state", {**doc, "agent": {"mbox": "mailto:a@example.com"}}).content
        == b"hello"
    )


def test_alternate_syntax_rules(xapi) -> None:
    s = statement()
    extra_query = _alternate(
        xapi, "PUT", "statements", {"content": json.dumps(s)}, query=f"&statementId={s['id']}"
    )
    assert extra_query.status_code == 400  # type: ignore[attr-defined]
    bad_method = _alternate(xapi, "PATCH", "statements", {"content": json.dumps(s)})
    assert bad_method.status_code == 400  # type: ignore[attr-defined]
    not_form = DjangoClient().post(
        "/xapi/statements?method=GET", data="{}", content_type="application/json", headers=xapi.headers()
    )
    assert not_form.status_code == 400
    no_auth = DjangoClient().post(
        "/xapi/statements?method=GET",
        data=urlencode({"X-Experience-API-Version": "1.0.3"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert no_auth.status_code == 401
    assert not Statement.objects.filter(statement_id=s["id"]).exists()


# ---------------------------------------------------------------- About (Communication 2.8)


def test_about_is_public_and_lists_versions() -> None:
    response = DjangoClient().get("/xapi/about")
    assert response.status_code == 200
    about = response.json()
    assert about["version"][0] == "1.0.3"
    assert "1.0.0" in about["version"]
    assert all(key.startswith("http") for key in about["extensions"])
    assert DjangoClient().get("/xapi/about?x=1").status_code == 400


def test_errors_are_json_with_detail_and_field(xapi) -> None:
    response = xapi.post(statement(verb={"id": "nope"}))
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "field"}
