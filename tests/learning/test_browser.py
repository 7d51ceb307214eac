"""Mastery pages in a real browser, for the three audiences: a student, a teacher, a bureau.

Starts the real server (``educloud demo`` in a fresh home, the fixture of tests/browser.py)
and drives Debian's Chromium through it.
"""

from __future__ import annotations

import re

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _page(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")
    return page, errors


def test_student_sees_the_mastery_map_and_practises(server, browser, tmp_path):
    page, errors = _page(browser, server, "student")
    page.get_by_role("link", name="学习与测评").click()
    page.get_by_role("link", name="我的知识掌握图谱").click()
    page.wait_for_selector("#mastery-graph canvas", timeout=10_000)
    assert page.get_by_test_id("weakest").locator("tbody tr").count() == 5
    page.screenshot(path=str(tmp_path / "student-map.png"))
    page.get_by_test_id("start-practice").click()
    item = page.get_by_test_id("practice-item")
    assert "最薄弱" in page.get_by_test_id("practice-reason").inner_text()
    # Answer whatever was offered (first option, "对", or a fill-in), then see the feedback.
    if item.locator("input[type=radio], input[type=checkbox]").count():
        item.locator("input[type=radio], input[type=checkbox]").first.check()
    else:
        page.get_by_test_id("fill-answer").fill("1")
    page.get_by_role("button", name="提交答案").click()
    feedback = page.locator(".flash").first.inner_text()
    assert re.search(r"回答(正确|错误).*掌握程度：.+% → \d+%", feedback), feedback
    assert errors == []


def test_teacher_sees_the_class_heatmap_with_remediation(server, browser, tmp_path):
    page, errors = _page(browser, server, "teacher")
    page.goto(server + "/learning/")
    page.get_by_role("link", name="查看班级知识掌握热力图").click()
    page.get_by_test_id("class-list").get_by_role("link", name="查看热力图").first.click()
    page.wait_for_selector("#class-heatmap canvas", timeout=10_000)
    remediation = page.get_by_test_id("remediation").inner_text()
    assert "全班平均掌握" in remediation
    assert "个人信息访问日志" in page.content()
    means = page.get_by_test_id("heatmap-table").locator("tbody tr td:nth-child(2)").all_inner_texts()
    practised = [int(m.rstrip("%")) for m in means if m.endswith("%")]
    assert practised and practised == sorted(practised)  # weakest first
    page.screenshot(path=str(tmp_path / "class-heatmap.png"), full_page=True)
    assert errors == []


def test_bureau_sees_aggregates_only(server, browser, tmp_path):
    page, errors = _page(browser, server, "yongchuan_bureau")
    page.goto(server + "/learning/")
    assert page.get_by_test_id("card-classes").count() == 0
    page.get_by_role("link", name="各校知识点掌握比例").click()
    page.wait_for_selector("#overview-chart canvas", timeout=10_000)
    table = page.get_by_test_id("aggregate-table").inner_text()
    assert "永川区" in table and "%" in table
    assert "学生A001" not in page.content() and "学生001-" not in page.content()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    response = page.goto(server + "/learning/classes/")
    assert "您没有可查看的班级" in page.content() and response.status == 200
    assert errors == []
