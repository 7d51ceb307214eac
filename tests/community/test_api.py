"""The community's REST API and services: groups and invitations, students kept out, threads with
@mentions and attachments, 集体备课 with optimistic concurrency, moderation with its audit."""

from __future__ import annotations

import json

import pytest

from educloud.accounts.api import StudentProfile, User
from educloud.community import services
from educloud.community.models import (
    LessonPlanVersion,
    Membership,
    ModerationAction,
    Notification,
    Post,
)
from educloud.lib.errors import InvalidInput
from educloud.library.api import Resource

pytestmark = pytest.mark.django_db
API = "/api/v1/community"


def _post(client, url: str, body: dict, method: str = "post") -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_anonymous_is_asked_to_log_in(client):
    response = client.get(f"{API}/groups")
    assert response.status_code == 401 and response.json()["detail"] == "请先登录"


def test_a_teacher_creates_a_public_group_others_join_students_and_experts_may_not(client, people):
    client.force_login(people["teacher"])
    status, body = _post(client, f"{API}/groups", {"name": "跨省物理教研组", "visibility": "public"})
    assert status == 201 and body["is_member"]
    gid = body["id"]
    for username, expected in [("sc", 200), ("school_admin", 200)]:
        client.force_login(people[username])
        assert _post(client, f"{API}/groups/{gid}/join", {})[0] == expected
    client.force_login(User.objects.get(username="jintang_bureau"))
    assert _post(client, f"{API}/groups/{gid}/join", {})[0] == 200  # bureau staff are community members
    for outsider in ("student", "expert"):
        client.force_login(people[outsider])
        status, body = _post(client, f"{API}/groups/{gid}/join", {})
        assert status == 403, body
        assert gid not in {g["id"] for g in client.get(f"{API}/groups").json()}
        assert client.get(f"{API}/groups/{gid}").status_code == 404
    client.force_login(people["teacher"])
    detail = client.get(f"{API}/groups/{gid}").json()
    assert len(detail["members"]) == 4 and {m["role"] for m in detail["members"]} == {"owner", "member"}
    assert "S5" not in json.dumps(detail)  # no school codes in the community's answers


def test_invite_only_groups_are_invisible_until_an_invitation_is_accepted(client, people):
    group = services.group_create(actor=people["teacher"], name="仅邀请组", visibility="invite")
    client.force_login(people["sc"])
    assert client.get(f"{API}/groups/{group.pk}").status_code == 404
    assert _post(client, f"{API}/groups/{group.pk}/join", {})[0] == 404
    client.force_login(people["teacher"])
    status, _ = _post(client, f"{API}/groups/{group.pk}/invitations", {"username": people["sc"].username})
    assert status == 201
    status, body = _post(client, f"{API}/groups/{group.pk}/invitations", {"username": people["sc"].username})
    assert status == 400 and body["field"] == "username"
    status, body = _post(client, f"{API}/groups/{group.pk}/invitations", {"username": "student"})
    assert (status == 400 and "学生" in body["detail"]) or "班级空间" in body["detail"]
    client.force_login(people["sc"])
    invitations = client.get(f"{API}/invitations").json()
    assert [i["group_id"] for i in invitations] == [group.pk]
    assert Notification.objects.filter(user=people["sc"], kind="invitation").exists()
    status, body = _post(client, f"{API}/invitations/{invitations[0]['id']}", {"accept": True})
    assert status == 200 and body["status"] == "accepted"
    assert _post(client, f"{API}/invitations/{invitations[0]['id']}", {"accept": False})[0] == 400
    assert client.get(f"{API}/groups/{group.pk}").status_code == 200
    # someone else's invitation: not found
    services.invite(actor=people["teacher"], group_id=group.pk, username=people["cq"].username)
    from educloud.community.models import Invitation

    theirs = Invitation.objects.get(group=group, invitee=people["cq"])
    assert _post(client, f"{API}/invitations/{theirs.pk}", {"accept": True})[0] == 404
    client.force_login(people["cq"])
    assert _post(client, f"{API}/invitations/{theirs.pk}", {"accept": False})[1]["status"] == "declined"
    assert not Membership.objects.filter(group=group, user=people["cq"]).exists()


def test_only_the_owner_names_moderators(client, people, group):
    client.force_login(people["sc"])
    status, _ = _post(
        client, f"{API}/groups/{group.pk}/members/{people['sc'].pk}", {"role": "moderator"}, "put"
    )
    assert status == 403
    client.force_login(people["teacher"])
    status, body = _post(
        client, f"{API}/groups/{group.pk}/members/{people['sc'].pk}", {"role": "moderator"}, "put"
    )
    assert status == 200 and body["role"] == "moderator"
    status, body = _post(
        client, f"{API}/groups/{group.pk}/members/{people['sc'].pk}", {"role": "owner"}, "put"
    )
    assert status == 400 and body["field"] == "role"


def test_class_space_admits_only_its_class_and_shows_students_by_pseudonym(client, people):
    client.force_login(people["teacher"])
    status, body = _post(client, f"{API}/class-spaces", {"grade": 5, "class_label": "1班"})
    assert status == 201 and body["kind"] == "class_space" and body["visibility"] == "invite"
    gid = body["id"]
    status, body = _post(client, f"{API}/class-spaces", {"grade": 5, "class_label": "9班"})
    assert status == 400 and body["field"] == "class_label"
    client.force_login(people["sc"])  # a teacher of another school
    assert client.get(f"{API}/groups/{gid}").status_code == 404
    assert _post(client, f"{API}/groups/{gid}/join", {})[0] == 404
    client.force_login(people["student"])
    assert _post(client, f"{API}/groups/{gid}/join", {})[0] == 200
    members = client.get(f"{API}/groups/{gid}").json()["members"]
    assert "学生A001" in {m["label"] for m in members}
    other = StudentProfile.objects.filter(school=people["student"].student_profile.school, grade=5).exclude(
        class_label="1班"
    )[0]
    client.force_login(other.user)
    assert _post(client, f"{API}/groups/{gid}/join", {})[0] == 404
    # a student of another class cannot be invited either
    with pytest.raises(InvalidInput):
        services.invite(actor=people["teacher"], group_id=gid, username=other.user.username)


def test_threads_mentions_replies_and_notifications(client, people, group):
    client.force_login(people["teacher"])
    status, thread = _post(
        client,
        f"{API}/groups/{group.pk}/threads",
        {
            "title": "单元整体设计",
            "body": f"请 @{people['sc'].username} 和 @{people['sc'].display_name} 看看",
        },
    )
    assert status == 201
    assert (
        Notification.objects.filter(user=people["sc"], kind="mention", group=group).count() == 1
    )  # one per post
    client.force_login(people["sc"])
    status, reply = _post(client, f"{API}/threads/{thread['id']}/replies", {"body": "好的，周四讨论"})
    assert status == 201 and reply["body"] == "好的，周四讨论"
    assert Notification.objects.filter(user=people["teacher"], kind="reply", group=group).count() == 1
    client.force_login(people["teacher"])
    notes = client.get(f"{API}/notifications").json()
    assert notes[0]["kind"] == "reply" and notes[0]["thread_id"] == thread["id"] and not notes[0]["read"]
    assert _post(client, f"{API}/notifications/read", {})[1]["count"] >= 1
    assert all(n["read"] for n in client.get(f"{API}/notifications").json())
    detail = client.get(f"{API}/threads/{thread['id']}").json()
    assert [p["body"] for p in detail["posts"]][-1] == "好的，周四讨论"
    # a non-member reads nothing and cannot reply
    client.force_login(people["cq"])
    assert client.get(f"{API}/threads/{thread['id']}").status_code == 404
    assert _post(client, f"{API}/threads/{thread['id']}/replies", {"body": "x"})[0] == 403
    assert client.get(f"{API}/groups/{group.pk}/threads").status_code == 403


def test_attachments_only_of_resources_the_poster_may_open_and_titles_only_for_those_who_may(
    client, people, group
):
    # a 永川 school-level resource: the 永川 teacher may open it, the 金堂 member may not
    local = Resource.objects.filter(status="published", visibility="school", county_code="500118").first()
    foreign = Resource.objects.filter(status="published", visibility="school", county_code="510121").first()
    client.force_login(people["teacher"])
    status, body = _post(
        client,
        f"{API}/groups/{group.pk}/threads",
        {"title": "课件", "body": "见附件", "resource_ids": [foreign.pk]},
    )
    assert status == 400 and body["field"] == "resource_ids" and foreign.title not in body["detail"]
    status, thread = _post(
        client,
        f"{API}/groups/{group.pk}/threads",
        {"title": "课件", "body": "见附件", "resource_ids": [local.pk]},
    )
    assert status == 201
    mine = client.get(f"{API}/threads/{thread['id']}").json()["posts"][0]["attachments"]
    assert mine == [{"resource_id": local.pk, "title": local.title}]
    client.force_login(people["sc"])
    response = client.get(f"{API}/threads/{thread['id']}")
    theirs = response.json()["posts"][0]["attachments"]
    assert theirs == [{"resource_id": None, "title": "（你无权查看的资源）"}]
    assert local.title not in response.content.decode()


def test_lesson_plan_versions_conflict_diff_and_comments(client, people, group):
    client.force_login(people["teacher"])
    status, plan = _post(
        client, f"{API}/groups/{group.pk}/plans", {"title": "勾股定理", "body": "一、导入\n二、探究"}
    )
    assert status == 201 and plan["current_number"] == 1
    pid = plan["id"]
    status, body = _post(
        client, f"{API}/plans/{pid}/versions", {"base_version": 1, "body": "一、导入（弦图）\n二、探究"}
    )
    assert status == 201 and body["current_number"] == 2
    client.force_login(people["sc"])  # edited from version 1 meanwhile: refused, nothing written
    status, body = _post(
        client, f"{API}/plans/{pid}/versions", {"base_version": 1, "body": "一、导入\n二、探究\n三、练习"}
    )
    assert status == 409 and body["field"] == "base_version"
    assert "保存冲突" in body["detail"] and "第 2 版" in body["detail"] and "没有丢失" in body["detail"]
    assert LessonPlanVersion.objects.filter(plan_id=pid).count() == 2
    status, body = _post(
        client,
        f"{API}/plans/{pid}/versions",
        {"base_version": 2, "body": "一、导入（弦图）\n二、探究\n三、练习"},
    )
    assert status == 201 and body["current_number"] == 3
    assert _post(client, f"{API}/plans/{pid}/versions", {"base_version": 3, "body": "  "})[0] == 400
    assert _post(client, f"{API}/plans/{pid}/versions", {"base_version": 3, "body": "x" * 100_001})[0] == 422
    diff = client.get(f"{API}/plans/{pid}/diff?a=1&b=3").json()
    assert (
        "-一、导入" in diff["unified"]
        and "+一、导入（弦图）" in diff["unified"]
        and "+三、练习" in diff["unified"]
    )
    assert client.get(f"{API}/plans/{pid}/diff?a=1&b=9").status_code == 400
    assert client.get(f"{API}/plans/{pid}/diff?a=0&b=1").status_code == 422
    status, comment = _post(client, f"{API}/plans/{pid}/versions/2/comments", {"body": "导入很好"})
    assert status == 201 and comment["body"] == "导入很好"
    assert _post(client, f"{API}/plans/{pid}/versions/7/comments", {"body": "x"})[0] == 404
    versions = client.get(f"{API}/plans/{pid}").json()["versions"]
    assert [v["number"] for v in versions] == [1, 2, 3] and versions[1]["comments"][0]["body"] == "导入很好"
    client.force_login(people["cq"])
    assert client.get(f"{API}/plans/{pid}").status_code == 404
    assert _post(client, f"{API}/plans/{pid}/versions", {"base_version": 3, "body": "篡改"})[0] == 404


def test_report_hide_unhide_with_audit(client, people, group):
    services.group_join(actor=people["school_admin"], group_id=group.pk)
    post = services.chat_post(actor=people["sc"], group_id=group.pk, body="与教研无关的广告")
    client.force_login(people["school_admin"])
    assert _post(client, f"{API}/posts/{post.pk}/reports", {"reason": "广告"})[0] == 201
    assert _post(client, f"{API}/posts/{post.pk}/reports", {"reason": "广告"})[0] == 400
    assert _post(client, f"{API}/posts/{post.pk}/moderation", {"action": "hide", "reason": "广告"})[0] == 403
    assert client.get(f"{API}/groups/{group.pk}/reports").status_code == 403
    client.force_login(people["teacher"])  # the owner
    reports = client.get(f"{API}/groups/{group.pk}/reports").json()
    assert [r["post_id"] for r in reports["reports"]] == [post.pk]
    assert _post(client, f"{API}/posts/{post.pk}/moderation", {"action": "hide", "reason": " "})[0] == 400
    status, entry = _post(client, f"{API}/posts/{post.pk}/moderation", {"action": "hide", "reason": "广告"})
    assert status == 201 and entry["action"] == "hide" and entry["actor"] == str(people["teacher"])
    assert post.pk in {
        m["id"] for m in client.get(f"{API}/groups/{group.pk}/messages").json()
    }  # moderators see it
    client.force_login(people["school_admin"])
    assert post.pk not in {m["id"] for m in client.get(f"{API}/groups/{group.pk}/messages").json()}
    assert _post(client, f"{API}/posts/{post.pk}/reports", {"reason": "x"})[0] == 404
    client.force_login(people["teacher"])
    assert (
        _post(client, f"{API}/posts/{post.pk}/moderation", {"action": "unhide", "reason": "误判"})[0] == 201
    )
    log = client.get(f"{API}/groups/{group.pk}/reports").json()["log"]
    assert [(e["action"], e["reason"]) for e in log] == [("unhide", "误判"), ("hide", "广告")]
    assert ModerationAction.objects.filter(post=post).count() == 2
    assert not Post.objects.get(pk=post.pk).hidden


def test_chat_service_refuses_empty_oversized_and_non_members(people, group):
    with pytest.raises(InvalidInput, match="不能为空"):
        services.chat_post(actor=people["teacher"], group_id=group.pk, body="  ")
    with pytest.raises(InvalidInput, match="过长"):
        services.chat_post(actor=people["teacher"], group_id=group.pk, body="长" * 2001)
    from educloud.lib.errors import DomainError

    with pytest.raises(DomainError):
        services.chat_post(actor=people["cq"], group_id=group.pk, body="你好")
    with pytest.raises(DomainError):
        services.chat_post(actor=people["student"], group_id=group.pk, body="你好")


def test_leaving_and_the_owner_stays(client, people, group):
    client.force_login(people["teacher"])
    assert _post(client, f"{API}/groups/{group.pk}/leave", {})[0] == 400
    client.force_login(people["sc"])
    assert _post(client, f"{API}/groups/{group.pk}/leave", {})[0] == 200
    assert client.get(f"{API}/groups/{group.pk}/messages").status_code == 403
