"""The community's pages (Chinese, in the nav), their forms, and the CSP that lets the live room connect."""

from __future__ import annotations

import re

import pytest

from educloud.community import services
from educloud.community.models import Group, LessonPlan, LessonPlanVersion, Post

pytestmark = pytest.mark.django_db
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
_HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_the_csp_lets_pages_open_websockets_to_this_site_only(client, login):
    login("teacher")
    response = client.get("/community/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if " " in part.strip())
    # CSP level 3: 'self' matches ws:/wss: of the page's own host and port, and nothing else
    assert directives["connect-src"] == "'self'"
    assert "script-src 'self'" in policy


def test_pages_need_login_and_the_nav_links_the_app(client, login):
    assert client.get("/community/").status_code == 302
    login("teacher")
    page = client.get("/").content.decode()
    assert 'href="/community/"' in page and "研修社区" in page


def test_group_page_shows_the_room_members_and_synthetic_label(client, login):
    maths = Group.objects.get(is_synthetic=True, name__startswith="川渝初中数学")
    login("teacher")
    page = client.get(f"/community/g/{maths.pk}/").content.decode()
    assert 'id="room"' in page and "community/room.js" in page
    assert "演示数据" in page and "处理记录（审计）" in page  # the owner sees the moderation log
    assert not _INLINE_SCRIPT.search(page) and not _HANDLER_ATTR.search(page)
    login("enterprise")
    assert client.get(f"/community/g/{maths.pk}/").status_code == 404
    login("student")
    assert client.get(f"/community/g/{maths.pk}/").status_code == 404


def test_user_text_is_escaped_in_pages(client, login, people, group):
    services.chat_post(actor=people["teacher"], group_id=group.pk, body="<script>alert(1)</script>")
    login("teacher")
    page = client.get(f"/community/g/{group.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hidden_posts_vanish_for_members_but_not_for_moderators(client, login):
    maths = Group.objects.get(is_synthetic=True, name__startswith="川渝初中数学")
    hidden = Post.objects.get(group=maths, hidden=True)
    login("school_admin")  # a member
    page = client.get(f"/community/t/{hidden.thread_id}/").content.decode()
    assert hidden.body not in page
    login("teacher")  # the owner
    page = client.get(f"/community/t/{hidden.thread_id}/").content.decode()
    assert hidden.body in page and "已隐藏" in page


def test_a_stale_save_from_the_plan_page_keeps_the_text_and_says_why(client, login):
    plan = LessonPlan.objects.get(is_synthetic=True)
    login("teacher")
    response = client.post(
        f"/community/p/{plan.pk}/", {"base_version": "2", "body": "我的修改：新的导入环节"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "保存冲突" in page and "我的修改：新的导入环节" in page  # nothing lost
    assert LessonPlanVersion.objects.filter(plan=plan).count() == 3
    response = client.post(
        f"/community/p/{plan.pk}/", {"base_version": "3", "body": "我的修改：新的导入环节", "note": "合并"}
    )
    assert response.status_code == 302
    assert LessonPlan.objects.get(pk=plan.pk).current_number == 4
    page = client.get(f"/community/p/{plan.pk}/?a=3&b=4").content.decode()
    assert 'class="add"' in page and 'class="del"' in page


def test_forms_create_groups_threads_and_report_posts(client, login, people):
    login("teacher")
    response = client.post("/community/", {"kind": "group", "name": "页面创建的组", "visibility": "public"})
    assert response.status_code == 302
    group = Group.objects.get(name="页面创建的组")
    response = client.post(f"/community/g/{group.pk}/", {"action": "thread", "title": "", "body": "x"})
    assert response.status_code == 302
    page = client.get(f"/community/g/{group.pk}/").content.decode()
    assert "标题不能为空" in page
    client.post(f"/community/g/{group.pk}/", {"action": "thread", "title": "主题一", "body": "正文"})
    thread = group.threads.get()
    assert client.get(f"/community/t/{thread.pk}/").status_code == 200
    post = thread.posts.get()
    client.post(
        f"/community/posts/{post.pk}/report/", {"reason": "测试", "next": f"/community/t/{thread.pk}/"}
    )
    assert post.reports.count() == 1
    response = client.post("/community/", {"kind": "class_space", "grade": "5", "class_label": "1班"})
    assert (
        response.status_code == 302
        and Group.objects.filter(kind="class_space", owner=people["teacher"]).count() == 2
    )
    assert client.get("/community/notifications/").status_code == 200
