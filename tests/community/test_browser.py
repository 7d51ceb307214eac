"""In Chromium, two users in two browser contexts on the real server (``educloud demo`` under uvicorn,
WebSockets through Django Channels): the teacher posts in the group's chat and the school admin sees
it appear without reloading; the presence list shows both; user text stays text; no CSP violation."""

from __future__ import annotations

import os
import re

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _login(page, server: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/login/?next=/community/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/community/")


def test_a_chat_message_appears_live_for_another_member_and_presence_shows_both(server, browser, tmp_path):
    shots = os.environ.get("COMMUNITY_SHOTS", str(tmp_path))
    pages, problems = [], []
    for username in ("teacher", "school_admin"):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
            ),
        )
        _login(page, server, username)
        page.get_by_role("link", name="川渝初中数学教研组（演示）").click()
        page.wait_for_url(re.compile(r".*/community/g/\d+/$"))
        page.get_by_test_id("room-status").filter(has_text="已连接").wait_for(timeout=15_000)
        pages.append(page)
    a, b = pages

    for page in (a, b):  # presence: both members online, on both pages
        online = page.get_by_test_id("online")
        online.filter(has_text="教师甲（化名）").wait_for(timeout=10_000)
        online.filter(has_text="管理员").wait_for(timeout=10_000)
        assert online.locator("li").count() == 2

    before = b.get_by_test_id("messages").locator("li").count()
    text = "各位老师，周四的双师课堂改到 3 点 <b>不是粗体</b>"
    a.get_by_test_id("chat-input").fill(text)
    a.get_by_test_id("chat-send").click()
    arrived = b.get_by_test_id("messages").locator("li").filter(has_text="周四的双师课堂改到 3 点")
    arrived.wait_for(timeout=10_000)  # live, no reload
    assert b.get_by_test_id("messages").locator("li").count() == before + 1
    assert text in arrived.inner_text() and arrived.locator("span.body b").count() == 0  # text, not HTML
    assert "教师甲（化名）" in arrived.inner_text()
    a.get_by_test_id("messages").locator("li").filter(has_text="周四的双师课堂").wait_for(timeout=10_000)

    a.get_by_test_id("chat-send").click()  # empty: a clear message, nothing sent
    assert "不能为空" in a.get_by_test_id("chat-error").inner_text()
    b.screenshot(path=f"{shots}/community-room.png", full_page=True)

    a.context.close()  # the teacher leaves: the admin's presence list follows
    b.get_by_test_id("online").locator("li").filter(has_text="教师甲（化名）").wait_for(
        state="detached", timeout=10_000
    )
    assert b.get_by_test_id("online").locator("li").count() == 1
    b.context.close()
    assert not problems, problems
