"""In Chromium, as 永川区's bureau: the county dashboard (charts, failing schools) and the planner form.

The shared fixtures of ``tests/browser.py``: the real server (``educloud demo``) in a fresh
``EDUCLOUD_HOME``, Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

from openpyxl import load_workbook

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_county_bureau_dashboard_and_planner(server, browser, tmp_path):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/login/?next=/equity/counties/500118/")
    page.get_by_label("用户名").fill("yongchuan_bureau")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/equity/counties/500118/")
    assert page.get_by_test_id("equity-county").inner_text().startswith("永川区")
    # ECharts draws the indicator, coefficient and trend charts.
    for chart in ("#indicator-chart", "#cv-chart", "#trend-chart"):
        page.wait_for_selector(f"{chart} canvas", timeout=10_000)
    assert page.get_by_test_id("failing-schools").locator("tbody tr").count() >= 1
    page.screenshot(path=str(tmp_path / "county.png"), full_page=True)

    page.get_by_role("link", name="制定达标方案").click()
    page.wait_for_url("**/equity/counties/500118/plan/**")
    page.get_by_label("学段").select_option("junior")
    page.get_by_label("县级及以上骨干教师（元/人·年）").fill("200000")
    page.get_by_role("button", name="计算方案").click()  # HTMX swaps the plan in
    plan = page.get_by_test_id("plan")
    plan.wait_for(timeout=15_000)
    assert "初中" in plan.inner_text() and "达标最低成本方案" in plan.inner_text()
    assert page.get_by_test_id("plan-schools").locator("tbody tr").count() >= 2
    assert "cost_key_teachers=200000" in page.url  # the form state is in the address (shareable)
    with page.expect_download() as download_info:
        page.get_by_test_id("plan-export").click()
    saved = tmp_path / "plan.xlsx"
    download_info.value.save_as(saved)
    book = load_workbook(saved)
    assert book.sheetnames == ["方案概要", "学校明细", "单价"]
    costs = {r[0]: r[1] for r in book["单价"].iter_rows(min_row=2, values_only=True)}
    assert costs["县级及以上骨干教师"] == 200000
    page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)

    # The circle page: the map is drawn, and the ranking links to county dashboards when logged in.
    page.goto(server + "/equity/")
    page.wait_for_selector("#equity-map canvas", timeout=10_000)
    assert page.get_by_test_id("ranking").locator("a[href^='/equity/counties/']").count() >= 100
    assert errors == []
    context.close()
