"""Write scope (issue #11, item 6; ADR 0007 amendment 2026-12-04): a client that is not circle-wide
may write Statements and State / Agent Profile documents only about platform learners of schools in
its scope. Anything else naming a platform account is a 403 with the reason and the field, the
whole batch is refused, and nothing is stored. Agents outside the platform's account namespace
(mbox, openid, other systems' accounts) stay the client's own business.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from educloud.accounts.api import User
from educloud.lrs.api import learner_agent, learner_statements
from educloud.lrs.identity import accounts_home_page
from educloud.lrs.models import AgentProfile, Learner, State, Statement
from tests.lrs.conftest import XAPI, statement

pytestmark = pytest.mark.django_db

YONGCHUAN, JINTANG = "500118", "510121"  # 重庆 永川区, 四川 金堂县
ACTIVITY = "http://example.com/activities/scope"


def _user(**profile_filter: str) -> User:
    user = User.objects.filter(**profile_filter).order_by("pk").first()
    assert user is not None, profile_filter
    return user


@pytest.fixture
def yongchuan_student() -> User:
    return User.objects.get(username="student")  # 永川区第1小学


@pytest.fixture
def jintang_student() -> User:
    return _user(student_profile__school__county_id=JINTANG)


@pytest.fixture
def jintang_teacher() -> User:
    return _user(teacher_profile__school__county_id=JINTANG)


def assert_out_of_scope(response: Any, field: str) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["field"] == field
    assert "outside this client's scope" in body["detail"]
    assert body["detail"].startswith(f"{field}: ")
    assert response["X-Experience-API-Version"] == "1.0.3"


def stored(*statements: dict[str, Any]) -> int:
    return Statement.objects.filter(statement_id__in=[uuid.UUID(s["id"]) for s in statements]).count()


# ---------------------------------------------------------------- Statements


def test_a_county_client_cannot_store_a_statement_about_another_countys_learner(
    make_client: Any, jintang_student: User
) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    s = statement(actor=learner_agent(jintang_student))
    assert_out_of_scope(yongchuan.post(s), "actor")
    assert_out_of_scope(yongchuan.put(s, s["id"]), "actor")
    assert stored(s) == 0
    assert learner_statements(user=jintang_student) == []  # nothing flows into the learner's records


def test_one_out_of_scope_statement_refuses_the_whole_batch(
    make_client: Any, yongchuan_student: User, jintang_student: User
) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    good = statement(actor=learner_agent(yongchuan_student))
    external = statement()  # mbox: not a platform account
    bad = statement(actor=learner_agent(jintang_student))
    assert_out_of_scope(yongchuan.post([good, external, bad]), "[2].actor")
    assert stored(good, external, bad) == 0
    assert yongchuan.post([good, external]).status_code == 200
    assert stored(good, external) == 2


def test_in_scope_learners_and_external_agents_are_stored_and_placed(
    make_client: Any, yongchuan_student: User
) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    mine = statement(actor=learner_agent(yongchuan_student))
    external = statement(actor={"account": {"homePage": "https://moodle.example.cn", "name": "u17"}})
    assert yongchuan.post([mine, external]).status_code == 200
    row = Statement.objects.get(statement_id=mine["id"])
    assert row.county_code == YONGCHUAN and row.learner_id == Learner.objects.get(user=yongchuan_student).pk
    assert Statement.objects.get(statement_id=external["id"]).county_code == YONGCHUAN  # the client's place
    again = statement(actor=learner_agent(yongchuan_student))
    assert yongchuan.put(again, again["id"]).status_code == 204


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("object", "object"),
        ("instructor", "context.instructor"),
        ("member", "actor.member[1]"),
        ("team", "context.team.member[0]"),
        ("substatement", "object.actor"),
        ("substatement_object", "object.object"),
    ],
)
def test_every_agent_position_is_checked(
    make_client: Any, yongchuan_student: User, jintang_teacher: User, where: str, field: str
) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    mine, other = learner_agent(yongchuan_student), learner_agent(jintang_teacher)
    changes: dict[str, Any] = {
        "object": {"object": {**other, "objectType": "Agent"}},
        "instructor": {"context": {"instructor": other}},
        "member": {"actor": {"objectType": "Group", "member": [mine, other]}},
        "team": {"context": {"team": {"objectType": "Group", "member": [other]}}},
        "substatement": {
            "object": {
                "objectType": "SubStatement",
                "actor": other,
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                "object": {"id": ACTIVITY},
            }
        },
        "substatement_object": {
            "object": {
                "objectType": "SubStatement",
                "actor": mine,
                "verb": {"id": "http://adlnet.gov/expapi/verbs/mentored"},
                "object": {**other, "objectType": "Agent"},
            }
        },
    }[where]
    s = statement(actor=mine, **{k: v for k, v in changes.items() if k != "actor"})
    if "actor" in changes:
        s["actor"] = changes["actor"]
    assert_out_of_scope(yongchuan.post(s), field)
    assert stored(s) == 0


def test_unknown_platform_accounts_are_refused_like_out_of_scope_ones(make_client: Any) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    s = statement(actor={"account": {"homePage": accounts_home_page(), "name": "0" * 24}})
    assert_out_of_scope(yongchuan.post(s), "actor")
    assert stored(s) == 0


def test_a_platform_user_without_a_school_is_outside_every_regional_scope(make_client: Any) -> None:
    bureau = User.objects.get(username="yongchuan_bureau")  # a user, but no student/teacher profile
    s = statement(actor=learner_agent(bureau))
    assert_out_of_scope(make_client(county_code=YONGCHUAN).post(s), "actor")
    assert make_client(circle=True).post(s).status_code == 200


def test_scope_levels_school_city_province_and_circle(
    make_client: Any, yongchuan_student: User, jintang_student: User
) -> None:
    school_code = yongchuan_student.student_profile.school.code
    other_school = (
        User.objects.filter(student_profile__school__county_id=YONGCHUAN)
        .exclude(student_profile__school__code=school_code)
        .order_by("pk")
        .first()
    )
    assert other_school is not None  # a student of another school of 永川区
    school = make_client(school_code=school_code)
    assert school.post(statement(actor=learner_agent(yongchuan_student))).status_code == 200
    assert_out_of_scope(school.post(statement(actor=learner_agent(other_school))), "actor")
    chongqing = make_client(province_code="500000")
    assert chongqing.post(statement(actor=learner_agent(other_school))).status_code == 200
    assert_out_of_scope(chongqing.post(statement(actor=learner_agent(jintang_student))), "actor")
    chengdu = make_client(city_code="510100")  # 金堂县 is in 成都市
    assert chengdu.post(statement(actor=learner_agent(jintang_student))).status_code == 200
    circle = make_client(circle=True)
    both = [statement(actor=learner_agent(u)) for u in (yongchuan_student, jintang_student)]
    assert circle.post(both).status_code == 200


# ---------------------------------------------------------------- documents


def state(agent: dict[str, Any], state_id: str = "bookmark") -> dict[str, Any]:
    return {"activityId": ACTIVITY, "agent": agent, "stateId": state_id}


def test_state_writes_about_an_out_of_scope_learner_are_403_and_store_nothing(
    make_client: Any, jintang_student: User
) -> None:
    yongchuan: XAPI = make_client(county_code=YONGCHUAN)
    params = state(learner_agent(jintang_student))
    assert_out_of_scope(yongchuan.request("PUT", "activities/state", params, body={"page": 3}), "agent")
    assert_out_of_scope(yongchuan.request("POST", "activities/state", params, body={"page": 3}), "agent")
    assert not State.objects.filter(activity_id=ACTIVITY).exists()
    # One the learner's own county stored cannot be deleted from outside either.
    jintang = make_client(county_code=JINTANG)
    assert jintang.request("PUT", "activities/state", params, body={"page": 1}).status_code == 204
    assert_out_of_scope(yongchuan.request("DELETE", "activities/state", params), "agent")
    no_id = {k: v for k, v in params.items() if k != "stateId"}
    assert_out_of_scope(yongchuan.request("DELETE", "activities/state", no_id), "agent")
    assert State.objects.filter(activity_id=ACTIVITY).count() == 1


def test_agent_profile_writes_about_an_out_of_scope_learner_are_403(
    make_client: Any, jintang_student: User
) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    params = {"agent": learner_agent(jintang_student), "profileId": "prefs"}
    put = yongchuan.request("PUT", "agents/profile", params, body={"k": 1}, headers={"If-None-Match": "*"})
    assert_out_of_scope(put, "agent")
    assert_out_of_scope(yongchuan.request("POST", "agents/profile", params, body={"k": 1}), "agent")
    assert_out_of_scope(yongchuan.request("DELETE", "agents/profile", params), "agent")
    assert not AgentProfile.objects.filter(profile_id="prefs").exists()


def test_in_scope_and_external_agents_documents_still_work(make_client: Any, yongchuan_student: User) -> None:
    yongchuan = make_client(county_code=YONGCHUAN)
    for agent in (learner_agent(yongchuan_student), {"mbox": "mailto:someone@example.com"}):
        params = state(agent)
        assert yongchuan.request("PUT", "activities/state", params, body={"page": 1}).status_code == 204
        assert yongchuan.request("POST", "activities/state", params, body={"n": 2}).status_code == 204
        assert yongchuan.request("GET", "activities/state", params).json() == {"page": 1, "n": 2}
        assert yongchuan.request("DELETE", "activities/state", params).status_code == 204
    params = state(learner_agent(yongchuan_student), "placed")
    yongchuan.request("PUT", "activities/state", params, body={"page": 1})
    assert State.objects.get(state_id="placed").county_code == YONGCHUAN
