"""Shared fixtures: one database per run with the real regions and the synthetic demo seed.

The seed runs once in ``django_db_setup``; each test then runs in a transaction that is
rolled back, so tests see the same data and cannot disturb each other. Works on SQLite and,
with ``DATABASE_URL`` set, on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile

# Tests get their own home (secret key, media) so they never touch ./var.
os.environ.setdefault("EDUCLOUD_HOME", tempfile.mkdtemp(prefix="educloud-test-"))

import pytest
from django.core.management import call_command
from django.test import Client

SEED = 2026

# The browser tests' fixtures (`server`, `browser`), available to every test module.
pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        call_command("seed", scale="demo", seed=SEED, verbosity=0)


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    """``login("yongchuan_bureau")`` logs the test client in as a demo account."""
    from educloud.accounts.api import User

    def _login(username: str) -> Client:
        client.force_login(User.objects.get(username=username))
        return client

    return _login


@pytest.fixture(autouse=True)
def _empty_local_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty process-memory cache, so figures cached from one test's data
    (e.g. the home page's overview) never reach another. A shared cache (Redis) is left alone."""
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()
