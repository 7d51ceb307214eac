"""multipart/mixed attachments and signed Statements (Communication 1.5.2, Data 2.4.11, 2.6)."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from educloud.lrs.xapi import (
    AttachmentPart,
    MultipartError,
    SignatureError,
    XAPIError,
    XAPIValidationError,
    build_multipart,
    parse_multipart,
    parse_statement_request,
    verify_signed_statement,
)
from educloud.lrs.xapi.signature import parse_jws, verify_jws_signature
from tests.lrs import xapi_examples as ex

BOUNDARY = "abcABC0123'()+_,-./:=?"
CONTENT_TYPE = f'multipart/mixed; boundary="{BOUNDARY}"'
SHA = ex.with_attachment()["attachments"][0]["sha2"]
TEXT_PART_HEADERS = (
    f"Content-Type:text/plain\r\nContent-Transfer-Encoding:binary\r\nX-Experience-API-Hash:{SHA}\r\n"
)


def body(
    statements: object, *parts: tuple[str, bytes], newline: str = "\r\n", boundary: str = BOUNDARY
) -> bytes:
    """A request body shaped like the example of Communication 1.5.2.s6."""
    chunks = [
        f"{newline}--{boundary}{newline}Content-Type:application/json{newline}{newline}".encode()
        + json.dumps(statements).encode()
    ]
    for headers, data in parts:
        chunks.append(
            f"{newline}--{boundary}{newline}{headers.replace(chr(13) + chr(10), newline)}{newline}".encode()
            + data
        )
    return b"".join(chunks) + f"{newline}--{boundary}--".encode()


def test_spec_example_parses_and_matches() -> None:
    request = parse_statement_request(
        body(ex.with_attachment(), (TEXT_PART_HEADERS, ex.ATTACHMENT_TEXT)), CONTENT_TYPE
    )
    assert request.statements == [ex.with_attachment()]
    assert request.attachments[SHA].data == ex.ATTACHMENT_TEXT


def test_bare_lf_line_breaks_and_unquoted_boundary_are_accepted() -> None:
    raw = body(
        [ex.with_attachment()], (TEXT_PART_HEADERS, ex.ATTACHMENT_TEXT), newline="\n", boundary="-----31415"
    )
    payload = parse_multipart(raw, "multipart/mixed; boundary=-----31415")
    assert payload.parts[SHA].data == ex.ATTACHMENT_TEXT and payload.statements == [ex.with_attachment()]


def test_multipart_without_attachments_and_json_with_file_url_are_accepted() -> None:
    assert parse_statement_request(body(ex.simple()), CONTENT_TYPE).statements == [ex.simple()]
    with_url = ex.with_attachment()
    with_url["attachments"][0]["fileUrl"] = "http://over.there.com/file.txt"
    assert parse_statement_request(json.dumps(with_url).encode(), "application/json").attachments == {}


@pytest.mark.parametrize(
    ("raw", "content_type", "error"),
    [
        (
            json.dumps(ex.with_attachment()).encode(),
            "application/json",
            "attachments[0]",
        ),  # no fileUrl, no part
        (body(ex.with_attachment()), CONTENT_TYPE, "attachments[0]"),  # part missing
        (body(ex.simple()), "multipart/form-data; boundary=x", "multipart/form-data"),
        (body(ex.simple()), "multipart/mixed;", "no boundary"),
        (body(ex.simple()).replace(f"--{BOUNDARY}--".encode(), b""), CONTENT_TYPE, "closing boundary"),
        (body(ex.simple()).replace(b"application/json", b"text/plain"), CONTENT_TYPE, "first part"),
        (
            body(ex.simple()).replace(f"--{BOUNDARY}\r\n".encode(), b"", 1),
            CONTENT_TYPE,
            "has no parts",
        ),
    ],
)
def test_malformed_requests_are_rejected(raw: bytes, content_type: str, error: str) -> None:
    with pytest.raises(XAPIError) as caught:
        parse_statement_request(raw, content_type)
    assert error in str(caught.value) and caught.value.status_code == 400


@pytest.mark.parametrize(
    ("headers", "data", "error"),
    [
        (
            TEXT_PART_HEADERS.replace("X-Experience-API-Hash", "X-Hash"),
            ex.ATTACHMENT_TEXT,
            "X-Experience-API-Hash",
        ),
        (TEXT_PART_HEADERS.replace("Content-Transfer-Encoding:binary\r\n", ""), ex.ATTACHMENT_TEXT, "binary"),
        (TEXT_PART_HEADERS.replace("binary", "base64"), ex.ATTACHMENT_TEXT, "binary"),
        (TEXT_PART_HEADERS, b"here is a changed attachment", "does not hash"),
        (TEXT_PART_HEADERS.replace("text/plain", "image/png"), ex.ATTACHMENT_TEXT, "contradicts contentType"),
        (TEXT_PART_HEADERS + "Content-Length: 99\r\n", ex.ATTACHMENT_TEXT, "contradicts length"),
    ],
)
def test_attachment_part_rules(headers: str, data: bytes, error: str) -> None:
    with pytest.raises(MultipartError, match=error):
        parse_statement_request(body(ex.with_attachment(), (headers, data)), CONTENT_TYPE)


def test_excess_parts_are_rejected() -> None:
    other = b"here is another simple attachment"
    other_sha = hashlib.sha256(other).hexdigest()
    extra = TEXT_PART_HEADERS.replace(SHA, other_sha)
    raw = body(ex.with_attachment(), (TEXT_PART_HEADERS, ex.ATTACHMENT_TEXT), (extra, other))
    with pytest.raises(MultipartError, match="match no attachment"):
        parse_statement_request(raw, CONTENT_TYPE)


def test_one_part_serves_attachments_of_several_statements_and_sha512_works() -> None:
    data = b"\x00\x01binary\r\n--not-a-boundary"
    sha512 = hashlib.sha512(data).hexdigest()
    statement = ex.with_attachment()
    statement["attachments"][0].update(sha2=sha512, length=len(data), contentType="application/octet-stream")
    second = dict(statement, id="fd41c918-b88b-4b20-a0a5-a4c32391aaa0")
    headers = TEXT_PART_HEADERS.replace(SHA, sha512).replace("text/plain", "application/octet-stream")
    request = parse_statement_request(body([statement, second], (headers, data)), CONTENT_TYPE)
    assert len(request.statements) == 2 and request.attachments[sha512].data == data


def test_build_then_parse_round_trip() -> None:
    part = AttachmentPart(sha2=SHA, data=ex.ATTACHMENT_TEXT, content_type="text/plain")
    raw, content_type = build_multipart({"statements": [ex.with_attachment()], "more": ""}, [part, part])
    # XAPI-00167: the boundary parameter is sent as a bare token; a client that reads everything
    # after "boundary=" literally must still find the delimiter in the body.
    assert re.fullmatch(r"multipart/mixed; boundary=xapi-[0-9a-f]{32}", content_type)
    assert b"--" + content_type.split("boundary=", 1)[1].encode() + b"\r\n" in raw
    parsed = parse_multipart(raw, content_type)
    assert parsed.statements["statements"] == [ex.with_attachment()] and list(parsed.parts) == [SHA]
    with pytest.raises(MultipartError, match="boundary occurs"):
        build_multipart({}, [AttachmentPart(sha2=SHA, data=b"--x")], boundary="x")


# ---------------------------------------------------------------- signed Statements (Data 2.6, Appendix D)


def signed_request(statement: dict[str, object], jws: bytes) -> bytes:
    headers = (
        "Content-Type:application/octet-stream\r\nContent-Transfer-Encoding:binary\r\n"
        f"X-Experience-API-Hash:{hashlib.sha256(jws).hexdigest()}\r\n"
    )
    return body(statement, (headers, jws))


def test_appendix_d_signed_statement_verifies() -> None:
    jws = ex.signed_jws().encode()
    request = parse_statement_request(signed_request(ex.signed_statement(), jws), CONTENT_TYPE)
    assert request.statements[0]["id"] == "33cff416-e331-4c9d-969e-5373a1756120"
    payload = verify_signed_statement(ex.signed_statement(), jws)
    assert payload["timestamp"] == "2013-04-01T12:00:00Z"


def test_signature_is_checked_against_x5c() -> None:
    jws = parse_jws(ex.signed_jws())
    assert verify_jws_signature(jws) is True
    tampered = ex.signed_jws()[:-4] + "AAAA"
    assert verify_jws_signature(parse_jws(tampered)) is False
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signed_statement(ex.signed_statement(), tampered)


def _resign(header: dict[str, object], payload: bytes) -> str:
    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    return f"{encode(json.dumps(header).encode())}.{encode(payload)}.{encode(b'sig')}"


@pytest.mark.parametrize(
    ("jws", "error"),
    [
        ("not-a-jws", "compact serialization"),
        ("a.b", "compact serialization"),
        ("e30.e30.%%%", "base64url"),
        (_resign({"alg": "HS256"}, json.dumps(ex.simple()).encode()), "RS256, RS384 or RS512"),
        (_resign({"typ": "JWT"}, json.dumps(ex.simple()).encode()), "RS256, RS384 or RS512"),
        (_resign({"alg": "RS256"}, json.dumps(ex.simple()).replace('"', "'", 1).encode()), "not a JSON"),
        (_resign({"alg": "RS256"}, b"[]"), "not a JSON serialization"),
        (_resign({"alg": "RS256"}, json.dumps(ex.voiding()).encode()), "does not match"),
        (_resign({"alg": "RS256", "x5c": "MIID"}, json.dumps(ex.simple()).encode()), "x5c"),
        (_resign({"alg": "RS256", "x5c": ["bm90IGEgY2VydA=="]}, json.dumps(ex.simple()).encode()), "X.509"),
    ],
)
def test_malformed_signatures_are_rejected(jws: str, error: str) -> None:
    with pytest.raises(SignatureError, match=error):
        verify_signed_statement(ex.simple(), jws)


def test_unsigned_payload_without_x5c_is_accepted_when_equivalent() -> None:
    statement = ex.simple()
    assert (
        verify_signed_statement(statement, _resign({"alg": "RS384"}, json.dumps(statement).encode()))
        == statement
    )


def test_signature_attachment_needs_octet_stream_content_type() -> None:
    statement = ex.signed_statement()
    statement["attachments"][0]["contentType"] = "text/plain; charset=ascii"
    jws = ex.signed_jws().encode()
    raw = signed_request(statement, jws).replace(b"application/octet-stream", b"text/plain")
    with pytest.raises(SignatureError, match="application/octet-stream"):
        parse_statement_request(raw, CONTENT_TYPE)


def test_signed_statement_with_mismatched_payload_is_rejected_in_request() -> None:
    statement = ex.signed_statement()
    statement["verb"]["display"]["en-US"] = "watched"
    with pytest.raises(SignatureError, match=r"attachments\[0\].*does not match"):
        parse_statement_request(signed_request(statement, ex.signed_jws().encode()), CONTENT_TYPE)


def test_validation_errors_surface_from_requests() -> None:
    bad = ex.simple()
    bad["actor"]["mbox"] = "nobody"
    with pytest.raises(XAPIValidationError) as caught:
        parse_statement_request(body([ex.voiding(), bad]), CONTENT_TYPE)
    assert caught.value.path == "[1].actor.mbox"


def test_lf_only_body_with_excess_unhashed_part_is_rejected() -> None:
    """Shaped like the conformance suite's ``basic_text_too_many_multipart_attachment`` body."""
    boundary = "-------314159265358979323846"
    statement = json.dumps(ex.with_attachment())
    raw = (
        f"--{boundary}\nContent-Type: application/json\n\n{statement}\n"
        f"--{boundary}\nContent-Type: text/plain\nContent-Transfer-Encoding: binary\n"
        f"X-Experience-API-Hash: {SHA}\n\n"
        f"here is a simple attachment\n"
        f"--{boundary}\nContent-Type: text/plain\nContent-Transfer-Encoding: binary\n\nhere is another\n"
        f"--{boundary}--\n"
    ).encode()
    with pytest.raises(MultipartError, match="part 3 lacks the X-Experience-API-Hash"):
        parse_statement_request(raw, f"multipart/mixed; boundary={boundary}")
    valid = raw.split(
        f"\n--{boundary}\nContent-Type: text/plain\nContent-Transfer-Encoding: binary\n\n".encode()
    )[0]
    request = parse_statement_request(
        valid + f"\n--{boundary}--\n".encode(), f"multipart/mixed; boundary={boundary}"
    )
    assert request.attachments[SHA].data == ex.ATTACHMENT_TEXT


def test_signature_attachment_without_its_jws_part_is_rejected() -> None:
    # XAPI-00115 (Data 2.6): a signature attachment must come with the signature; one that only
    # points to it with fileUrl (here in an application/json request) is a 400.
    statement = ex.signed_statement()
    statement["attachments"][0]["fileUrl"] = "http://example.com/signature.jws"
    with pytest.raises(SignatureError, match="must be sent as a multipart/mixed part"):
        parse_statement_request(json.dumps(statement).encode(), "application/json")
    with pytest.raises(SignatureError, match="must be sent as a multipart/mixed part"):
        parse_statement_request(body(statement), CONTENT_TYPE)


def _certificate_and_key(kind: str) -> tuple[str, object]:
    """A self-signed certificate (base64 DER, for ``x5c``) and its private key."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "educloud test signer")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode(), key


def _sign(header: dict[str, object], payload: bytes, key: object, algorithm: object) -> str:
    from cryptography.hazmat.primitives.asymmetric import padding

    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{encode(json.dumps(header).encode())}.{encode(payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), algorithm)  # type: ignore[attr-defined]
    return f"{signing_input}.{encode(signature)}"


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_statements_signed_with_each_rs_algorithm_verify_and_a_wrong_hash_does_not(alg: str) -> None:
    from cryptography.hazmat.primitives import hashes

    certificate, key = _certificate_and_key("rsa")
    statement = ex.simple()
    payload = json.dumps(statement).encode()
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}[alg]
    jws = _sign({"alg": alg, "x5c": [certificate]}, payload, key, digest)
    assert verify_signed_statement(statement, jws) == statement
    other = hashes.SHA256() if alg != "RS256" else hashes.SHA512()
    wrong = _sign({"alg": alg, "x5c": [certificate]}, payload, key, other)  # header says alg, key used other
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signed_statement(statement, wrong)


def test_a_certificate_without_an_rsa_key_is_rejected() -> None:
    certificate, _ = _certificate_and_key("ec")
    jws = _resign({"alg": "RS256", "x5c": [certificate]}, json.dumps(ex.simple()).encode())
    with pytest.raises(SignatureError, match="not RSA"):
        verify_signed_statement(ex.simple(), jws)
