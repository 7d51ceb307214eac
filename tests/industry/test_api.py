"""产教融合 through /api/v1/industry: publishing, matching, bad inputs (400/422 naming the field), scopes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from educloud.accounts.api import RoleAssignment
from educloud.industry.demo import DEMO_ENTERPRISE, VOC_ADMIN
from educloud.industry.models import Competition, Demand, Enterprise, OrderClass

pytestmark = pytest.mark.django_db
API = "/api/v1/industry"
FUTURE = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def _post(client, url: str, body: dict, method: str = "post") -> tuple[int, dict]:
    response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def _demand(**over):  # type: ignore[no-untyped-def]
    body = {
        "position": "数控编程员",
        "industry": "manufacturing",
        "county": "500118",
        "headcount": 20,
        "deadline": FUTURE,
        "skills": [{"name": "数控车削", "level": 3}, {"name": "机械识图", "level": 2}],
    }
    body.update(over)
    return body


def test_enterprise_publishes_a_demand_and_sees_matched_schools_with_explanations(client, login):
    login("enterprise")
    status, body = _post(client, f"{API}/demands", _demand())
    assert status == 201, body
    assert body["enterprise"] == DEMO_ENTERPRISE
    assert {s["name"] for s in body["skills"]} == {"数控车床编程", "机械制图与CAD"}
    matches = client.get(f"{API}/demands/{body['id']}/matches").json()
    assert matches and matches[0]["score"] >= matches[-1]["score"]
    best = matches[0]
    assert best["explanation"].startswith("匹配技能：")
    assert "缺少：" in best["explanation"]
    assert set(best["matched"]) <= {"数控车床编程", "机械制图与CAD"}
    assert "S5" not in json.dumps(matches)  # schools named, never by code
    mine = client.get(f"{API}/demands?mine=true").json()
    assert body["id"] in {d["id"] for d in mine}
    closed = client.post(f"{API}/demands/{body['id']}/close").json()
    assert closed["status"] == "closed"


@pytest.mark.parametrize(
    ("over", "status", "field"),
    [
        ({"headcount": -5}, 422, "headcount"),
        ({"headcount": 0}, 422, "headcount"),
        ({"headcount": 10**30}, 422, "headcount"),
        ({"headcount": 2**63}, 422, "headcount"),
        ({"skills": [{"name": "量子编织", "level": 3}]}, 400, "skills"),
        ({"skills": [{"name": "焊接", "level": 9}]}, 422, "skills"),
        ({"skills": []}, 400, "skills"),
        ({"county": "999999"}, 400, "county"),
        ({"industry": "mining"}, 400, "industry"),
        ({"deadline": "2020-01-01"}, 400, "deadline"),
        ({"deadline": "明天"}, 422, "deadline"),
        ({"enterprise_id": 10**25}, 422, "enterprise_id"),
        # PostgreSQL refuses NUL: a 400, not a 500 (lib.nul_guard answers before the view, naming the body)
        ({"position": "车工\u0000"}, 400, "body"),
        ({"county": "\u0000"}, 400, "body"),
    ],
)
def test_bad_demands_answer_400_or_422_naming_the_field(client, login, over, status, field):
    login("enterprise")
    before = Demand.objects.count()
    got, body = _post(client, f"{API}/demands", _demand(**over))
    assert got == status, body
    assert field in (body["field"] or ""), body
    assert body["detail"]
    assert Demand.objects.count() == before


def test_only_enterprises_publish_demand_and_only_their_own(client, login):
    login("school_admin")
    status, body = _post(client, f"{API}/demands", _demand())
    assert status == 403 and "企业" in body["detail"]
    login("enterprise")
    other = Demand.objects.exclude(enterprise__name=DEMO_ENTERPRISE).first()
    assert client.post(f"{API}/demands/{other.pk}/close").status_code == 403
    assert Demand.objects.get(pk=other.pk).status == "open"


def test_vocational_admin_publishes_supply_others_are_refused(client, login):
    login(VOC_ADMIN)
    body = {
        "major": "数控技术（接口测试）",
        "industry": "manufacturing",
        "graduates_per_year": 40,
        "skills": [{"name": "数控车床编程", "level": 4}],
    }
    status, made = _post(client, f"{API}/supplies", body)
    assert status == 201, made
    assert made["school_id"] == RoleAssignment.objects.get(user__username=VOC_ADMIN).school_id
    status, bad = _post(client, f"{API}/supplies", {**body, "major": "x", "graduates_per_year": -1})
    assert status == 422 and "graduates_per_year" in bad["field"]
    login("enterprise")
    status, _ = _post(client, f"{API}/supplies", {**body, "major": "y"})
    assert status == 403


def test_allocation_gap_and_vocabulary(client, login):
    login("student")
    allocation = client.get(f"{API}/allocation").json()
    assert allocation["exact_total"] >= allocation["greedy_total"]
    assert allocation["exact_placed"] <= allocation["positions"]
    gap = client.get(f"{API}/gap?by=industry").json()
    assert all(row["gap"] == row["demand"] - row["supply"] for row in gap)
    assert client.get(f"{API}/gap?by=planet").status_code == 422
    assert client.get(f"{API}/demands?industry=%00").status_code == 400  # lib.nul_guard
    skills = client.get(f"{API}/skills").json()
    cnc = next(s for s in skills if s["code"] == "SK-CNC-TURN")
    assert cnc["occupation_code"] == "6-18-01-01" and "数控车削" in cnc["synonyms"]
    status, _ = _post(client, f"{API}/skills", {"code": "X", "name": "某技能", "category": "通用"})
    assert status == 403


def test_joint_office_extends_the_vocabulary(client, login):
    login("joint_office")
    status, made = _post(
        client, f"{API}/skills", {"code": "SK-ZZ", "name": "激光切割", "category": "机械加工"}
    )
    assert status == 201
    status, _ = _post(client, f"{API}/skills/{made['id']}/synonyms", {"name": "激光加工"})
    assert status == 201
    status, body = _post(client, f"{API}/skills/{made['id']}/synonyms", {"name": "激光加工"})
    assert status == 400 and body["field"] == "name"
    assert (
        client.post(f"{API}/skills/{10**30}/synonyms", "{}", content_type="application/json").status_code
        == 422
    )


def test_order_class_transitions_through_the_api(client, login):
    enterprise = Enterprise.objects.get(name=DEMO_ENTERPRISE)
    school_id = RoleAssignment.objects.get(user__username=VOC_ADMIN).school_id
    login("enterprise")
    status, order = _post(
        client,
        f"{API}/order-classes",
        {
            "enterprise_id": enterprise.pk,
            "school_id": school_id,
            "title": "接口订单班",
            "major": "数控",
            "planned_size": 20,
        },
    )
    assert status == 201, order
    url = f"{API}/order-classes/{order['id']}/transition"
    status, body = _post(client, url, {"status": "agreed"})
    assert status == 400 and body["field"] == "status"
    login(VOC_ADMIN)
    status, body = _post(client, url, {"status": "completed", "employed": 3})
    assert status == 400 and body["field"] == "status" and "不能变为“已结业”" in body["detail"]
    assert _post(client, url, {"status": "agreed"})[0] == 200
    assert _post(client, url, {"status": "enrolling"})[0] == 200
    status, body = _post(client, url, {"status": "training", "enrolled": -1})
    assert status == 422 and "enrolled" in body["field"]
    status, body = _post(client, url, {"status": "training", "enrolled": 18})
    assert status == 200 and body["status"] == "training"
    login("school_admin")  # not a party
    assert _post(client, url, {"status": "cancelled"})[0] == 404
    assert OrderClass.objects.get(pk=order["id"]).status == "training"


def test_competition_results_hidden_until_published(client, login):
    judging = Competition.objects.get(is_synthetic=True, status="judging")
    published = Competition.objects.get(is_synthetic=True, status="published")
    login("student")
    assert client.get(f"{API}/competitions/{judging.pk}/results").json() == []
    rows = client.get(f"{API}/competitions/{published.pk}/results").json()
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert len({r["rank"] for r in rows}) < len(rows)  # the demo has a tie
    login("expert")
    assert client.get(f"{API}/competitions/{judging.pk}/results").json()  # a judge previews
    entry = judging.entries.order_by("pk").first()
    status, body = _post(client, f"{API}/entries/{entry.pk}/score", {"score": 1e9}, method="put")
    assert status == 422 and "score" in body["field"]
    status, body = _post(client, f"{API}/entries/{entry.pk}/score", {"score": 77.5}, method="put")
    assert status == 200 and body["score"] == 77.5
    login("joint_office")
    status, body = _post(client, f"{API}/competitions/{judging.pk}/publish", {})
    assert status == 400 and "尚有评委未评分" in body["detail"]


def test_every_operation_needs_a_login(client):
    for path in (
        "/skills",
        "/demands",
        "/supplies",
        "/gap",
        "/allocation",
        "/order-classes",
        "/competitions",
    ):
        assert client.get(f"{API}{path}").status_code == 401
