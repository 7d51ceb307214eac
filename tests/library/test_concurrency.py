"""Issue #11 item 7 (ratings): concurrent ratings keep ``rating_count``/``rating_sum`` right on
PostgreSQL, where requests really run in parallel.

Threads need committed data, so this module uses transactional tests, which flush every table
afterwards - the session's demo seed included; its module fixture re-seeds when it is done (as
tests/lrs/test_tincan_e2e.py does). On SQLite the test is skipped (writers are serialised there).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from educloud.accounts.api import User
from educloud.library import services
from educloud.library.models import Engagement, Resource
from tests.conftest import SEED

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def reseed_afterwards(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        call_command("seed", scale="demo", seed=SEED, verbosity=0, stdout=io.StringIO())


def _in_parallel(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Run the jobs in threads released at once; each thread has its own connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _latest_values(resource: Resource) -> dict[int, int]:
    latest: dict[int, int] = {}
    for user_id, value in (
        Engagement.objects.filter(resource=resource, kind=Engagement.Kind.RATING)
        .order_by("at", "id")
        .values_list("user_id", "value")
    ):
        latest[user_id] = value
    return latest


def test_concurrent_ratings_keep_count_and_sum_right(reseed_afterwards: None) -> None:
    resource = Resource.objects.filter(status="published", visibility="public", rating_count=0).first()
    assert resource is not None
    teacher = User.objects.get(username="teacher")
    values = [1, 2, 3, 4, 5, 5, 4, 3, 2, 1]

    # One user, ten ratings at once: one rating counted, the sum is the last value.
    errors = _in_parallel(
        [
            lambda v=v: services.resource_rate(actor=teacher, resource_id=resource.pk, value=v)
            for v in values
        ]
    )
    assert errors == []
    resource.refresh_from_db()
    latest = _latest_values(resource)
    assert len(latest) == 1 and resource.rating_count == 1
    assert resource.rating_sum == latest[teacher.pk]

    # Ten users at once: ten ratings counted, the sum is theirs.
    others = list(User.objects.filter(is_active=True).exclude(pk=teacher.pk).order_by("pk")[:10])
    errors = _in_parallel(
        [
            lambda u=u, v=v: services.resource_rate(actor=u, resource_id=resource.pk, value=v)
            for u, v in zip(others, values, strict=True)
        ]
    )
    assert errors == []
    resource.refresh_from_db()
    latest = _latest_values(resource)
    assert resource.rating_count == len(latest) == 11
    assert resource.rating_sum == sum(latest.values()) == latest[teacher.pk] + sum(values)
    assert connection.vendor == "postgresql"
