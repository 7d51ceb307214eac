"""Document resources: ETags, concurrency preconditions and JSON merge (Communication 2.2, 3.1)."""

from __future__ import annotations

import hashlib
import json

import pytest

from educloud.lrs.xapi import (
    DocumentError,
    apply_post,
    compute_etag,
    evaluate_preconditions,
    merge_json_documents,
)
from educloud.lrs.xapi.documents import etag_matches, parse_etag_list

DOC = b'{"x": "foo", "y": "bar"}'
ETAG = compute_etag(DOC)


def test_etag_is_quoted_lowercase_sha1_of_content() -> None:
    assert ETAG == '"' + hashlib.sha1(DOC).hexdigest() + '"'  # noqa: S324 - the spec mandates SHA-1
    assert len(ETAG) == 42 and ETAG[1:-1] == ETAG[1:-1].lower()
    assert compute_etag("文档") == compute_etag("文档".encode())


def test_etag_lists_match_case_insensitively_and_strip_weak_prefix() -> None:
    assert parse_etag_list("*") == "*"
    assert parse_etag_list('"a", W/"B"') == ["a", "b"]
    assert etag_matches(ETAG.upper(), ETAG) and etag_matches(f'"nope", {ETAG}', ETAG)
    assert not etag_matches('"1111111111111111111111111111111111111111"', ETAG)
    assert not etag_matches("*", None)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        # If-Match (PUT/POST/DELETE): matching ETag proceeds, other or missing document fails
        ({"method": "PUT", "current_etag": ETAG, "if_match": ETAG}, 204),
        (
            {"method": "PUT", "current_etag": ETAG, "if_match": '"1111111111111111111111111111111111111111"'},
            412,
        ),
        ({"method": "PUT", "current_etag": None, "if_match": ETAG}, 412),
        ({"method": "DELETE", "current_etag": ETAG, "if_match": "*"}, 204),
        ({"method": "POST", "current_etag": ETAG, "if_match": '"stale"'}, 412),
        # If-None-Match: * creates only when absent
        ({"method": "PUT", "current_etag": None, "if_none_match": "*"}, 204),
        ({"method": "PUT", "current_etag": ETAG, "if_none_match": "*"}, 412),
        ({"method": "POST", "current_etag": ETAG, "if_none_match": "*"}, 412),
        ({"method": "GET", "current_etag": ETAG, "if_none_match": ETAG}, 304),
        # both headers: both must hold
        ({"method": "PUT", "current_etag": ETAG, "if_match": ETAG, "if_none_match": "*"}, 412),
        # no header: profiles need one for PUT over an existing document, state does not
        ({"method": "PUT", "current_etag": ETAG, "require_precondition": True}, 409),
        ({"method": "PUT", "current_etag": None, "require_precondition": True}, 204),
        ({"method": "PUT", "current_etag": ETAG, "require_precondition": False}, 204),
        ({"method": "POST", "current_etag": ETAG, "require_precondition": True}, 204),
        ({"method": "DELETE", "current_etag": ETAG, "require_precondition": True}, 204),
    ],
)
def test_preconditions(kwargs: dict[str, object], status: int) -> None:
    assert evaluate_preconditions(**kwargs) == status  # type: ignore[arg-type]


def test_merge_replaces_top_level_properties_only() -> None:
    merged = merge_json_documents(DOC, b'{"x": "bash", "z": "faz"}')
    assert merged == {"x": "bash", "y": "bar", "z": "faz"}  # Communication 2.2.s7 example
    nested = merge_json_documents({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}})
    assert nested == {"a": {"b": 3}}


@pytest.mark.parametrize(
    ("existing", "posted"), [(DOC, b"[1, 2]"), (b'"text"', DOC), (DOC, b"{not json"), (b"\xff", DOC)]
)
def test_merge_requires_two_json_objects(existing: bytes, posted: bytes) -> None:
    with pytest.raises(DocumentError):
        merge_json_documents(existing, posted)


def test_apply_post_stores_new_documents_as_is_and_merges_json() -> None:
    assert apply_post(
        existing=None, existing_content_type=None, posted=b"raw", posted_content_type="text/plain"
    ) == (b"raw", "text/plain")
    content, content_type = apply_post(
        existing=DOC,
        existing_content_type="application/json; charset=utf-8",
        posted=b'{"z": 1}',
        posted_content_type="application/json",
    )
    assert json.loads(content) == {"x": "foo", "y": "bar", "z": 1} and content_type == "application/json"
    with pytest.raises(DocumentError, match="application/json"):
        apply_post(
            existing=DOC,
            existing_content_type="text/plain",
            posted=b'{"z": 1}',
            posted_content_type="application/json",
        )
    with pytest.raises(DocumentError):
        apply_post(
            existing=DOC,
            existing_content_type="application/json",
            posted=b"plain",
            posted_content_type="application/octet-stream",
        )


def test_apply_post_refuses_an_empty_body_and_json_that_is_not_json() -> None:
    # XAPI-00314 / XAPI-00284 (Communication 2.6, 2.7): a POST declared application/json must carry
    # JSON, whether or not the document exists yet; a POST without a body has nothing to store.
    for existing, existing_type in ((None, None), (DOC, "application/json")):
        with pytest.raises(DocumentError, match="needs a document"):
            apply_post(existing=existing, existing_content_type=existing_type, posted=b"",
                       posted_content_type=None)
        with pytest.raises(DocumentError, match="not JSON"):
            apply_post(existing=existing, existing_content_type=existing_type, posted=b'{"a": 1}{',
                       posted_content_type="application/json")
    # A new non-JSON document, and a new JSON value that is not an object, are stored as sent.
    assert apply_post(existing=None, existing_content_type=None, posted=b"1",
                      posted_content_type="application/x-www-form-urlencoded")[0] == b"1"
    assert apply_post(existing=None, existing_content_type=None, posted=b"true",
                      posted_content_type="application/json") == (b"true", "application/json")
