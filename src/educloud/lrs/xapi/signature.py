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

Step 4 uses the ``cryptography`` package when it is importable; otherwise a small
standard-library fallback parses the certificate's RSA public key from DER and checks
the RSASSA-PKCS1-v1_5 signature itself (public-key operation only: no private keys,
nothing secret is handled). Certificate chains, validity dates and trust are not
checked - the spec calls this step a way "to catch mistakes in the signature, not a
security measure" (Data 2.6.s5 note). Without ``x5c`` no cryptographic check is possible
and none is made.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SignatureError, XAPIValidationError
from .jsonparse import parse_json
from .normalize import statements_equivalent

__all__ = ["ALGORITHMS", "JWS", "parse_jws", "verify_jws_signature", "verify_signed_statement"]

ALGORITHMS: Mapping[str, str] = {"RS256": "sha256", "RS384": "sha384", "RS512": "sha512"}

# DER-encoded DigestInfo prefixes of RFC 8017 section 9.2, note 1.
_DIGEST_INFO_PREFIX: Mapping[str, bytes] = {
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
_RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")
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


# --------------------------------------------------------------------------- minimal DER reader


def _der_element(data: bytes, offset: int) -> tuple[int, int, int]:
    """Return ``(tag, content_start, content_end)`` of the TLV at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[offset], data[offset + 1]
    if first < 0x80:
        start, length = offset + 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        start = offset + 2 + count
        length = int.from_bytes(data[offset + 2 : start], "big")
    if start + length > len(data):
        raise ValueError("truncated DER")
    return tag, start, start + length


def _der_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    children = []
    offset = start
    while offset < end:
        child = _der_element(data, offset)
        children.append(child)
        offset = child[2]
    return children


def _rsa_public_key_from_certificate(der: bytes) -> tuple[int, int]:
    """``(modulus, exponent)`` from an X.509 certificate's SubjectPublicKeyInfo."""
    tag, start, end = _der_element(der, 0)
    certificate = _der_children(der, start, end)
    if tag != 0x30 or not certificate or certificate[0][0] != 0x30:
        raise ValueError("not an X.509 certificate")
    tbs = _der_children(der, certificate[0][1], certificate[0][2])
    first = 1 if tbs and tbs[0][0] == 0xA0 else 0  # explicit [0] version
    _, spki_start, spki_end = tbs[first + 5]
    algorithm, bit_string = _der_children(der, spki_start, spki_end)[:2]
    oid = _der_children(der, algorithm[1], algorithm[2])[0]
    if der[oid[1] : oid[2]] != _RSA_ENCRYPTION_OID or bit_string[0] != 0x03:
        raise ValueError("the certificate's key is not an RSA key")
    key_der = der[bit_string[1] + 1 : bit_string[2]]  # skip the unused-bits octet
    _, key_start, key_end = _der_element(key_der, 0)
    modulus, exponent = _der_children(key_der, key_start, key_end)[:2]
    return (
        int.from_bytes(key_der[modulus[1] : modulus[2]], "big"),
        int.from_bytes(key_der[exponent[1] : exponent[2]], "big"),
    )


def _pkcs1_v15_verify(
    modulus: int, exponent: int, digest_name: str, message: bytes, signature: bytes
) -> bool:
    size = (modulus.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    value = int.from_bytes(signature, "big")
    if value >= modulus:
        return False
    encoded = pow(value, exponent, modulus).to_bytes(size, "big")
    digest_info = _DIGEST_INFO_PREFIX[digest_name] + hashlib.new(digest_name, message).digest()
    padding_length = size - len(digest_info) - 3
    if padding_length < 8:
        return False
    expected = b"\x00\x01" + b"\xff" * padding_length + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)


def _verify_with_cryptography(der: bytes, digest_name: str, message: bytes, signature: bytes) -> bool | None:
    """Verify with ``cryptography`` if importable; ``None`` when it is not installed."""
    try:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        return None
    key = x509.load_der_x509_certificate(der).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the certificate's key is not an RSA key")
    algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[digest_name]
    try:
        key.verify(signature, message, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def verify_jws_signature(jws: JWS, *, use_cryptography: bool = True) -> bool | None:
    """Verify ``jws`` against the first certificate of its ``x5c`` header.

    Returns ``None`` when there is no ``x5c`` (nothing to verify against), else whether
    the signature verifies. Raises :class:`SignatureError` for a malformed ``x5c``.
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
    digest_name = ALGORITHMS[str(jws.header.get("alg"))]
    try:
        verdict = None
        if use_cryptography:
            verdict = _verify_with_cryptography(der, digest_name, jws.signing_input, jws.signature)
        if verdict is None:
            modulus, exponent = _rsa_public_key_from_certificate(der)
            verdict = _pkcs1_v15_verify(modulus, exponent, digest_name, jws.signing_input, jws.signature)
    except (ValueError, IndexError) as exc:
        raise SignatureError(f"JWS header x5c[0] is not a usable X.509 RSA certificate: {exc}") from None
    return verdict


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
