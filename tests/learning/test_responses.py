"""Responses: the platform's answering flow (grade, xAPI, store, mastery step) and xAPI ingestion."""

from __future__ import annotations

import types
import uuid

import pytest

from educloud.learning import services
from educloud.learning.models import IngestCursor, Item, Response, StudentMastery
from educloud.lib.errors import InvalidInput, PermissionDenied
from educloud.lrs.api import learner_agent, learner_statements

from .conftest import FakeStatements, user


def item(code: str) -> Item:
    return Item.objects.get(code=code)


def mastery(username: str, kp_code: str) -> StudentMastery | None:
    return StudentMastery.objects.filter(student__username=username, knowledge_point__code=kp_code).first()


@pytest.mark.django_db
def test_answering_grades_writes_the_statement_stores_and_steps_mastery():
    student = user("student")
    it = item("MJ-18-1")  # 勾股定理, fill-in, answer 5
    before = mastery("student", "MJ-18")
    p0 = before.p_mastery if before else None
    answered = services.response_record(actor=student, item=it, answer=" 5 ")
    assert answered.correct
    row = Response.objects.get(statement_id=answered.statement_id)
    assert row.student == student and row.item == it and row.correct
    assert list(row.knowledge_points.values_list("code", flat=True)) == ["MJ-18"]
    statement = learner_statements(user=student, verb=services.ANSWERED, limit=1)[0]
    assert statement["id"] == answered.statement_id
    assert statement["object"]["id"] == services.item_iri(it)
    assert statement["object"]["id"].endswith(f"/learning/items/{it.pk}")
    assert statement["result"]["success"] is True
    assert statement["actor"]["account"] == learner_agent(student)["account"]
    after = mastery("student", "MJ-18")
    params = services.skill_params([it.knowledge_points.get().pk])[it.knowledge_points.get().pk]
    expected = services._bkt_step(p0 if p0 is not None else params["prior"], True, params)
    assert after.p_mastery == pytest.approx(expected)
    assert after.n_responses == (before.n_responses if before else 0) + 1


@pytest.mark.django_db
def test_a_wrong_answer_lowers_mastery_of_every_tagged_point():
    student = user("student")
    it = item("MJ-X-1")  # tagged 一元二次方程 and 一元一次方程, answer AC
    before = {c: mastery("student", c) for c in ("MJ-23", "MJ-05")}
    answered = services.response_record(actor=student, item=it, answer="B")
    assert not answered.correct
    for code, row in before.items():
        if row is not None and row.p_mastery > 0.3:
            assert mastery("student", code).p_mastery < row.p_mastery


@pytest.mark.django_db
def test_only_students_answer_and_bad_answers_store_nothing():
    it = item("MJ-01-1")
    n = Response.objects.count()
    with pytest.raises(PermissionDenied):
        services.response_record(actor=user("teacher"), item=it, answer="B")
    with pytest.raises(InvalidInput):
        services.response_record(actor=user("student"), item=it, answer="Z")
    with pytest.raises(InvalidInput):
        services.response_record(actor=user("student"), item=it, answer="")
    assert Response.objects.count() == n
    assert learner_statements(user=user("teacher"), verb=services.ANSWERED) == []


# ------------------------------------------------------------------ ingestion from xAPI


def answered(
    item_iri: str,
    *,
    account: str,
    success: object = True,
    verb: str = services.ANSWERED,
    timestamp: str = "2026-10-01T08:00:00Z",
    **extra: object,
) -> dict:
    st = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://127.0.0.1:8000/accounts", "name": account},
        },
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": item_iri},
        "timestamp": timestamp,
        "result": {"success": success, "response": "5"},
    }
    st.update(extra)
    return st


@pytest.mark.django_db
def test_ingest_maps_statements_to_responses_and_skips_what_does_not_map(fake_lrs: FakeStatements):
    student, teacher = user("student"), user("teacher")
    ours, external = item("MJ-18-1"), item("PJ-01-1")
    external.iri = "https://moodle.example.cn/mod/quiz/q/42"
    external.save()
    fake_lrs.add(answered(services.item_iri(ours), account="acc-s", success=False), user_id=student.pk)
    fake_lrs.add(
        answered(external.iri, account="acc-s", timestamp="2026-10-01T09:00:00+08:00"), user_id=student.pk
    )
    fake_lrs.add(answered("https://elsewhere.example/items/1", account="acc-s"), user_id=student.pk)
    fake_lrs.add(answered(services.item_iri(ours), account="acc-s", success="yes"), user_id=student.pk)
    fake_lrs.add(answered(services.item_iri(ours), account="acc-nobody"))
    fake_lrs.add(answered(services.item_iri(ours), account="acc-t"), user_id=teacher.pk)
    fake_lrs.add(
        answered(services.item_iri(ours), account="acc-s", verb="http://adlnet.gov/expapi/verbs/completed"),
        user_id=student.pk,
    )
    fake_lrs.add(
        answered(f"{services.site_base_url()}/learning/items/999999999", account="acc-s"), user_id=student.pk
    )
    n = Response.objects.filter(student=student).count()

    report = services.responses_ingest(source=fake_lrs, batch=3)
    assert report.recorded == 2
    assert report.skipped == {"unknown_item": 2, "no_success": 1, "unknown_actor": 1, "not_a_student": 1}
    assert report.read == 7  # the 'completed' statement is not asked for
    rows = list(Response.objects.filter(student=student).order_by("-id")[:2])
    assert {(r.item_id, r.correct) for r in rows} == {(ours.pk, False), (external.pk, True)}
    assert Response.objects.filter(student=student).count() == n + 2
    assert IngestCursor.objects.get(name=services.CURSOR_NAME).last_seq == fake_lrs.rows[-1][0]
    assert [c[1] for c in fake_lrs.calls][:2] == [0, 30]  # resumes after the last sequence read

    # Running again reads nothing new; a rewound cursor re-reads but stores nothing twice.
    assert services.responses_ingest(source=fake_lrs).read == 0
    IngestCursor.objects.filter(name=services.CURSOR_NAME).update(last_seq=0)
    again = services.responses_ingest(source=fake_lrs)
    assert again.recorded == 0 and again.skipped["already_recorded"] == 2
    assert Response.objects.filter(student=student).count() == n + 2


@pytest.mark.django_db
def test_our_own_statements_are_not_counted_twice(fake_lrs: FakeStatements):
    student = user("student")
    done = services.response_record(actor=student, item=item("MJ-01-1"), answer="B")
    stored = learner_statements(user=student, verb=services.ANSWERED, limit=1)[0]
    fake_lrs.add(stored, user_id=student.pk)
    report = services.responses_ingest(source=fake_lrs)
    assert report.recorded == 0 and report.skipped == {"already_recorded": 1}
    assert Response.objects.filter(statement_id=done.statement_id).count() == 1


def test_the_lrs_source_guard_names_what_is_missing():
    with pytest.raises(services.LRSUnavailable) as exc:
        services.lrs_statement_source(types.SimpleNamespace(statements_since=lambda **kw: []))
    assert "actor_user_id" in exc.value.message and exc.value.status_code == 503
    ok = types.SimpleNamespace(statements_since=lambda **kw: [], actor_user_id=lambda st: None)
    assert services.lrs_statement_source(ok) is ok


@pytest.mark.django_db
def test_ingest_command_runs_or_says_clearly_that_the_lrs_cannot_be_read_yet(capsys):
    from django.core.management import CommandError, call_command

    from educloud.lrs import api as lrs_api

    if all(hasattr(lrs_api, n) for n in ("statements_since", "actor_user_id")):
        call_command("kt", "ingest")
        assert capsys.readouterr().out.startswith("ingest: read ")
    else:
        with pytest.raises(CommandError, match="尚未提供") as exc:
            call_command("kt", "ingest")
        assert exc.value.returncode == 2
