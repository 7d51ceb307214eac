"""Joint meetings: host alternation, resolutions → action items → updates with evidence; bureau scopes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils.html import escape

from educloud.accounts.api import User
from educloud.governance import selectors
from educloud.governance.models import ActionItem, JointMeeting, Resolution
from educloud.library.api import Resource

pytestmark = pytest.mark.django_db
API = "/api/v1/governance"


def _post(client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("username", "provinces"),
    [
        ("sc_bureau", {"510000"}),
        ("chengdu_bureau", {"510000"}),
        ("cq_bureau", {"500000"}),
        ("yongchuan_bureau", {"500000"}),
    ],
)
def test_a_bureau_sees_only_its_governments_action_items(client, login, username, provinces):
    login(username)
    rows = client.get(f"{API}/actions").json()
    assert rows and {r["owner_province_id"] for r in rows} == provinces


def test_the_joint_office_sees_all_and_others_see_no_meetings(client, login):
    login("joint_office")
    assert len(client.get(f"{API}/actions").json()) == ActionItem.objects.count()
    login("teacher")
    assert client.get(f"{API}/actions").json() == []
    assert client.get(f"{API}/meetings").status_code == 403


def test_host_alternates_and_deadline_must_follow_the_meeting(client, login):
    login("joint_office")
    last = JointMeeting.objects.order_by("-session").first()
    same_host = {
        "title": "第三次会议",
        "session": last.session + 1,
        "date": "2026-12-20",
        "host_province": last.host_province_id,
        "location": "某地",
        "agenda": ["议题一"],
    }
    status, body = _post(client, f"{API}/meetings", same_host)
    assert status == 400 and body["field"] == "host_province" and "轮流承办" in body["detail"]
    other = "500000" if last.host_province_id == "510000" else "510000"
    status, meeting = _post(client, f"{API}/meetings", {**same_host, "host_province": other})
    assert status == 201
    status, resolution = _post(
        client, f"{API}/meetings/{meeting['id']}/resolutions", {"text": "推进学分互认。"}
    )
    assert status == 201 and resolution["number"] == 1
    status, body = _post(
        client,
        f"{API}/resolutions/{resolution['id']}/actions",
        {"title": "制定学分互认办法", "owner_province": "510000", "deadline": "2026-12-01"},
    )
    assert status == 400 and body["field"] == "deadline" and "早于会议日期" in body["detail"]
    cq = User.objects.get(username="cq_bureau")
    status, body = _post(
        client,
        f"{API}/resolutions/{resolution['id']}/actions",
        {
            "title": "制定学分互认办法",
            "owner_province": "510000",
            "deadline": "2027-06-30",
            "owner_user_id": cq.pk,
        },
    )
    assert status == 400 and body["field"] == "owner_user_id"  # a 重庆 account cannot own a 四川 item
    status, body = _post(
        client,
        f"{API}/resolutions/{resolution['id']}/actions",
        {"title": "制定学分互认办法", "owner_province": "510000", "deadline": "2027-06-30"},
    )
    assert status == 201 and body["status"] == "not_started"


def test_bureau_updates_its_item_with_evidence_and_it_is_traceable(client, login):
    action = ActionItem.objects.filter(owner_province_id="510000").order_by("pk").first()
    login("cq_bureau")  # the other government: not even visible
    status, _ = _post(
        client, f"{API}/actions/{action.pk}/updates", {"note": "x", "progress": 10, "status": "in_progress"}
    )
    assert status == 404
    login("chengdu_bureau")  # sees 四川's items, but only the provincial bureau or the owner updates them
    status, _ = _post(
        client, f"{API}/actions/{action.pk}/updates", {"note": "x", "progress": 10, "status": "in_progress"}
    )
    assert status == 403
    login("sc_bureau")
    status, body = _post(
        client, f"{API}/actions/{action.pk}/updates", {"note": "已完成", "progress": 100, "status": "done"}
    )
    assert status == 400 and body["field"] == "evidence_url" and "佐证" in body["detail"]
    status, body = _post(
        client,
        f"{API}/actions/{action.pk}/updates",
        {"note": "x", "progress": 50, "status": "in_progress", "evidence_url": "javascript:alert(1)"},
    )
    assert status == 400 and body["field"] == "evidence_url"
    status, body = _post(
        client,
        f"{API}/actions/{action.pk}/updates",
        {"note": "x", "progress": 50, "status": "in_progress", "evidence_resource_id": 10**12},
    )
    assert status == 400 and body["field"] == "evidence_resource_id"
    resource = Resource.objects.filter(status="published", visibility="public").order_by("pk").first()
    status, body = _post(
        client,
        f"{API}/actions/{action.pk}/updates",
        {"note": "完成并上传成果", "progress": 80, "status": "done", "evidence_resource_id": resource.pk},
    )
    assert status == 201 and body["progress"] == 100 and body["evidence_resource_id"] == resource.pk
    trace = client.get(f"{API}/resolutions/{action.resolution_id}/trace").json()
    item = next(a for a in trace["actions"] if a["id"] == action.pk)
    assert item["status"] == "done" and item["updates"][-1]["evidence_resource_id"] == resource.pk
    assert {a["owner_province"] for a in trace["actions"]} == {"510000"}  # the bureau's own items only
    page = client.get(f"/governance/resolutions/{action.resolution_id}/").content.decode()
    assert escape(resource.title) in page and f"/library/r/{resource.pk}/" in page


def test_overdue_means_past_deadline_and_not_done():
    office = User.objects.get(username="joint_office")
    day = dt.date(2026, 8, 1)
    overdue = set(selectors.action_list(actor=office, overdue_only=True, today=day))
    expected = {a for a in ActionItem.objects.all() if a.deadline < day and a.status != "done"}
    assert overdue == expected and overdue  # the demo has an overdue item on that day
    assert all(a.status != "done" for a in overdue)
    assert not selectors.action_list(actor=office, overdue_only=True, today=dt.date(2025, 1, 1)).exists()


def test_resolutions_are_numbered_per_meeting():
    for meeting in JointMeeting.objects.all():
        numbers = list(Resolution.objects.filter(meeting=meeting).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
