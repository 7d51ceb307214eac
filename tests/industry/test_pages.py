"""产教融合 pages: every page renders for every kind of user, forms publish or say what to fix."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from educloud.industry.demo import VOC_ADMIN
from educloud.industry.models import Competition, Demand, OrderClass, Supply

pytestmark = pytest.mark.django_db
PAGES = [
    "/industry/",
    "/industry/demands/new/",
    "/industry/supply/new/",
    "/industry/gap/",
    "/industry/gap/?by=county",
    "/industry/gap/?by=industry",
    "/industry/allocation/",
    "/industry/classes/",
    "/industry/bases/",
    "/industry/competitions/",
    "/industry/skills/",
    "/industry/enterprise/members/",
]


@pytest.mark.parametrize("username", ["enterprise", VOC_ADMIN, "joint_office", "student", "jintang_bureau"])
def test_every_page_renders_with_the_synthetic_label(client, login, username):
    login(username)
    extra = [
        f"/industry/demands/{Demand.objects.first().pk}/",
        *(f"/industry/competitions/{c.pk}/" for c in Competition.objects.all()),
    ]
    for url in PAGES + extra:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "合成" in html, url
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", html), url
        assert " style=" not in html, url


def test_pages_need_a_login(client):
    assert client.get("/industry/").status_code == 302


def test_enterprise_publishes_through_the_form_and_sees_explanations(client, login):
    login("enterprise")
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    form = {
        "position": "机器人运维员（页面）",
        "industry": "manufacturing",
        "county": "500118",
        "headcount": "8",
        "deadline": deadline,
        "skills": "机器人维护 3\nPLC编程|2",
    }
    response = client.post("/industry/demands/new/", form)
    demand = Demand.objects.get(position="机器人运维员（页面）")
    assert response.status_code == 302 and response["Location"] == f"/industry/demands/{demand.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "人才需求已发布" in page
    assert page.count('data-testid="match-row"') >= 1 and "匹配技能：" in page
    # bad input comes back to the form with the reason, nothing saved
    for bad, reason in [
        ({"headcount": "-3"}, "招聘人数应在 1–100,000 之间"),
        ({"headcount": "99999999999999999999999"}, "招聘人数无效"),
        ({"skills": "量子编织 3"}, "不在技能词表中"),
        ({"skills": "焊接"}, "缺少等级"),
        ({"deadline": "明天"}, "截止日期应为日期"),
    ]:
        response = client.post("/industry/demands/new/", {**form, "position": "坏岗位", **bad})
        assert response.status_code == 200
        assert reason in response.content.decode()
    assert not Demand.objects.filter(position="坏岗位").exists()


def test_school_admin_of_a_vocational_school_publishes_supply(client, login):
    login(VOC_ADMIN)
    response = client.post(
        "/industry/supply/new/",
        {
            "major": "电气自动化（页面）",
            "industry": "manufacturing",
            "graduates_per_year": "25",
            "skills": "PLC 编程 3",
        },
    )
    assert response.status_code == 302
    assert Supply.objects.filter(major="电气自动化（页面）").exists()
    login("school_admin")  # a primary school's admin sees why not
    assert "只有中等职业学校、高等学校的学校管理员" in client.get("/industry/supply/new/").content.decode()


def test_gap_page_carries_the_chart_data_as_json(client, login):
    login("jintang_bureau")
    html = client.get("/industry/gap/").content.decode()
    assert 'id="gap-data" type="application/json"' in html
    assert "industry/industry.js" in html and "vendor/echarts.min.js" in html
    assert html.count('data-testid="gap-row"') >= 5


def test_order_class_page_refuses_outsiders_and_moves_for_parties(client, login):
    order = OrderClass.objects.filter(status="proposed").first()
    login("student")
    assert client.get(f"/industry/classes/{order.pk}/").status_code == 404
    login("joint_office")
    page = client.get(f"/industry/classes/{order.pk}/").content.decode()
    assert "当前状态" in page and 'data-testid="transition-form"' not in page
    assert client.post(f"/industry/classes/{order.pk}/", {"status": "cancelled"}).status_code == 404
    assert OrderClass.objects.get(pk=order.pk).status == "proposed"


def _gap_chart(html: str) -> dict:
    import json
    import re

    found = re.search(r'<script id="gap-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_gap_map_places_each_county_at_its_seat_and_each_city_at_its_counties_mean(client, login):
    from educloud.regions.api import county_row, county_rows

    login("jintang_bureau")
    chart = _gap_chart(client.get("/industry/gap/?by=county").content.decode())
    assert chart["points"] and len(chart["points"]) == len(chart["labels"])
    gaps = dict(zip(chart["labels"], chart["gap"], strict=True))
    for point in chart["points"]:
        lng, lat, gap, demand, supply = point["value"]
        assert gap == gaps[point["name"]] == demand - supply
        seat = next(c for c in county_rows() if c["name"] == point["name"])
        assert (lng, lat) == (round(seat["longitude"], 4), round(seat["latitude"], 4))
    by_city = _gap_chart(client.get("/industry/gap/?by=city").content.decode())
    chengdu = next(p for p in by_city["points"] if p["name"] == "成都市")
    seats = [c for c in county_rows() if c["city_code"] == "510100"]
    assert chengdu["value"][0] == round(sum(c["longitude"] for c in seats) / len(seats), 4)
    yongchuan = next((p for p in by_city["points"] if p["name"] == "永川区"), None)  # 重庆: by district
    if yongchuan is not None:
        assert yongchuan["value"][:2] == [
            round(county_row(code="500118")["longitude"], 4),
            round(county_row(code="500118")["latitude"], 4),
        ]
    industry = client.get("/industry/gap/?by=industry").content.decode()
    assert _gap_chart(industry)["points"] == [] and 'id="gap-map"' not in industry
