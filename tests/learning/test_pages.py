"""Pages and REST endpoints for the three audiences; personal-data logging; bad requests."""

from __future__ import annotations

import json

import pytest

from educloud.accounts.api import PersonalDataAccess, StudentProfile
from educloud.learning.models import Item, Response, StudentMastery

from .conftest import csv_file

pytestmark = pytest.mark.django_db


def chart(page: str, element_id: str) -> dict:
    start = page.index(f'id="{element_id}"')
    return json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])


def home_class() -> tuple[str, int, str]:
    sp = StudentProfile.objects.select_related("school").get(user__username="student")
    return sp.school.code, sp.grade, sp.class_label


def test_nav_links_to_learning(login):
    page = login("teacher").get("/").content.decode()
    assert 'href="/learning/"' in page and "学习与测评" in page


def test_student_sees_own_map_and_practises(login):
    client = login("student")
    page = client.get("/learning/me/").content.decode()
    assert "我的知识掌握图谱" in page and 'id="graph-data"' in page
    data = chart(page, "graph-data")
    assert len(data["nodes"]) == 30 and len(data["links"]) >= 30
    assert all((n["p"] is None) == (n["n"] == 0) for n in data["nodes"])  # grey until practised
    assert all(0 <= n["p"] <= 1 for n in data["nodes"] if n["p"] is not None)
    assert any(n["p"] is not None for n in data["nodes"])
    practice = client.get("/learning/practice/").content.decode()
    assert 'data-testid="practice-item"' in practice
    item_id = int(practice.split('name="item" value="', 1)[1].split('"', 1)[0])
    item = Item.objects.get(pk=item_id)
    answer = {
        "single": item.answer,
        "multi": item.answer,
        "true_false": "对" if item.answer == "true" else "错",
    }.get(item.type, item.answer.split("|")[0])
    n = Response.objects.count()
    resp = client.post(
        "/learning/practice/?subject=数学&stage=junior",
        {"item": item_id, "answer": list(answer) if item.type == "multi" else answer},
    )
    assert resp.status_code == 302
    assert Response.objects.count() == n + 1
    assert "回答正确" in client.get(resp["Location"]).content.decode()


def test_practice_with_an_invalid_answer_shows_the_reason_and_stores_nothing(login):
    client = login("student")
    item = Item.objects.get(code="MJ-01-1")
    n = Response.objects.count()
    resp = client.post("/learning/practice/", {"item": item.pk, "answer": "Q"}, follow=True)
    assert "答案只能是选项字母" in resp.content.decode()
    assert Response.objects.count() == n
    assert login("student").post("/learning/practice/", {"item": "abc", "answer": "A"}).status_code == 400
    assert login("student").post("/learning/practice/", {"item": "999999", "answer": "A"}).status_code == 404


def test_teacher_sees_the_class_heatmap_weakest_first_and_the_read_is_logged(login):
    school, grade, label = home_class()
    client = login("teacher")
    assert "查看热力图" in client.get("/learning/classes/").content.decode()
    before = PersonalDataAccess.objects.count()
    resp = client.get("/learning/class/", {"school": school, "grade": grade, "class": label})
    page = resp.content.decode()
    assert resp.status_code == 200 and "学生A001" in page and "建议补救" in page
    log = PersonalDataAccess.objects.order_by("-at", "-pk").first()
    assert PersonalDataAccess.objects.count() == before + 1
    class_ids = set(
        StudentProfile.objects.filter(school__code=school, grade=grade, class_label=label).values_list(
            "pk", flat=True
        )
    )
    assert set(log.subject_ids) == class_ids and log.actor.username == "teacher"
    data = chart(page, "heatmap-data")
    cells = [[c[2] for c in data["cells"] if c[1] == j] for j in range(len(data["points"]))]
    means = [sum(c) / len(c) for c in cells if c]
    assert means == sorted(means)  # weakest points first
    assert all(c for c in cells[: len(means)])  # points nobody practised come last


def test_heatmap_bad_requests_and_outsiders(login):
    school, grade, label = home_class()
    for username in ("yongchuan_bureau", "joint_office", "student", "enterprise"):
        resp = login(username).get("/learning/class/", {"school": school, "grade": grade, "class": label})
        assert resp.status_code == 403, username
    client = login("teacher")
    assert client.get("/learning/class/", {"school": school, "grade": "x", "class": label}).status_code == 400
    assert client.get("/learning/class/", {"school": school, "grade": 9, "class": "99班"}).status_code == 404
    assert (
        client.get("/learning/class/", {"school": "NOPE", "grade": grade, "class": label}).status_code == 404
    )
    assert (
        client.get(
            "/learning/class/", {"school": school, "grade": grade, "class": label, "subject": "天文"}
        ).status_code
        == 404
    )
    other = StudentProfile.objects.exclude(school__code=school).select_related("school").first()
    resp = client.get(
        "/learning/class/", {"school": other.school.code, "grade": other.grade, "class": other.class_label}
    )
    assert resp.status_code == 403


def test_bureaus_see_aggregates_by_school_within_scope_and_no_student(login):
    yongchuan = login("yongchuan_bureau").get("/learning/overview/").content.decode()
    assert "S500118" in yongchuan or "永川区" in yongchuan
    assert "学生" not in yongchuan.split('data-testid="aggregate-table"', 1)[1].split("</table>", 1)[
        0
    ].replace("学生数", "")
    assert "学生A001" not in yongchuan and "学生001-" not in yongchuan
    jintang = login("jintang_bureau").get("/api/v1/learning/mastery/schools").json()
    assert jintang["schools"] and all(s["school_code"].startswith("S510121") for s in jintang["schools"])
    everyone = login("joint_office").get("/api/v1/learning/mastery/schools").json()
    assert len(everyone["schools"]) == 4
    for row in everyone["schools"]:
        assert row["n_students"] >= 5 and all(0 <= v <= 1 for v in row["shares"].values())
    assert login("student").get("/learning/overview/").status_code == 403
    assert login("enterprise").get("/api/v1/learning/mastery/schools").status_code == 403


def test_small_schools_are_suppressed_in_aggregates(login):
    school_code = home_class()[0]
    keep = list(StudentProfile.objects.filter(school__code=school_code).values_list("user_id", flat=True)[:4])
    StudentMastery.objects.filter(school__code=school_code).exclude(student_id__in=keep).delete()
    data = login("yongchuan_bureau").get("/api/v1/learning/mastery/schools").json()
    assert school_code not in {s["school_code"] for s in data["schools"]}
    assert data["suppressed"] == 1


def test_api_answer_and_my_mastery(login):
    client = login("student")
    item = Item.objects.get(code="MJ-05-1")
    resp = client.post(
        f"/api/v1/learning/items/{item.pk}/responses", {"answer": "4"}, content_type="application/json"
    )
    assert resp.status_code == 201 and resp.json()["correct"] is True
    assert resp.json()["mastery"][0]["code"] == "MJ-05"
    bad = client.post(
        f"/api/v1/learning/items/{item.pk}/responses", {"answer": ""}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "answer"
    assert (
        client.post(
            "/api/v1/learning/items/0/responses", {"answer": "1"}, content_type="application/json"
        ).status_code
        == 404
    )
    me = client.get("/api/v1/learning/mastery/me?subject=数学&stage=junior").json()
    assert len(me) == 30 and {"code", "p_mastery", "prerequisites"} <= set(me[0])
    assert client.get("/api/v1/learning/mastery/me?subject=天文").status_code == 404
    assert login("teacher").get("/api/v1/learning/mastery/me").status_code == 403
    assert (
        login("teacher")
        .post(f"/api/v1/learning/items/{item.pk}/responses", {"answer": "4"}, content_type="application/json")
        .status_code
        == 403
    )


def test_api_class_mastery_is_logged_and_scoped(login):
    school, grade, label = home_class()
    before = PersonalDataAccess.objects.count()
    data = (
        login("teacher")
        .get("/api/v1/learning/mastery/class", {"school": school, "grade": grade, "class_label": label})
        .json()
    )
    assert "学生A001" in data["students"] and len(data["points"]) == 30
    assert PersonalDataAccess.objects.count() == before + 1
    assert (
        login("cq_bureau")
        .get("/api/v1/learning/mastery/class", {"school": school, "grade": grade, "class_label": label})
        .status_code
        == 403
    )


def test_api_prerequisite_cycle_is_a_400_naming_the_cycle(login):
    client = login("joint_office")
    resp = client.post(
        "/api/v1/learning/prerequisites",
        {"prerequisite": "MJ-24", "point": "MJ-01"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "二次函数 → 有理数 →" in resp.json()["detail"]
    ok = client.post(
        "/api/v1/learning/prerequisites",
        {"prerequisite": "MJ-01", "point": "MJ-24"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert (
        login("teacher")
        .post(
            "/api/v1/learning/prerequisites",
            {"prerequisite": "MJ-01", "point": "MJ-24"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_api_import_reports_row_errors(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = csv_file([["编号", "题型", "题干", "答案", "知识点"], ["A-1", "单选", "x", "A", "MJ-01"]])
    resp = login("teacher").post("/api/v1/learning/items/import", {"file": SimpleUploadedFile("a.csv", bad)})
    assert resp.status_code == 400
    assert resp.json()["errors"][0] == {"row": 2, "column": "选项A", "problem": "选择题至少需要两个选项"}
    good = csv_file([["编号", "题型", "题干", "答案", "知识点"], ["A-1", "填空", "x", "1", "MJ-01"]])
    resp = login("teacher").post(
        "/api/v1/learning/items/import", {"file": SimpleUploadedFile("a.csv", good), "dry_run": "true"}
    )
    assert resp.status_code == 200 and resp.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "dry_run": True,
    }
    assert not Item.objects.filter(code="A-1").exists()


def test_import_pages_show_the_row_error_table(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = csv_file([["编号", "题型", "题干", "答案", "知识点"], ["A-1", "填空", "x", "1", "NOPE"]])
    resp = login("teacher").post("/learning/items/", {"file": SimpleUploadedFile("a.csv", bad)})
    page = resp.content.decode()
    assert resp.status_code == 400 and 'data-testid="row-errors"' in page and "NOPE" in page
    assert login("teacher").post("/learning/items/", {}).status_code == 400
    graph = csv_file([["学科", "学段", "编码", "名称"], ["数学", "初中", "MJ-99", "新知识点"]])
    resp = login("joint_office").post(
        "/learning/graphs/import/", {"file": SimpleUploadedFile("g.csv", graph), "dry_run": "1"}
    )
    assert resp.status_code == 200 and "检查通过" in resp.content.decode()
    assert (
        login("teacher")
        .post("/learning/graphs/import/", {"file": SimpleUploadedFile("g.csv", graph)})
        .status_code
        == 403
    )


def test_graph_and_item_pages_and_downloads(login):
    client = login("teacher")
    page = client.get("/learning/graphs/?subject=物理&stage=junior").content.decode()
    assert "欧姆定律" in page and "电压和电阻" in page
    export = client.get("/learning/graphs/export.csv?subject=数学&stage=junior")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    assert "一次函数" in export.content.decode("utf-8-sig")
    xlsx = client.get("/learning/items/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/learning/items/template.pdf").status_code == 400
    item = Item.objects.get(code="MJ-01-1")
    detail = client.get(f"/learning/items/{item.pk}").content.decode()
    assert "答案" in detail and f"/learning/items/{item.pk}" in detail
    assert "答案：" not in login("student").get(f"/learning/items/{item.pk}").content.decode()
    assert login("student").get("/learning/graphs/").status_code == 200


def test_prerequisite_form_reports_a_cycle(login):
    resp = login("joint_office").post(
        "/learning/graphs/prerequisites/",
        {"prerequisite": "MJ-30", "point": "MJ-01", "back": "/learning/graphs/"},
        follow=True,
    )
    assert "会形成循环" in resp.content.decode()
