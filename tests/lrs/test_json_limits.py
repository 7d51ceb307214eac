"""Deeply nested JSON at every JSON entry point of the LRS is a 400 in the xAPI error format, never a
500 (``RecursionError``), and nothing is stored (issue #11, item 8). So is JSON with an unpaired
surrogate escape (``"\ud800"``), which Python parses but no UTF-8 encoder accepts (found by the
fuzz tests: it was a 500 on SQLite and PostgreSQL alike).

JSON is built as text: Python's own ``json.dumps`` cannot serialise 2,000 levels either.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client as DjangoClient

from educloud.accounts.api import User
from educloud.lib.errors import InvalidInput
from educloud.lrs.api import statement_record_internal
from educloud.lrs.models import State, Statement
from educloud.lrs.xapi import (
    MAX_JSON_DEPTH,
    SignatureError,
    XAPIValidationError,
    parse_json,
    parse_statement_request,
    validate_statement,
    verify_signed_statement,
)
from tests.lrs import xapi_examples as ex
from tests.lrs.conftest import XAPI, statement

pytestmark = pytest.mark.django_db

ACTIVITY = "http://example.com/activities/deep"
AGENT = {"objectType": "Agent", "mbox": "mailto:deep@example.com"}
EXTENSION = "http://example.com/extensions/deep"


def nested(levels: int, kind: str = "object") -> str:
    """JSON text of ``levels`` nested objects (or arrays) around a number."""
    if kind == "object":
        return '{"a":' * levels + "1" + "}" * levels
    return "[" * levels + "1" + "]" * levels


def statement_text(levels: int, **changes: Any) -> str:
    """A valid Statement's JSON text whose result extension nests ``levels`` more levels."""
    s = statement(result={"extensions": {EXTENSION: "PLACEHOLDER"}}, **changes)
    return json.dumps(s).replace('"PLACEHOLDER"', nested(levels))


def assert_too_deep(response: Any, field: str | None = "") -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) == {"detail", "field"}
    assert "nested" in body["detail"] and str(MAX_JSON_DEPTH) in body["detail"]
    if field is not None:
        assert body["field"] == field
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 2_000, 100_000])
def test_statement_post_and_put_with_deep_extension_are_400(xapi: XAPI, levels: int) -> None:
    # Up to ~1,000 levels json parses and the validator refuses the extension value, naming it;
    # beyond, the parser refuses the body.
    field = f"result.extensions.{EXTENSION}" if levels < 1_000 else ""
    before = Statement.objects.count()
    assert_too_deep(xapi.request("POST", "statements", raw=statement_text(levels).encode()), field)
    batch = "[" + json.dumps(statement()) + "," + statement_text(levels) + "]"
    response = xapi.request("POST", "statements", raw=batch.encode())
    assert_too_deep(response, f"[1].{field}" if field else "")
    statement_id = json.loads(statement_text(1))["id"]
    raw = statement_text(levels, id=statement_id).encode()
    assert_too_deep(xapi.request("PUT", "statements", {"statementId": statement_id}, raw=raw), field)
    response = xapi.request("POST", "statements", raw=nested(levels, "array").encode())
    assert response.status_code == 400  # not Statements at all
    assert Statement.objects.count() == before


def test_extension_values_within_the_limit_are_stored(xapi: XAPI) -> None:
    text = statement_text(MAX_JSON_DEPTH)  # an extension value of exactly MAX_JSON_DEPTH levels
    response = xapi.request("POST", "statements", raw=text.encode())
    assert response.status_code == 200, response.content
    stored = xapi.get({"statementId": response.json()[0]}).json()
    assert stored["result"]["extensions"][EXTENSION] == json.loads(text)["result"]["extensions"][EXTENSION]


def test_multipart_statement_part_nested_too_deep_is_400(xapi: XAPI) -> None:
    boundary = "deep-boundary"
    raw = (
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{statement_text(2_000)}\r\n--{boundary}--\r\n"
    ).encode()
    response = xapi.request(
        "POST", "statements", raw=raw, content_type=f"multipart/mixed; boundary={boundary}"
    )
    assert_too_deep(response)


def test_deep_agent_parameter_is_400(xapi: XAPI) -> None:
    deep_agent = '{"mbox":"mailto:a@example.com","name":' + nested(2_000) + "}"
    url = "/xapi/statements?" + urlencode({"agent": deep_agent})
    assert_too_deep(xapi.http.get(url, headers=xapi.headers()), field="agent")
    url = "/xapi/activities/state?" + urlencode({"activityId": ACTIVITY, "agent": deep_agent, "stateId": "s"})
    assert_too_deep(xapi.http.get(url, headers=xapi.headers()), field="agent")
    response = xapi.http.put(url, b"x", content_type="text/plain", headers=xapi.headers())
    assert_too_deep(response, field="agent")
    url = "/xapi/agents/profile?" + urlencode({"agent": deep_agent, "profileId": "p"})
    assert_too_deep(xapi.http.get(url, headers=xapi.headers()), field="agent")


def test_state_post_with_deep_json_is_400_and_stores_nothing(xapi: XAPI) -> None:
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "deep"}
    response = xapi.request("POST", "activities/state", params, raw=nested(2_000).encode())
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not State.objects.filter(state_id="deep").exists()
    # A document PUT is opaque bytes and stored as sent; merging a POST into it needs it parsed.
    assert xapi.request("PUT", "activities/state", params, raw=nested(2_000).encode()).status_code == 204
    response = xapi.request("POST", "activities/state", params, body={"b": 1})
    assert response.status_code == 400
    assert "stored document" in response.json()["detail"] and "nested" in response.json()["detail"]
    assert xapi.request("GET", "activities/state", params).content == nested(2_000).encode()


def test_alternate_syntax_content_nested_too_deep_is_400(xapi: XAPI) -> None:
    form = {
        "Authorization": xapi.auth,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "content": statement_text(2_000),
    }
    response = DjangoClient().post(
        "/xapi/statements?method=POST", data=urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert_too_deep(response)


# ---------------------------------------------------------------- the core, below HTTP


def test_parse_json_limit_is_exact() -> None:
    assert parse_json(nested(MAX_JSON_DEPTH)) is not None
    assert parse_json(nested(MAX_JSON_DEPTH, "array")) is not None
    for text in (nested(MAX_JSON_DEPTH + 1), nested(MAX_JSON_DEPTH + 1, "array"), nested(5_000)):
        with pytest.raises(XAPIValidationError, match="nested more than"):
            parse_json(text)


def test_validator_bounds_extension_values_given_as_python_objects() -> None:
    deep: Any = 1
    for _ in range(5_000):
        deep = {"a": deep}
    s = statement(result={"extensions": {EXTENSION: deep}})
    with pytest.raises(XAPIValidationError) as caught:
        validate_statement(s)
    assert caught.value.path == f"result.extensions.{EXTENSION}"
    deep_list: Any = []
    for _ in range(MAX_JSON_DEPTH + 1):
        deep_list = [deep_list]
    s = statement(context={"extensions": {EXTENSION: deep_list}})
    with pytest.raises(XAPIValidationError, match="nested more than"):
        validate_statement(s)


def test_internal_statement_with_deep_extension_is_invalid_input() -> None:
    deep: Any = 1
    for _ in range(3_000):
        deep = [deep]
    with pytest.raises(InvalidInput) as caught:
        statement_record_internal(
            actor_user=User.objects.get(username="student"),
            verb="http://adlnet.gov/expapi/verbs/answered",
            object_id="http://educloud.example/items/deep",
            object_name="深",
            result={"extensions": {EXTENSION: deep}},
        )
    assert caught.value.field == f"result.extensions.{EXTENSION}"


def test_signed_payload_nested_too_deep_is_a_signature_error() -> None:
    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    payload = json.dumps(ex.simple())[:-1] + ',"x":' + nested(2_000) + "}"
    header = encode(b'{"alg":"RS256"}')
    jws = f"{header}.{encode(payload.encode())}.{encode(b'sig')}"
    with pytest.raises(SignatureError, match="nested"):
        verify_signed_statement(ex.simple(), jws)
    deep_header = '{"alg":"RS256","x":' + nested(2_000) + "}"
    jws = f"{encode(deep_header.encode())}.{encode(json.dumps(ex.simple()).encode())}.{encode(b'sig')}"
    with pytest.raises(SignatureError, match="nested"):
        verify_signed_statement(ex.simple(), jws)


SURROGATE = "\\ud800"  # JSON text of an unpaired UTF-16 surrogate escape


def test_unpaired_surrogate_escapes_are_400_at_every_json_entry_point(xapi: XAPI) -> None:
    s = statement(result={"response": "PLACEHOLDER"})
    raw = json.dumps(s).replace("PLACEHOLDER", SURROGATE).encode()
    response = xapi.request("POST", "statements", raw=raw)
    assert response.status_code == 400, response.content
    assert "surrogate" in response.json()["detail"]
    assert xapi.request("PUT", "statements", {"statementId": s["id"]}, raw=raw).status_code == 400
    assert not Statement.objects.filter(statement_id=s["id"]).exists()
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "surrogate"}
    xapi.request("POST", "activities/state", params, body={"a": 1})
    response = xapi.request("POST", "activities/state", params, raw=('{"b":"' + SURROGATE + '"}').encode())
    assert response.status_code == 400 and "surrogate" in response.json()["detail"]
    paired = statement(result={"response": "PLACEHOLDER"})
    raw = json.dumps(paired).replace("PLACEHOLDER", "\\ud83d\\ude00").encode()  # a valid pair: 😀
    assert xapi.request("POST", "statements", raw=raw).status_code == 200
    assert xapi.get({"statementId": paired["id"]}).json()["result"]["response"] == "\U0001f600"


@pytest.mark.parametrize(
    "where",
    ["actor", "verb", "object", "object.definition", "result", "context", "context.contextActivities",
     "attachments", "authority", "result.score", "actor.member"],
)  # fmt: skip
def test_statement_bodies_deep_anywhere_fail_validation_not_the_stack(where: str) -> None:
    """Statement bodies skip the separate depth walk (the validator bounds extension values); deep
    nesting anywhere else is refused by the validator at the first level it does not expect."""
    s: dict[str, Any] = statement()
    parent, key = s, where
    if "." in where:
        first, key = where.split(".")
        parent = s.setdefault(first, {})
    parent[key] = "PLACEHOLDER"
    text = json.dumps(s).replace('"PLACEHOLDER"', nested(900))
    with pytest.raises(XAPIValidationError):
        parse_statement_request(text.encode(), "application/json")
    with pytest.raises(XAPIValidationError):
        parse_statement_request(("[" + text + "]").encode(), "application/json")
