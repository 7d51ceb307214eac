"""The REST API and the pages over real HTTP requests (Django's test client), both databases."""

from __future__ import annotations

import pytest

from educloud.accounts.api import StudentProfile
from educloud.learning import api as learning_api
from educloud.library import api as library_api
from tests.recommend.conftest import user

pytestmark = pytest.mark.django_db
BASE = "/api/v1/recommend"


def test_my_recommendations_with_reasons(login) -> None:  # type: ignore[no-untyped-def]
    client = login("student")
    body = client.get(f"{BASE}/me?k=10").json()
    assert body["model_id"] and len(body["items"]) == 10
    assert all(item["reasons"] for item in body["items"])
    ids = [i["resource_id"] for i in body["items"]]
    assert library_api.visible_resources(user("student")).filter(pk__in=ids).count() == len(ids)
    assert client.get(f"{BASE}/me?k=0").status_code == 422
    assert client.get(f"{BASE}/me?k=51").json()["field"] == "k"


def test_anonymous_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{BASE}/me")
    assert r.status_code == 401 and r.json()["detail"] == "请先登录"


def test_path_lifecycle_and_errors(login) -> None:  # type: ignore[no-untyped-def]
    client = login("student")
    r = client.post(f"{BASE}/paths", {"targets": ["NOPE-1"]}, content_type="application/json")
    assert r.status_code == 404 and r.json()["field"] == "targets"
    r = client.post(f"{BASE}/paths", {"targets": ["MJ-24"]}, content_type="application/json")
    assert r.status_code == 201
    path = r.json()
    assert path["steps"][-1]["code"] == "MJ-24" and path["practice"]
    assert client.get(f"{BASE}/paths").json()[0]["id"] == path["id"]
    item = learning_api.item_get(item_id=path["practice"]["item_id"])
    r = client.post(
        f"{BASE}/paths/{path['id']}/answers",
        {"item_id": item.pk, "answer": learning_api.answer_display(item)},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["correct"] is True
    assert r.json()["mastery_after"] >= r.json()["mastery_before"]
    # Another student of the school: the path does not exist for them.
    school = StudentProfile.objects.get(user__username="student").school
    other = StudentProfile.objects.filter(school=school).exclude(user__username="student").first().user
    client.force_login(other)
    assert client.get(f"{BASE}/paths/{path['id']}").status_code == 404
    assert client.get(f"{BASE}/paths/99999999999").status_code == 404
    assert client.get(f"{BASE}/paths/{2**64}").status_code == 422


def test_teacher_class_recommendations_assignment_and_progress(login) -> None:  # type: ignore[no-untyped-def]
    sp = StudentProfile.objects.select_related("school").get(user__username="student")
    q = f"school={sp.school.code}&grade={sp.grade}&class_label={sp.class_label}"
    teacher = login("teacher")
    body = teacher.get(f"{BASE}/classes/recommendations?{q}").json()
    assert body["n_students"] > 0 and body["items"]
    r = teacher.post(
        f"{BASE}/assignments",
        {"school": sp.school.code, "grade": sp.grade, "class_label": sp.class_label, "targets": ["MJ-21"]},
        content_type="application/json",
    )
    assert r.status_code == 201
    progress = teacher.get(f"{BASE}/assignments/{r.json()['id']}/progress").json()
    assert len(progress["students"]) == body["n_students"]
    student = login("student")
    assert student.get(f"{BASE}/classes/recommendations?{q}").status_code == 403
    assert student.get(f"{BASE}/assignments/{r.json()['id']}/progress").status_code == 403
    assert (
        student.post(
            f"{BASE}/assignments",
            {
                "school": sp.school.code,
                "grade": sp.grade,
                "class_label": sp.class_label,
                "targets": ["MJ-21"],
            },
            content_type="application/json",
        ).status_code
        == 403
    )


def test_pages(login) -> None:  # type: ignore[no-untyped-def]
    client = login("student")
    page = client.get("/recommend/").content.decode()
    assert "为你推荐" in page and "掌握度" in page
    r = client.post("/recommend/paths/", {"targets": ["MJ-24"]})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "当前步骤" in page and "先学习" in page
    r = client.post("/recommend/paths/", {"targets": ["NOPE"]}, follow=True)
    assert "没有编码为 NOPE 的知识点" in r.content.decode()
    teacher = login("teacher")
    assert "查看班级推荐" in teacher.get("/recommend/classes/").content.decode()
    assert login("student").get("/recommend/classes/").status_code == 200


def test_teacher_pages_assign_and_see_progress(login) -> None:  # type: ignore[no-untyped-def]
    sp = StudentProfile.objects.select_related("school").get(user__username="student")
    teacher = login("teacher")
    url = f"/recommend/class/?school={sp.school.code}&grade={sp.grade}&class={sp.class_label}"
    page = teacher.get(url).content.decode()
    assert "全班薄弱且可学的知识点" in page and "个人信息访问日志" in page
    form = {"school": sp.school.code, "grade": sp.grade, "class": sp.class_label}
    r = teacher.post("/recommend/class/", {**form, "targets": ["NOPE"]}, follow=True)
    assert "没有编码为 NOPE 的知识点" in r.content.decode() and "全班薄弱" in r.content.decode()
    r = teacher.post("/recommend/class/", {**form, "targets": ["MJ-21"], "title": "期中复习"}, follow=True)
    page = r.content.decode()
    assert "期中复习" in page and "当前步骤" in page and "学生A001" in page
    student = login("student")
    assert "期中复习" in student.get("/recommend/paths/").content.decode()
