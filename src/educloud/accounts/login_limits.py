"""Limits on wrong passwords beyond django-axes' per-(username, address) lockout (ADR 0010).

django-axes locks a username from one address after ``AXES_FAILURE_LIMIT`` (5) failures. That alone
lets someone who changes address (or, before ADR 0010, only the ``X-Forwarded-For`` header) keep
guessing. Two more rules, counted in the cache (``lib.throttle``) on every failed login:

- **account**: a username with ``EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT`` (20) failures from any
  addresses within ``EDUCLOUD_LOGIN_ACCOUNT_WINDOW_MINUTES`` (15) is refused until that window
  ends, whatever the address. The limit is four times axes' and the wait at most one window, so a
  colleague who locks someone out on purpose achieves a short wait, not a lockout until an
  administrator steps in; the owner's successful login does not reset it (else an attacker could
  wait for one).
- **address**: an address with ``EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT`` (50) failures over any
  usernames within the same window is refused (password spraying). A school behind one NAT address
  shares this budget; 50 wrong passwords in 15 minutes is far above its normal rate.

The login view asks :func:`login_retry_after` before checking a password and answers 429 with
``Retry-After``; :func:`on_login_failed` (connected to Django's ``user_login_failed``) counts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from educloud.lib import throttle
from educloud.lib.client_address import client_address

__all__ = ["LoginRetry", "login_retry_after", "on_login_failed"]


class LoginRetry:
    """Why and how long a login must wait; ``seconds`` 0 means it may proceed."""

    __slots__ = ("reason", "seconds")

    def __init__(self, seconds: int, reason: str = "") -> None:
        self.seconds = seconds
        self.reason = reason

    def __bool__(self) -> bool:
        return self.seconds > 0


def _window() -> int:
    return max(1, int(settings.EDUCLOUD_LOGIN_ACCOUNT_WINDOW_MINUTES)) * 60


def account_rule() -> throttle.Rule:
    return throttle.Rule("login-account", int(settings.EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT), _window())


def address_rule() -> throttle.Rule:
    return throttle.Rule("login-address", int(settings.EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT), _window())


def _account(username: str) -> str:
    return username.strip().casefold()


def login_retry_after(*, address: str, username: str) -> LoginRetry:
    """How long a login for ``username`` from ``address`` must wait (falsy: go ahead)."""
    if username.strip():
        seconds = throttle.retry_after(account_rule(), _account(username))
        if seconds:
            return LoginRetry(seconds, "该账户近期密码错误次数过多，已暂停登录")
    if address:
        seconds = throttle.retry_after(address_rule(), address)
        if seconds:
            return LoginRetry(seconds, "本网络地址近期密码错误次数过多，已暂停登录")
    return LoginRetry(0)


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """Receiver of ``user_login_failed``: count the failure for the username and the address."""
    username = str(credentials.get("username") or "")
    if username.strip():
        throttle.record_failure(account_rule(), _account(username))
    if request is not None:
        address = client_address(request)
        if address:
            throttle.record_failure(address_rule(), address)
