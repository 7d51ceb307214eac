"""The library in a real browser: upload, review, search with suggestions, preview, dashboard.

Uses the real server (the ``sichuan_node`` demo server of conftest: ``educloud demo`` in a fresh
home) and Chromium, like tests/browser.py. Its uploads are 重庆 (永川) resources, so they
do not disturb the federation tests, which harvest the node's 四川 set.
"""

from __future__ import annotations

import pytest

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

from .conftest import PNG


@pytest.fixture
def server(sichuan_node: str) -> str:
    return sichuan_node


pytestmark = BROWSER_MARKS


def _login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def test_teacher_uploads_admin_approves_everyone_finds_it(server, browser, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, server, "teacher")
    page.goto(server + "/library/new/")
    page.get_by_label("标题").fill("永川区六年级科学《太阳系》挂图（浏览器测试）")
    page.get_by_label("类型").select_option("image")
    page.get_by_label("学科").select_option("science")
    page.get_by_label("学段").select_option("primary")
    page.get_by_label("年级").select_option("g6")
    page.get_by_label("可见范围").select_option("public")
    page.get_by_label("文件").set_input_files(
        files=[{"name": "太阳系.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="保存为草稿").click()
    assert page.get_by_test_id("status").inner_text() == "草稿"
    assert page.get_by_test_id("preview-image").is_visible()
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("status").inner_text() == "审核中"
    resource_url = page.url
    context.clear_cookies()

    _login(page, server, "school_admin")
    page.goto(server + "/library/review/")
    row = page.locator("tr", has_text="太阳系》挂图（浏览器测试）")
    row.get_by_role("button", name="通过").click()
    page.goto(resource_url)
    assert page.get_by_test_id("status").inner_text() == "已发布"
    context.clear_cookies()

    # Anonymous: suggestions while typing, then the search finds it and the preview shows.
    page.goto(server + "/library/")
    page.get_by_label("检索词").fill("太阳系")
    # wait_for_function predicates are functions: Playwright evals expression strings in the page,
    # which the site's Content-Security-Policy (no 'unsafe-eval') refuses.
    page.wait_for_function(
        "() => document.querySelectorAll('#suggestions option').length > 0", timeout=10_000
    )
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="永川区六年级科学《太阳系》挂图（浏览器测试）").click()
    assert page.get_by_test_id("preview-image").is_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=preview-image]').complete"
    )
    loaded = page.evaluate("document.querySelector('[data-testid=preview-image]').naturalWidth")
    assert loaded == 48  # the PNG was served (by content type and range-capable download)
    page.screenshot(path=str(tmp_path / "resource.png"))
    assert errors == []


def test_demo_micro_lecture_plays(server, browser):
    """The demo's synthetic videos are real H.264 MP4s that Chromium plays through range requests."""
    page = browser.new_page(locale="zh-CN")
    page.goto(server + "/library/?type=video")
    page.locator("a.lib-title").first.click()
    video = page.get_by_test_id("preview-video")
    video.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=preview-video]').readyState >= 1", timeout=10_000
    )
    duration = page.evaluate("document.querySelector('[data-testid=preview-video]').duration")
    assert 5.5 < duration < 6.5
    # Decoding, not only metadata: it plays (muted, as autoplay policy allows) past half a second.
    page.evaluate(
        "(() => { const v = document.querySelector('[data-testid=preview-video]');"
        " v.muted = true; return v.play(); })()"
    )
    page.wait_for_function(
        "() => document.querySelector('[data-testid=preview-video]').currentTime > 0.5", timeout=10_000
    )


def test_bureau_sees_the_cross_border_chart(server, browser):
    page = browser.new_page(locale="zh-CN")
    _login(page, server, "joint_office")
    page.goto(server + "/library/sharing/")
    page.wait_for_selector("#sharing-chart canvas", timeout=10_000)
    assert int(page.get_by_test_id("sc-to-cq").inner_text().replace(",", "")) > 0
