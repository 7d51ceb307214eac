"""Pure helpers for the document resources (State, Activity Profile, Agent Profile).

* :func:`compute_etag` - the quoted lowercase SHA-1 hex of the stored bytes
  (Communication 3.1.s4.b2, b4).
* :func:`evaluate_preconditions` - ``If-Match`` / ``If-None-Match`` handling per RFC 2616
  and Communication 3.1, returning the status to answer.
* :func:`merge_json_documents` / :func:`apply_post` - the JSON merge of a POST
  (Communication 2.2.s7, 2.2.s8).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from .errors import DocumentError, XAPIValidationError
from .jsonparse import parse_json

__all__ = [
    "CONFLICT_MESSAGE",
    "JSON_CONTENT_TYPE",
    "apply_post",
    "compute_etag",
    "etag_matches",
    "evaluate_preconditions",
    "is_json_content_type",
    "merge_json_documents",
    "parse_etag_list",
]

JSON_CONTENT_TYPE = "application/json"

PROCEED = 204
PRECONDITION_FAILED = 412
CONFLICT = 409
NOT_MODIFIED = 304


def compute_etag(content: bytes | str) -> str:
    """``"<sha1 hex>"`` of the document's bytes (strings are encoded as UTF-8)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return '"' + hashlib.sha1(data, usedforsecurity=False).hexdigest() + '"'


def _opaque(tag: str) -> str:
    """Strip ``W/`` and quotes; lower-case (the LRS's tags are hex, clients may upper-case)."""
    tag = tag.strip()
    if tag[:2] in ("W/", "w/"):
        tag = tag[2:]
    return tag.strip().strip('"').lower()


def parse_etag_list(header: str) -> list[str] | Literal["*"]:
    """Parse an ``If-Match``/``If-None-Match`` value into opaque tags, or ``"*"``."""
    if header.strip() == "*":
        return "*"
    return [_opaque(tag) for tag in header.split(",") if tag.strip()]


def etag_matches(header: str, current_etag: str | None) -> bool:
    """True if ``header`` (a tag list or ``*``) matches the current representation."""
    if current_etag is None:
        return False
    tags = parse_etag_list(header)
    return tags == "*" or _opaque(current_etag) in tags


def evaluate_preconditions(
    *,
    method: str,
    current_etag: str | None,
    if_match: str | None = None,
    if_none_match: str | None = None,
    require_precondition: bool = False,
) -> int:
    """Decide a document request's concurrency outcome; return the status to answer.

    ``current_etag`` is the stored document's ETag, ``None`` when no document exists.
    Returns ``204`` when the request may proceed, ``412`` when ``If-Match`` does not
    match (or nothing exists to match) or ``If-None-Match`` matches, ``304`` instead of
    412 for an ``If-None-Match`` match on GET/HEAD, and ``409`` for a PUT carrying
    neither header to a document that exists when ``require_precondition`` is set -
    which it must be for the Activity and Agent Profile resources (Communication
    3.1.s3.b1, 3.1.s4.b13); the State resource permits unconditional writes.
    """
    verb = method.upper()
    if if_match is not None and not etag_matches(if_match, current_etag):
        return PRECONDITION_FAILED
    if if_none_match is not None and etag_matches(if_none_match, current_etag):
        return NOT_MODIFIED if verb in ("GET", "HEAD") else PRECONDITION_FAILED
    if (
        verb == "PUT"
        and require_precondition
        and current_etag is not None
        and if_match is None
        and if_none_match is None
    ):
        return CONFLICT
    return PROCEED


CONFLICT_MESSAGE = (
    "A document already exists at this location. Check its current state (GET it), then "
    "retry the PUT with an If-Match header carrying the current ETag, or If-None-Match: * "
    "to create only when absent."
)


def is_json_content_type(content_type: str | None) -> bool:
    """True for ``application/json`` with or without parameters (``; charset=utf-8``)."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == JSON_CONTENT_TYPE


def _as_json_object(document: bytes | str | Mapping[str, Any], which: str) -> dict[str, Any]:
    if isinstance(document, Mapping):
        return dict(document)
    try:
        value = parse_json(document)
    except XAPIValidationError as exc:
        raise DocumentError(f"the {which} document is not valid JSON: {exc.detail}") from None
    if not isinstance(value, dict):
        raise DocumentError(f"the {which} document is not a JSON object; only objects can be merged")
    return value


def merge_json_documents(
    existing: bytes | str | Mapping[str, Any], posted: bytes | str | Mapping[str, Any]
) -> dict[str, Any]:
    """Merge top-level properties of ``posted`` into ``existing`` (Communication 2.2.s7).

    Both must be JSON objects, else :class:`DocumentError` (answer 400, store nothing).
    Only top-level properties are merged: a posted property replaces the existing one
    whole, even when both are objects.
    """
    merged = _as_json_object(existing, "stored")
    merged.update(_as_json_object(posted, "posted"))
    return merged


def apply_post(
    *,
    existing: bytes | None,
    existing_content_type: str | None,
    posted: bytes,
    posted_content_type: str | None,
) -> tuple[bytes, str | None]:
    """Return ``(content, content_type)`` to store for a POST to a document resource.

    Without an existing document the POST acts as a PUT: the body is stored as sent.
    With one, both documents must be ``application/json`` JSON objects and are merged
    (the result is stored as compact UTF-8 JSON); otherwise :class:`DocumentError`.
    Either way a POST without a body is refused (there is nothing to store or merge), and a
    body declared ``application/json`` must be JSON (conformance XAPI-00284, XAPI-00314).
    """
    if not posted:
        raise DocumentError("POST needs a document in the request body")
    if is_json_content_type(posted_content_type):
        try:
            parse_json(posted)
        except XAPIValidationError as exc:
            raise DocumentError(f"the posted document is declared application/json but is not JSON: "
                                f"{exc.detail}") from None
    if existing is None:
        return posted, posted_content_type
    if not is_json_content_type(existing_content_type) or not is_json_content_type(posted_content_type):
        raise DocumentError(
            "POST merges JSON documents only: both the stored and the posted document must "
            "have Content-Type application/json"
        )
    merged = merge_json_documents(existing, posted)
    return json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), JSON_CONTENT_TYPE
