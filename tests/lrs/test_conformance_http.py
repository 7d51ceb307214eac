"""Behaviours found by walking the ADL LRS conformance suite's requirements (docs/lrs-conformance.md).

Each test names the requirement id (XAPI-nnnnn, from adlnet/xapi-lrs-conformance-requirements) and the
section of xAPI 1.0.3 it comes from; the tests are written from the specification, not from the suite.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import urlencode

from django.test import Client as DjangoClient

from tests.lrs.conftest import statement

TEXT = b"here is a simple attachment"
TEXT_SHA2 = hashlib.sha256(TEXT).hexdigest()


def _multipart_statement() -> tuple[bytes, str, str]:
    s = statement(
        attachments=[
            {
                "usageType": "http://example.com/attachment-usage/test",
                "display": {"en-US": "A test attachment"},
                "contentType": "text/plain",
                "length": len(TEXT),
                "sha2": TEXT_SHA2,
            }
        ]
    )
    boundary = "-------314159265358979323846"
    body = (
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(s)}\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
        f"X-Experience-API-Hash: {TEXT_SHA2}\r\n\r\n"
    ).encode() + TEXT + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/mixed; boundary={boundary}", s["id"]


def _literal_boundary_parts(content_type: str, body: bytes) -> list[bytes]:
    """Split a multipart body the way naive clients do: the boundary is everything after
    'boundary=' up to the next ';', taken literally (no unquoting)."""
    boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0]
    chunks = body.split(b"--" + boundary.encode())
    return [chunk for chunk in chunks[1:] if not chunk.startswith(b"--")]


# ---------------------------------------------------------------- Communication 2.1.3 attachments


def test_multipart_answer_is_parseable_with_a_literal_boundary(xapi) -> None:
    """XAPI-00167 (Communication 2.1.3.s1.table1.row13): attachments=true answers multipart/mixed
    with every attachment; XAPI-00161: without it, the answer is exactly application/json."""
    body, content_type, statement_id = _multipart_statement()
    assert xapi.request("POST", "statements", raw=body, content_type=content_type).status_code == 200

    for params in ({"statementId": statement_id, "attachments": "true"}, {"attachments": "true", "limit": 1}):
        answer = xapi.get(params)
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("multipart/mixed; boundary=")
        parts = _literal_boundary_parts(answer["Content-Type"], answer.content)
        assert len(parts) == 2, "the boundary must be usable exactly as it appears in the header"
        assert b"Content-Type: application/json" in parts[0]
        assert TEXT in parts[1] and f"X-Experience-API-Hash: {TEXT_SHA2}".encode() in parts[1]

    for params in ({"statementId": statement_id}, {"statementId": statement_id, "attachments": "false"}):
        plain = xapi.get(params)
        assert plain["Content-Type"] == "application/json" and plain.json()["id"] == statement_id


# ---------------------------------------------------------------- Communication 1.3 alternate syntax


def test_alternate_syntax_real_header_wins_over_a_form_field_of_the_same_name(xapi) -> None:
    """XAPI-00336 (Communication 1.3.s3.b7): form fields named like headers are treated as headers.
    A request that also carries the real header is served by the real header: here the real
    X-Experience-API-Version 1.0.2 decides, not the form's "0.8"."""
    s = statement()
    form = {"statementId": s["id"], "X-Experience-API-Version": "0.8", "content": json.dumps(s)}
    response = DjangoClient().post(
        "/xapi/statements?method=PUT",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": xapi.auth, "X-Experience-API-Version": "1.0.2"},
    )
    assert response.status_code == 204
    assert xapi.get({"statementId": s["id"]}).json()["id"] == s["id"]

    # Without the real header the form field is the header, and 0.8 is refused (Communication 3.3).
    refused = DjangoClient().post(
        "/xapi/statements?method=PUT",
        data=urlencode({**form, "statementId": str(uuid.uuid4()), "Authorization": xapi.auth}),
        content_type="application/x-www-form-urlencoded",
    )
    assert refused.status_code == 400 and refused.json()["field"] == "X-Experience-API-Version"


# ---------------------------------------------------------------- Data 2.4.7 / 4.5 timestamps


def test_timestamp_without_time_zone_is_accepted_and_kept(xapi) -> None:
    """XAPI-00123 (Data 2.4.7, 4.5): a timestamp must be ISO 8601 and SHOULD - not must - carry a
    time zone. It is read as UTC and returned in UTC (SHOULD, Data 2.4.7); since/until without a
    zone are read as UTC too."""
    s = statement(timestamp="2013-05-18T05:32:34.804")
    assert xapi.post(s).status_code == 200
    assert xapi.get({"statementId": s["id"]}).json()["timestamp"] == "2013-05-18T05:32:34.804Z"
    assert xapi.post(s).status_code == 200  # re-sent: the same Statement (timestamps compare as instants)
    found = xapi.get({"verb": s["verb"]["id"], "since": "2000-01-01T00:00:00", "limit": 500}).json()
    assert s["id"] in {item["id"] for item in found["statements"]}
    assert xapi.get({"since": "2000-01-01"}).status_code == 400  # a date is not a date and time
    assert xapi.post(statement(timestamp="2013-05-18T05:32:34.804-00:00")).status_code == 400


# ---------------------------------------------------------------- Data 2.4.9 authority


def test_identified_group_authority_is_rejected(xapi) -> None:
    """XAPI-00100 (Data 2.4.9.s3.b3): a Group authority is the anonymous two-Agent Group of
    3-legged OAuth; an identified Group (with an mbox) is a 400."""
    members = [{"mbox": "mailto:agentA@example.com"}, {"mbox": "mailto:agentB@example.com"}]
    group = {"objectType": "Group", "mbox": "mailto:group@example.com", "member": members}
    identified = statement(authority=group)
    response = xapi.post(identified)
    assert response.status_code == 400 and response.json()["field"] == "authority"
    assert xapi.get({"statementId": identified["id"]}).status_code == 404
    # The anonymous OAuth Group is valid (the LRS then replaces it with its own authority).
    assert xapi.post(statement(authority={"objectType": "Group", "member": members})).status_code == 200


# ---------------------------------------------------------------- Communication 2.2, 2.6, 2.7 documents

PROFILE_AGENT = {
    "objectType": "Agent",
    "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick"},
}


def test_document_post_without_body_or_with_broken_json_is_rejected(xapi) -> None:
    """XAPI-00314 (Communication 2.7), XAPI-00284 (2.6): a POST declared application/json must
    carry JSON even when no document exists yet; a POST without a body has nothing to store.
    Neither request creates a document."""
    activity = {"activityId": "http://www.example.com/activityId/hashset", "profileId": str(uuid.uuid4())}
    agent = {"agent": PROFILE_AGENT, "profileId": str(uuid.uuid4())}
    for path, params in (("activities/profile", activity), ("agents/profile", agent)):
        assert xapi.request("POST", path, params, raw=b"", content_type="").status_code == 400
        broken = xapi.request("POST", path, params, raw=b'{"car": "MKX"}{')
        assert broken.status_code == 400
        assert xapi.request("GET", path, params).status_code == 404
        # A new document that is not JSON is stored as sent (Communication 2.2.s4.b2).
        assert xapi.request("POST", path, params, raw=b"1", content_type="text/plain").status_code == 204
        assert xapi.request("GET", path, params).content == b"1"


def test_no_content_answers_carry_no_content_type(xapi) -> None:
    """XAPI-00143 (Communication 2.1.1): PUT Statements answers 204 No Content - with no body there
    is no media type, so no Content-Type (Django would otherwise add text/html)."""
    s = statement()
    answer = xapi.put(s, s["id"])
    assert answer.status_code == 204 and "Content-Type" not in answer
    document = xapi.request("PUT", "activities/state", {
        "activityId": "http://example.com/a", "agent": PROFILE_AGENT, "stateId": "s"}, body={"a": 1})
    assert document.status_code == 204 and "Content-Type" not in document and document["ETag"]


# ---------------------------------------------------------------- Communication 3.2 error codes


def test_oversized_request_is_413(xapi, monkeypatch) -> None:
    """XAPI-00328 (Communication 3.2): a request larger than the LRS's limit is 413, and nothing
    of it is stored."""
    from educloud.lrs import views

    monkeypatch.setattr(views, "MAX_BODY_BYTES", 2_000)
    big = statement(result={"response": "x" * 3_000})
    answer = xapi.post(big)
    assert answer.status_code == 413 and answer["X-Experience-API-Version"] == "1.0.3"
    monkeypatch.setattr(views, "MAX_BODY_BYTES", 64 * 1024 * 1024)
    assert xapi.get({"statementId": big["id"]}).status_code == 404


def test_server_fault_is_a_json_500_with_xapi_headers(xapi, monkeypatch) -> None:
    """XAPI-00329 (Communication 3.2): a fault inside the LRS is 500 Internal Server Error, answered
    like every other xAPI error (JSON, version header, Consistent-Through on GET Statements)."""
    from educloud.lrs import views

    def broken(**kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(views, "statements_query", broken)
    answer = xapi.get({"limit": 1})
    assert answer.status_code == 500 and answer["Content-Type"] == "application/json"
    assert answer["X-Experience-API-Version"] == "1.0.3" and answer["X-Experience-API-Consistent-Through"]
    assert "database went away" not in answer.content.decode()  # no internals leak to the client
