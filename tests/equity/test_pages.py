"""Equity pages and REST endpoints: content, access rules, HTMX partials, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

YONGCHUAN, JINTANG = "500118", "510121"


def test_circle_page_is_public_with_ranking_and_map(client):
    page = client.get("/equity/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "区县排名" in html and "equity-map-data" in html and "vendor/echarts.min.js" in html
    assert html.count("<tr>") >= 142  # every member county is ranked or listed
    assert f"/equity/counties/{YONGCHUAN}/" not in html  # anonymous: no links to dashboards
    partial = client.get("/equity/?stage=junior&part=ranking", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "初中" in partial


def test_nav_shows_the_app(client):
    assert 'href="/equity/"' in client.get("/").content.decode()


def test_county_dashboard_needs_login_and_shows_schools_only_in_scope(client, login):
    assert client.get(f"/equity/counties/{YONGCHUAN}/").status_code == 302
    login("jintang_bureau")
    other = client.get(f"/equity/counties/{YONGCHUAN}/").content.decode()
    assert "校际差异系数与限值" in other and "county-chart-data" in other
    assert "学校明细仅对本辖区" in other and "制定达标方案" not in other
    login("yongchuan_bureau")
    own = client.get(f"/equity/counties/{YONGCHUAN}/?stage=primary").content.decode()
    assert 'data-testid="failing-schools"' in own and "制定达标方案" in own
    assert "拉高差异系数的学校" in own and "学校办学效率" in own


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/equity/counties/999999/", 404, "不在成渝地区双城经济圈"),
        (f"/equity/counties/{YONGCHUAN}/?stage=senior", 400, "学段只能是"),
        (f"/equity/counties/{YONGCHUAN}/?year=1990", 400, "没有统计数据"),
        (f"/equity/counties/{YONGCHUAN}/?year=abc", 400, "不是数字"),
        ("/equity/inequality/?indicator=nope", 400, "指标"),
    ],
)
def test_bad_parameters_get_a_clear_page(login, url, status, text):
    response = login("joint_office").get(url)
    assert response.status_code == status and text in response.content.decode()


def test_planner_form_plan_and_excel_export(client, login):
    login("jintang_bureau")
    assert client.get(f"/equity/counties/{YONGCHUAN}/plan/").status_code == 403
    login("yongchuan_bureau")
    form = client.get(f"/equity/counties/{YONGCHUAN}/plan/").content.decode()
    assert "计算方案" in form and "cost_key_teachers" in form
    query = "run=1&stage=junior&cost_key_teachers=200000"
    partial = client.get(
        f"/equity/counties/{YONGCHUAN}/plan/?{query}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="plan"' in partial and "<html" not in partial and "导出 Excel" in partial
    export = client.get(f"/equity/counties/{YONGCHUAN}/plan.xlsx?{query}")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["方案概要", "学校明细", "单价"]
    rows = list(book["学校明细"].iter_rows(min_row=2, values_only=True))
    assert rows and all(str(r[0]).startswith("S500118") for r in rows)
    costs = {r[0]: r[1] for r in book["单价"].iter_rows(min_row=2, values_only=True)}
    assert costs["县级及以上骨干教师"] == 200000
    bad = client.get(f"/equity/counties/{YONGCHUAN}/plan/?run=1&budget=lots", HTTP_HX_REQUEST="true")
    assert "预算" in bad.content.decode() and 'data-testid="equity-error"' in bad.content.decode()


def test_print_inequality_and_efficiency_pages(login):
    client = login("yongchuan_bureau")
    printed = client.get(f"/equity/counties/{YONGCHUAN}/print/").content.decode()
    assert "print.css" in printed and "小学" in printed and "初中" in printed and "未达标学校" in printed
    ineq = client.get("/equity/inequality/?indicator=key_teachers_per_100").content.decode()
    assert "省（市）之间" in ineq and "学校城乡" in ineq and "inequality-chart-data" in ineq
    eff = client.get("/equity/efficiency/?rts=crs").content.decode()
    assert 'data-testid="dea-table"' in eff and "永川区" in eff


def test_import_page_needs_edit_scope(client, login):
    login("teacher")  # views its school, edits nothing
    assert client.get("/equity/import/").status_code == 403
    assert client.get("/equity/import/template.csv").status_code == 403
    login("yongchuan_bureau")
    page = client.get("/equity/import/").content.decode()
    assert "下载模板" in page and "试运行" in page
    assert client.get("/equity/import/template.pdf").status_code == 404


# --- REST -------------------------------------------------------------------------------------


def test_api_ranking_is_public_and_other_reports_need_login(client, login):
    ranking = client.get("/api/v1/equity/ranking?stage=junior")
    assert ranking.status_code == 200 and len(ranking.json()) == 142
    assert ranking.json()[0]["rank"] == 1
    assert client.get(f"/api/v1/equity/counties/{YONGCHUAN}/compliance").status_code == 401
    login("jintang_bureau")
    other = client.get(f"/api/v1/equity/counties/{YONGCHUAN}/compliance").json()
    assert other["schools"] is None and len(other["indicators"]) == 7
    login("yongchuan_bureau")
    own = client.get(f"/api/v1/equity/counties/{YONGCHUAN}/compliance?stage=junior").json()
    assert own["schools"] and own["summary"]["stage"] == "junior"
    assert len(client.get(f"/api/v1/equity/counties/{YONGCHUAN}/trend").json()) == 3
    unknown = client.get("/api/v1/equity/counties/999999/compliance")
    assert unknown.status_code == 404 and unknown.json()["field"] == "county"


def test_api_plan_scope_and_infeasible(login):
    client = login("jintang_bureau")
    denied = client.post(
        f"/api/v1/equity/counties/{YONGCHUAN}/plan", {"stage": "primary"}, content_type="application/json"
    )
    assert denied.status_code == 403
    client = login("yongchuan_bureau")
    plan = client.post(
        f"/api/v1/equity/counties/{YONGCHUAN}/plan", {"stage": "primary"}, content_type="application/json"
    ).json()
    assert plan["county_passes_after"] and plan["total_cost"] > 0
    impossible = client.post(
        f"/api/v1/equity/counties/{YONGCHUAN}/plan",
        {"stage": "primary", "max_additions": {"key_teachers": 0, "pe_art_teachers": 0}},
        content_type="application/json",
    )
    assert impossible.status_code == 400 and "学校达标约束不可满足" in impossible.json()["detail"]
    negative = client.post(
        f"/api/v1/equity/counties/{YONGCHUAN}/plan",
        {"stage": "primary", "unit_costs": {"key_teachers": -1}},
        content_type="application/json",
    )
    assert negative.status_code == 400 and "正数" in negative.json()["detail"]


def test_api_inequality_and_efficiency(login):
    client = login("chengdu_bureau")
    report = client.get("/api/v1/equity/inequality?indicator=floor_area_per_student&stage=primary").json()
    assert {d["grouping"] for d in report["decompositions"]} == {
        "province",
        "city",
        "urban_class",
        "location",
    }
    assert client.get("/api/v1/equity/inequality?indicator=nope").status_code == 400
    counties = client.get("/api/v1/equity/efficiency/counties?rts=vrs").json()
    assert len(counties["scores"]) == 142 and all(0 < s["efficiency"] <= 1 + 1e-9 for s in counties["scores"])
    assert client.get("/api/v1/equity/efficiency/counties?inputs=enrolment").status_code == 400
    assert client.get(f"/api/v1/equity/counties/{YONGCHUAN}/efficiency").status_code == 403
    assert client.get("/api/v1/equity/counties/510104/efficiency?stage=junior").json()["level"] == "school"
