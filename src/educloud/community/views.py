"""HTML pages of the community (Chinese). Thin: parse, call selectors/services, render.

A refused write comes back to the page with a message naming what to fix; a refused read is the
error page with the refusal's status (403/404). The group page's live room is static JS
(``static/community/room.js``) talking to ``consumers.GroupConsumer``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from educloud.community import roles, selectors, services
from educloud.learning.api import class_list
from educloud.lib.bounds import GRADE_MAX, GRADE_MIN, INT64_MAX, int_param
from educloud.lib.errors import DomainError
from educloud.lib.pages import error_page, form_write


def _ids(raw: str) -> list[int]:
    out = []
    for part in str(raw or "").replace("，", ",").split(","):
        if part.strip():
            out.append(int_param({"r": part}, "r", low=0, high=INT64_MAX, label="资源编号") or 0)
    return out


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        kind = request.POST.get("kind", "group")
        if kind == "class_space":

            def write() -> Any:
                grade = int_param(request.POST, "grade", low=GRADE_MIN, high=GRADE_MAX, label="年级") or 0
                return services.class_space_create(
                    actor=user, grade=grade, class_label=request.POST.get("class_label", "")
                )
        else:

            def write() -> Any:
                return services.group_create(
                    actor=user,
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                    visibility=request.POST.get("visibility", "public"),
                )

        done = form_write(request, write, "已创建")
        if isinstance(done, HttpResponse):
            return done
        return redirect("community:index")
    groups = list(selectors.group_list(actor=user))
    mine = selectors.my_group_ids(user)
    is_teacher = bool(roles.teacher_school_ids(user))
    return render(
        request,
        "community/index.html",
        {
            "my_groups": [g for g in groups if g.pk in mine],
            "public_groups": [g for g in groups if g.pk not in mine],
            "invitations": selectors.invitations(actor=user),
            "is_staff": roles.is_staff_member(user),
            "classes": [c for c in class_list(actor=user)] if is_teacher else [],
            "unread": selectors.unread_count(actor=user),
        },
    )


@login_required
def group_page(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    try:
        group = services.group_for(user, group_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        action = request.POST.get("action", "")
        writes: dict[str, tuple[Callable[[], Any], str]] = {
            "join": (lambda: services.group_join(actor=user, group_id=group.pk), "已加入"),
            "leave": (lambda: services.group_leave(actor=user, group_id=group.pk), "已退出"),
            "thread": (
                lambda: services.thread_create(
                    actor=user,
                    group_id=group.pk,
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                    resource_ids=_ids(request.POST.get("resource_ids", "")),
                ),
                "主题已发布",
            ),
            "plan": (
                lambda: services.plan_create(
                    actor=user,
                    group_id=group.pk,
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                ),
                "教案已创建（第 1 版）",
            ),
            "invite": (
                lambda: services.invite(
                    actor=user, group_id=group.pk, username=request.POST.get("username", "")
                ),
                "邀请已发出",
            ),
            "role": (
                lambda: services.member_role_set(
                    actor=user,
                    group_id=group.pk,
                    user_id=int_param(request.POST, "user_id", low=0, high=INT64_MAX, label="成员") or 0,
                    role=request.POST.get("role", ""),
                ),
                "角色已更新",
            ),
        }
        if action not in writes:
            messages.error(request, "未知操作")
            return redirect("community:group", group_id=group.pk)
        write, ok = writes[action]
        done = form_write(request, write, ok)
        if isinstance(done, HttpResponse):
            return done
        if action == "leave" and done:
            return redirect("community:index")
        return redirect("community:group", group_id=group.pk)
    is_member = roles.is_group_member(user, group)
    is_moderator = roles.is_group_moderator(user, group)
    context: dict[str, Any] = {
        "group": group,
        "is_member": is_member,
        "is_moderator": is_moderator,
        "is_owner": roles.is_group_owner(user, group),
        "may_join": user.has_perm("community.join", group),
        "members": selectors.members(actor=user, group=group),
    }
    if is_member:
        context.update(
            chat=selectors.chat_history(actor=user, group_id=group.pk),
            threads=selectors.thread_list(actor=user, group_id=group.pk),
            plans=selectors.plan_list(actor=user, group_id=group.pk),
            online=selectors.online(group_id=group.pk),
        )
    if is_moderator:
        context["reports"], context["moderation_log"] = selectors.reports(actor=user, group_id=group.pk)
    return render(request, "community/group.html", context)


@login_required
def thread_page(request: HttpRequest, thread_id: int) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        done = form_write(
            request,
            lambda: services.reply_create(
                actor=user,
                thread_id=thread_id,
                body=request.POST.get("body", ""),
                resource_ids=_ids(request.POST.get("resource_ids", "")),
            ),
            "回复已发布",
        )
        if isinstance(done, HttpResponse):
            return done
        return redirect("community:thread", thread_id=thread_id)
    try:
        thread, posts = selectors.thread_get(actor=user, thread_id=thread_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "community/thread.html",
        {"thread": thread, "posts": posts, "is_moderator": roles.is_group_moderator(user, thread.group)},
    )


@login_required
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = request.user
    draft = None
    conflict = None
    if request.method == "POST":
        if request.POST.get("action") == "comment":
            done = form_write(
                request,
                lambda: services.version_comment(
                    actor=user,
                    plan_id=plan_id,
                    number=int_param(request.POST, "number", low=1, high=2**31 - 1, label="版本号") or 0,
                    body=request.POST.get("body", ""),
                ),
                "评论已发表",
            )
            if isinstance(done, HttpResponse):
                return done
            return redirect("community:plan", plan_id=plan_id)
        draft = request.POST.get("body", "")
        try:
            base = int_param(request.POST, "base_version", low=0, high=2**31 - 1, label="基准版本") or 0
            version = services.plan_save(
                actor=user, plan_id=plan_id, base_number=base, body=draft, note=request.POST.get("note", "")
            )
        except services.VersionConflict as exc:
            conflict = exc.message
        except DomainError as exc:
            if exc.status_code in (403, 404):
                return error_page(request, exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已保存为第 {version.number} 版")
            return redirect("community:plan", plan_id=plan_id)
    try:
        plan, versions = selectors.plan_get(actor=user, plan_id=plan_id)
        a = int_param(request.GET, "a", low=1, high=2**31 - 1, label="版本 a")
        b = int_param(request.GET, "b", low=1, high=2**31 - 1, label="版本 b")
        diff = selectors.plan_diff(actor=user, plan_id=plan_id, a=a, b=b) if a and b else None
    except DomainError as exc:
        return error_page(request, exc)
    latest = versions[-1] if versions else None
    return render(
        request,
        "community/plan.html",
        {
            "plan": plan,
            "versions": versions,
            "latest": latest,
            "diff": diff,
            "draft": draft if draft is not None else (latest.body if latest else ""),
            # after a conflict the editor keeps their text and now edits on top of the latest version
            "base_version": plan.current_number,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


@login_required
@require_POST
def report(request: HttpRequest, post_id: int) -> HttpResponse:
    done = form_write(
        request,
        lambda: services.post_report(
            actor=request.user, post_id=post_id, reason=request.POST.get("reason", "")
        ),
        "已举报，管理员会尽快处理",
    )
    if isinstance(done, HttpResponse):
        return done
    return redirect(request.POST.get("next") if _safe(request.POST.get("next")) else "community:index")


@login_required
@require_POST
def moderate(request: HttpRequest, post_id: int) -> HttpResponse:
    done = form_write(
        request,
        lambda: services.post_moderate(
            actor=request.user,
            post_id=post_id,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        ),
        "已处理并记录",
    )
    if isinstance(done, HttpResponse):
        return done
    return redirect(request.POST.get("next") if _safe(request.POST.get("next")) else "community:index")


def _safe(url: str | None) -> bool:
    return bool(url) and str(url).startswith("/community/") and "//" not in str(url)


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    accept = request.POST.get("accept") == "1"
    done = form_write(
        request,
        lambda: services.invitation_answer(actor=request.user, invitation_id=invitation_id, accept=accept),
        "已加入" if accept else "已谢绝",
    )
    if isinstance(done, HttpResponse):
        return done
    return redirect("community:index")


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_read(actor=request.user)
        return redirect("community:notifications")
    return render(
        request,
        "community/notifications.html",
        {"notifications": selectors.notifications(actor=request.user)},
    )
