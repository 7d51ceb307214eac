"""End to end in a real browser: the real server (`educloud demo`), Debian's Chromium, Playwright.

Starts ``educloud demo`` exactly as ``make demo`` does, in a fresh ``EDUCLOUD_HOME`` on a free
port, and drives Chromium through it. Skipped (with the reason) only when Chromium is absent;
``.ci/run`` installs it, so CI always runs this.
"""

from __future__ import annotations

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_county_bureau_logs_in_and_sees_its_county_on_the_dashboard(server, browser, tmp_path):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    assert page.get_by_test_id("synthetic-banner").is_visible()
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("yongchuan_bureau")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/")
    scope = page.get_by_test_id("my-scope")
    assert "区（县）教育局" in scope.inner_text() and "永川区" in scope.inner_text()
    # The map is drawn by ECharts from the vendored package: a canvas appears.
    page.wait_for_selector("#circle-map canvas", timeout=10_000)
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=False)
    scope.get_by_role("link", name="永川区").click()
    assert page.get_by_test_id("county-name").inner_text().startswith("永川区")
    # Its schools are listed, and a Sichuan county's are not.
    assert page.locator("table a[href^='/schools/S500118']").count() > 0
    page.goto(server + "/counties/510121/")
    assert page.locator("a[href^='/schools/']").count() == 0
    assert "学校名单仅对本辖区" in page.content()
    assert errors == []


def test_wrong_password_shows_a_clear_message(server, browser):
    page = browser.new_page()
    page.goto(server + "/login/")
    page.get_by_label("用户名").fill("jintang_bureau")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码不正确" in page.get_by_test_id("login-error").inner_text()
