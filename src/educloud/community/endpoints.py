"""REST endpoints of the community, mounted under /api/v1/community/.

A web-layer module: every operation needs a login; the services check membership and group roles
(``roles.py``). Errors are ``{"detail", "field"}`` (400/403/404/409/422); a lesson-plan save based on
an old version answers 409 and writes nothing. Chat messages are sent over the WebSocket
(``/ws/community/groups/<id>/``); the API reads their history.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from educloud.community import selectors, services
from educloud.community.models import MAX_BODY, MAX_PLAN, Group
from educloud.lib.api_errors import LOGIN_ERRORS, ErrorOut, with_errors
from educloud.lib.bounds import Id

router = Router(tags=["community"], auth=django_auth)
CONFLICT = {409: ErrorOut}
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="版本号（从 1 起）")]


class CommunityGroupIn(Schema):
    name: str = Field(max_length=60)
    description: str = Field("", max_length=500)
    visibility: str = Field("public", description="public（社区成员可直接加入）| invite（仅限邀请）")


class CommunityClassSpaceIn(Schema):
    grade: int = Field(ge=1, le=12)
    class_label: str = Field(max_length=16)
    name: str = Field("", max_length=60)


class CommunityGroupOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    visibility: str
    is_member: bool = False

    @staticmethod
    def resolve_is_member(obj: Group, context: dict) -> bool:  # type: ignore[type-arg]
        return obj.pk in context["request"].community_groups


class CommunityMemberOut(Schema):
    user_id: int
    label: str
    role: str


class CommunityGroupDetailOut(CommunityGroupOut):
    members: list[CommunityMemberOut]
    online: list[dict]  # type: ignore[type-arg]


class CommunityInviteIn(Schema):
    username: str = Field(max_length=150)


class CommunityInvitationOut(Schema):
    id: int
    group_id: int
    group: str
    status: str

    @staticmethod
    def resolve_group(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.group.name


class CommunityAnswerIn(Schema):
    accept: bool


class CommunityRoleIn(Schema):
    role: str = Field(description="moderator | member")


class CommunityPostOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime
    hidden: bool
    attachments: list[dict]  # type: ignore[type-arg]

    @staticmethod
    def resolve_attachments(obj) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
        return [{"resource_id": rid, "title": title} for rid, title in obj.attachments]


class CommunityThreadIn(Schema):
    title: str = Field(max_length=120)
    body: str = Field(max_length=MAX_BODY)
    resource_ids: list[Id] = Field(default_factory=list, max_length=5)


class CommunityReplyIn(Schema):
    body: str = Field(max_length=MAX_BODY)
    resource_ids: list[Id] = Field(default_factory=list, max_length=5)


class CommunityThreadOut(Schema):
    id: int
    group_id: int
    title: str
    created_at: dt.datetime
    last_activity: dt.datetime


class CommunityThreadDetailOut(CommunityThreadOut):
    posts: list[CommunityPostOut]


class CommunityPlanIn(Schema):
    title: str = Field(max_length=120)
    body: str = Field(max_length=MAX_PLAN)


class CommunityVersionIn(Schema):
    base_version: int = Field(ge=0, le=2**31 - 1, description="编辑所基于的版本号（乐观并发）")
    body: str = Field(max_length=MAX_PLAN)
    note: str = Field("", max_length=200)


class CommunityCommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.author) if obj.author else "已注销用户"


class CommunityVersionOut(Schema):
    number: int
    author: str
    note: str
    created_at: dt.datetime
    body: str
    comments: list[CommunityCommentOut]

    @staticmethod
    def resolve_author(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.author) if obj.author else "已注销用户"

    @staticmethod
    def resolve_comments(obj) -> list:  # type: ignore[no-untyped-def,type-arg]
        return list(obj.comments.all())


class CommunityPlanOut(Schema):
    id: int
    group_id: int
    title: str
    current_number: int


class CommunityPlanDetailOut(CommunityPlanOut):
    versions: list[CommunityVersionOut]


class CommunityDiffOut(Schema):
    a: int
    b: int
    unified: str


class CommunityCommentIn(Schema):
    body: str = Field(max_length=MAX_BODY)


class CommunityReportIn(Schema):
    reason: str = Field(max_length=200)


class CommunityReportOut(Schema):
    id: int
    post_id: int
    reason: str
    created_at: dt.datetime


class CommunityModerateIn(Schema):
    action: str = Field(description="hide | unhide")
    reason: str = Field(max_length=200)


class CommunityModerationOut(Schema):
    id: int
    post_id: int
    action: str
    reason: str
    actor: str
    at: dt.datetime

    @staticmethod
    def resolve_actor(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.actor) if obj.actor else "已注销用户"


class CommunityReportsOut(Schema):
    reports: list[CommunityReportOut]
    log: list[CommunityModerationOut]


class CommunityNotificationOut(Schema):
    id: int
    kind: str
    group_id: int
    thread_id: int | None
    actor: str
    created_at: dt.datetime
    read: bool

    @staticmethod
    def resolve_thread_id(obj) -> int | None:  # type: ignore[no-untyped-def]
        return obj.post.thread_id if obj.post else None

    @staticmethod
    def resolve_actor(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.actor) if obj.actor else ""

    @staticmethod
    def resolve_read(obj) -> bool:  # type: ignore[no-untyped-def]
        return obj.read_at is not None


class CommunityReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=500, description="不填：全部标为已读")


class CommunityCountOut(Schema):
    count: int


class CommunityOkOut(Schema):
    ok: bool = True


def _mine(request) -> None:  # type: ignore[no-untyped-def]
    request.community_groups = selectors.my_group_ids(request.user)


@router.get("/groups", response=with_errors(list[CommunityGroupOut], LOGIN_ERRORS))
def groups(request):  # type: ignore[no-untyped-def]
    """The caller's groups and every public 教研组 (for teachers, school admins and bureau staff)."""
    _mine(request)
    return list(selectors.group_list(actor=request.user)[:500])


@router.post("/groups", response=with_errors({201: CommunityGroupOut}, LOGIN_ERRORS))
def group_create(request, payload: CommunityGroupIn):  # type: ignore[no-untyped-def]
    group = services.group_create(actor=request.user, **payload.dict())
    _mine(request)
    return Status(201, group)


@router.post("/class-spaces", response=with_errors({201: CommunityGroupOut}, LOGIN_ERRORS))
def class_space_create(request, payload: CommunityClassSpaceIn):  # type: ignore[no-untyped-def]
    """A class space for one of the teacher's classes: only that class's students may join."""
    group = services.class_space_create(actor=request.user, **payload.dict())
    _mine(request)
    return Status(201, group)


@router.get("/groups/{group_id}", response=with_errors(CommunityGroupDetailOut, LOGIN_ERRORS))
def group_detail(request, group_id: Id):  # type: ignore[no-untyped-def]
    group = services.group_for(request.user, group_id)
    _mine(request)
    group.members = [m.__dict__ for m in selectors.members(actor=request.user, group=group)]
    group.online = selectors.online(group_id=group.pk) if group.pk in request.community_groups else []
    return group


@router.post("/groups/{group_id}/join", response=with_errors(CommunityOkOut, LOGIN_ERRORS))
def group_join(request, group_id: Id):  # type: ignore[no-untyped-def]
    services.group_join(actor=request.user, group_id=group_id)
    return {"ok": True}


@router.post("/groups/{group_id}/leave", response=with_errors(CommunityOkOut, LOGIN_ERRORS))
def group_leave(request, group_id: Id):  # type: ignore[no-untyped-def]
    services.group_leave(actor=request.user, group_id=group_id)
    return {"ok": True}


@router.put("/groups/{group_id}/members/{user_id}", response=with_errors(CommunityMemberOut, LOGIN_ERRORS))
def member_role(request, group_id: Id, user_id: Id, payload: CommunityRoleIn):  # type: ignore[no-untyped-def]
    m = services.member_role_set(actor=request.user, group_id=group_id, user_id=user_id, role=payload.role)
    return {"user_id": m.user_id, "label": selectors.labels([m.user_id]).get(m.user_id, ""), "role": m.role}


@router.post(
    "/groups/{group_id}/invitations", response=with_errors({201: CommunityInvitationOut}, LOGIN_ERRORS)
)
def invite(request, group_id: Id, payload: CommunityInviteIn):  # type: ignore[no-untyped-def]
    return Status(201, services.invite(actor=request.user, group_id=group_id, username=payload.username))


@router.get("/invitations", response=with_errors(list[CommunityInvitationOut], LOGIN_ERRORS))
def invitations(request):  # type: ignore[no-untyped-def]
    """The caller's pending invitations."""
    return selectors.invitations(actor=request.user)


@router.post("/invitations/{invitation_id}", response=with_errors(CommunityInvitationOut, LOGIN_ERRORS))
def invitation_answer(request, invitation_id: Id, payload: CommunityAnswerIn):  # type: ignore[no-untyped-def]
    return services.invitation_answer(actor=request.user, invitation_id=invitation_id, accept=payload.accept)


@router.get("/groups/{group_id}/messages", response=with_errors(list[CommunityPostOut], LOGIN_ERRORS))
def messages(request, group_id: Id):  # type: ignore[no-untyped-def]
    """The last 50 chat messages (members only; send new ones over the WebSocket)."""
    services.member_group(request.user, group_id)
    return selectors.chat_history(actor=request.user, group_id=group_id)


@router.get("/groups/{group_id}/threads", response=with_errors(list[CommunityThreadOut], LOGIN_ERRORS))
def threads(request, group_id: Id):  # type: ignore[no-untyped-def]
    services.member_group(request.user, group_id)
    return selectors.thread_list(actor=request.user, group_id=group_id)


@router.post("/groups/{group_id}/threads", response=with_errors({201: CommunityThreadOut}, LOGIN_ERRORS))
def thread_create(request, group_id: Id, payload: CommunityThreadIn):  # type: ignore[no-untyped-def]
    thread = services.thread_create(actor=request.user, group_id=group_id, **payload.dict())
    return Status(201, thread)


@router.get("/threads/{thread_id}", response=with_errors(CommunityThreadDetailOut, LOGIN_ERRORS))
def thread_detail(request, thread_id: Id):  # type: ignore[no-untyped-def]
    thread, posts = selectors.thread_get(actor=request.user, thread_id=thread_id)
    return {
        "id": thread.pk,
        "group_id": thread.group_id,
        "title": thread.title,
        "created_at": thread.created_at,
        "last_activity": thread.last_activity,
        "posts": posts,
    }


@router.post("/threads/{thread_id}/replies", response=with_errors({201: CommunityPostOut}, LOGIN_ERRORS))
def reply(request, thread_id: Id, payload: CommunityReplyIn):  # type: ignore[no-untyped-def]
    post = services.reply_create(actor=request.user, thread_id=thread_id, **payload.dict())
    _thread, posts = selectors.thread_get(actor=request.user, thread_id=thread_id)
    return Status(201, next(p for p in posts if p.id == post.pk))


@router.get("/groups/{group_id}/plans", response=with_errors(list[CommunityPlanOut], LOGIN_ERRORS))
def plans(request, group_id: Id):  # type: ignore[no-untyped-def]
    services.member_group(request.user, group_id)
    return selectors.plan_list(actor=request.user, group_id=group_id)


@router.post("/groups/{group_id}/plans", response=with_errors({201: CommunityPlanOut}, LOGIN_ERRORS))
def plan_create(request, group_id: Id, payload: CommunityPlanIn):  # type: ignore[no-untyped-def]
    return Status(201, services.plan_create(actor=request.user, group_id=group_id, **payload.dict()))


@router.get("/plans/{plan_id}", response=with_errors(CommunityPlanDetailOut, LOGIN_ERRORS))
def plan_detail(request, plan_id: Id):  # type: ignore[no-untyped-def]
    plan, versions = selectors.plan_get(actor=request.user, plan_id=plan_id)
    return {
        "id": plan.pk,
        "group_id": plan.group_id,
        "title": plan.title,
        "current_number": plan.current_number,
        "versions": versions,
    }


@router.post(
    "/plans/{plan_id}/versions", response=with_errors({201: CommunityPlanOut}, LOGIN_ERRORS, CONFLICT)
)
def plan_save(request, plan_id: Id, payload: CommunityVersionIn):  # type: ignore[no-untyped-def]
    """Save a new version. ``base_version`` must be the latest number, else 409 and nothing is saved."""
    services.plan_save(
        actor=request.user,
        plan_id=plan_id,
        base_number=payload.base_version,
        body=payload.body,
        note=payload.note,
    )
    return Status(201, services.plan_for(request.user, plan_id))


@router.get("/plans/{plan_id}/diff", response=with_errors(CommunityDiffOut, LOGIN_ERRORS))
def plan_diff(request, plan_id: Id, a: Version, b: Version):  # type: ignore[no-untyped-def]
    """Unified diff (difflib) between versions ``a`` and ``b``."""
    return selectors.plan_diff(actor=request.user, plan_id=plan_id, a=a, b=b)


@router.post(
    "/plans/{plan_id}/versions/{number}/comments",
    response=with_errors({201: CommunityCommentOut}, LOGIN_ERRORS),
)
def version_comment(request, plan_id: Id, number: Version, payload: CommunityCommentIn):  # type: ignore[no-untyped-def]
    return Status(
        201, services.version_comment(actor=request.user, plan_id=plan_id, number=number, body=payload.body)
    )


@router.post("/posts/{post_id}/reports", response=with_errors({201: CommunityReportOut}, LOGIN_ERRORS))
def report(request, post_id: Id, payload: CommunityReportIn):  # type: ignore[no-untyped-def]
    return Status(201, services.post_report(actor=request.user, post_id=post_id, reason=payload.reason))


@router.post("/posts/{post_id}/moderation", response=with_errors({201: CommunityModerationOut}, LOGIN_ERRORS))
def moderate(request, post_id: Id, payload: CommunityModerateIn):  # type: ignore[no-untyped-def]
    """Hide or unhide a post (the group's owner and moderators); audited."""
    return Status(201, services.post_moderate(actor=request.user, post_id=post_id, **payload.dict()))


@router.get("/groups/{group_id}/reports", response=with_errors(CommunityReportsOut, LOGIN_ERRORS))
def reports(request, group_id: Id):  # type: ignore[no-untyped-def]
    """Open reports and the moderation log (the group's owner and moderators)."""
    open_reports, log = selectors.reports(actor=request.user, group_id=group_id)
    return {"reports": open_reports, "log": log}


@router.get("/notifications", response=with_errors(list[CommunityNotificationOut], LOGIN_ERRORS))
def notifications(request):  # type: ignore[no-untyped-def]
    return selectors.notifications(actor=request.user)


@router.post("/notifications/read", response=with_errors(CommunityCountOut, LOGIN_ERRORS))
def notifications_read(request, payload: CommunityReadIn):  # type: ignore[no-untyped-def]
    return {"count": services.notifications_read(actor=request.user, ids=payload.ids)}
