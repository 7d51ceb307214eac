"""The home page's cached circle overview: served without queries once warm, the same public figures
for everyone, while each visitor's own roles are read per request (never one user's scope for another)."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client

from educloud.accounts.api import User
from educloud.schools.api import School
from educloud.web import selectors

pytestmark = pytest.mark.django_db


def _page(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _school_total_shown(page: str) -> int:
    found = re.search(r"<b>([\d,]+)</b><span>学校</span>", page)
    assert found is not None
    return int(found.group(1).replace(",", ""))


def _scope_section(page: str) -> str:
    start = page.find('data-testid="my-scope"')
    return page[start : page.find("</section>", start)] if start >= 0 else ""


def test_warm_home_page_makes_no_query_for_an_anonymous_visitor(client, django_assert_num_queries):
    _page(client)
    with django_assert_num_queries(0):
        second = _page(client)
    assert "142" in second and "永川区" in second and "合成的虚构数据" in second


def test_warm_home_page_renders_the_overview_once(client, django_assert_num_queries):
    _page(client)
    cache.delete(selectors.OVERVIEW_CACHE_KEY)  # the page's cached fragment alone must serve it
    with django_assert_num_queries(0):
        page = _page(client)
    assert "142" in page and "永川区" in page and 'id="map-data"' in page
    assert cache.get(selectors.OVERVIEW_CACHE_KEY) is None  # not even read


def test_each_visitor_sees_own_roles_with_a_warm_overview():
    bureau, teacher, anonymous = Client(), Client(), Client()
    bureau.force_login(User.objects.get(username="yongchuan_bureau"))
    teacher.force_login(User.objects.get(username="teacher"))

    bureau_scope = _scope_section(_page(bureau))  # warms the overview as the county bureau
    assert "区（县）教育局" in bureau_scope and "永川区" in bureau_scope

    teacher_scope = _scope_section(_page(teacher))
    assert "教师" in teacher_scope and "永川区第1小学" in teacher_scope
    assert "区（县）教育局" not in teacher_scope

    assert _scope_section(_page(anonymous)) == ""
    assert "区（县）教育局" in _scope_section(_page(bureau))


def test_overview_holds_only_public_figures():
    overview = selectors.circle_overview()
    assert "my_roles" not in overview
    assert overview == selectors.circle_overview()  # the cached copy is the one computed
    assert overview["school_total"] == School.objects.count()
    assert overview["county_count"] == 142


def test_a_new_school_shows_once_the_cached_overview_expires(client, monkeypatch):
    before = selectors.circle_overview()["school_total"]
    assert _school_total_shown(_page(client)) == before
    template = School.objects.filter(county_id="500118").first()
    assert template is not None
    template.pk = None
    template.code = "BENCH000000001"
    template.save()

    assert selectors.circle_overview()["school_total"] == before  # still the cached figure
    assert _school_total_shown(_page(client)) == before
    later = time.time() + selectors.OVERVIEW_SECONDS + 1
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    assert selectors.circle_overview()["school_total"] == before + 1
    assert _school_total_shown(_page(client)) == before + 1
