"""HTTP Basic authentication of LRS clients (Communication 4.0).

Secrets are stored as Django password hashes (Argon2 here: ~0.1 s and ~100 MB per check, on
purpose). Checking that per request would cap a worker at a few requests per second, so a verified
``(key, stored hash)`` remembers an HMAC of the secret (keyed by a random per-process key) in
process memory for ``CACHE_SECONDS``. The client row is still read on every request (one indexed
row, no joins): deactivating a client, rotating its secret (which changes the stored hash) or
changing its scope takes effect on the next request. The Client object with its place (school ->
county ...) is reused from process memory while those columns are unchanged (at most
``CACHE_SECONDS``): the place of a school or county is not re-read per request. Nothing secret
leaves the process.

Wrong secrets are limited (ADR 0010): a client address or a client key with
``EDUCLOUD_LRS_AUTH_FAILURE_LIMIT`` failures within ``EDUCLOUD_LRS_AUTH_WINDOW_MINUTES`` gets
:class:`~educloud.lrs.errors.TooManyRequests` (429 with ``Retry-After``) before any hashing, until
the window ends. Credentials this process verified recently still pass (no hashing needed), so a
flood of wrong secrets against a key does not cut off the client that owns it while it is active.
When every hashing slot stays taken (``accounts.hashers``) the answer is 503 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time

from django.conf import settings
from django.contrib.auth.hashers import check_password

from educloud.accounts.api import HashingBusy
from educloud.lib import throttle
from educloud.lrs.errors import ServiceBusy, TooManyRequests
from educloud.lrs.models import Client

CACHE_SECONDS = 300
_CACHE_LIMIT = 10_000
_verified: dict[tuple[str, str], tuple[bytes, float]] = {}
_lock = threading.Lock()
_HMAC_KEY = secrets.token_bytes(32)


def _rule(name: str) -> throttle.Rule:
    return throttle.Rule(
        name,
        int(settings.EDUCLOUD_LRS_AUTH_FAILURE_LIMIT),
        max(1, int(settings.EDUCLOUD_LRS_AUTH_WINDOW_MINUTES)) * 60,
    )


def _failed(key: str, address: str) -> None:
    throttle.record_failure(_rule("lrs-key"), key)
    if address:
        throttle.record_failure(_rule("lrs-address"), address)


def _must_wait(key: str, address: str) -> int:
    seconds = throttle.retry_after(_rule("lrs-key"), key)
    if address:
        seconds = max(seconds, throttle.retry_after(_rule("lrs-address"), address))
    return seconds


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


def client_authenticate(header: str | None, *, address: str = "") -> Client | None:
    """The active client whose key and secret the header carries, or None.

    ``address`` is the caller's address (``lib.client_address``) for the failure limits. Raises
    ``TooManyRequests`` when the key or address has failed too often, ``ServiceBusy`` when no
    hashing slot came free.
    """
    credentials = parse_basic(header)
    if credentials is None:
        return None
    key, secret = credentials
    current = Client.objects.filter(key=key).values_list(*_CHECKED).first()
    digest = hmac.new(_HMAC_KEY, secret.encode("utf-8", "surrogatepass"), "sha256").digest()
    now = time.monotonic()
    cached = None
    if current is not None:
        with _lock:
            cached = _verified.get((key, current[1]))
    fresh = cached is not None and cached[1] > now
    if not (fresh and cached is not None and hmac.compare_digest(cached[0], digest)):
        # Not a credential verified recently: it is wrong, unknown or costs a hash; limits apply.
        wait = _must_wait(key, address)
        if wait:
            raise TooManyRequests(
                "too many failed authentication attempts for this client key or address; "
                f"retry after {wait} seconds",
                retry_after=wait,
            )
        # A recently verified (key, stored hash) with another secret is wrong without hashing.
        if current is None or fresh or not current[2] or current[3]:
            _failed(key, address)
            return None
        try:
            verified = check_password(secret, current[1])
        except HashingBusy as exc:
            raise ServiceBusy(
                "the LRS is busy checking credentials; retry shortly", retry_after=exc.retry_after
            ) from None
        if not verified:
            _failed(key, address)
            return None
        with _lock:
            if len(_verified) >= _CACHE_LIMIT:
                _verified.clear()
            _verified[(key, current[1])] = (digest, now + CACHE_SECONDS)
    if current is None or not current[2] or current[3]:  # inactive or internal: never over HTTP
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
