"""lib.client_address: X-Forwarded-For only behind the configured number of trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from educloud.lib.client_address import client_address


def _request(remote: str = "127.0.0.1", forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # no proxy: the header is the client's word
        (0, "192.0.2.1", None, "192.0.2.1"),
        (1, "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        (1, "127.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's own entry is ignored
        (1, "127.0.0.1", "6.6.6.6,203.0.113.5 ", "203.0.113.5"),
        (2, "127.0.0.1", "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),  # CDN -> nginx -> us
        (2, "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # fewer entries than proxies: the peer
        (1, "127.0.0.1", "", "127.0.0.1"),
        (1, "127.0.0.1", None, "127.0.0.1"),
        (1, "127.0.0.1", "not-an-address", "127.0.0.1"),
        (1, "127.0.0.1", "203.0.113.5:51000", "203.0.113.5"),
        (1, "127.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
        (1, "127.0.0.1", "2001:DB8:0::1", "2001:db8::1"),
        (0, "", None, ""),
    ],
)
def test_client_address(settings: Any, count: int, remote: str, forwarded: str | None, expected: str) -> None:
    settings.EDUCLOUD_TRUSTED_PROXY_COUNT = count
    assert client_address(_request(remote, forwarded)) == expected


def test_axes_asks_the_same_function(settings: Any) -> None:
    from axes.helpers import get_client_ip_address

    settings.EDUCLOUD_TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(_request("127.0.0.1", "6.6.6.6, 203.0.113.5")) == "203.0.113.5"
    settings.EDUCLOUD_TRUSTED_PROXY_COUNT = 0
    assert get_client_ip_address(_request("127.0.0.1", "6.6.6.6, 203.0.113.5")) == "127.0.0.1"
