"""REST endpoints and pages for students, teachers and bureaus: scopes, audit, suppression, errors."""

from __future__ import annotations

import json

import pytest

from educloud.accounts.api import PersonalDataAccess, StudentProfile
from educloud.assessment.models import TestSession

from .conftest import occasions, open_test, right_answer

pytestmark = pytest.mark.django_db


def post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_student_api_flow_and_errors(login, client):
    test = open_test()
    assert client.post(f"/api/v1/assessment/tests/{test.pk}/session").status_code == 401
    c = login("student")
    assert test.pk in [t["id"] for t in c.get("/api/v1/assessment/tests").json()]
    state = c.post(f"/api/v1/assessment/tests/{test.pk}/session").json()
    item = state["item"]
    assert set(item) == {"id", "type", "stem", "options"}  # no answer key leaves
    other = test.calibration.items.exclude(item_id=item["id"]).first().item_id
    bad = post(c, f"/api/v1/assessment/tests/{test.pk}/answers", {"item_id": other, "answer": "A"})
    assert bad.status_code == 400 and bad.json()["field"] == "item"
    from educloud.learning.models import Item

    answer = right_answer(Item.objects.get(pk=item["id"]))
    ok = post(c, f"/api/v1/assessment/tests/{test.pk}/answers", {"item_id": item["id"], "answer": answer})
    assert ok.status_code == 200 and ok.json()["answered"] == 1 and ok.json()["last_correct"] is True
    again = post(c, f"/api/v1/assessment/tests/{test.pk}/answers", {"item_id": item["id"], "answer": answer})
    assert again.json() == ok.json()
    assert (
        post(c, f"/api/v1/assessment/tests/{test.pk}/answers", {"item_id": -1, "answer": "A"}).status_code
        == 422
    )
    assert c.get(f"/api/v1/assessment/tests/{test.pk}/result").status_code == 400  # not finished
    assert c.get(f"/api/v1/assessment/tests/{test.pk}/report").status_code == 403
    assert c.get("/api/v1/assessment/tests/999999/result").status_code == 404


def test_test_creation_is_scoped(login):
    body = {"title": "联考", "audience_level": "circle"}
    assert post(login("yongchuan_bureau"), "/api/v1/assessment/tests", body).status_code == 403
    assert (
        post(
            login("teacher"),
            "/api/v1/assessment/tests",
            {**body, "audience_level": "county", "audience_code": "500118"},
        ).status_code
        == 403
    )
    school = StudentProfile.objects.get(user__username="student").school.code
    made = post(
        login("teacher"),
        "/api/v1/assessment/tests",
        {**body, "audience_level": "school", "audience_code": school, "grade": 5},
    )
    assert made.status_code == 201 and made.json()["grade"] == 5
    county = post(
        login("yongchuan_bureau"),
        "/api/v1/assessment/tests",
        {**body, "audience_level": "county", "audience_code": "500118"},
    )
    assert county.status_code == 201
    assert (
        post(
            login("sc_bureau"),
            "/api/v1/assessment/tests",
            {**body, "audience_level": "county", "audience_code": "500118"},
        ).status_code
        == 403
    )
    assert post(login("joint_office"), "/api/v1/assessment/tests", body).status_code == 201
    bad = post(login("joint_office"), "/api/v1/assessment/tests", {**body, "max_items": 0})
    assert bad.status_code == 422


def test_reports_by_role_with_audit_and_suppression(login):
    first, second = occasions()
    teacher = login("teacher")
    sp = StudentProfile.objects.select_related("school").get(user__username="student")
    n_audit = PersonalDataAccess.objects.count()
    page = teacher.get(
        f"/assessment/tests/{first.pk}/class/?school={sp.school.code}&grade={sp.grade}&class={sp.class_label}"
    )
    assert page.status_code == 200 and "学生A001" in page.content.decode()
    assert PersonalDataAccess.objects.count() == n_audit + 1
    bureau = login("yongchuan_bureau")
    assert (
        bureau.get(
            f"/assessment/tests/{first.pk}/class/?school={sp.school.code}&grade={sp.grade}&class={sp.class_label}"
        ).status_code
        == 403
    )
    rep = bureau.get(f"/api/v1/assessment/tests/{first.pk}/report?level=school").json()
    assert {g["county"] for g in rep["groups"]} == {"永川区"}  # only its region
    assert all(g["n"] >= 5 and not g["suppressed"] for g in rep["groups"])
    # Leave 3 students of one school: it is suppressed (counted, no figures).
    school_id = TestSession.objects.filter(test=first, school__county_id="500118").values("school_id")[0][
        "school_id"
    ]
    keep = TestSession.objects.filter(test=first, school_id=school_id).values_list("pk", flat=True)[:3]
    TestSession.objects.filter(test=first, school_id=school_id).exclude(pk__in=list(keep)).delete()
    rep = bureau.get(f"/api/v1/assessment/tests/{first.pk}/report?level=school").json()
    small = [g for g in rep["groups"] if g["suppressed"]]
    assert rep["suppressed"] == 1 and small[0]["n"] == 3 and small[0]["mean"] is None
    out = bureau.get(f"/api/v1/assessment/outcomes?before={first.pk}&after={second.pk}&level=school").json()
    assert out["suppressed"] == 1 and out["link_a"] == 1.0 and out["n_anchors"] > 0
    shown = [g for g in out["groups"] if not g["value_added"]["suppressed"]]
    assert shown and all(
        g["value_added"]["low"] < g["value_added"]["estimate"] < g["value_added"]["high"] for g in shown
    )
    assert (
        login("student").get(f"/api/v1/assessment/outcomes?before={first.pk}&after={second.pk}").status_code
        == 403
    )


def test_outcome_report_finds_growth_and_the_page_renders(login):
    first, second = occasions()
    c = login("joint_office")
    out = c.get(f"/api/v1/assessment/outcomes?before={first.pk}&after={second.pk}&level=county").json()
    assert out["n_students"] >= 240 and {g["label"] for g in out["groups"]} == {"永川区", "金堂县"}
    assert all(g["growth"]["estimate"] > 0 for g in out["groups"])  # the demo plants +0.3 growth
    assert 0.3 < out["slope"] < 1.2
    page = c.get(f"/assessment/outcomes/?before={first.pk}&after={second.pk}&level=school").content.decode()
    assert 'id="outcome-data"' in page and "增值" in page and 'media="print"' in page
    same = c.get(f"/assessment/outcomes/?before={first.pk}&after={first.pk}").content.decode()
    assert "请选择两次不同的测评" in same
    assert (
        c.get(f"/api/v1/assessment/outcomes?before={first.pk}&after={second.pk}&level=x").status_code == 400
    )


def test_pages_for_each_role(login):
    test = open_test()
    student = login("student").get("/assessment/").content.decode()
    assert "川渝联考" in student and "合成演示" in student and "开始测评" in student
    for name in ("teacher", "yongchuan_bureau"):
        c = login(name)
        assert c.get("/assessment/").status_code == 200
        assert c.get(f"/assessment/tests/{test.pk}/report/").status_code == 200
        assert c.get("/assessment/calibrations/").status_code == 200
    assert login("student").get("/assessment/calibrations/").status_code == 403
    home = login("teacher").get("/").content.decode()
    assert 'href="/assessment/"' in home and "智能测评" in home


def test_taking_through_pages_get_never_starts_a_session(login):
    test = open_test()
    c = login("student")
    intro = c.get(f"/assessment/tests/{test.pk}/take/").content.decode()
    assert 'data-testid="begin"' in intro
    assert not TestSession.objects.filter(test=test, student__username="student").exists()
    assert c.post(f"/assessment/tests/{test.pk}/take/").status_code == 302
    page = c.get(f"/assessment/tests/{test.pk}/take/").content.decode()
    assert 'data-testid="test-item"' in page and "第 1 题" in page
    bad = c.post(f"/assessment/tests/{test.pk}/take/", {"item": "abc"})
    assert bad.status_code == 400
    huge = c.post(f"/assessment/tests/{test.pk}/take/", {"item": str(2**70)})
    assert huge.status_code == 400


def test_teachers_see_the_value_added_of_their_school_classes(login):
    first, second = occasions()
    out = login("teacher").get(f"/api/v1/assessment/outcomes?before={first.pk}&after={second.pk}&level=class")
    labels = [g["label"] for g in out.json()["groups"]]
    school = StudentProfile.objects.get(user__username="student").school.name
    assert labels and all(label.startswith(school) for label in labels)
    assert (
        login("yongchuan_bureau")
        .get(f"/api/v1/assessment/outcomes?before={first.pk}&after={second.pk}&level=class")
        .status_code
        == 403
    )
