"""Issue #11 load (ADR 0012): a user's roles are read from the cache, keyed by the user's
``roles_version``, and a change of roles is honoured by the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from educloud.accounts.models import Role, RoleAssignment, User
from educloud.accounts.scoping import roles_changed, view_scope
from educloud.schools.api import School

pytestmark = pytest.mark.django_db

SC_COUNTY = "510121"  # 金堂县


def _role_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code in (200, 403)
    return sum('"accounts_roleassignment"' in q["sql"] for q in queries.captured_queries)


def _sc_school() -> School:
    return School.objects.filter(county_id=SC_COUNTY).order_by("code").first()


def test_roles_are_read_once_then_from_the_cache(login):
    client = login("yongchuan_bureau")
    assert _role_queries(client, "/api/v1/schools?page=1") == 1
    assert _role_queries(client, "/api/v1/schools?page=1") == 0
    assert _role_queries(client, "/") == 0


def test_a_role_granted_or_removed_is_honoured_by_the_next_request(login):
    client = login("yongchuan_bureau")
    url = f"/api/v1/schools/{_sc_school().code}"
    assert client.get(url).status_code == 403  # the 永川 bureau's roles are now cached
    bureau = User.objects.get(username="yongchuan_bureau")
    granted = RoleAssignment.objects.create(user=bureau, role=Role.PROVINCE_BUREAU, province_id="510000")
    assert client.get(url).status_code == 200
    granted.delete()
    assert client.get(url).status_code == 403
    # A role moved to another scope (an update, not a new row) too.
    own = RoleAssignment.objects.get(user=bureau, role=Role.COUNTY_BUREAU)
    own.county_id = SC_COUNTY
    own.save()
    assert client.get(url).status_code == 200


def test_a_stale_user_saved_in_full_keeps_the_new_roles_version():
    stale = User.objects.get(username="teacher")
    fresh = User.objects.get(username="teacher")
    assert RoleAssignment.objects.filter(user=fresh).count() == 1
    assert view_scope(fresh).school_codes  # cached under the current version
    RoleAssignment.objects.filter(user=fresh).delete()  # queryset delete: signals still sent
    stale.display_name = "教师甲（改名）"
    stale.save()  # loaded before the change: must not put the old version back
    reloaded = User.objects.get(username="teacher")
    assert reloaded.display_name == "教师甲（改名）"
    assert reloaded.roles_version > stale.roles_version
    assert not view_scope(reloaded).school_codes


def test_bulk_writes_raise_the_version_by_hand():
    student = User.objects.get(username="student")
    before = student.roles_version
    roles_changed([student.pk, student.pk])
    student.refresh_from_db()
    assert student.roles_version == before + 1
    roles_changed([])  # nothing to do, no error


def test_a_deactivated_user_has_no_roles_even_when_cached():
    teacher = User.objects.get(username="teacher")
    assert view_scope(teacher).school_codes
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    teacher = User.objects.get(pk=teacher.pk)
    assert not view_scope(teacher).school_codes


def test_a_city_bureau_searches_without_reading_its_roles_or_city_again(login):
    client = login("chengdu_bureau")
    url = "/api/v1/search/?q=数学"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"accounts_roleassignment"' not in sql and '"regions_city"' not in sql


def test_a_partly_loaded_user_saves_only_its_loaded_fields():
    partial = User.objects.only("id", "display_name").get(username="teacher")
    partial.display_name = "教师甲（改名）"
    with CaptureQueriesContext(connection) as queries:
        partial.save()
    sent = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(sent) == 1 and sent[0].startswith("UPDATE") and '"password"' not in sent[0]
    assert User.objects.get(username="teacher").display_name == "教师甲（改名）"
