"""End to end in a real browser: the real server (`educloud demo`), Debian's Chromium, Playwright.

Starts ``educloud demo`` exactly as ``make demo`` does, in a fresh ``EDUCLOUD_HOME`` on a free
port, and drives Chromium through it. Skipped (with the reason) only when Chromium is absent;
``.ci/run`` installs it, so CI always runs this.
"""

from __future__ import annotations

import pytest

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


# ---------------------------------------------------------------- Content-Security-Policy in Chromium
# Every main page, as the roles that see it: no CSP violation is reported (the page needs no inline
# script, handler attribute, eval or injected <style>), and its charts still draw.

_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' '
                              + e.sourceFile + ':' + e.lineNumber));
"""

# path -> the chart container that must get a canvas ("" when the page has no chart)
_PAGES = {
    None: {"/": "circle-map", "/library/": "", "/search/?q=数学": "", "/equity/": "equity-map",
           "/equity/counties/500118/print/": "", "/login/": "", "/library/r/987654321/": ""},
    "yongchuan_bureau": {"/": "circle-map", "/equity/counties/500118/": "indicator-chart",
                         "/equity/inequality/": "theil-chart", "/equity/efficiency/": "dea-chart",
                         "/equity/counties/500118/plan/": "", "/learning/overview/": "overview-chart",
                         "/learning/graphs/": "mastery-graph", "/library/sharing/": "sharing-chart",
                         "/library/requests/": "", "/equity/import/": ""},
    "teacher": {"/learning/classes/": "", "/library/new/": "", "/library/mine/": ""},
    "student": {"/learning/me/": "mastery-graph", "/learning/practice/": ""},
}


def _signed_in(browser, base: str, username: str | None):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_init_script(_RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    if username:
        page.goto(base + "/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")
    return page, console


def test_no_page_breaks_the_content_security_policy(server, browser):
    for username, pages in _PAGES.items():
        page, console = _signed_in(browser, server, username)
        if username is None:  # resource pages with their previews (video player, image, PDF frame)
            pages = dict(pages)
            for kind in ("video", "audio", "document", "image"):
                found = page.request.get(f"{server}/api/v1/library/resources?type={kind}&page_size=1").json()
                pages.update({f"/library/r/{r['id']}/": "" for r in found.get("items", [])})
            assert len([p for p in pages if p.startswith("/library/r/")]) >= 3
        for path, chart in pages.items():
            response = page.goto(server + path)
            assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
            if chart:
                page.wait_for_selector(f"#{chart} canvas", timeout=10_000)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__cspViolations") == [], (username, path)
            assert console == [], (username, path, console)
        page.context.close()


def test_swagger_ui_works_under_the_policy(server, browser):
    page, console = _signed_in(browser, server, None)
    page.goto(server + "/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)  # Swagger UI drew the operations
    page.wait_for_load_state("networkidle")
    assert page.locator(".opblock").count() > 20
    assert page.evaluate("window.__cspViolations") == [] and console == []


def test_replaced_inline_handlers_still_work(server, browser):
    page, console = _signed_in(browser, server, "yongchuan_bureau")
    page.goto(server + "/equity/efficiency/")
    page.locator("select[name=rts]").select_option("crs")  # data-autosubmit: the form submits
    page.wait_for_url("**/equity/efficiency/?*rts=crs*")
    page.goto(server + "/equity/counties/500118/print/")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="打印").click()  # data-print
    assert page.evaluate("window.__printed") is True
    assert page.evaluate("window.__cspViolations") == [] and console == []


def test_add_to_the_collection_chosen_in_the_select(server, browser):
    page, console = _signed_in(browser, server, "joint_office")  # curates several demo collections

    def members(add_url: str) -> set[int]:  # /library/collections/<id>/add/ -> the API's list
        collection_id = add_url.strip("/").split("/")[-2]
        rows = page.request.get(f"{server}/api/v1/library/collections/{collection_id}/resources").json()
        return {r["id"] for r in rows}

    listed = page.request.get(server + "/api/v1/library/resources?page_size=50").json()["items"]
    for resource in listed:
        page.goto(f"{server}/library/r/{resource['id']}/")
        form = page.locator("form[data-action-from-select]")
        if form.locator("select option").count() < 2:
            continue
        target = form.locator("select option").last.get_attribute("value")
        if resource["id"] in members(target):
            continue
        form.locator("select").select_option(target)
        form.get_by_role("button", name="加入").click()
        page.wait_for_load_state("networkidle")
        assert resource["id"] in members(target)  # posted to the chosen collection, not the first
        assert page.evaluate("window.__cspViolations") == [] and console == []
        return
    pytest.fail("no published resource offered two collections to add to")
