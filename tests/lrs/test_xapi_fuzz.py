"""Property-based fuzzing of the LRS's parsers and validator (hypothesis; issue #11).

Whatever bytes or near-valid JSON arrive, the pure xAPI core raises nothing but its own
``XAPIError`` with a 400 status (which the views answer as ``{"detail", "field"}``): no
``KeyError``, ``TypeError``, ``RecursionError``... that would be a 500. Where a round trip exists it
holds: a valid Statement survives prepare/compare/JSON unchanged in meaning, preparing twice is
preparing once, and ``build_multipart`` output parses back to what was built.

Bounded (``max_examples`` 200 per property, no deadline) so the file runs in seconds;
``EDUCLOUD_FUZZ_EXAMPLES=5000`` fuzzes longer. Under CI
(``CI=true``) the examples are derandomized, so a run is reproducible; locally they are random and
hypothesis prints the failing example.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import string
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from educloud.lrs.xapi import (
    AttachmentPart,
    XAPIError,
    apply_post,
    build_multipart,
    canonical,
    evaluate_preconditions,
    ids_format,
    index_statement,
    parse_json,
    parse_multipart,
    parse_statement_request,
    parse_timestamp,
    parse_version_header,
    prepare_statement,
    statements_equivalent,
    validate_agent_parameter,
    validate_statement,
    validate_statements,
    validate_timestamp_parameter,
    verify_signed_statement,
)
from educloud.lrs.xapi.normalize import copy_json
from tests.lrs import xapi_examples as ex

FUZZ = settings(
    max_examples=int(os.environ.get("EDUCLOUD_FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
AUTHORITY = {
    "objectType": "Agent",
    "name": "fuzz",
    "account": {"homePage": "http://lrs.example", "name": "k"},
}
STORED = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def only_xapi_errors(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``call``; an exception other than a 400 ``XAPIError`` fails the test."""
    try:
        return call(*args, **kwargs)
    except XAPIError as exc:
        assert exc.status_code == 400, exc
        assert isinstance(exc.message, str) and exc.message
        return None


# ---------------------------------------------------------------- strategies

INTERESTING_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "null",
        "http://example.com/a",
        "http://",
        "mailto:a@example.com",
        "mailto:",
        "urn:uuid:1",
        "12345678-1234-1234-1234-123456789abc",
        "12345678-1234-1234-1234-123456789ABC",
        "2026-01-01T00:00:00Z",
        "2026-13-45T25:61:61.123456789+25:00",
        "2026-01-01T00:00:00-00:00",
        "PT1H30M",
        "P",
        "PT",
        "P1Y2M3DT4H5M6.789S",
        "1.0.3",
        "1.0.",
        "en-US",
        "zh-Hans-CN",
        "x-",
        "Agent",
        "Group",
        "Activity",
        "SubStatement",
        "StatementRef",
        "http://adlnet.gov/expapi/verbs/voided",
        "http://adlnet.gov/expapi/attachments/signature",
        "choice",
        "likert",
        "a" * 300,
        "\u0000",
        "\ud800",
        "学生",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | INTERESTING_STRINGS
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | INTERESTING_STRINGS, children, max_size=4)
    ),
    max_leaves=25,
)
JSON_TEXT_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)  # what JSON text can carry (no NaN/Infinity, no unpaired surrogates)
EXAMPLES = [
    ex.simple(),
    ex.long(),
    ex.voiding(),
    ex.substatement(),
    ex.agent_object(),
    ex.with_attachment(),
    *(ex.interaction(kind) for kind in ex.INTERACTIONS),
]
SPEC_KEYS = st.sampled_from(
    [
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
        "objectType",
        "mbox",
        "mbox_sha1sum",
        "openid",
        "account",
        "member",
        "name",
        "homePage",
        "display",
        "definition",
        "extensions",
        "interactionType",
        "choices",
        "scale",
        "source",
        "target",
        "steps",
        "correctResponsesPattern",
        "score",
        "scaled",
        "raw",
        "min",
        "max",
        "success",
        "completion",
        "response",
        "duration",
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "parent",
        "grouping",
        "category",
        "other",
        "revision",
        "platform",
        "language",
        "statement",
        "usageType",
        "contentType",
        "length",
        "sha2",
        "fileUrl",
    ]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            found += _paths(item, (*prefix, position))
    return found


@st.composite
def near_valid_statements(draw: st.DrawFn) -> Any:
    """A spec example with 1-3 mutations: a value replaced, a property dropped or added."""
    statement = copy_json(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(statement)
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = statement
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(SPEC_KEYS)] = draw(JSON_VALUES)
        else:
            parent.append(draw(JSON_VALUES))
    return statement


LANGUAGE_MAPS = st.dictionaries(
    st.sampled_from(["en-US", "zh-CN", "de", "zh-Hant-TW"]), st.text(), min_size=1
)
IRIS = st.builds(
    "http://example.com/{}/{}".format,
    st.sampled_from(["verbs", "activities", "types"]),
    st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=10),
)
UUIDS = st.uuids().map(str)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


AGENTS = st.one_of(
    st.builds(lambda n: {"mbox": f"mailto:{n}@Example.COM"}, st.text(string.ascii_lowercase, min_size=1)),
    st.builds(
        lambda n: {"objectType": "Agent", "mbox_sha1sum": _sha1(n)},
        st.text(),
    ),
    st.builds(
        lambda n, name: {"account": {"homePage": "http://a.example", "name": n}, "name": name},
        st.text(min_size=1),
        st.text(),
    ),
    st.builds(lambda n: {"openid": f"http://openid.example/{n}"}, st.text(string.ascii_lowercase)),
)
TIMESTAMPS = st.builds(
    lambda moment, offset: moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + offset,
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["Z", "+08:00", "-05:30", "+00:00"]),
)


@st.composite
def valid_statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "actor": draw(
            AGENTS
            | st.builds(
                lambda m: {"objectType": "Group", "member": m}, st.lists(AGENTS, min_size=1, max_size=3)
            )
        ),
        "verb": {"id": draw(IRIS), **draw(st.fixed_dictionaries({}, optional={"display": LANGUAGE_MAPS}))},
        "object": draw(
            st.builds(
                lambda i, d: {"id": i, **({"definition": d} if d else {})},
                IRIS,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "name": LANGUAGE_MAPS,
                        "type": IRIS,
                        "extensions": st.dictionaries(IRIS, JSON_TEXT_VALUES, max_size=2),
                    },
                ),
            )
            | AGENTS.map(lambda a: {**a, "objectType": "Agent"})
        ),
    }
    if draw(st.booleans()):
        statement["id"] = draw(UUIDS)
    if draw(st.booleans()):
        statement["timestamp"] = draw(TIMESTAMPS)
    if draw(st.booleans()):
        statement["result"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "success": st.booleans(),
                    "completion": st.booleans(),
                    "response": st.text(),
                    "duration": st.sampled_from(["PT1H30M", "PT0.5S", "P1D", "PT1.23456S"]),
                    "score": st.floats(-1, 1).map(lambda scaled: {"scaled": scaled}),
                    "extensions": st.dictionaries(IRIS, JSON_TEXT_VALUES, max_size=2),
                },
            )
        )
    if draw(st.booleans()):
        context: dict[str, Any] = {"registration": draw(UUIDS)}
        if "id" in statement["object"]:
            context["contextActivities"] = {
                "parent": draw(
                    st.builds(lambda i: {"id": i}, IRIS)
                    | st.lists(st.builds(lambda i: {"id": i}, IRIS), min_size=1, max_size=2)
                )
            }
            context["platform"] = draw(st.text())
        statement["context"] = context
    return statement


# ---------------------------------------------------------------- JSON and parameters


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@example(b'{"a": 1, "a": 2}')
@example(b"[" * 5000)
@example(b"NaN")
@example(b"\xff\xfe")
def test_parse_json_raises_only_validation_errors(data: bytes) -> None:
    only_xapi_errors(parse_json, data)


@FUZZ
@given(JSON_VALUES)
@example("\ud800")
@example({"\udfff": [1.5, None]})
def test_what_parse_json_accepts_encodes_back_to_the_same_utf8_json(value: Any) -> None:
    """Round trip: anything parse_json accepts can be stored as UTF-8 JSON and reads back equal."""
    try:
        parsed = parse_json(json.dumps(value))  # ASCII text: surrogates, NaN, Infinity as escapes/words
    except XAPIError as exc:
        assert exc.status_code == 400
        return
    encoded = json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    assert parse_json(encoded) == parsed


@FUZZ
@given(JSON_VALUES | near_valid_statements() | st.lists(near_valid_statements(), max_size=3))
def test_the_validator_raises_only_validation_errors(value: Any) -> None:
    only_xapi_errors(validate_statements, value)
    only_xapi_errors(validate_statements, json.loads(json.dumps(value)))


@FUZZ
@given(st.text(max_size=100) | JSON_VALUES.map(json.dumps) | AGENTS.map(json.dumps))
def test_parameter_parsers_raise_only_validation_errors(text: str) -> None:
    only_xapi_errors(validate_agent_parameter, text)
    only_xapi_errors(validate_agent_parameter, text, allow_group=True)
    only_xapi_errors(validate_timestamp_parameter, text)
    only_xapi_errors(parse_version_header, text)


@FUZZ
@given(
    st.binary(max_size=200),
    st.binary(max_size=200) | st.none(),
    st.sampled_from(["application/json", "text/plain", None]),
)
def test_document_post_raises_only_document_errors(
    posted: bytes, existing: bytes | None, kind: str | None
) -> None:
    only_xapi_errors(
        apply_post, existing=existing, existing_content_type=kind, posted=posted, posted_content_type=kind
    )


@FUZZ
@given(st.text(max_size=60) | st.none(), st.text(max_size=60) | st.none(), st.text(max_size=45) | st.none())
def test_preconditions_never_raise(if_match: str | None, if_none_match: str | None, etag: str | None) -> None:
    for method in ("GET", "PUT", "POST", "DELETE"):
        status = evaluate_preconditions(
            method=method,
            current_etag=etag,
            if_match=if_match,
            if_none_match=if_none_match,
            require_precondition=True,
        )
        assert status in (204, 304, 409, 412)


# ---------------------------------------------------------------- valid Statements: round trips


@FUZZ
@given(valid_statements())
def test_valid_statements_prepare_compare_and_render_consistently(statement: dict[str, Any]) -> None:
    validate_statement(statement)
    prepared = prepare_statement(statement, authority=AUTHORITY, stored_at=STORED)
    validate_statement(prepared)  # what the LRS stores is itself a valid Statement
    assert prepare_statement(prepared, authority=AUTHORITY, stored_at=STORED) == prepared  # idempotent
    assert statements_equivalent(statement, prepared)  # only LRS-assigned properties differ
    assert statements_equivalent(prepared, statement)
    round_tripped = json.loads(json.dumps(prepared))
    assert statements_equivalent(round_tripped, prepared)
    assert parse_timestamp(prepared["timestamp"]) == parse_timestamp(
        statement.get("timestamp", prepared["stored"])
    )
    index = index_statement(prepared)
    assert index.verb_id == statement["verb"]["id"]
    ids = ids_format(prepared)
    assert ids_format(ids) == ids
    assert canonical(canonical(prepared, "zh-CN"), "zh-CN") == canonical(prepared, "zh-CN")


@FUZZ
@given(valid_statements(), valid_statements())
def test_different_statements_are_not_equivalent(first: dict[str, Any], second: dict[str, Any]) -> None:
    left = prepare_statement(first, authority=AUTHORITY, stored_at=STORED)
    right = prepare_statement(second, authority=AUTHORITY, stored_at=STORED)
    if statements_equivalent(left, right):  # then they agree on everything a client sent
        assert left["verb"]["id"] == right["verb"]["id"]
        assert left["object"].get("id") == right["object"].get("id")


# ---------------------------------------------------------------- multipart/mixed

BOUNDARIES = st.text(alphabet=string.ascii_letters + string.digits + "'()+_,-./:=?", min_size=1, max_size=70)
HEADER_LINES = st.sampled_from(
    [
        "Content-Type: application/json",
        "Content-Type:text/plain",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: binary",
        "Content-Transfer-Encoding: base64",
        f"X-Experience-API-Hash: {hashlib.sha256(ex.ATTACHMENT_TEXT).hexdigest()}",
        "X-Experience-API-Hash: zz",
        "X-Experience-API-Hash:",
        "Content-Length: 27",
        "no colon here",
        ": empty name",
    ]
)


@st.composite
def near_valid_multipart(draw: st.DrawFn) -> tuple[bytes, str]:
    """Mostly well-formed multipart/mixed Statement requests (the attachment part right most of the
    time), then sometimes damaged: random header lines, no closing delimiter, bytes replaced."""
    boundary = draw(BOUNDARIES)
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    first = json.dumps(
        draw(
            st.sampled_from([ex.with_attachment(), ex.simple(), [ex.with_attachment()]])
            | near_valid_statements()
        )
    )
    parts = [(["Content-Type: application/json"], first.encode())]
    right = [
        "Content-Type: text/plain",
        "Content-Transfer-Encoding: binary",
        f"X-Experience-API-Hash: {hashlib.sha256(ex.ATTACHMENT_TEXT).hexdigest()}",
    ]
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.integers(0, 9)) < 7:
            parts.append((right, ex.ATTACHMENT_TEXT))
        else:
            headers = draw(st.lists(HEADER_LINES, max_size=4))
            parts.append((headers, draw(st.sampled_from([ex.ATTACHMENT_TEXT, b""]) | st.binary(max_size=40))))
    chunks = [
        f"{newline}--{boundary}{newline}{newline.join(headers)}{newline}{newline}".encode() + content
        for headers, content in parts
    ]
    body = b"".join(chunks)
    if draw(st.integers(0, 9)) < 9:
        body += f"{newline}--{boundary}--{newline}".encode()
    if draw(st.integers(0, 9)) < 3 and body:  # damage it
        position = draw(st.integers(0, len(body) - 1))
        body = body[:position] + draw(st.binary(max_size=8)) + body[position + draw(st.integers(0, 8)) :]
    quoted = draw(st.booleans())
    content_type = (
        f'multipart/mixed; boundary="{boundary}"' if quoted else f"multipart/mixed; boundary={boundary}"
    )
    return body, content_type


@FUZZ
@given(st.binary(max_size=400), st.text(max_size=80) | BOUNDARIES.map("multipart/mixed; boundary={}".format))
@example(b"--x\r\n\r\n--x--", "multipart/mixed; boundary=x")
@example(b"--x--", "multipart/mixed; boundary=x")
@example(b"", "multipart/mixed; boundary=")
def test_arbitrary_bodies_raise_only_xapi_errors(body: bytes, content_type: str) -> None:
    only_xapi_errors(parse_multipart, body, content_type)
    only_xapi_errors(parse_statement_request, body, content_type)
    only_xapi_errors(parse_statement_request, body, "application/json")


@FUZZ
@given(near_valid_multipart())
def test_near_valid_multipart_bodies_raise_only_xapi_errors(request: tuple[bytes, str]) -> None:
    only_xapi_errors(parse_multipart, *request)
    only_xapi_errors(parse_statement_request, *request)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.binary(max_size=200), st.sampled_from(["text/plain", "image/png", "application/octet-stream"])
        ),
        max_size=3,
        unique_by=lambda file: file[0],  # one part per content (sha2)
    ),
    st.lists(valid_statements(), min_size=1, max_size=3),
)
def test_build_multipart_parses_back_and_its_attachments_match(
    files: list[tuple[bytes, str]], statements: list[dict[str, Any]]
) -> None:
    parts = [
        AttachmentPart(sha2=hashlib.sha256(data).hexdigest(), data=data, content_type=kind)
        for data, kind in files
    ]
    attachments = [
        {
            "usageType": "http://example.com/usage",
            "display": {"en-US": "f"},
            "contentType": part.content_type,
            "length": len(part.data),
            "sha2": part.sha2,
        }
        for part in parts
    ]
    if attachments:
        statements[0]["attachments"] = attachments
    body, content_type = build_multipart(statements, parts)
    parsed = parse_multipart(body, content_type)
    assert parsed.statements == json.loads(json.dumps(statements))
    assert {sha2: part.data for sha2, part in parsed.parts.items()} == {p.sha2: p.data for p in parts}
    request = parse_statement_request(body, content_type)
    assert len(request.statements) == len(statements)
    assert set(request.attachments) == {p.sha2 for p in parts}


# ---------------------------------------------------------------- signatures


@FUZZ
@given(
    st.binary(max_size=300)
    | st.lists(st.binary(max_size=80), min_size=3, max_size=3).map(
        lambda segments: b".".join(base64.urlsafe_b64encode(s).rstrip(b"=") for s in segments)
    )
)
def test_signature_checks_raise_only_signature_errors(jws: bytes) -> None:
    only_xapi_errors(verify_signed_statement, ex.simple(), jws)


@FUZZ
@given(near_valid_statements())
def test_signed_payloads_that_are_not_statements_raise_only_signature_errors(payload: Any) -> None:
    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = encode(b'{"alg":"RS256"}')
    jws = f"{header}.{encode(json.dumps(payload).encode())}.{encode(b'sig')}"
    only_xapi_errors(verify_signed_statement, ex.simple(), jws)


def test_the_fuzz_helper_fails_on_foreign_exceptions() -> None:
    def broken(_: object) -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        only_xapi_errors(broken, None)
