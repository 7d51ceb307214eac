"""Signed Statements (Data 2.6): JWS compact serialization checks and RS256/384/512.

:func:`verify_signed_statement` does what Data 2.6.s5.b3 requires of the LRS:

1. decode the JWS (compact serialization: ``header.payload.signature``, base64url);
2. check the header's ``alg`` is ``RS256``, ``RS384`` or ``RS512`` (Data 2.6.s4.b4);
3. load the payload as the JSON serialization of a Statement (Data 2.6.s4.b3) and check
   it is logically equivalent to the received Statement under the comparison
   requirements, ignoring its attachments (the signature attachment is added after
   signing) and the LRS-assigned properties (:func:`.normalize.statements_equivalent`);
4. if the header carries an X.509 chain (``x5c``), verify the signature with the public
   key of its first certificate.

Step 4 uses the ``cryptography`` package (public-key operation only: no private keys,
nothing secret is handled). Certificate chains, validity dates and trust are not
checked - the spec calls this step a way "to catch mistakes in the signature, not a
security measure" (Data 2.6.s5 note). Without ``x5c`` no cryptographic check is possible
and none is made.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import SignatureError, XAPIValidationError
from .jsonparse import parse_json
from .normalize import statements_equivalent

__all__ = ["ALGORITHMS", "JWS", "parse_jws", "verify_jws_signature", "verify_signed_statement"]

ALGORITHMS: Mapping[str, str] = {"RS256": "sha256", "RS384": "sha384", "RS512": "sha512"}
_HASHES: Mapping[str, Callable[[], hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class JWS:
    """A decoded JWS compact serialization."""

    header: dict[str, Any]
    payload: bytes
    signature: bytes
    signing_input: bytes


def _b64url_decode(segment: str, what: str) -> bytes:
    if not _B64URL_RE.fullmatch(segment):
        raise SignatureError(f"JWS {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise SignatureError(f"JWS {what} is not base64url") from None


def parse_jws(token: bytes | str) -> JWS:
    """Decode a compact-serialization JWS; raise :class:`SignatureError` if malformed."""
    try:
        text = token.decode("ascii") if isinstance(token, bytes | bytearray) else token
    except UnicodeDecodeError:
        raise SignatureError("the signature attachment is not a JWS compact serialization") from None
    text = text.strip()
    segments = text.split(".")
    if len(segments) != 3:
        raise SignatureError("the signature attachment is not a JWS compact serialization (3 segments)")
    header_bytes = _b64url_decode(segments[0], "header")
    try:
        header = parse_json(header_bytes)
    except XAPIValidationError as exc:
        raise SignatureError(f"JWS header is not JSON: {exc.detail}") from None
    if not isinstance(header, dict):
        raise SignatureError("JWS header is not a JSON object")
    return JWS(
        header=header,
        payload=_b64url_decode(segments[1], "payload"),
        signature=_b64url_decode(segments[2], "signature"),
        signing_input=f"{segments[0]}.{segments[1]}".encode("ascii"),
    )


def verify_jws_signature(jws: JWS) -> bool | None:
    """Verify ``jws`` against the public key of the first certificate of its ``x5c`` header.

    Returns ``None`` when there is no ``x5c`` (nothing to verify against), else whether
    the signature verifies (RSASSA-PKCS1-v1_5 with the header's hash). Raises
    :class:`SignatureError` for a malformed ``x5c`` or a certificate without an RSA key.
    """
    chain = jws.header.get("x5c")
    if chain is None:
        return None
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise SignatureError("JWS header x5c must be a non-empty array of base64 certificates")
    try:
        der = base64.b64decode(chain[0], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("JWS header x5c[0] is not base64") from None
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"JWS header x5c[0] is not a usable X.509 RSA certificate: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("JWS header x5c[0] is not a usable X.509 RSA certificate: its key is not RSA")
    algorithm = _HASHES[str(jws.header.get("alg"))]()
    try:
        key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def verify_signed_statement(statement: Mapping[str, Any], signature: bytes | str) -> dict[str, Any]:
    """Check a signature attachment's data against its Statement (Data 2.6.s5.b3).

    Raises :class:`SignatureError` (answer 400) if the JWS is malformed, uses another
    algorithm, has a payload that is not a JSON object equivalent to ``statement``, or
    does not verify against its ``x5c`` certificate. Returns the decoded payload.
    """
    jws = parse_jws(signature)
    algorithm = jws.header.get("alg")
    if algorithm not in ALGORITHMS:
        raise SignatureError(f"JWS algorithm must be RS256, RS384 or RS512, not {algorithm!r}")
    try:
        payload = parse_json(jws.payload)
    except XAPIValidationError as exc:
        raise SignatureError(f"JWS payload is not a JSON Statement: {exc.detail}") from None
    if not isinstance(payload, dict):
        raise SignatureError("JWS payload is not a JSON serialization of a Statement")
    if not statements_equivalent(payload, statement, ignore_attachments=True):
        raise SignatureError("the signed payload does not match the Statement it is attached to")
    if verify_jws_signature(jws) is False:
        raise SignatureError("the JWS signature does not verify against its x5c certificate")
    return payload
