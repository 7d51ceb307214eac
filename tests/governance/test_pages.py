"""Governance pages for the joint office, a bureau, an applicant and a reviewer (Chinese, scoped)."""

from __future__ import annotations

import pytest

from educloud.governance.models import ActionItem, Application, FundCall, JointMeeting, ReviewAssignment

pytestmark = pytest.mark.django_db


def _call(year: int) -> FundCall:
    return FundCall.objects.get(is_synthetic=True, year=year)


def test_pages_need_login_and_the_nav_links_the_app(client, login):
    assert client.get("/governance/").status_code == 302
    login("teacher")
    assert 'href="/governance/"' in client.get("/").content.decode()


def test_joint_office_runs_a_selection_from_the_call_page(client, login):
    login("joint_office")
    call = _call(2026)
    page = client.get(f"/governance/fund/{call.pk}/").content.decode()
    assert "运行遴选" in page and "分配评审专家" in page and page.count('data-testid="application-row"') == 12
    response = client.post(f"/governance/fund/{call.pk}/select/", {"rule": "knapsack"}, follow=True)
    html = response.content.decode()
    assert "遴选完成" in html and "精确背包" in html and "入选" in html and "未入选" in html
    bad = client.post(f"/governance/fund/{call.pk}/select/", {"rule": "dice"}, follow=True).content.decode()
    assert "遴选规则“dice”不存在" in bad


def test_applicant_pages_show_own_applications_and_refuse_over_cap(client, login):
    login("teacher")
    mine = client.get("/governance/fund/mine/").content.decode()
    own = Application.objects.filter(applicant__username="teacher")
    assert own.exists() and all(a.title in mine for a in own)
    assert not any(a.title in mine for a in Application.objects.exclude(applicant__username="teacher")[:5])
    call = _call(2027)
    response = client.post(
        f"/governance/fund/{call.pk}/apply/",
        {"title": "超额项目", "category": "smart", "budget_requested": call.max_request + 1},
    )
    assert response.status_code == 400 and "超过本批次单项上限" in response.content.decode()
    response = client.post(
        f"/governance/fund/{call.pk}/apply/",
        {"title": "新项目", "category": "smart", "budget_requested": 80000},
    )
    assert response.status_code == 302 and Application.objects.filter(title="新项目").exists()


def test_reviewer_page_lists_only_assignments_and_saves_a_score(client, login):
    login("expert_2")
    page = client.get("/governance/fund/reviews/").content.decode()
    mine = ReviewAssignment.objects.filter(reviewer__username="expert_2").select_related("application")
    assert all(r.application.title in page for r in mine)
    review = mine.filter(application__call=_call(2026)).first()
    html = client.post(
        f"/governance/fund/reviews/{review.pk}/", {"score": "101"}, follow=True
    ).content.decode()
    assert "超出评分范围 0–100" in html
    client.post(f"/governance/fund/reviews/{review.pk}/", {"score": "66", "comment": "可行"})
    review.refresh_from_db()
    assert review.score == 66
    login("teacher")
    assert client.get("/governance/fund/reviews/").status_code == 403


def test_bureau_sees_meetings_and_its_action_items_with_overdue_flags(client, login):
    login("cq_bureau")
    meeting = JointMeeting.objects.order_by("session").first()
    page = client.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "议程" in page and "会议纪要" in page and "决议 1" in page
    actions = client.get("/governance/actions/").content.decode()
    assert all(a.title in actions for a in ActionItem.objects.filter(owner_province_id="500000"))
    assert not any(a.title in actions for a in ActionItem.objects.filter(owner_province_id="510000"))
    other = ActionItem.objects.filter(owner_province_id="510000").first()
    assert client.get(f"/governance/actions/{other.pk}/").status_code == 404
    own = ActionItem.objects.filter(owner_province_id="500000", status="in_progress").first()
    client.post(f"/governance/actions/{own.pk}/", {"note": "完成", "progress": "100", "status": "done"})
    assert ActionItem.objects.get(pk=own.pk).status == "in_progress"  # no evidence: refused
    client.post(
        f"/governance/actions/{own.pk}/",
        {"note": "完成", "progress": "100", "status": "done", "evidence_url": "https://example.org/report"},
    )
    assert ActionItem.objects.get(pk=own.pk).status == "done"
    login("teacher")
    assert client.get("/governance/meetings/").status_code == 403


def test_performance_page_shows_dea_and_awards(client, login):
    login("joint_office")
    page = client.get(f"/governance/fund/{_call(2025).pk}/performance/").content.decode()
    assert "数据包络分析" in page and 'data-testid="performance-row"' in page and "一等奖" in page


def test_joint_office_creates_a_call_a_meeting_a_resolution_and_an_action_from_pages(client, login):
    login("joint_office")
    html = client.post(
        "/governance/",
        {
            "title": "新批次",
            "year": "2028",
            "budget": "100000",
            "max_request": "200000",
            "deadline": "2028-03-01",
        },
        follow=True,
    ).content.decode()
    assert "不能超过资助总额" in html and not FundCall.objects.filter(title="新批次").exists()
    client.post(
        "/governance/",
        {
            "title": "新批次",
            "year": "2028",
            "budget": "1000000",
            "max_request": "200000",
            "deadline": "2028-03-01",
        },
    )
    assert FundCall.objects.filter(title="新批次", status="open").exists()
    last = JointMeeting.objects.order_by("-session").first()
    other = "500000" if last.host_province_id == "510000" else "510000"
    form = {
        "title": "第三次会议",
        "session": str(last.session + 1),
        "date": "2027-01-10",
        "host_province": other,
        "location": "重庆市荣昌区",
        "agenda": "学分互认|联合办公室\n教师交流",
        "attendance_cq": "张某|副主任",
        "attendance_sc": "李某 副厅长",
        "minutes": "纪要",
    }
    client.post("/governance/meetings/", form)
    meeting = JointMeeting.objects.get(session=last.session + 1)
    assert [a.title for a in meeting.agenda.all()] == ["学分互认", "教师交流"]
    assert {(a.province_id, a.name, a.position) for a in meeting.attendance.all()} == {
        ("500000", "张某", "副主任"),
        ("510000", "李某", "副厅长"),
    }
    client.post(f"/governance/meetings/{meeting.pk}/", {"kind": "resolution", "text": "推进学分互认"})
    resolution = meeting.resolutions.get()
    html = client.post(
        f"/governance/meetings/{meeting.pk}/",
        {
            "kind": "action",
            "resolution": resolution.pk,
            "title": "起草办法",
            "owner_province": "510000",
            "deadline": "2026-01-01",
        },
        follow=True,
    ).content.decode()
    assert "早于会议日期" in html
    client.post(
        f"/governance/meetings/{meeting.pk}/",
        {
            "kind": "action",
            "resolution": resolution.pk,
            "title": "起草办法",
            "owner_province": "510000",
            "deadline": "2027-06-30",
        },
    )
    assert ActionItem.objects.filter(
        resolution=resolution, title="起草办法", owner_province_id="510000"
    ).exists()
    login("sc_bureau")
    assert client.post("/governance/meetings/", form).status_code == 403
