"""Authorization across the provincial border, by API and by page."""

from __future__ import annotations

import pytest

from educloud.accounts.api import PersonalDataAccess
from educloud.schools.api import School

pytestmark = pytest.mark.django_db

CQ_COUNTY = "500118"  # 永川区
SC_COUNTY = "510121"  # 金堂县


def _school(county: str) -> School:
    return School.objects.filter(county_id=county).order_by("code").first()


def test_county_bureau_lists_only_its_own_schools(login):
    client = login("yongchuan_bureau")
    data = client.get("/api/v1/schools", {"page": 1}).json()
    assert data["count"] == School.objects.filter(county_id=CQ_COUNTY).count() > 0
    assert {s["county_code"] for s in data["items"]} == {CQ_COUNTY}


def test_county_bureau_cannot_read_a_sichuan_school(login):
    client = login("yongchuan_bureau")
    response = client.get(f"/api/v1/schools/{_school(SC_COUNTY).code}")
    assert response.status_code == 403
    assert "四川省" in response.json()["detail"]


def test_county_bureau_cannot_change_a_sichuan_school_and_nothing_changes(login):
    client = login("yongchuan_bureau")
    school = _school(SC_COUNTY)
    response = client.patch(
        f"/api/v1/schools/{school.code}", {"name": "越权修改"}, content_type="application/json"
    )
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.name != "越权修改"


def test_county_bureau_edits_its_own_school(login):
    client = login("yongchuan_bureau")
    school = _school(CQ_COUNTY)
    response = client.patch(
        f"/api/v1/schools/{school.code}", {"name": "永川区示范小学"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["name"] == "永川区示范小学"
    school.refresh_from_db()
    assert school.name == "永川区示范小学"


def test_invalid_patch_is_rejected_and_changes_nothing(login):
    client = login("yongchuan_bureau")
    school = _school(CQ_COUNTY)
    response = client.patch(
        f"/api/v1/schools/{school.code}",
        {"latitude": 45.0, "name": "新名字"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "latitude" in response.json()["detail"]
    school.refresh_from_db()
    assert school.name != "新名字"


def test_province_bureau_sees_its_whole_province_only(login):
    client = login("sc_bureau")
    data = client.get("/api/v1/schools").json()
    assert data["count"] == School.objects.filter(county__province_id="510000").count()
    assert client.get(f"/api/v1/schools/{_school(CQ_COUNTY).code}").status_code == 403


def test_joint_office_sees_both(login):
    client = login("joint_office")
    assert client.get("/api/v1/schools").json()["count"] == School.objects.count()


def test_teacher_reads_but_cannot_edit_own_school(login):
    client = login("teacher")
    school = School.objects.get(code=client.get("/api/v1/schools").json()["items"][0]["code"])
    assert client.get(f"/api/v1/schools/{school.code}").status_code == 200
    response = client.patch(
        f"/api/v1/schools/{school.code}", {"name": "教师改名"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_anonymous_gets_401_for_schools(client):
    response = client.get("/api/v1/schools")
    assert response.status_code == 401 and response.json()["detail"] == "请先登录"


def test_malformed_query_parameters_get_422(login):
    client = login("yongchuan_bureau")
    assert client.get("/api/v1/schools", {"stage": "kindergarten"}).status_code == 422
    assert client.get("/api/v1/schools", {"county_code": "12"}).status_code == 422
    assert client.get("/api/v1/schools", {"page": "x"}).status_code == 422


def test_pages_enforce_the_same_border(login):
    client = login("yongchuan_bureau")
    assert client.get(f"/schools/{_school(CQ_COUNTY).code}/").status_code == 200
    response = client.get(f"/schools/{_school(SC_COUNTY).code}/")
    assert response.status_code == 403
    assert "权限范围" in response.content.decode()
    page = client.get(f"/counties/{SC_COUNTY}/").content.decode()
    assert _school(SC_COUNTY).name not in page and "学校名单仅对本辖区" in page


def test_page_edit_across_the_border_is_refused(login):
    client = login("yongchuan_bureau")
    school = _school(SC_COUNTY)
    response = client.post(f"/schools/{school.code}/edit/", {"name": "越权修改"})
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.name != "越权修改"


def test_roster_is_for_teachers_of_the_school_and_is_audited(login):
    client = login("teacher")
    school = School.objects.get(code=client.get("/api/v1/schools").json()["items"][0]["code"])
    before = PersonalDataAccess.objects.count()
    response = client.get(f"/schools/{school.code}/students/")
    assert response.status_code == 200 and "学生A001" in response.content.decode()
    entry = PersonalDataAccess.objects.order_by("-id").first()
    assert PersonalDataAccess.objects.count() == before + 1
    assert entry.actor.username == "teacher" and entry.subject_count >= 1 and entry.school_id == school.pk


def test_bureau_cannot_read_a_roster_even_in_its_county(login):
    client = login("yongchuan_bureau")
    school = School.objects.filter(students__isnull=False, county_id=CQ_COUNTY).distinct().first()
    before = PersonalDataAccess.objects.count()
    response = client.get(f"/schools/{school.code}/students/")
    assert response.status_code == 403
    assert PersonalDataAccess.objects.count() == before
