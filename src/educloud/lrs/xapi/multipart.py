"""Statement requests and responses with attachments (Communication 1.5.2, Data 2.4.11, 2.6).

* :func:`parse_multipart` - split a ``multipart/mixed`` body (RFC 2046) into the
  Statements part and the attachment parts, enforcing the transmission format: the
  first part is ``application/json``; every other part carries
  ``X-Experience-API-Hash`` and ``Content-Transfer-Encoding: binary`` and its content
  hashes (SHA-224/256/384/512, chosen by the digest's length) to that value.
  Delimiter lines may end in CRLF or a bare LF.
* :func:`match_attachments` - every attachment without ``fileUrl`` must have a part
  with its ``sha2``; every part must belong to some attachment (no excess parts);
  a part's Content-Type / Content-Length must agree with the attachment's
  contentType / length when both are given.
* :func:`verify_signatures` - every attachment with usageType
  ``http://adlnet.gov/expapi/attachments/signature`` must have contentType
  ``application/octet-stream`` and come with its data: a JWS that
  :func:`.signature.verify_signed_statement` accepts (verified against an ``x5c``
  certificate with the ``cryptography`` package; see :mod:`.signature`).
* :func:`parse_statement_request` - all of the above for one PUT/POST body.
* :func:`build_multipart` - the response format for ``attachments=true``.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import MultipartError, SignatureError, XAPIValidationError
from .jsonparse import MAX_JSON_DEPTH, parse_json
from .signature import verify_signed_statement
from .validate import SIGNATURE_USAGE_TYPE, validate_statements

__all__ = [
    "AttachmentPart",
    "MultipartPayload",
    "StatementRequest",
    "build_multipart",
    "iter_attachments",
    "match_attachments",
    "parse_multipart",
    "parse_statement_request",
    "sha2_hexdigest",
    "verify_signatures",
]

_HASH_BY_LENGTH = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
_HEX_RE = re.compile(r"[0-9a-fA-F]+")
_LINE_BREAK_RE = re.compile(rb"[ \t]*\r?\n")
_SIGNATURE_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class AttachmentPart:
    """The raw data of one attachment, keyed by its lower-case SHA-2 hex digest."""

    sha2: str
    data: bytes
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MultipartPayload:
    """A parsed ``multipart/mixed`` Statement request: the JSON of the first part and
    the attachment parts by SHA-2."""

    statements: Any
    parts: Mapping[str, AttachmentPart]


@dataclass(frozen=True)
class StatementRequest:
    """A fully checked PUT/POST body: valid Statements plus their attachment data."""

    statements: list[dict[str, Any]]
    attachments: Mapping[str, AttachmentPart]
    is_batch: bool = False  # the body was a JSON array (a PUT takes exactly one Statement object)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _content_type_params(content_type: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in re.finditer(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', content_type):
        value = match.group(2).strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[match.group(1).lower()] = value
    return params


def sha2_hexdigest(data: bytes, like: str) -> str:
    """SHA-2 digest of ``data`` using the algorithm implied by the length of ``like``."""
    name = _HASH_BY_LENGTH.get(len(like))
    if name is None or not _HEX_RE.fullmatch(like):
        raise MultipartError(f"X-Experience-API-Hash {like!r} is not a hex SHA-2 digest")
    return hashlib.new(name, data).hexdigest()


# --------------------------------------------------------------------------- parsing


def _boundary(content_type: str) -> bytes:
    if _media_type(content_type) != "multipart/mixed":
        raise MultipartError(f"expected Content-Type multipart/mixed, got {content_type!r}")
    boundary = _content_type_params(content_type).get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise MultipartError("the multipart/mixed Content-Type has no boundary parameter")
    return boundary.encode("latin-1")


def _split_parts(body: bytes, boundary: bytes) -> list[bytes]:
    """Body parts between the delimiters; the line break before a delimiter belongs to it."""
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        position = 0
    else:
        found = re.search(rb"\r?\n" + re.escape(delimiter), body)
        if found is None:
            raise MultipartError("the body contains no boundary delimiter")
        position = found.start() + found.group(0).index(b"-")
    next_delimiter = re.compile(rb"\r?\n" + re.escape(delimiter))
    parts: list[bytes] = []
    while True:
        after = position + len(delimiter)
        if body.startswith(b"--", after):
            return parts
        line_end = _LINE_BREAK_RE.match(body, after)
        if line_end is None:
            raise MultipartError("a boundary delimiter is not followed by a line break")
        found = next_delimiter.search(body, line_end.end())
        if found is None:
            raise MultipartError("the multipart body has no closing boundary delimiter")
        parts.append(body[line_end.end() : found.start()])
        position = found.start() + found.group(0).index(b"-")


def _split_headers(part: bytes) -> tuple[dict[str, str], bytes]:
    match = re.search(rb"\r?\n\r?\n", part)
    if part.startswith((b"\r\n", b"\n")):
        return {}, part[2:] if part.startswith(b"\r\n") else part[1:]
    if match is None:
        raise MultipartError("a multipart part has no blank line between headers and content")
    headers: dict[str, str] = {}
    for line in re.split(rb"\r?\n", part[: match.start()]):
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name.strip():
            raise MultipartError(f"malformed part header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers, part[match.end() :]


def _attachment_part(headers: Mapping[str, str], content: bytes, position: int) -> AttachmentPart:
    where = f"part {position + 1}"
    declared = headers.get("x-experience-api-hash")
    if not declared:
        raise MultipartError(f"{where} lacks the X-Experience-API-Hash header")
    encoding = headers.get("content-transfer-encoding")
    if encoding is None or encoding.lower() != "binary":
        raise MultipartError(f"{where} must have the header Content-Transfer-Encoding: binary")
    if sha2_hexdigest(content, declared) != declared.lower():
        raise MultipartError(f"{where}: the content does not hash to its X-Experience-API-Hash")
    return AttachmentPart(sha2=declared.lower(), data=content,
                          content_type=headers.get("content-type"), headers=dict(headers))


def parse_multipart(
    body: bytes, content_type: str, *, max_depth: int | None = MAX_JSON_DEPTH
) -> MultipartPayload:
    """Parse a ``multipart/mixed`` Statement request; raise :class:`MultipartError`.
    ``max_depth`` bounds the nesting of the Statements' JSON (see :func:`.jsonparse.parse_json`)."""
    parts = _split_parts(body, _boundary(content_type))
    if not parts:
        raise MultipartError("the multipart body has no parts")
    headers, content = _split_headers(parts[0])
    if _media_type(headers.get("content-type")) != "application/json":
        raise MultipartError("the first part must contain the Statements with Content-Type application/json")
    statements = parse_json(content, max_depth=max_depth)
    attachments: dict[str, AttachmentPart] = {}
    for position, part in enumerate(parts[1:], start=1):
        part_headers, part_content = _split_headers(part)
        attachment = _attachment_part(part_headers, part_content, position)
        attachments.setdefault(attachment.sha2, attachment)
    return MultipartPayload(statements=statements, parts=attachments)


# --------------------------------------------------------------------------- matching


def iter_attachments(statements: Sequence[Mapping[str, Any]]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """Yield ``(json path, attachment)`` for the Statements' and SubStatements' attachments."""
    batch = len(statements) > 1
    for index, statement in enumerate(statements):
        prefix = f"[{index}]." if batch else ""
        for position, attachment in enumerate(statement.get("attachments") or []):
            yield f"{prefix}attachments[{position}]", attachment
        obj = statement.get("object")
        if isinstance(obj, Mapping) and obj.get("objectType") == "SubStatement":
            for position, attachment in enumerate(obj.get("attachments") or []):
                yield f"{prefix}object.attachments[{position}]", attachment


def match_attachments(
    statements: Sequence[Mapping[str, Any]], parts: Mapping[str, AttachmentPart] | None
) -> None:
    """Check attachments against the received parts (``None`` for an application/json body).

    Raises :class:`XAPIValidationError` naming the attachment that has neither a
    ``fileUrl`` nor a part, and :class:`MultipartError` for a part no attachment
    references or whose Content-Type / Content-Length contradicts the attachment.
    """
    received = parts or {}
    referenced: set[str] = set()
    for path, attachment in iter_attachments(statements):
        sha2 = str(attachment.get("sha2", "")).lower()
        referenced.add(sha2)
        part = received.get(sha2)
        if part is None:
            if "fileUrl" not in attachment:
                raise XAPIValidationError(
                    path,
                    "attachment has no fileUrl and no multipart/mixed part with this sha2"
                    if parts is not None else
                    "attachment has no fileUrl, so its data must be sent as multipart/mixed",
                )
            continue
        _check_part_headers(path, attachment, part)
    excess = sorted(set(received) - referenced)
    if excess:
        raise MultipartError(f"multipart part(s) {', '.join(excess)} match no attachment's sha2")


def _check_part_headers(path: str, attachment: Mapping[str, Any], part: AttachmentPart) -> None:
    declared_type = part.content_type
    if declared_type and _media_type(declared_type) != _media_type(attachment.get("contentType")):
        raise MultipartError(f"{path}: part Content-Type {declared_type!r} contradicts contentType")
    declared_length = part.headers.get("content-length")
    if declared_length is not None and declared_length.strip() != str(attachment.get("length")):
        raise MultipartError(f"{path}: part Content-Length {declared_length!r} contradicts length")


def verify_signatures(
    statements: Sequence[Mapping[str, Any]], parts: Mapping[str, AttachmentPart] | None
) -> None:
    """Check every signature attachment of top-level Statements (Data 2.6.s4, 2.6.s5).

    The JWS itself must be sent as a part: a signature attachment that only points to it with
    ``fileUrl`` cannot be checked and is refused (conformance XAPI-00115: "reject ... a
    statement which has usageType ...signature ... but does not have a signature attached").
    """
    received = parts or {}
    for index, statement in enumerate(statements):
        for position, attachment in enumerate(statement.get("attachments") or []):
            if attachment.get("usageType") != SIGNATURE_USAGE_TYPE:
                continue
            where = f"[{index}].attachments[{position}]" if len(statements) > 1 else ""
            where = where or f"attachments[{position}]"
            if _media_type(attachment.get("contentType")) != _SIGNATURE_CONTENT_TYPE:
                raise SignatureError(f"{where}: a signature attachment must have contentType "
                                     f"{_SIGNATURE_CONTENT_TYPE}")
            part = received.get(str(attachment.get("sha2", "")).lower())
            if part is None:
                raise SignatureError(f"{where}: the signature's JWS must be sent as a multipart/mixed "
                                     "part, not only referenced by fileUrl")
            try:
                verify_signed_statement(statement, part.data)
            except SignatureError as exc:
                raise SignatureError(f"{where}: {exc.message}") from None


def parse_statement_request(
    body: bytes, content_type: str | None, *, version: str = "1.0.3"
) -> StatementRequest:
    """Parse, validate and cross-check a PUT/POST Statements body.

    ``application/json`` bodies may only carry attachments with ``fileUrl``;
    ``multipart/mixed`` bodies are parsed with :func:`parse_multipart`. Any other
    Content-Type is refused. Raises an :class:`.errors.XAPIError` subclass (400).
    """
    media_type = _media_type(content_type)
    # No separate depth walk: validate_statements bounds the nesting (extension values) itself.
    if media_type == "application/json":
        payload, parts = parse_json(body, max_depth=None), None
    elif media_type == "multipart/mixed":
        assert content_type is not None
        multipart = parse_multipart(body, content_type, max_depth=None)
        payload, parts = multipart.statements, multipart.parts
    else:
        raise MultipartError(
            f"Statements must be sent as application/json or multipart/mixed, not {content_type!r}"
        )
    statements = validate_statements(payload, version=version)
    match_attachments(statements, parts)
    verify_signatures(statements, parts)
    return StatementRequest(
        statements=statements, attachments=dict(parts or {}), is_batch=isinstance(payload, list)
    )


# --------------------------------------------------------------------------- building


def build_multipart(
    payload: Any, attachments: Iterable[AttachmentPart], *, boundary: str | None = None
) -> tuple[bytes, str]:
    """Build a ``multipart/mixed`` body: JSON ``payload`` first, then one part per
    attachment (deduplicated by SHA-2). Returns ``(body, content_type_header)``."""
    first = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    unique: dict[str, AttachmentPart] = {}
    for attachment in attachments:
        unique.setdefault(attachment.sha2.lower(), attachment)
    chunks = [(b"Content-Type: application/json\r\n", first)]
    for sha2, attachment in unique.items():
        headers = (
            f"Content-Type: {attachment.content_type or 'application/octet-stream'}\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n"
        ).encode("latin-1")
        chunks.append((headers, attachment.data))
    token = boundary or f"xapi-{uuid.uuid4().hex}"
    delimiter = b"--" + token.encode("latin-1")
    if any(delimiter in content for _, content in chunks):
        if boundary is not None:
            raise MultipartError("the boundary occurs inside a part; choose another")
        return build_multipart(payload, unique.values())
    body = b"".join(
        delimiter + b"\r\n" + headers + b"\r\n" + content + b"\r\n" for headers, content in chunks
    )
    # Unquoted: the token is RFC 2046 "bchars" only, and several xAPI clients (the ADL
    # conformance suite's parser among them) take everything after "boundary=" literally.
    return body + delimiter + b"--\r\n", f"multipart/mixed; boundary={token}"
