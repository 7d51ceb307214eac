"""xAPI Basic auth: failure limits (429 + Retry-After), busy hashing (503), the verified-secret cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.lrs.conftest import XAPI


@pytest.fixture(autouse=True)
def _fresh_counters(settings: Any) -> Any:
    settings.EDUCLOUD_LRS_AUTH_FAILURE_LIMIT = 3
    cache.clear()
    yield
    cache.clear()


def _with_secret(client: XAPI, secret: str) -> XAPI:
    return XAPI(client.key, secret)


def _assert_xapi_429(response: Any, window: int) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= window
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response.json()["detail"].startswith("too many failed authentication attempts")


def test_wrong_secrets_for_one_key_get_429_with_retry_after(make_client, settings: Any) -> None:
    owner = make_client(circle=True)
    wrong = _with_secret(owner, "wrong")
    for _ in range(3):
        assert wrong.get().status_code == 401
    _assert_xapi_429(wrong.get(), settings.EDUCLOUD_LRS_AUTH_WINDOW_MINUTES * 60)
    # From another address too: the key itself is limited (a pool of addresses does not help).
    response = wrong.http.get(
        "/xapi/statements", headers=wrong.headers(), REMOTE_ADDR="198.51.100.20"
    )
    assert response.status_code == 429


def test_a_client_verified_recently_keeps_working_while_its_key_is_under_attack(make_client) -> None:
    owner = make_client(circle=True)
    assert owner.get().status_code == 200  # verified: remembered in this process
    wrong = _with_secret(owner, "wrong")
    for _ in range(3):
        assert wrong.get().status_code == 401
    assert wrong.get().status_code == 429
    assert owner.get().status_code == 200


def test_one_address_trying_many_keys_gets_429(make_client, settings: Any) -> None:
    for i in range(3):
        assert XAPI(f"no-such-key-{i}", "x").get().status_code == 401
    _assert_xapi_429(XAPI("no-such-key-9", "x").get(), settings.EDUCLOUD_LRS_AUTH_WINDOW_MINUTES * 60)
    owner = make_client(circle=True)  # a real client from that address waits too ...
    assert owner.get().status_code == 429
    response = owner.http.get("/xapi/statements", headers=owner.headers(), REMOTE_ADDR="198.51.100.21")
    assert response.status_code == 200  # ... but not from another address


def test_no_credentials_are_not_counted_as_failures(xapi) -> None:
    for _ in range(5):
        response = xapi.http.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
        assert response.status_code == 401
    assert xapi.get().status_code == 200


def test_busy_hashing_gets_503_with_retry_after(make_client, settings: Any) -> None:
    from educloud.accounts.hashers import hashing_slots

    settings.PASSWORD_HASHERS = ["educloud.accounts.hashers.BoundedArgon2PasswordHasher"]
    settings.EDUCLOUD_HASH_CONCURRENCY = 1
    settings.EDUCLOUD_HASH_WAIT_SECONDS = 0.01
    owner = make_client(circle=True)
    slot = hashing_slots.semaphore()
    assert slot.acquire(timeout=1)
    try:
        response = owner.get()
    finally:
        slot.release()
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["X-Experience-API-Version"] == "1.0.3" and "busy" in response.json()["detail"]
    assert owner.get().status_code == 200


def test_a_rotated_secret_is_honoured_at_once_though_the_old_one_was_cached(make_client) -> None:
    from django.contrib.auth.hashers import make_password

    from educloud.lrs.models import Client

    owner = make_client(circle=True)
    assert owner.get().status_code == 200
    Client.objects.filter(key=owner.key).update(secret_hash=make_password("rotated"))
    assert owner.get().status_code == 401
    assert _with_secret(owner, "rotated").get().status_code == 200
    Client.objects.filter(key=owner.key).update(is_active=False)
    assert _with_secret(owner, "rotated").get().status_code == 401

