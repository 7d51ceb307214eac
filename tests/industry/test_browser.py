"""In Chromium: an enterprise publishes a demand, sees matched schools with explanations; the gap chart draws.

The shared fixtures of ``tests/browser.py``: the real server (``educloud demo``) in a fresh
``EDUCLOUD_HOME``, Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import datetime as dt
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


def test_enterprise_publishes_a_demand_and_sees_matched_schools(server, browser, tmp_path):
    shots = os.environ.get("INDUSTRY_SHOTS", str(tmp_path))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status == 404 else None)

    _login(page, server, "enterprise", "/industry/")
    page.get_by_role("link", name="发布人才需求").click()
    page.wait_for_url("**/industry/demands/new/")
    form = page.get_by_test_id("demand-form")
    form.get_by_label("岗位名称").fill("<b>智能产线</b>运维技术员")
    form.get_by_label("行业").select_option("manufacturing")
    form.get_by_label("招聘人数").fill("-3")
    form.get_by_label("截止日期").fill((dt.date.today() + dt.timedelta(days=45)).isoformat())
    form.get_by_label("技能要求").fill("PLC编程 3\n工业机器人编程 3\n电工作业 2")
    form.get_by_role("button", name="发布").click()
    page.wait_for_selector("text=招聘人数应在 1–100,000 之间")  # the form says what to fix, keeps the input
    form = page.get_by_test_id("demand-form")
    assert form.get_by_label("技能要求").input_value().startswith("PLC编程 3")
    form.get_by_label("招聘人数").fill("12")
    form.get_by_role("button", name="发布").click()
    page.wait_for_url("**/industry/demands/*/")
    page.wait_for_selector("text=人才需求已发布")
    summary = page.get_by_test_id("demand-summary").inner_text()
    assert "PLC 编程 3级" in summary and "工业机器人操作与编程 3级" in summary  # synonyms resolved
    assert page.locator("h1 b").count() == 0  # the position's markup is text, not HTML
    rows = page.get_by_test_id("match-row")
    assert rows.count() >= 3
    first = rows.first.inner_text()
    assert "匹配技能：" in first and "缺少：" in first
    page.screenshot(path=f"{shots}/industry-matches.png", full_page=True)

    page.get_by_role("link", name="供需缺口").click()
    page.wait_for_url("**/industry/gap/")
    page.wait_for_function("document.querySelector('#gap-chart canvas') !== null")
    page.wait_for_function("document.querySelector('#gap-map canvas') !== null")
    assert page.get_by_test_id("gap-row").count() >= 5
    page.get_by_test_id("gap-row").first.wait_for()
    page.locator("#gap-chart").hover(position={"x": 120, "y": 200})
    page.screenshot(path=f"{shots}/industry-gap.png", full_page=True)
    assert errors == []


def test_enterprise_registers_a_training_base_in_the_form(server, browser, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, server, "enterprise", "/industry/bases/")
    form = page.get_by_test_id("base-form")
    form.get_by_label("基地名称").fill("<i>浏览器</i>实训基地")
    form.get_by_label("容纳人数").fill("-4")
    form.get_by_label("服务专业").fill("焊接、数控技术")
    form.get_by_role("button", name="登记基地").click()
    page.wait_for_selector("text=容纳人数应在 1–100,000 之间")  # says what to fix, keeps the input
    form = page.get_by_test_id("base-form")
    assert form.get_by_label("基地名称").input_value() == "<i>浏览器</i>实训基地"
    form.get_by_label("容纳人数").fill("40")
    form.get_by_role("button", name="登记基地").click()
    page.wait_for_selector("text=实训基地已登记")
    assert any("<i>浏览器</i>实训基地" in t for t in page.get_by_test_id("base-row").all_inner_texts())
    assert page.locator("td i").count() == 0  # the name's markup is text, not HTML
    assert not errors
    context.close()
