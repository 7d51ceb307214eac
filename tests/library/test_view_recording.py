"""Issue #11 load (ADR 0012): a page view is recorded without waiting for the disk on PostgreSQL,
and every view is still counted (event and counter together)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from educloud.library import services
from educloud.library.models import Engagement

from .conftest import user

pytestmark = pytest.mark.django_db


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_every_view_is_counted_with_its_event(make_resource):
    resource = make_resource(status="published")
    for actor in (user("teacher"), AnonymousUser(), user("teacher")):
        services.resource_view_record(actor=actor, resource=resource)
    resource.refresh_from_db()
    events = Engagement.objects.filter(resource=resource, kind=Engagement.Kind.VIEW)
    assert resource.view_count == events.count() == 3
    assert events.filter(user__isnull=True).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_view_commits_without_waiting_for_the_wal_flush(make_resource):
    resource = make_resource(status="published")
    assert _synchronous_commit() == "on"
    with CaptureQueriesContext(connection) as queries:
        services.resource_view_record(actor=AnonymousUser(), resource=resource)
    # The setting is LOCAL to the view's transaction (here the test's own, rolled back afterwards).
    sent = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # One round trip: the setting, the counter and the event in one simple query.
    assert len(sent) == 1 and sent[0].startswith("SET LOCAL synchronous_commit = off;")
    assert _synchronous_commit() == "off"
    resource.refresh_from_db()
    assert resource.view_count == 1


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_view_is_its_own_transaction_outside_a_request_transaction(make_resource, django_db_blocker):
    """Outside any atomic block (as on the resource page) the one simple query is one transaction:
    the counter and the event land together and the setting does not outlive it."""
    resource = make_resource(status="published")
    before = Engagement.objects.filter(resource=resource, kind=Engagement.Kind.VIEW).count()
    services.resource_view_record(actor=user("teacher"), resource=resource)
    resource.refresh_from_db()
    events = Engagement.objects.filter(resource=resource, kind=Engagement.Kind.VIEW)
    assert resource.view_count == events.count() == before + 1
    event = events.get()
    assert event.user == user("teacher") and event.resource_province_code == resource.province_code
    assert event.user_province_code == "500000"


def test_no_postgresql_setting_is_sent_to_other_databases(make_resource):
    resource = make_resource(status="published")
    with CaptureQueriesContext(connection) as queries:
        services.resource_view_record(actor=AnonymousUser(), resource=resource)
    sent = [q["sql"] for q in queries.captured_queries]
    assert any("synchronous_commit" in sql for sql in sent) == (connection.vendor == "postgresql")
