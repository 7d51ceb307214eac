"""Lockout over real HTTP against `educloud demo` (uvicorn), as the hostile tester did (issue #11.2).

uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 by default, so before the fix every wrong
password with a new forwarded address counted as a new client and the 5-failure lockout never came.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from educloud.accounts.api import DEMO_PASSWORD


class _Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def login(self, username: str, password: str, forwarded_for: str) -> int:
        page = self.opener.open(self.base + "/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (our own test server)
            self.base + "/login/", data=data, headers={"X-Forwarded-For": forwarded_for}
        )
        try:
            return int(self.opener.open(request, timeout=60).status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_rotating_x_forwarded_for_does_not_escape_the_lockout(server: str) -> None:
    browser = _Browser(server)
    statuses = [browser.login("jintang_bureau", "wrong", f"10.9.{i}.{i + 1}") for i in range(7)]
    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429] * 3
    # Locked: even the right password, from yet another forwarded address, is refused.
    assert browser.login("jintang_bureau", DEMO_PASSWORD, "10.9.99.99") == 429
    # Another account from the same machine is not affected.
    assert browser.login("yongchuan_bureau", DEMO_PASSWORD, "10.9.0.1") == 302
