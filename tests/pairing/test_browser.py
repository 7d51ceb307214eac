"""In Chromium: a bureau runs the matching and confirms a pair; a school admin logs a dispatch.

The shared fixtures of ``tests/browser.py``: the real server (``educloud demo``) in a fresh
``EDUCLOUD_HOME``, Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import datetime as dt

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _login(browser, server, username, path):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{server}/login/?next={path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + path)
    return context, page, problems


def test_bureau_matches_and_confirms_school_logs_a_dispatch(server, browser, tmp_path):
    context, page, problems = _login(browser, server, "cq_bureau", "/pairing/match/")
    page.get_by_label("每所强校最多结对").fill("2")
    page.get_by_label("薄弱学校数上限").fill("5")
    page.get_by_role("button", name="运行匹配").click()
    page.wait_for_selector(".flash")
    assert "匹配完成：5 对待确认" in page.locator(".flash").inner_text()
    rows = page.get_by_test_id("proposed-row")
    assert rows.count() == 5
    assert "公里" in rows.first.inner_text()
    objective = float(page.get_by_test_id("run-objective").inner_text())
    first = rows.first.inner_text().split("\n")[0]
    rows.first.get_by_test_id("confirm").click()
    page.wait_for_selector(".flash")
    assert (
        "已确认结对" in page.locator(".flash").inner_text() and first in page.locator(".flash").inner_text()
    )
    assert page.get_by_test_id("proposed-row").count() == 4
    page.goto(server + "/pairing/")
    assert first in page.get_by_test_id("programme-overview").inner_text()
    page.goto(server + "/pairing/effect/")
    page.wait_for_selector("#event-chart canvas", timeout=10_000)
    assert "最小可检测效应" in page.get_by_test_id("effect-summary").inner_text()
    page.screenshot(path=str(tmp_path / "effect.png"), full_page=True)
    assert objective > 0
    context.close()

    context, page, more = _login(browser, server, "school_admin", "/pairing/")
    page.get_by_test_id("our-pairings").locator("a").first.click()
    page.wait_for_url("**/pairing/*/")
    start = dt.date.today()
    page.get_by_label("教师称呼").fill("教师丁（化名）")
    page.get_by_label("开始").fill(start.isoformat())
    page.get_by_label("结束").fill((start + dt.timedelta(days=120)).isoformat())
    page.get_by_label("学科（逗号分隔）").fill("数学，科学")
    page.get_by_role("button", name="登记支教").click()
    page.wait_for_selector(".flash")
    assert "已登记支教" in page.locator(".flash").inner_text()
    table = page.get_by_test_id("dispatch-table").inner_text()
    assert "教师丁（化名）" in table and "数学、科学" in table
    page.screenshot(path=str(tmp_path / "pair.png"), full_page=True)
    context.close()
    assert problems == [] and more == []
