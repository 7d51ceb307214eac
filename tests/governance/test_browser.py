"""In Chromium: the joint office runs a fund selection; a bureau updates its action item with evidence.

The shared fixtures of ``tests/browser.py``: the real server (``educloud demo``) in a fresh
``EDUCLOUD_HOME``, Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import os

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _login(page, server: str, username: str, next_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + next_url)


def test_joint_office_selects_and_bureau_reports_with_evidence(server, browser, tmp_path):
    shots = os.environ.get("GOVERNANCE_SHOTS", str(tmp_path))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    _login(page, server, "joint_office", "/governance/")
    page.get_by_role("link", name="2026 年度成渝教育协同发展专项基金").click()
    page.wait_for_url("**/governance/fund/*/")
    page.get_by_label("遴选规则").select_option("mes")
    page.get_by_role("button", name="运行遴选").click()
    result = page.get_by_test_id("selection-result")
    result.wait_for(timeout=15_000)
    assert "等份额法" in result.inner_text()
    rows = page.get_by_test_id("application-row")
    assert rows.count() == 12
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any("已立项" in t and "入选" in t for t in texts)
    assert any("未立项" in t and "未入选" in t for t in texts)  # and why not
    spent = int(page.get_by_test_id("total-cost").inner_text().replace(",", ""))
    assert 0 < spent <= 2_500_000
    page.screenshot(path=f"{shots}/selection.png", full_page=True)
    page.get_by_role("button", name="退出").click()

    _login(page, server, "cq_bureau", "/governance/actions/")
    assert page.get_by_test_id("action-row").count() >= 1
    page.get_by_role("link", name="重庆派出骨干教师跟岗研修").click()
    page.wait_for_url("**/governance/actions/*/")
    form = page.get_by_test_id("update-form")
    form.get_by_label("进展说明").fill("已派出 210 人次，任务完成")
    form.get_by_label("进度（%）").fill("100")
    form.get_by_label("状态").select_option("done")
    form.get_by_label("佐证链接").fill("https://example.org/demo/exchange-report")
    form.get_by_role("button", name="提交进展").click()
    page.wait_for_selector("text=进展已更新")
    assert "已完成 100%" in page.get_by_test_id("action-status").inner_text()
    page.get_by_role("link", name="川渝教育协同发展联席会议第一次会议 · 决议 1").click()
    page.wait_for_url("**/governance/resolutions/*/")
    trace = page.get_by_test_id("trace-action").first.inner_text()
    assert "已派出 210 人次" in trace and "https://example.org/demo/exchange-report" in trace
    page.screenshot(path=f"{shots}/trace.png", full_page=True)
    assert errors == []
