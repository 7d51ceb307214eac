"""The login page's refusals: axes' lockout, the account/address limits, and "busy".

:class:`LoginView` is Django's login view that first asks ``accounts`` whether this username or
address must wait (429 with ``Retry-After``), leaves the known-device cookie after a successful
login (``accounts.login_limits``), and answers 503 "登录繁忙，请稍后再试" when every
password-hashing slot stayed taken (``accounts.hashers``). :func:`login_locked_out` is axes'
lockout answer (``AXES_LOCKOUT_CALLABLE``): the same page, saying when to try again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from educloud.accounts.api import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    HashingBusy,
    device_cookie_value,
    login_retry_after,
)
from educloud.lib.client_address import client_address


def _refusal(request: HttpRequest, *, status: int, seconds: int, reason: str) -> HttpResponse:
    until = timezone.localtime() + timedelta(seconds=seconds)
    response = render(
        request,
        "web/lockout.html",
        {"reason": reason, "until": until, "minutes": max(1, -(-seconds // 60)), "busy": status == 503},
        status=status,
    )
    response["Retry-After"] = str(seconds)
    return response


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """axes' lockout: this username from this address, for the cool-off (restarted by each try)."""
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds()) if isinstance(cool_off, timedelta) else 15 * 60
    return _refusal(
        request,
        status=429,
        seconds=seconds,
        reason=f"该账户在本网络地址连续 {settings.AXES_FAILURE_LIMIT} 次密码错误，已被锁定",
    )


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = login_retry_after(
            address=client_address(request),
            username=request.POST.get("username", ""),
            device_cookie=request.COOKIES.get(DEVICE_COOKIE),
        )
        if wait:
            return _refusal(request, status=429, seconds=wait.seconds, reason=wait.reason)
        try:
            return super().post(request, *args, **kwargs)
        except HashingBusy as exc:
            return _refusal(request, status=503, seconds=exc.retry_after, reason="登录繁忙，请稍后再试")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Remember this browser for this account: the account-wide limit will not shut it out.
        response.set_cookie(
            DEVICE_COOKIE,
            device_cookie_value(
                username=form.get_user().get_username(), cookie=self.request.COOKIES.get(DEVICE_COOKIE)
            ),
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )
        return response
