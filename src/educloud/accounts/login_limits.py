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

The account rule does not apply to a browser that has logged in to that account before: a
successful login leaves a signed "known device" cookie (:func:`device_cookie_value`, 90 days,
HttpOnly) naming hashes of the last few usernames; with it, the owner is only subject to axes and the
address rule, so someone elsewhere who exhausts the account's budget does not lock its owner out.

The login view asks :func:`login_retry_after` before checking a password and answers 429 with
``Retry-After``; :func:`on_login_failed` (connected to Django's ``user_login_failed``) counts.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core import signing

from educloud.lib import throttle
from educloud.lib.client_address import client_address

__all__ = [
    "DEVICE_COOKIE",
    "DEVICE_COOKIE_MAX_AGE",
    "LoginRetry",
    "device_cookie_value",
    "login_retry_after",
    "on_login_failed",
]

DEVICE_COOKIE = "educloud_device"
DEVICE_COOKIE_MAX_AGE = 90 * 24 * 3600
_DEVICE_SALT = "educloud.accounts.login_limits.device"
_DEVICE_NAMES = 5  # a shared classroom computer: the last few accounts


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


def _account_tag(username: str) -> str:
    return hashlib.sha256(_account(username).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _device_tags(cookie: str | None) -> list[str]:
    if not cookie:
        return []
    try:
        tags = signing.loads(cookie, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def device_cookie_value(*, username: str, cookie: str | None) -> str:
    """The known-device cookie after ``username`` logged in on a browser that sent ``cookie``."""
    tag = _account_tag(username)
    tags = [tag, *[t for t in _device_tags(cookie) if t != tag]][:_DEVICE_NAMES]
    return signing.dumps(tags, salt=_DEVICE_SALT)


def login_retry_after(*, address: str, username: str, device_cookie: str | None = None) -> LoginRetry:
    """How long a login for ``username`` from ``address`` must wait (falsy: go ahead).

    ``device_cookie`` is the request's known-device cookie: a browser that logged in to this
    account before is exempt from the account rule (not from axes or the address rule).
    """
    if username.strip() and _account_tag(username) not in _device_tags(device_cookie):
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
