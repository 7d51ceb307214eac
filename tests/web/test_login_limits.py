"""Wrong-password limits on the login page (issue #11.2/3, ADR 0010): by address, by account, busy."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from educloud.accounts.api import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, username: str, password: str, **extra: str) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_with_one_trusted_proxy_the_address_nginx_appended_is_the_one_locked(settings: Any) -> None:
    from axes.models import AccessAttempt

    settings.EDUCLOUD_TRUSTED_PROXY_COUNT = 1
    client = Client()
    # What the client wrote ("6.6.6.x") is ignored; nginx appended the real peer (198.51.100.7).
    for i in range(4):
        response = _login(client, "jintang_bureau", "wrong", HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 198.51.100.7")
        assert response.status_code == 200
    response = _login(client, "jintang_bureau", "wrong", HTTP_X_FORWARDED_FOR="6.6.6.9, 198.51.100.7")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # The same account from another address behind the proxy is not locked by that address's failures.
    response = _login(client, "jintang_bureau", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert response.status_code == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings: Any) -> None:
    from axes.models import AccessAttempt

    settings.EDUCLOUD_TRUSTED_PROXY_COUNT = 0
    client = Client()
    for i in range(4):
        response = _login(client, "jintang_bureau", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
        assert response.status_code == 200
    response = _login(client, "jintang_bureau", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 302  # four failures: not locked yet, and the right password works
    for i in range(5):
        response = _login(Client(), "jintang_bureau", "wrong", HTTP_X_FORWARDED_FOR=f"10.1.0.{i}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_an_account_is_locked_across_addresses_and_the_page_says_until_when(settings: Any) -> None:
    limit = settings.EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT
    assert limit == 20 and settings.AXES_FAILURE_LIMIT == 5
    # One wrong password from each of `limit` addresses: axes (per address) never triggers.
    for i in range(limit):
        response = _login(Client(), "jintang_bureau", "wrong", REMOTE_ADDR=f"192.0.2.{i + 1}")
        assert response.status_code == 200, i
    response = _login(Client(), "jintang_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.200")
    assert response.status_code == 429
    window = settings.EDUCLOUD_LOGIN_ACCOUNT_WINDOW_MINUTES * 60
    assert 0 < int(response["Retry-After"]) <= window
    page = response.content.decode()
    assert "该账户近期密码错误次数过多" in page and "请于" in page and "分钟后）再试" in page
    assert "_auth_user_id" not in Client().session
    # Another account from the same addresses is not affected.
    assert _login(Client(), "yongchuan_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 302


def test_an_address_spraying_many_usernames_is_refused(settings: Any) -> None:
    settings.EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for i in range(6):
        response = _login(Client(), f"nobody{i}", "wrong", REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200
    response = _login(Client(), "yongchuan_bureau", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "本网络地址近期密码错误次数过多" in response.content.decode()
    assert _login(Client(), "yongchuan_bureau", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 302


def test_axes_lockout_says_when_to_try_again(client: Client) -> None:
    for _ in range(5):
        response = _login(client, "jintang_bureau", "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "已被锁定" in page and "约 15 分钟后）再试" in page


def test_login_is_answered_busy_when_no_hashing_slot_comes_free(settings: Any) -> None:
    from educloud.accounts.hashers import hashing_slots

    settings.EDUCLOUD_HASH_CONCURRENCY = 1
    settings.EDUCLOUD_HASH_WAIT_SECONDS = 0.01
    slot = hashing_slots.semaphore()
    assert slot.acquire(timeout=1)
    try:
        response = _login(Client(), "yongchuan_bureau", DEMO_PASSWORD)
    finally:
        slot.release()
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert "登录繁忙，请稍后再试" in response.content.decode()
    assert _login(Client(), "yongchuan_bureau", DEMO_PASSWORD).status_code == 302


def test_a_browser_that_logged_in_before_is_not_shut_out_by_the_account_limit(settings: Any) -> None:
    owner = Client()
    assert _login(owner, "jintang_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.50").status_code == 302
    assert owner.cookies["educloud_device"]["httponly"]
    owner.post("/logout/")
    # Someone elsewhere exhausts the account's budget from many addresses.
    for i in range(settings.EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT):
        _login(Client(), "jintang_bureau", "wrong", REMOTE_ADDR=f"198.51.100.{i + 1}")
    assert _login(Client(), "jintang_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.51").status_code == 429
    # The owner's browser still gets in; a forged or foreign cookie does not help.
    assert _login(owner, "jintang_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.50").status_code == 302
    forged = Client()
    forged.cookies["educloud_device"] = owner.cookies["educloud_device"].value + "x"
    assert _login(forged, "jintang_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.52").status_code == 429
    other = Client()
    assert _login(other, "yongchuan_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.53").status_code == 302
    assert _login(other, "jintang_bureau", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.53").status_code == 429
