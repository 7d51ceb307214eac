"""Double submissions really in parallel (PostgreSQL): concurrent starts of one test make one session
with one item on screen; concurrent answers to that item record it once (one SessionItem answered, one
learning Response, one next item).

Threads need committed data, so this module uses a transactional test, which flushes every table
afterwards; the module fixture re-seeds (as tests/library/test_concurrency.py does). Skipped on
SQLite, where writers are serialised.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections  # noqa: F401 — connection: read by the skipif condition

from educloud.assessment import services
from educloud.assessment.models import SessionItem, TestSession
from educloud.learning.models import Response
from tests.conftest import SEED

from .conftest import open_test, right_answer, user

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


def _in_parallel(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_parallel_starts_and_answers_are_recorded_once(reseed_afterwards: None) -> None:
    student, test = user("student"), open_test()
    n_responses = Response.objects.filter(student=student).count()

    states, errors = _in_parallel([lambda: services.session_start(actor=student, test_id=test.pk)] * 4)
    assert errors == []
    session = TestSession.objects.get(test=test, student=student)
    assert SessionItem.objects.filter(session=session).count() == 1
    assert {s.current.item_id for s in states} == {SessionItem.objects.get(session=session).item_id}

    pending = SessionItem.objects.select_related("item").get(session=session)
    answer = right_answer(pending.item)
    states, errors = _in_parallel(
        [
            lambda: services.session_answer(
                actor=student, test_id=test.pk, item_id=pending.item_id, answer=answer
            )
        ]
        * 6
    )
    assert errors == []
    rows = list(SessionItem.objects.filter(session=session).order_by("position"))
    assert len(rows) == 2 and rows[0].correct is True and rows[1].answered is None
    assert Response.objects.filter(student=student).count() == n_responses + 1
    assert {s.current.pk for s in states} == {rows[1].pk} and {s.answered for s in states} == {1}
