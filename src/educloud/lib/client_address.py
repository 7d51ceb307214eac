"""The one place that decides a request's client address (lockouts, rate limits, audit).

``X-Forwarded-For`` is only believed when the deployment says how many proxies it runs behind:
``EDUCLOUD_TRUSTED_PROXY_COUNT`` (setting and environment variable, default 0).

- 0 (default, and ``educloud demo``): the address of the TCP peer, ``REMOTE_ADDR``. Any
  ``X-Forwarded-For`` header is ignored: a client can write whatever it likes there.
- N > 0: every proxy in front of us appends the address it received the request from, so the
  N-th entry from the right is the address the outermost trusted proxy saw; entries further left
  were written by the client and are ignored. A request carrying fewer than N entries did not pass
  through all the proxies (or a proxy is misconfigured): its ``REMOTE_ADDR`` is used.

uvicorn rewrites ``REMOTE_ADDR`` from ``X-Forwarded-For`` by itself when the peer is 127.0.0.1
(``--proxy-headers``, on by default): ``educloud demo`` turns that off, and the README's
production command passes ``--no-proxy-headers`` so that this function alone decides.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

__all__ = ["client_address", "trusted_proxy_count"]


def trusted_proxy_count() -> int:
    """How many reverse proxies stand in front of the application (0: none, trust no header)."""
    return max(0, int(getattr(settings, "EDUCLOUD_TRUSTED_PROXY_COUNT", 0)))


def _normalised(value: str) -> str | None:
    """``value`` as a canonical IP address string, or None when it is not an address."""
    text = value.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51000"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as far as this deployment can vouch for it ("" if unknown)."""
    remote = _normalised(str(request.META.get("REMOTE_ADDR") or "")) or ""
    count = trusted_proxy_count()
    if count == 0:
        return remote
    forwarded = [part for part in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    forwarded = [part for part in forwarded if part.strip()]
    if len(forwarded) < count:
        return remote
    return _normalised(forwarded[-count]) or remote
