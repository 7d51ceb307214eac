"""Client scope isolation, students' pseudonymous identity, audit of reads, our own events, the CLI."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from educloud.accounts.api import PersonalDataAccess, User
from educloud.lib.errors import InvalidInput
from educloud.lrs.api import (
    learner_agent,
    learner_statements,
    statement_record_internal,
    void_statement_internal,
)
from educloud.lrs.models import Client, Learner, Statement
from tests.lrs.conftest import XAPI, statement

pytestmark = pytest.mark.django_db
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def ids_of(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {s["id"] for s in response.json()["statements"]}


def test_sichuan_client_cannot_read_chongqing_clients_statements(make_client) -> None:
    chongqing = make_client(province_code="500000")
    yongchuan = make_client(county_code="500118")
    sichuan = make_client(province_code="510000")
    chengdu = make_client(city_code="510100")
    circle = make_client(circle=True)
    cq, yc, sc, cd = statement(), statement(), statement(), statement()
    chongqing.post(cq)
    yongchuan.post(yc)
    sichuan.post(sc)
    chengdu.post(cd)
    assert ids_of(sichuan.get()) == {sc["id"], cd["id"]}  # its own and its city's client
    assert ids_of(chongqing.get()) == {cq["id"], yc["id"]}
    assert ids_of(yongchuan.get()) == {yc["id"]}
    assert ids_of(chengdu.get()) == {cd["id"]}
    assert {cq["id"], yc["id"], sc["id"], cd["id"]} <= ids_of(circle.get())
    assert sichuan.get({"statementId": cq["id"]}).status_code == 404
    assert circle.get({"statementId": cq["id"]}).status_code == 200


def test_platform_learner_statements_follow_the_learners_school(make_client) -> None:
    student = User.objects.get(username="student")  # a school of 永川区 (500118)
    statement_id = statement_record_internal(
        actor_user=student,
        verb=COMPLETED,
        object_id="http://educloud.example/library/resources/1",
        object_name="分数的加减法",
    )
    row = Statement.objects.get(statement_id=statement_id)
    assert row.county_code == "500118"
    assert row.province_code == "500000"
    yongchuan = make_client(county_code="500118")
    jintang = make_client(county_code="510121")
    assert yongchuan.get({"statementId": statement_id}).status_code == 200
    assert jintang.get({"statementId": statement_id}).status_code == 404
    school_code = row.school_code
    assert make_client(school_code=school_code).get({"statementId": statement_id}).status_code == 200


def test_students_are_pseudonymous_in_statements() -> None:
    student = User.objects.get(username="student")
    statement_id = statement_record_internal(
        actor_user=student,
        verb=ANSWERED,
        object_id="http://educloud.example/learning/items/7",
        object_name={"zh-CN": "第7题"},
        result={"success": True, "response": "B"},
    )
    payload = Statement.objects.get(statement_id=statement_id).payload
    actor = json.loads(payload)["actor"]
    assert set(actor) == {"objectType", "account"}
    assert actor["account"]["homePage"].endswith("/accounts")
    assert actor["account"]["name"] == Learner.objects.get(user=student).account_name
    for secret in (student.username, student.display_name, student.email):
        if secret:
            assert secret not in payload
    assert learner_agent(student) == actor  # stable


def test_internal_statements_have_the_platform_authority_and_can_be_read_back_and_voided() -> None:
    student = User.objects.get(username="student")
    first = statement_record_internal(
        actor_user=student, verb=COMPLETED, object_id="http://educloud.example/r/1", object_name="资源一"
    )
    second = statement_record_internal(
        actor_user=student,
        verb=ANSWERED,
        object_id="http://educloud.example/i/1",
        object_name="题目一",
        result={"success": False},
    )
    stored = learner_statements(user=student)
    assert [s["id"] for s in stored[:2]] == [second, first]
    assert stored[0]["authority"]["account"]["name"] == "educloud-internal"
    assert [s["id"] for s in learner_statements(user=student, verb=ANSWERED)] == [second]
    void_statement_internal(statement_id=second)
    assert second not in {s["id"] for s in learner_statements(user=student)}


def test_internal_statement_validation_errors_name_the_field() -> None:
    student = User.objects.get(username="student")
    with pytest.raises(InvalidInput) as caught:
        statement_record_internal(
            actor_user=student, verb="not an iri", object_id="http://x.example/a", object_name="x"
        )
    assert caught.value.field == "verb.id"


def test_reading_students_statements_is_logged_once_per_request(make_client) -> None:
    student = User.objects.get(username="student")
    for n in range(3):
        statement_record_internal(
            actor_user=student,
            verb=COMPLETED,
            object_id=f"http://educloud.example/r/{n}",
            object_name=f"资源{n}",
        )
    reader = make_client(county_code="500118")
    before = PersonalDataAccess.objects.count()
    response = reader.get({"agent": learner_agent(student)})
    assert len(response.json()["statements"]) == 3
    assert PersonalDataAccess.objects.count() == before + 1
    log = PersonalDataAccess.objects.order_by("-id").first()
    assert log.purpose.startswith("xAPI query")
    assert reader.key in log.purpose
    assert log.subject_ids == [student.student_profile.id]
    reader.get({"agent": {"mbox": "mailto:nobody@example.com"}})
    assert PersonalDataAccess.objects.count() == before + 1  # nothing about students: no row


def test_cli_client_create_list_deactivate() -> None:
    out = StringIO()
    call_command("lrs", "client-create", "--name", "Moodle 永川", "--county", "500118", "--json", stdout=out)
    created = json.loads(out.getvalue())
    assert set(created) == {"key", "secret"}
    client = Client.objects.get(key=created["key"])
    assert client.scope_kind == "county"
    assert client.secret_hash != created["secret"]
    assert XAPI(created["key"], created["secret"]).get().status_code == 200
    listing = StringIO()
    call_command("lrs", "client-list", "--json", stdout=listing)
    assert created["key"] in {row["key"] for row in json.loads(listing.getvalue())}
    assert created["secret"] not in listing.getvalue()
    call_command("lrs", "client-deactivate", created["key"], stdout=StringIO())
    assert XAPI(created["key"], created["secret"]).get().status_code == 401


@pytest.mark.parametrize(
    "args",
    [
        ["--county", "999999"],
        ["--school", "NOPE"],
    ],
)
def test_cli_rejects_unknown_scopes(args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError):
        call_command("lrs", "client-create", "--name", "x", *args, stdout=StringIO())


def test_cli_requires_exactly_one_scope() -> None:
    with pytest.raises(CommandError):
        call_command(
            "lrs", "client-create", "--name", "x", "--county", "500118", "--circle", stdout=StringIO()
        )
    with pytest.raises(CommandError):
        call_command("lrs", "client-create", "--name", "x", stdout=StringIO())


def test_circle_client_scope_and_school_client(make_client) -> None:
    from educloud.schools.api import School

    school = School.objects.filter(county_id="510121").order_by("code").first()
    school_client = make_client(school_code=school.code)
    row = Client.objects.get(key=school_client.key)
    assert row.scope_kind == "school"
    mine = statement()
    school_client.post(mine)
    stored = Statement.objects.get(statement_id=mine["id"])
    assert (stored.school_code, stored.county_code, stored.province_code) == (school.code, "510121", "510000")
    assert make_client(county_code="510121").get({"statementId": mine["id"]}).status_code == 200
    assert make_client(county_code="510104").get({"statementId": mine["id"]}).status_code == 404


def test_statements_since_feeds_answers_by_sequence_and_maps_actors(make_client) -> None:
    from educloud.lrs.api import actor_user_id, statements_since

    student = User.objects.get(username="student")
    mine = statement_record_internal(
        actor_user=student,
        verb=ANSWERED,
        object_id="http://educloud.example/i/2",
        object_name="题目二",
        result={"success": True},
    )
    external = statement(verb={"id": ANSWERED}, actor={"mbox": "mailto:moodle-user@example.com"})
    make_client(county_code="500118").post(external)
    statement_record_internal(
        actor_user=student, verb=COMPLETED, object_id="http://educloud.example/r/9", object_name="资源九"
    )
    feed = statements_since(verb=ANSWERED, after_seq=0, limit=100)
    ids = [s["id"] for _, s in feed]
    assert ids[-2:] == [mine, external["id"]]
    seqs = [seq for seq, _ in feed]
    assert seqs == sorted(seqs)
    assert statements_since(verb=ANSWERED, after_seq=seqs[-1], limit=100) == []
    assert statements_since(verb=ANSWERED, after_seq=seqs[-2], limit=1)[0][1]["id"] == external["id"]
    assert actor_user_id(feed[-2][1]) == student.pk
    assert actor_user_id(feed[-1][1]) is None
