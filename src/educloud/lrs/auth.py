"""HTTP Basic authentication of LRS clients (Communication 4.0).

Secrets are stored as Django password hashes (Argon2 here: ~0.1 s and ~100 MB per check, on
purpose). Checking that per request would cap a worker at a few requests per second, so a verified
``(key, stored hash)`` remembers a SHA-256 of the secret in process memory for ``CACHE_SECONDS``.
The client row is still read on every request (one indexed row, no joins): deactivating a client,
rotating its secret (which changes the stored hash) or changing its scope takes effect on the next
request. The Client object with its place (school -> county ...) is reused from process memory while
those columns are unchanged (at most ``CACHE_SECONDS``): the place of a school or county is not
re-read per request. Nothing secret leaves the process.
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


# The columns that decide who a client is and what it may do. Read on every request (one indexed
# row, no joins); the Client object with its place (school, county ...) is reused from process
# memory while these are unchanged, for at most CACHE_SECONDS.
_CHECKED = ("pk", "secret_hash", "is_active", "is_internal", "scope_kind", "name",
            "province_id", "city_id", "county_id", "school_id")
_clients: dict[str, tuple[tuple[object, ...], Client, float]] = {}


def client_authenticate(header: str | None) -> Client | None:
    """The active client whose key and secret the header carries, or None."""
    credentials = parse_basic(header)
    if credentials is None:
        return None
    key, secret = credentials
    current = Client.objects.filter(key=key).values_list(*_CHECKED).first()
    if current is None:
        return None
    _, secret_hash, is_active, is_internal, *_ = current
    if not is_active or is_internal:
        return None
    digest = hashlib.sha256(secret.encode("utf-8")).digest()
    cache_key = (key, secret_hash)
    now = time.monotonic()
    with _lock:
        cached = _verified.get(cache_key)
    if cached is None or cached[1] <= now:
        if not check_password(secret, secret_hash):
            return None
        with _lock:
            if len(_verified) >= _CACHE_LIMIT:
                _verified.clear()
            _verified[cache_key] = (digest, now + CACHE_SECONDS)
    elif not hmac.compare_digest(cached[0], digest):
        return None
    with _lock:
        known = _clients.get(key)
    if known is not None and known[0] == current and known[2] > now:
        return known[1]
    related = ("school__county", "county", "city", "province")
    client = Client.objects.select_related(*related).filter(pk=current[0]).first()
    if client is None:
        return None
    with _lock:
        if len(_clients) >= _CACHE_LIMIT:
            _clients.clear()
        _clients[key] = (current, client, now + CACHE_SECONDS)
    return client
