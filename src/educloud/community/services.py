"""Writes of the community: groups, membership, posts, chat, lesson plans, moderation, presence.

Every service takes the acting user, checks the ``rules`` permission (``roles.py``) and writes in one
transaction. Live updates (a chat message, a reply, a notification, a hidden post) are published to
the channel layer after the commit (``on_commit``), so nobody is told of a row that was rolled back.
Text is bounded (``models.MAX_BODY``); refusals are ``DomainError`` with a Chinese message.

Read next: ``consumers.py`` (the WebSocket side), ``selectors.py`` (reads).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.utils import timezone

from educloud.accounts.api import User
from educloud.community import roles
from educloud.community.models import (
    MAX_BODY,
    MAX_PLAN,
    Attachment,
    Group,
    Invitation,
    LessonPlan,
    LessonPlanVersion,
    Membership,
    ModerationAction,
    Notification,
    Post,
    Presence,
    Report,
    Thread,
    VersionComment,
)
from educloud.learning.api import class_list
from educloud.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from educloud.library.api import resource_get
from educloud.schools.api import School

log = logging.getLogger(__name__)

MAX_CHAT = 2000  # characters of one chat message
MAX_ATTACHMENTS = 5
PRESENCE_SECONDS = 90  # a connection silent for longer (no heartbeat) no longer counts as online
NOT_VISIBLE = "教研组不存在或无权查看"


class VersionConflict(DomainError):
    """A lesson-plan save based on a version that is no longer the latest."""

    status_code = 409


# ----------------------------------------------------------------------------------- helpers


def text(value: Any, *, field: str, label: str, limit: int = MAX_BODY) -> str:
    cleaned = str(value or "").strip()
    if not cleaned:
        raise InvalidInput(f"{label}不能为空", field=field)
    if "\x00" in cleaned:  # PostgreSQL cannot store U+0000; WebSocket frames pass no HTTP middleware
        raise InvalidInput(f"{label}不能包含空字符（U+0000）", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(f"{label}过长：最多 {limit} 字，现有 {len(cleaned)} 字", field=field)
    return cleaned


def optional_text(value: Any, *, field: str, label: str, limit: int) -> str:
    cleaned = str(value or "").strip()
    if "\x00" in cleaned:
        raise InvalidInput(f"{label}不能包含空字符（U+0000）", field=field)
    return cleaned[:limit]


def group_channel(group_id: int) -> str:
    return f"community.group.{group_id}"


def user_channel(user_id: int) -> str:
    return f"community.user.{user_id}"


def publish(channel_group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to a channel-layer group after the commit; a broken layer never fails the write."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(channel_group, event)
        except Exception:  # the write is done; a live update lost is logged, not raised
            log.warning("community: live update to %s not delivered", channel_group, exc_info=True)

    transaction.on_commit(send)


def group_for(actor: Any, group_id: int) -> Group:
    """The group if ``actor`` may see it (a member, or staff for a public 教研组); else 404."""
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(NOT_VISIBLE)
    if roles.is_group_member(actor, group):
        return group
    if group.kind == Group.Kind.TEACHING and group.visibility == Group.Visibility.PUBLIC:
        if roles.is_staff_member(actor):
            return group
    raise NotFound(NOT_VISIBLE)


def member_group(actor: Any, group_id: int) -> Group:
    group = group_for(actor, group_id)
    if not actor.has_perm("community.post", group):
        raise PermissionDenied("只有本组成员可以参与，请先加入该教研组")
    return group


def _notify(users: Iterable[int], *, kind: str, group: Group, post: Post | None, actor: Any) -> None:
    ids = sorted(set(users) - {actor.pk})
    if not ids:
        return
    Notification.objects.bulk_create(
        [Notification(user_id=uid, kind=kind, group=group, post=post, actor=actor) for uid in ids]
    )
    for uid in ids:
        publish(
            user_channel(uid),
            {
                "type": "notify",
                "kind": kind,
                "label": Notification.Kind(kind).label,
                "group_id": group.pk,
                "group": group.name,
                "actor": str(actor),
                "thread_id": post.thread_id if post else None,
            },
        )


def mentioned_users(group: Group, body: str) -> list[int]:
    """Members named in ``body`` as ``@username`` or ``@display name``."""
    found = []
    for m in Membership.objects.filter(group=group).select_related("user"):
        names = {m.user.username, m.user.display_name} - {""}
        if any(f"@{name}" in body for name in names):
            found.append(m.user_id)
    return found


# ------------------------------------------------------------------------------------ groups


@transaction.atomic
def group_create(*, actor: Any, name: str, description: str = "", visibility: str = "public") -> Group:
    if not roles.is_staff_member(actor):
        raise PermissionDenied("只有教师、学校管理员和教育行政部门人员可以创建教研组")
    if visibility not in Group.Visibility.values:
        raise InvalidInput("公开方式应为 public 或 invite", field="visibility")
    group = Group.objects.create(
        name=text(name, field="name", label="教研组名称", limit=60),
        description=optional_text(description, field="description", label="简介", limit=500),
        visibility=visibility,
        owner=actor,
    )
    Membership.objects.create(group=group, user=actor, role=Membership.Role.OWNER)
    return group


@transaction.atomic
def class_space_create(*, actor: Any, grade: int, class_label: str, name: str = "") -> Group:
    """A class space for one of ``actor``'s classes (a teacher of its school); only that class's
    students may join. The class is found through ``learning.api.class_list`` (labels and counts only)."""
    schools = roles.teacher_school_ids(actor)
    if not schools:
        raise PermissionDenied("只有教师可以为自己的班级创建班级空间")
    codes = dict(School.objects.filter(pk__in=schools).values_list("code", "pk"))
    match = [
        c
        for c in class_list(actor=actor)
        if c.school_code in codes
        and c.grade == grade
        and c.class_label == optional_text(class_label, field="class_label", label="班级", limit=16)
    ]
    if not match:
        raise InvalidInput("你任教的学校没有这个班级", field="class_label")
    ref = match[0]
    group = Group.objects.create(
        name=text(name or f"{ref.grade}年级{ref.class_label}班级空间", field="name", label="名称", limit=60),
        kind=Group.Kind.CLASS_SPACE,
        visibility=Group.Visibility.INVITE,
        owner=actor,
        school_id=codes[ref.school_code],
        grade=ref.grade,
        class_label=ref.class_label,
    )
    Membership.objects.create(group=group, user=actor, role=Membership.Role.OWNER)
    return group


@transaction.atomic
def group_join(*, actor: Any, group_id: int) -> Membership:
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(NOT_VISIBLE)
    existing = Membership.objects.filter(group=group, user_id=actor.pk).first()
    if existing is not None:
        return existing
    if not actor.has_perm("community.join", group):
        if group.kind == Group.Kind.CLASS_SPACE or group.visibility == Group.Visibility.INVITE:
            raise NotFound(NOT_VISIBLE)
        raise PermissionDenied("学生不能加入教师研修社区的教研组")
    roles.forget_memberships(actor)
    return Membership.objects.create(group=group, user=actor)


@transaction.atomic
def group_leave(*, actor: Any, group_id: int) -> None:
    group = member_group(actor, group_id)
    m = Membership.objects.get(group=group, user_id=actor.pk)
    if m.role == Membership.Role.OWNER:
        raise InvalidInput("组长不能退出自己的教研组", field="group_id")
    m.delete()
    roles.forget_memberships(actor)
    publish(group_channel(group.pk), {"type": "member.left", "user_id": actor.pk})


@transaction.atomic
def invite(*, actor: Any, group_id: int, username: str) -> Invitation:
    group = group_for(actor, group_id)
    if not actor.has_perm("community.invite", group):
        raise PermissionDenied("只有组长和管理员可以邀请成员")
    name = optional_text(username, field="username", label="用户名", limit=150)
    invitee = User.objects.filter(username=name, is_active=True).first() if name else None
    if invitee is None or not roles.may_belong(invitee, group):
        raise InvalidInput(
            "找不到可邀请的用户：教研组只接纳教师、学校管理员和教育行政部门人员，班级空间只接纳本班学生和本校教师",
            field="username",
        )
    if Membership.objects.filter(group=group, user=invitee).exists():
        raise InvalidInput("该用户已是本组成员", field="username")
    existing = Invitation.objects.filter(group=group, invitee=invitee, status=Invitation.Status.PENDING)
    if existing.exists():
        raise InvalidInput("已向该用户发出邀请，等待回复", field="username")
    invitation = Invitation.objects.create(group=group, invitee=invitee, invited_by=actor)
    _notify([invitee.pk], kind=Notification.Kind.INVITATION, group=group, post=None, actor=actor)
    return invitation


@transaction.atomic
def invitation_answer(*, actor: Any, invitation_id: int, accept: bool) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("group")
        .filter(pk=invitation_id, invitee_id=actor.pk)
        .first()
    )
    if invitation is None:
        raise NotFound("邀请不存在")
    if invitation.status != Invitation.Status.PENDING:
        raise InvalidInput("这个邀请已经回复过了", field="invitation_id")
    if accept and not roles.may_belong(actor, invitation.group):
        raise PermissionDenied("你不能加入这个教研组")
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    if accept:
        Membership.objects.get_or_create(group=invitation.group, user=actor)
        roles.forget_memberships(actor)
    return invitation


@transaction.atomic
def member_role_set(*, actor: Any, group_id: int, user_id: int, role: str) -> Membership:
    group = group_for(actor, group_id)
    if not actor.has_perm("community.set_role", group):
        raise PermissionDenied("只有组长可以设置成员角色")
    if role not in (Membership.Role.MODERATOR, Membership.Role.MEMBER):
        raise InvalidInput("角色应为 moderator 或 member", field="role")
    m = Membership.objects.filter(group=group, user_id=user_id).first()
    if m is None:
        raise NotFound("该用户不是本组成员")
    if m.role == Membership.Role.OWNER:
        raise InvalidInput("不能更改组长的角色", field="user_id")
    m.role = role
    m.save(update_fields=["role"])
    return m


# ------------------------------------------------------------------------- posts and threads


def _attach(actor: Any, post: Post, resource_ids: Iterable[int]) -> None:
    ids = list(dict.fromkeys(int(r) for r in resource_ids))
    if len(ids) > MAX_ATTACHMENTS:
        raise InvalidInput(f"最多附 {MAX_ATTACHMENTS} 个资源", field="resource_ids")
    for rid in ids:
        try:
            resource = resource_get(actor=actor, resource_id=rid)
        except NotFound:
            raise InvalidInput(f"资源 {rid} 不存在或你无权查看，不能作为附件", field="resource_ids") from None
        Attachment.objects.create(post=post, resource=resource)


def _post_event(post: Post) -> dict[str, Any]:
    return {
        "type": "chat.message" if post.thread_id is None else "thread.reply",
        "id": post.pk,
        "thread_id": post.thread_id,
        "author": str(post.author),
        "author_id": post.author_id,
        "body": post.body,
        "at": timezone.localtime(post.created_at).strftime("%H:%M"),
    }


@transaction.atomic
def chat_post(*, actor: Any, group_id: int, body: str) -> Post:
    """A chat message; members named with @ are notified. Published to the group after the commit."""
    group = member_group(actor, group_id)
    post = Post.objects.create(
        group=group, author=actor, body=text(body, field="body", label="消息", limit=MAX_CHAT)
    )
    _notify(
        mentioned_users(group, post.body), kind=Notification.Kind.MENTION, group=group, post=post, actor=actor
    )
    publish(group_channel(group.pk), _post_event(post))
    return post


@transaction.atomic
def thread_create(
    *, actor: Any, group_id: int, title: str, body: str, resource_ids: Iterable[int] = ()
) -> Thread:
    group = member_group(actor, group_id)
    thread = Thread.objects.create(
        group=group, author=actor, title=text(title, field="title", label="标题", limit=120)
    )
    post = Post.objects.create(
        group=group, thread=thread, author=actor, body=text(body, field="body", label="正文")
    )
    _attach(actor, post, resource_ids)
    _notify(
        mentioned_users(group, post.body), kind=Notification.Kind.MENTION, group=group, post=post, actor=actor
    )
    publish(group_channel(group.pk), {"type": "thread.new", "id": thread.pk, "title": thread.title})
    return thread


@transaction.atomic
def reply_create(*, actor: Any, thread_id: int, body: str, resource_ids: Iterable[int] = ()) -> Post:
    thread = Thread.objects.select_related("group").filter(pk=thread_id).first()
    if thread is None:
        raise NotFound("主题不存在或无权查看")
    group = group_for(actor, thread.group_id)
    if not actor.has_perm("community.post", group):
        raise PermissionDenied("只有本组成员可以回复")
    post = Post.objects.create(
        group=group, thread=thread, author=actor, body=text(body, field="body", label="回复")
    )
    _attach(actor, post, resource_ids)
    Thread.objects.filter(pk=thread.pk).update(last_activity=post.created_at)
    mentioned = mentioned_users(group, post.body)
    _notify(mentioned, kind=Notification.Kind.MENTION, group=group, post=post, actor=actor)
    if thread.author_id and thread.author_id not in mentioned:
        _notify([thread.author_id], kind=Notification.Kind.REPLY, group=group, post=post, actor=actor)
    publish(group_channel(group.pk), _post_event(post))
    return post


# ----------------------------------------------------------------------------- lesson plans


@transaction.atomic
def plan_create(*, actor: Any, group_id: int, title: str, body: str) -> LessonPlan:
    group = member_group(actor, group_id)
    plan = LessonPlan.objects.create(
        group=group,
        title=text(title, field="title", label="教案标题", limit=120),
        created_by=actor,
        current_number=1,
    )
    LessonPlanVersion.objects.create(
        plan=plan,
        number=1,
        body=text(body, field="body", label="教案内容", limit=MAX_PLAN),
        author=actor,
        note="初稿",
    )
    return plan


def plan_for(actor: Any, plan_id: int) -> LessonPlan:
    plan = LessonPlan.objects.select_related("group").filter(pk=plan_id).first()
    if plan is None or not roles.is_group_member(actor, plan.group):
        raise NotFound("教案不存在或无权查看")
    return plan


@transaction.atomic
def plan_save(*, actor: Any, plan_id: int, base_number: int, body: str, note: str = "") -> LessonPlanVersion:
    """A new numbered version. ``base_number`` is the version the editor started from: when someone
    saved since, the save is refused (409) and nothing is written; the editor keeps their text."""
    plan_for(actor, plan_id)
    plan = LessonPlan.objects.select_for_update().get(pk=plan_id)
    content = text(body, field="body", label="教案内容", limit=MAX_PLAN)
    if base_number != plan.current_number:
        latest = plan.versions.select_related("author").get(number=plan.current_number)
        raise VersionConflict(
            f"保存冲突：你基于第 {base_number} 版修改，但{latest.author or '其他成员'}已于 "
            f"{timezone.localtime(latest.created_at):%H:%M} 保存了第 {plan.current_number} 版。"
            "你的内容没有保存也没有丢失：请对照最新版本合并你的修改后再保存。",
            field="base_version",
        )
    latest_body = plan.versions.get(number=plan.current_number).body
    if content == latest_body:
        raise InvalidInput("内容与最新版本相同，无需保存", field="body")
    number = plan.current_number + 1
    try:
        with transaction.atomic():
            version = LessonPlanVersion.objects.create(
                plan=plan,
                number=number,
                body=content,
                author=actor,
                note=optional_text(note, field="note", label="修改说明", limit=200),
            )
    except IntegrityError:  # a concurrent save took the number (SQLite has no row lock)
        raise VersionConflict(
            "保存冲突：其他成员刚刚保存了新版本，请刷新后合并再保存", field="base_version"
        ) from None
    plan.current_number = number
    plan.save(update_fields=["current_number"])
    return version


@transaction.atomic
def version_comment(*, actor: Any, plan_id: int, number: int, body: str) -> VersionComment:
    plan = plan_for(actor, plan_id)
    version = plan.versions.filter(number=number).first()
    if version is None:
        raise NotFound("该版本不存在")
    return VersionComment.objects.create(
        version=version, author=actor, body=text(body, field="body", label="评论")
    )


# ------------------------------------------------------------------------------- moderation


def post_for(actor: Any, post_id: int) -> Post:
    post = Post.objects.select_related("group").filter(pk=post_id).first()
    if post is None or not roles.is_group_member(actor, post.group):
        raise NotFound("内容不存在或无权查看")
    if post.hidden and not roles.is_group_moderator(actor, post.group):
        raise NotFound("内容不存在或无权查看")
    return post


@transaction.atomic
def post_report(*, actor: Any, post_id: int, reason: str) -> Report:
    post = post_for(actor, post_id)
    cleaned = text(reason, field="reason", label="举报理由", limit=200)
    if Report.objects.filter(post=post, reporter_id=actor.pk).exists():
        raise InvalidInput("你已举报过这条内容，管理员会尽快处理", field="post_id")
    return Report.objects.create(post=post, reporter=actor, reason=cleaned)


@transaction.atomic
def post_moderate(*, actor: Any, post_id: int, action: str, reason: str) -> ModerationAction:
    post = post_for(actor, post_id)
    if not actor.has_perm("community.moderate", post.group):
        raise PermissionDenied("只有组长和管理员可以隐藏或恢复内容")
    if action not in ModerationAction.Action.values:
        raise InvalidInput("操作应为 hide 或 unhide", field="action")
    cleaned = text(reason, field="reason", label="处理理由", limit=200)
    hide = action == ModerationAction.Action.HIDE
    if post.hidden == hide:
        raise InvalidInput("这条内容已经隐藏" if hide else "这条内容没有被隐藏", field="action")
    Post.objects.filter(pk=post.pk).update(hidden=hide)
    Report.objects.filter(post=post, resolved=False).update(resolved=True)
    entry = ModerationAction.objects.create(
        post=post, group=post.group, actor=actor, action=action, reason=cleaned
    )
    publish(group_channel(post.group_id), {"type": "post.hidden" if hide else "post.shown", "id": post.pk})
    return entry


# ----------------------------------------------------------------------------- notifications


@transaction.atomic
def notifications_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    rows = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


# ---------------------------------------------------------------------------------- presence


def presence_enter(*, actor: Any, group_id: int, channel_name: str) -> Group:
    """Record an open WebSocket of a member; refuses non-members (``DomainError``)."""
    group = member_group(actor, group_id)
    Presence.objects.update_or_create(
        channel_name=channel_name, defaults={"group": group, "user_id": actor.pk, "last_seen": timezone.now()}
    )
    return group


def presence_touch(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())


def presence_leave(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()
    # old rows of connections that died without a goodbye (a worker killed)
    Presence.objects.filter(
        last_seen__lt=timezone.now() - dt.timedelta(seconds=10 * PRESENCE_SECONDS)
    ).delete()
