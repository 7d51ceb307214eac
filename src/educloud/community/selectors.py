"""Reads of the community, scoped to what the actor may see.

Hidden posts are left out for everyone but the group's moderators. An attachment's title is shown
only to someone who may open the resource (``library.api.resource_get``); others see a placeholder.
Students appear by their pseudonym only (least data about minors).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from educloud.accounts.api import StudentProfile
from educloud.community import roles
from educloud.community.models import (
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
)
from educloud.community.services import PRESENCE_SECONDS, group_for, plan_for
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library.api import resource_get

HIDDEN_RESOURCE = "（你无权查看的资源）"


def labels(user_ids: list[int]) -> dict[int, str]:
    """How each user is shown: a student by pseudonym, anyone else by display name or username."""
    from educloud.accounts.api import User

    pseudonyms = dict(StudentProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "pseudonym"))
    out = {}
    for uid, username, display in User.objects.filter(pk__in=user_ids).values_list(
        "pk", "username", "display_name"
    ):
        out[uid] = pseudonyms.get(uid) or display or username
    return out


def group_list(*, actor: Any) -> QuerySet[Group]:
    """The actor's groups, and (for community staff) every public 教研组."""
    mine = Q(memberships__user_id=actor.pk)
    visible = (
        mine | Q(kind=Group.Kind.TEACHING, visibility=Group.Visibility.PUBLIC)
        if roles.is_staff_member(actor)
        else mine
    )
    return (
        Group.objects.filter(pk__in=Group.objects.filter(visible).values("pk"))
        .annotate(n_members=Count("memberships", distinct=True))
        .order_by("pk")
    )


def my_group_ids(actor: Any) -> set[int]:
    return set(Membership.objects.filter(user_id=actor.pk).values_list("group_id", flat=True))


@dataclass
class Member:
    user_id: int
    label: str
    role: str
    role_label: str


def members(*, actor: Any, group: Group) -> list[Member]:
    if not roles.is_group_member(actor, group):
        return []
    rows = list(Membership.objects.filter(group=group).order_by("pk"))
    names = labels([m.user_id for m in rows])
    return [Member(m.user_id, names.get(m.user_id, "?"), m.role, m.get_role_display()) for m in rows]


def visible_posts(actor: Any, group: Group) -> QuerySet[Post]:
    posts = Post.objects.filter(group=group)
    if not roles.is_group_moderator(actor, group):
        posts = posts.filter(hidden=False)
    return posts


@dataclass
class PostView:
    id: int
    author: str
    author_id: int | None
    body: str
    created_at: dt.datetime
    hidden: bool
    attachments: list[tuple[int | None, str]]  # (resource id when openable, title or placeholder)


def _views(actor: Any, posts: list[Post]) -> list[PostView]:
    names = labels([p.author_id for p in posts if p.author_id])
    out = []
    for p in posts:
        files: list[tuple[int | None, str]] = []
        for a in p.attachments.all():
            try:
                r = resource_get(actor=actor, resource_id=a.resource_id)
                files.append((r.pk, r.title))
            except NotFound:
                files.append((None, HIDDEN_RESOURCE))
        out.append(
            PostView(
                p.pk,
                names.get(p.author_id or 0, "已注销用户"),
                p.author_id,
                p.body,
                p.created_at,
                p.hidden,
                files,
            )
        )
    return out


def chat_history(*, actor: Any, group_id: int, limit: int = 50) -> list[PostView]:
    group = group_for(actor, group_id)
    if not roles.is_group_member(actor, group):
        return []
    posts = list(visible_posts(actor, group).filter(thread__isnull=True).order_by("-pk")[:limit])
    return _views(actor, posts[::-1])


def thread_list(*, actor: Any, group_id: int) -> list[Thread]:
    group = group_for(actor, group_id)
    if not roles.is_group_member(actor, group):
        return []
    return list(
        Thread.objects.filter(group=group).annotate(n_posts=Count("posts", filter=Q(posts__hidden=False)))[
            :200
        ]
    )


def thread_get(*, actor: Any, thread_id: int) -> tuple[Thread, list[PostView]]:
    thread = Thread.objects.select_related("group").filter(pk=thread_id).first()
    if thread is None or not roles.is_group_member(actor, thread.group):
        raise NotFound("主题不存在或无权查看")
    posts = list(
        visible_posts(actor, thread.group)
        .filter(thread=thread)
        .prefetch_related("attachments")
        .order_by("pk")[:500]
    )
    return thread, _views(actor, posts)


def plan_list(*, actor: Any, group_id: int) -> list[LessonPlan]:
    group = group_for(actor, group_id)
    if not roles.is_group_member(actor, group):
        return []
    return list(LessonPlan.objects.filter(group=group)[:200])


def plan_get(*, actor: Any, plan_id: int) -> tuple[LessonPlan, list[LessonPlanVersion]]:
    plan = plan_for(actor, plan_id)
    versions = list(
        plan.versions.select_related("author").prefetch_related("comments__author").order_by("number")
    )
    return plan, versions


@dataclass
class Diff:
    a: int
    b: int
    unified: str
    rows: list[tuple[str, str]]  # (kind: "add" | "del" | "same" | "hunk", line)


def plan_diff(*, actor: Any, plan_id: int, a: int, b: int) -> Diff:
    plan = plan_for(actor, plan_id)
    bodies = dict(plan.versions.filter(number__in=[a, b]).values_list("number", "body"))
    for n, field in ((a, "a"), (b, "b")):
        if n not in bodies:
            raise InvalidInput(f"第 {n} 版不存在", field=field)
    lines = list(
        difflib.unified_diff(
            bodies[a].splitlines(), bodies[b].splitlines(), f"第{a}版", f"第{b}版", lineterm="", n=2
        )
    )
    rows = []
    for line in lines[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        rows.append((kind, line))
    return Diff(a, b, "\n".join(lines), rows)


def notifications(*, actor: Any, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(user_id=actor.pk).select_related("group", "post", "actor")[:limit]
    )


def unread_count(*, actor: Any) -> int:
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).count()


def invitations(*, actor: Any) -> list[Invitation]:
    return list(
        Invitation.objects.filter(invitee_id=actor.pk, status=Invitation.Status.PENDING).select_related(
            "group", "invited_by"
        )
    )


def reports(*, actor: Any, group_id: int) -> tuple[list[Report], list[ModerationAction]]:
    """Open reports and the moderation log of a group: its moderators only."""
    group = group_for(actor, group_id)
    if not roles.is_group_moderator(actor, group):
        raise PermissionDenied("只有组长和管理员可以查看举报和处理记录")
    open_reports = list(
        Report.objects.filter(post__group=group, resolved=False).select_related("post", "reporter")[:200]
    )
    log = list(ModerationAction.objects.filter(group=group).select_related("actor", "post")[:200])
    return open_reports, log


def online(*, group_id: int) -> list[dict[str, Any]]:
    """Who is online in a group: members with a live WebSocket (heartbeat within PRESENCE_SECONDS)."""
    since = timezone.now() - dt.timedelta(seconds=PRESENCE_SECONDS)
    ids = sorted(
        set(
            Presence.objects.filter(group_id=group_id, last_seen__gte=since).values_list("user_id", flat=True)
        )
    )
    names = labels(ids)
    return [{"id": uid, "name": names.get(uid, "?")} for uid in ids]
