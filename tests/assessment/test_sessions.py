"""A student's adaptive session through the services: stopping, resuming, idempotent answers, the
result, mastery fed through the learning app, and the refusals."""

from __future__ import annotations

import pytest

from educloud.assessment import selectors, services
from educloud.assessment.models import SessionItem, TestSession
from educloud.learning.models import Response, StudentMastery
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied

from .conftest import open_test, right_answer, user, wrong_answer

pytestmark = pytest.mark.django_db


def test_a_student_takes_the_test_until_it_stops_and_mastery_follows():
    student, test = user("student"), open_test()
    n_responses = Response.objects.filter(student=student).count()
    state = services.session_start(actor=student, test_id=test.pk)
    seen = []
    while state.current is not None:
        item = state.current.item
        assert item.pk not in seen  # never the same item twice
        seen.append(item.pk)
        answer = right_answer(item) if len(seen) % 2 else wrong_answer(item)
        state = services.session_answer(actor=student, test_id=test.pk, item_id=item.pk, answer=answer)
    session = state.session
    assert session.finished is not None and len(seen) == state.answered
    assert len(seen) == test.max_items or session.se <= test.se_stop
    # Each answer went through learning.api.response_record: stored, graded, mastery stepped.
    new = Response.objects.filter(student=student).order_by("at", "pk")[n_responses:]
    assert [r.item_id for r in new] == seen
    assert [r.correct for r in new] == [i % 2 == 0 for i in range(len(seen))]
    points = {kp for r in new for kp in r.knowledge_points.values_list("pk", flat=True)}
    assert StudentMastery.objects.filter(student=student, knowledge_point_id__in=points).count() == len(
        points
    )
    result = selectors.session_result(actor=student, test_id=test.pk)
    assert result.n_items == len(seen) and result.n_correct == (len(seen) + 1) // 2
    assert result.scaled == round(500 + 100 * session.theta)
    assert result.scaled_low < result.scaled < result.scaled_high
    assert sum(p.n_items for p in result.points) >= len(seen)


def test_resume_shows_the_same_item_and_a_repeated_answer_changes_nothing():
    student, test = user("student"), open_test()
    first = services.session_start(actor=student, test_id=test.pk)
    again = services.session_start(actor=student, test_id=test.pk)
    assert again.current.pk == first.current.pk and again.answered == 0
    item = first.current.item
    after = services.session_answer(
        actor=student, test_id=test.pk, item_id=item.pk, answer=right_answer(item)
    )
    n_rows, n_responses = SessionItem.objects.count(), Response.objects.count()
    twice = services.session_answer(
        actor=student, test_id=test.pk, item_id=item.pk, answer=wrong_answer(item)
    )
    assert twice.current.pk == after.current.pk and twice.answered == 1 and twice.last_correct is True
    assert (SessionItem.objects.count(), Response.objects.count()) == (n_rows, n_responses)
    assert TestSession.objects.filter(test=test, student=student).count() == 1


def test_an_answer_to_an_item_not_given_is_refused_and_nothing_is_stored():
    student, test = user("student"), open_test()
    state = services.session_start(actor=student, test_id=test.pk)
    other = test.calibration.items.exclude(item_id=state.current.item_id).first()
    n = Response.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.session_answer(actor=student, test_id=test.pk, item_id=other.item_id, answer="A")
    assert exc.value.field == "item" and "不是本次测评" in exc.value.message
    # An unreadable answer to the right item: refused (the learning app's reason), nothing stored.
    with pytest.raises(InvalidInput) as exc:
        services.session_answer(actor=student, test_id=test.pk, item_id=state.current.item_id, answer=" ")
    assert exc.value.field == "answer"
    assert Response.objects.count() == n
    assert SessionItem.objects.get(pk=state.current.pk).answered is None


def test_only_students_in_the_audience_may_take_a_test():
    test = services.adaptive_test_create(
        actor=user("yongchuan_bureau"),
        spec=services.TestSpec(title="永川区测评", audience_level="county", audience_code="500118"),
    )
    jintang = TestSession.objects.filter(school__county_id="510121").values_list("student", flat=True).first()
    outsider = type(user("student")).objects.get(pk=jintang)
    with pytest.raises(NotFound):
        services.session_start(actor=outsider, test_id=test.pk)
    assert services.session_start(actor=user("student"), test_id=test.pk).current is not None
    with pytest.raises(PermissionDenied):
        services.session_start(actor=user("teacher"), test_id=test.pk)
    assert test.pk not in [t.test.pk for t in selectors.tests_for_student(actor=outsider)]


def test_a_closed_test_cannot_be_started():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    test = services.adaptive_test_create(
        actor=None,
        spec=services.TestSpec(
            title="已结束",
            audience_level="circle",
            opens=now - timedelta(days=3),
            closes=now - timedelta(days=1),
        ),
    )
    with pytest.raises(InvalidInput, match="已于"):
        services.session_start(actor=user("student"), test_id=test.pk)


def test_content_balance_keeps_the_test_on_the_chosen_points():
    from educloud.learning.models import Item

    calibration = open_test().calibration
    by_point: dict[str, int] = {}
    for code in Item.objects.filter(pk__in=calibration.items.values("item_id")).values_list(
        "knowledge_points__code", flat=True
    ):
        by_point[code] = by_point.get(code, 0) + 1
    chosen = sorted(c for c, n in by_point.items() if n >= 2)[:5]
    assert len(chosen) == 5
    test = services.adaptive_test_create(
        actor=user("joint_office"),
        spec=services.TestSpec(
            title="两个知识点",
            audience_level="circle",
            content=dict.fromkeys(chosen, 1.0),
            max_items=5,
            se_stop=0.05,
        ),
    )
    student = user("student")
    state = services.session_start(actor=student, test_id=test.pk)
    while state.current is not None:
        item = state.current.item
        state = services.session_answer(
            actor=student, test_id=test.pk, item_id=item.pk, answer=right_answer(item)
        )
    rows = SessionItem.objects.filter(session=state.session).select_related("item")
    points = [set(r.item.knowledge_points.values_list("code", flat=True)) for r in rows]
    assert all(p & set(chosen) for p in points), (chosen, points)  # every item is on a chosen point
    counts = {c: sum(c in p for p in points) for c in chosen}
    assert all(n >= 1 for n in counts.values()), counts  # five items, five points: one each
    assert state.answered == 5
