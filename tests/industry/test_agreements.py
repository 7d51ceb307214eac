"""实训基地、学徒制 and the competition form: created through the API and the pages by the parties only;
bad input answers 400/422 naming the field (the page says what to fix), nothing written."""

from __future__ import annotations

import json

import pytest

from educloud.accounts.api import Role, RoleAssignment
from educloud.industry.demo import DEMO_ENTERPRISE, VOC_ADMIN
from educloud.industry.models import Apprenticeship, Competition, Enterprise, TrainingBase

pytestmark = pytest.mark.django_db
API = "/api/v1/industry"


def _post(client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def _parties() -> dict[str, int]:
    return {
        "enterprise_id": Enterprise.objects.get(name=DEMO_ENTERPRISE).pk,
        "school_id": RoleAssignment.objects.get(user__username=VOC_ADMIN).school_id,
    }


def _base(**over):  # type: ignore[no-untyped-def]
    return {
        **_parties(),
        "name": "智能制造实训中心（接口）",
        "capacity": 60,
        "majors": "数控技术、焊接",
        **over,
    }


def _apprenticeship(**over):  # type: ignore[no-untyped-def]
    body = {
        **_parties(),
        "major": "工业机器人技术",
        "apprentices": 12,
        "mentors": 4,
        "starts_on": "2027-09-01",
        "ends_on": "2029-07-01",
    }
    return {**body, **over}


@pytest.mark.parametrize("username", ["enterprise", VOC_ADMIN])
def test_either_party_registers_a_base_and_an_apprenticeship(client, login, username):
    login(username)
    status, base = _post(client, f"{API}/bases", _base())
    assert status == 201, base
    assert base["enterprise"] == DEMO_ENTERPRISE and base["capacity"] == 60
    assert client.get(f"{API}/bases/{base['id']}").json()["name"] == "智能制造实训中心（接口）"
    assert base["id"] in {b["id"] for b in client.get(f"{API}/bases").json()}
    status, agreement = _post(client, f"{API}/apprenticeships", _apprenticeship())
    assert status == 201, agreement
    assert agreement["apprentices"] == 12 and agreement["ends_on"] == "2029-07-01"
    assert client.get(f"{API}/apprenticeships/{agreement['id']}").json()["mentors"] == 4
    assert agreement["id"] in {a["id"] for a in client.get(f"{API}/apprenticeships").json()}


@pytest.mark.parametrize(
    "username", ["school_admin", "teacher", "student", "expert", "joint_office", "jintang_bureau"]
)
def test_non_parties_are_refused_and_nothing_is_written(client, login, username):
    login(username)
    before = (TrainingBase.objects.count(), Apprenticeship.objects.count())
    assert _post(client, f"{API}/bases", _base())[0] == 403
    assert _post(client, f"{API}/apprenticeships", _apprenticeship())[0] == 403
    assert (TrainingBase.objects.count(), Apprenticeship.objects.count()) == before


def test_an_enterprise_member_cannot_register_for_another_enterprise(client, login):
    other = Enterprise.objects.exclude(name=DEMO_ENTERPRISE).order_by("pk")[0]
    login("enterprise")
    status, body = _post(client, f"{API}/bases", _base(enterprise_id=other.pk, school_id=_other_school()))
    assert status == 403, body


def _other_school() -> int:
    mine = RoleAssignment.objects.get(user__username=VOC_ADMIN).school_id
    from educloud.schools.api import School

    return School.objects.filter(stage__in=("vocational", "higher")).exclude(pk=mine).order_by("pk")[0].pk


def test_details_are_scoped(client, login):
    base = TrainingBase.objects.exclude(enterprise__name=DEMO_ENTERPRISE).order_by("pk")[0]
    agreement = Apprenticeship.objects.exclude(enterprise__name=DEMO_ENTERPRISE).order_by("pk")[0]
    login("student")
    assert client.get(f"{API}/bases/{base.pk}").status_code == 404
    assert client.get(f"{API}/apprenticeships/{agreement.pk}").status_code == 404
    assert client.get(f"{API}/bases").json() == []
    login("joint_office")
    assert client.get(f"{API}/bases/{base.pk}").status_code == 200
    assert client.get(f"{API}/apprenticeships/{agreement.pk}").status_code == 200
    assert client.get(f"{API}/bases/{10**30}").status_code == 422


@pytest.mark.parametrize(
    ("over", "status", "field"),
    [
        ({"capacity": -5}, 422, "capacity"),
        ({"capacity": 0}, 422, "capacity"),
        ({"capacity": 10**30}, 422, "capacity"),
        ({"capacity": 2**63}, 422, "capacity"),
        ({"name": "基地\u0000"}, 400, "body"),  # NUL: refused before the view (lib.nul_guard)
        ({"name": "基地\u0001"}, 400, "name"),
        ({"name": "  "}, 400, "name"),
        ({"majors": "数控\u0007"}, 400, "majors"),
        ({"enterprise_id": 10**25}, 422, "enterprise_id"),
        ({"enterprise_id": 999999}, 400, "enterprise_id"),
        ({"school_id": 999999}, 400, "school_id"),
        ({"name": "x" * 81}, 422, "name"),
    ],
)
def test_bad_bases_answer_400_or_422_naming_the_field(client, login, over, status, field):
    login("enterprise")
    before = TrainingBase.objects.count()
    got, body = _post(client, f"{API}/bases", _base(**over))
    assert got == status, body
    assert field in (body["field"] or ""), body
    assert TrainingBase.objects.count() == before


@pytest.mark.parametrize(
    ("over", "status", "field"),
    [
        ({"apprentices": -1}, 422, "apprentices"),
        ({"mentors": 0}, 422, "mentors"),
        ({"mentors": 2**63}, 422, "mentors"),
        ({"apprentices": 10**30}, 422, "apprentices"),
        ({"ends_on": "2027-08-01"}, 400, "ends_on"),
        ({"starts_on": "明年"}, 422, "starts_on"),
        ({"major": "\u0000"}, 400, "body"),
        ({"major": "\u0002"}, 400, "major"),
        ({"school_id": 10**25}, 422, "school_id"),
    ],
)
def test_bad_apprenticeships_answer_400_or_422_naming_the_field(client, login, over, status, field):
    login(VOC_ADMIN)
    before = Apprenticeship.objects.count()
    got, body = _post(client, f"{API}/apprenticeships", _apprenticeship(**over))
    assert got == status, body
    assert field in (body["field"] or ""), body
    assert Apprenticeship.objects.count() == before


def test_a_general_school_cannot_be_a_party(client, login):
    from educloud.schools.api import School

    general = School.objects.exclude(stage__in=("vocational", "higher")).order_by("pk")[0]
    login("enterprise")
    status, body = _post(client, f"{API}/bases", _base(school_id=general.pk))
    assert status == 400 and body["field"] == "school_id"


# ------------------------------------------------------------------------------------------ pages


def test_parties_register_through_the_bases_page(client, login):
    login("enterprise")
    page = client.get("/industry/bases/").content.decode()
    assert 'data-testid="base-form"' in page and 'data-testid="apprenticeship-form"' in page
    other = Enterprise.objects.exclude(name=DEMO_ENTERPRISE).order_by("name")[0]
    assert f">{other.name}</option>" not in page  # an enterprise member registers for its own enterprise
    form = {**_parties(), "action": "base", "name": "页面实训基地", "capacity": "30", "majors": "焊接"}
    response = client.post("/industry/bases/", form)
    assert response.status_code == 302
    assert "页面实训基地" in client.get("/industry/bases/").content.decode()
    login(VOC_ADMIN)
    form = {
        **_parties(),
        "action": "apprenticeship",
        "major": "页面学徒专业",
        "apprentices": "8",
        "mentors": "2",
        "starts_on": "2027-03-01",
        "ends_on": "2028-03-01",
    }
    assert client.post("/industry/bases/", form).status_code == 302
    assert Apprenticeship.objects.filter(major="页面学徒专业").exists()


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"capacity": "-3"}, "容纳人数"),
        ({"capacity": "9" * 40}, "容纳人数"),
        ({"capacity": "许多"}, "容纳人数"),
        ({"name": "基地\u0001"}, "控制字符"),
        ({"name": "基地\u0000"}, "控制字符"),  # multipart (the test client's default): the service refuses it
        ({"name": ""}, "请填写基地名称"),
    ],
)
def test_bad_base_form_says_what_to_fix(client, login, over, message):
    login("enterprise")
    before = TrainingBase.objects.count()
    form = {**_parties(), "action": "base", "name": "页面基地", "capacity": "30", "majors": "焊接", **over}
    response = client.post("/industry/bases/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert TrainingBase.objects.count() == before


def test_bad_apprenticeship_form_says_what_to_fix(client, login):
    login(VOC_ADMIN)
    form = {
        **_parties(),
        "action": "apprenticeship",
        "major": "专业",
        "apprentices": "8",
        "mentors": "2",
        "starts_on": "2027-03-01",
        "ends_on": "某天",
    }
    response = client.post("/industry/bases/", form)
    assert response.status_code == 200 and "结束日期应为日期" in response.content.decode()


@pytest.mark.parametrize("username", ["student", "school_admin", "joint_office"])
def test_the_bases_page_refuses_others(client, login, username):
    login(username)
    page = client.get("/industry/bases/").content.decode()
    assert 'data-testid="base-form"' not in page
    before = TrainingBase.objects.count()
    form = {**_parties(), "action": "base", "name": "越权基地", "capacity": "3", "majors": "x"}
    assert client.post("/industry/bases/", form).status_code == 403
    assert client.post("/industry/bases/", {"action": "?"}).status_code == 400
    assert TrainingBase.objects.count() == before


def _experts() -> list[int]:
    return list(
        RoleAssignment.objects.filter(role=Role.EXPERT)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:2]
    )


def test_joint_office_creates_a_competition_through_the_page(client, login):
    login("joint_office")
    page = client.get("/industry/competitions/").content.decode()
    assert 'data-testid="competition-form"' in page
    form = {"title": "页面技能竞赛", "skill": "焊接", "kind": "team", "team_min": "2", "team_max": "4"}
    response = client.post("/industry/competitions/", {**form, "judge_ids": _experts()})
    assert response.status_code == 302, response.content.decode()[:500]
    made = Competition.objects.get(title="页面技能竞赛")
    assert (made.kind, made.team_min, made.team_max, made.score_max) == ("team", 2, 4, 100)
    assert made.judges.count() == 2


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"skill": "量子编织"}, "不在技能词表中"),
        ({"judge_ids": []}, "至少两位评审专家"),
        ({"judge_ids": ["9" * 40]}, "评审专家无效"),
        ({"score_max": "-1"}, "评分满分"),
        ({"score_max": "9" * 30}, "评分满分"),
        ({"title": "赛\u0001"}, "控制字符"),
        ({"title": "赛\u0000"}, "控制字符"),
        ({"kind": "relay"}, "赛制"),
    ],
)
def test_bad_competition_form_says_what_to_fix(client, login, over, message):
    login("joint_office")
    before = Competition.objects.count()
    form = {"title": "页面竞赛", "skill": "焊接", "kind": "individual", "judge_ids": _experts(), **over}
    response = client.post("/industry/competitions/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Competition.objects.count() == before


@pytest.mark.parametrize("username", ["enterprise", VOC_ADMIN, "expert", "student"])
def test_only_the_joint_office_sees_and_uses_the_competition_form(client, login, username):
    login(username)
    assert 'data-testid="competition-form"' not in client.get("/industry/competitions/").content.decode()
    form = {"title": "越权竞赛", "skill": "焊接", "kind": "individual", "judge_ids": _experts()}
    assert client.post("/industry/competitions/", form).status_code == 403
    assert not Competition.objects.filter(title="越权竞赛").exists()


def test_an_enterprise_member_sees_its_members_only(client, login):
    enterprise = Enterprise.objects.get(name=DEMO_ENTERPRISE)
    other = Enterprise.objects.exclude(pk=enterprise.pk).order_by("pk")[0]
    login("enterprise")
    page = client.get("/industry/enterprise/members/").content.decode()
    assert DEMO_ENTERPRISE in page and other.name not in page
    assert page.count('data-testid="member"') == enterprise.members.count() >= 1
    assert "合成" in page
    login("joint_office")
    page = client.get("/industry/enterprise/members/").content.decode()
    assert 'data-testid="no-enterprise"' in page and 'data-testid="member"' not in page
    assert client.post("/industry/enterprise/members/", {}).status_code == 405  # read-only
