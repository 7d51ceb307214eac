"""Fixtures of the community tests: a group of two members from 重庆 and 四川, session cookies for
WebSocket connections, and Channels' database wrapper kept inside the test's transaction."""

from __future__ import annotations

import pytest
from django.test import Client

from educloud.accounts.api import User
from educloud.community import services


@pytest.fixture(autouse=True)
def _channels_in_the_test_transaction(monkeypatch):  # type: ignore[no-untyped-def]
    """``database_sync_to_async`` closes "old" connections around each call, which inside a test's
    transaction would break it: the test's connection is not old, it is the one the test rolls back."""
    import channels.db

    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    teacher = User.objects.get(username="teacher")
    sc = User.objects.filter(username__startswith="t_S510").order_by("username").first()
    cq = User.objects.filter(username__startswith="t_S500").order_by("username").first()
    return {
        "teacher": teacher,
        "sc": sc,
        "cq": cq,
        "student": User.objects.get(username="student"),
        "expert": User.objects.get(username="expert"),
        "school_admin": User.objects.get(username="school_admin"),
    }


@pytest.fixture
def group(people):  # type: ignore[no-untyped-def]
    g = services.group_create(actor=people["teacher"], name="测试教研组", visibility="public")
    services.group_join(actor=people["sc"], group_id=g.pk)
    return g


def session_headers(user: User) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://testserver")]
