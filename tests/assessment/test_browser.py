"""A demo student takes the demo adaptive test end to end in a real browser: start, answer item after
item until the test stops, see the result (scaled score, chart, per-point table), then the mastery map.

Starts the real server (``educloud demo`` in a fresh home, tests/browser.py) and drives Debian's Chromium.
"""

from __future__ import annotations

import re

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_demo_student_takes_the_adaptive_test_and_sees_the_result(server, browser, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/login/")
    page.get_by_label("用户名").fill("student")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/")
    page.get_by_role("link", name="智能测评").click()
    tests = page.get_by_test_id("student-tests")
    assert "合成演示" in tests.inner_text()
    tests.get_by_test_id("start-test").first.click()
    page.get_by_test_id("begin").click()  # starting is a POST (a GET never changes a session)
    stems: list[str] = []
    for _ in range(40):
        if "/result/" in page.url:
            break
        item = page.get_by_test_id("test-item")
        stems.append(item.get_by_test_id("stem").inner_text())
        choices = item.locator("input[type=radio], input[type=checkbox]")
        if choices.count():
            choices.first.check()
        else:
            item.get_by_test_id("fill-answer").fill("1")
        page.get_by_role("button", name="提交答案").click()
        page.wait_for_load_state()
    assert "/result/" in page.url, f"the test did not stop after {len(stems)} items"
    assert 1 <= len(stems) <= 15  # the demo test's max_items
    score = int(page.get_by_test_id("scaled-score").inner_text())
    assert 0 < score < 1000
    text = page.get_by_test_id("result").inner_text()
    assert re.search(rf"共作答 {len(stems)} 题", text), text
    page.wait_for_selector("#result-chart canvas", timeout=10_000)
    assert page.get_by_test_id("points-table").locator("tbody tr").count() >= 1
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)
    # Resuming a finished test shows the result again; the answers reached the mastery map.
    page.go_back()
    page.goto(page.url.replace("/result/", "/take/"))
    assert "/result/" in page.url
    page.get_by_role("link", name="查看我的知识掌握图谱").click()
    page.wait_for_selector("#mastery-graph canvas", timeout=10_000)
    assert errors == []
    context.close()
