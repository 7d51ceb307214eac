"""HTTP Basic authentication of LRS clients (Communication 4.0).

Secrets are stored as Django password hashes (Argon2 here: ~0.1 s and ~100 MB per check, on
purpose). Checking that per request would cap a worker at a few requests per second, so a verified
``(key, stored hash)`` remembers a SHA-256 of the secret in process memory for ``CACHE_SECONDS``.
The client row is still read on every request: deactivating a client or rotating its secret (which
changes the stored hash) takes effect on the next request. Nothing secret leaves the process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time

from django.contrib.auth.hashers import check_password

from educloud.lrs.models import Client

CACHE_SECONDS = 300
_CACHE_LIMIT = 10_000
_verified: dict[tuple[str, str], tuple[bytes, float]] = {}
_lock = threading.Lock()


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``(key, secret)`` from an ``Authorization: Basic ...`` header, or None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return key, secret


def client_authenticate(header: str | None) -> Client | None:
    """The active client whose key and secret the header carries, or None."""
    credentials = parse_basic(header)
    if credentials is None:
        return None
    key, secret = credentials
    client = (
        Client.objects.select_related("school__county", "county", "city", "province")
        .filter(key=key, is_active=True)
        .first()
    )
    if client is None or client.is_internal:
        return None
    digest = hashlib.sha256(secret.encode("utf-8")).digest()
    cache_key = (client.key, client.secret_hash)
    now = time.monotonic()
    with _lock:
        cached = _verified.get(cache_key)
    if cached is not None and cached[1] > now:
        return client if hmac.compare_digest(cached[0], digest) else None
    if not check_password(secret, client.secret_hash):
        return None
    with _lock:
        if len(_verified) >= _CACHE_LIMIT:
            _verified.clear()
        _verified[cache_key] = (digest, now + CACHE_SECONDS)
    return client
