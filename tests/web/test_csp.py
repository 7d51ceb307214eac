"""Every page carries the strict Content-Security-Policy, and no page needs what it forbids.

The policy (settings.CONTENT_SECURITY_POLICY, ADR 0009) runs scripts only from this site's files:
no inline <script>, no on*= handler attributes, no javascript: URLs. These tests fetch every
parameterless route of the URL conf plus the pages with ids, as several roles, and check both the
header and the HTML. tests/web/test_browser.py checks in Chromium that no page reports a violation.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from educloud.accounts.api import User
from educloud.library.models import Collection, Resource
from educloud.schools.api import School

pytestmark = pytest.mark.django_db

_SKIP = {"/logout/"}  # POST only
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
_HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _parameterless_routes() -> list[str]:
    found: list[str] = []

    def walk(patterns: list[object], prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)  # type: ignore[attr-defined]
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and "<" not in route and not route.startswith("^"):
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found) - _SKIP)


def _pages_with_ids() -> list[str]:
    school = School.objects.filter(county_id="500118").order_by("code").first()
    resource = Resource.objects.filter(status="published", visibility="public").order_by("pk").first()
    collection = Collection.objects.order_by("pk").first()
    pages = [
        "/counties/500118/",
        "/equity/counties/500118/",
        "/equity/counties/500118/print/",
        "/equity/counties/500118/plan/",
        "/no-such-page/",
        f"/library/r/{resource.pk}/",
        "/library/r/987654321/",
    ]
    if school is not None:
        pages += [f"/schools/{school.code}/{tail}" for tail in ("", "edit/", "students/")]
    if collection is not None:
        pages.append(f"/library/collections/{collection.pk}/")
    return pages


def _client(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def test_the_policy_forbids_inline_script_and_framing(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["style-src-elem"] == ["'self'"]  # injected <style> blocks refused too


@pytest.mark.parametrize("username", [None, "joint_office", "yongchuan_bureau", "teacher", "student"])
def test_every_html_page_has_the_policy_and_nothing_it_forbids(username):
    client = _client(username)
    checked = 0
    for path in _parameterless_routes() + _pages_with_ids():
        response = client.get(path)
        if response.streaming:
            continue
        assert "Content-Security-Policy" in response, (username, path, response.status_code)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        checked += 1
        assert "script-src 'self'" in response["Content-Security-Policy"], path
        html = response.content.decode()
        assert _INLINE_SCRIPT.findall(html) == [], (username, path)
        assert _HANDLER_ATTR.findall(html) == [], (username, path)
        assert _JS_URL.findall(html) == [], (username, path)
    assert checked >= 15


def test_swagger_ui_page_has_the_policy(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
    assert _INLINE_SCRIPT.findall(response.content.decode()) == []
