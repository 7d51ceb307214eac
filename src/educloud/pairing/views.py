"""HTML pages of the pairing programme (Chinese), under /pairing/. Thin: parse, call, render.

Bureau: diagnose → run matching → adjust → confirm; programme overview with overdue items; effect
report (event-study chart drawn by ``static/pairing/pairing.js`` from ``json_script`` data). School:
our pairs, log a dispatch or an activity. Dispatched teacher: my dispatches.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from educloud.lib.bounds import int_param
from educloud.lib.errors import DomainError, InvalidInput, PermissionDenied
from educloud.lib.pages import error_page
from educloud.pairing import access, effect, selectors, services
from educloud.pairing.diagnosis import diagnose
from educloud.pairing.models import JointActivity, MatchRun, Pairing


def _date(value: str | None, field: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", field=field) from None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    bureau = selectors.is_bureau(user)
    context = {
        "bureau": bureau,
        "overview": selectors.programme_overview(actor=user) if bureau else [],
        "ours": selectors.school_pairings(actor=user),
        "mine": selectors.my_dispatches(actor=user),
    }
    return render(request, "pairing/index.html", context)


@login_required
def diagnosis(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "primary")
    try:
        services.check_stage(stage)
        scope = access.bureau_scope(request.user)
        if scope.is_empty:
            raise PermissionDenied("诊断页面仅对教育行政部门开放")
        d = diagnose(actor=request.user, scope=scope, year=None, stage=stage)
    except DomainError as exc:
        return error_page(request, exc)
    shown = [s for s in d.schools if s.role in ("weak", "strong")]
    return render(request, "pairing/diagnosis.html", {"d": d, "shown": shown, "stage": stage})


@login_required
def match(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.is_bureau(user):
        return error_page(request, PermissionDenied("结对匹配仅对教育行政部门开放"))
    if request.method == "POST":
        try:
            capacity = int_param(request.POST, "capacity", low=1, high=10, label="每所强校结对数", default=3)
            max_weak = int_param(
                request.POST, "max_weak", low=1, high=400, label="薄弱学校数上限", default=60
            )
            minutes = int_param(request.POST, "max_travel_minutes", low=1, high=1440, label="通行时间上限")
            run = services.match_run(
                actor=user,
                stage=request.POST.get("stage", "primary"),
                capacity=capacity or 3,
                max_weak=max_weak or 60,
                max_travel_minutes=float(minutes) if minutes else None,
                weak_mode=request.POST.get("weak_mode", "exactly"),
                never=_pairs(request.POST.get("never", ""), "never"),
                must=_pairs(request.POST.get("must", ""), "must"),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("pairing:match")
        messages.success(
            request, f"匹配完成：{run.pairings.count()} 对待确认（最优目标值 {run.objective:.3f}）"
        )
        return redirect("pairing:match")
    proposed = selectors.pairing_list(actor=user, status=Pairing.Status.PROPOSED)
    decidable = [(p, selectors.can_decide(user, p)) for p in proposed[:500]]
    run = MatchRun.objects.filter(created_by=user).first()
    return render(request, "pairing/match.html", {"proposed": decidable, "run": run})


def _pairs(text: str, field: str) -> list[tuple[str, str]]:
    """Lines "强校代码,薄弱学校代码" → pairs."""
    pairs = []
    for n, line in enumerate(text.replace("，", ",").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 2 or not all(parts):
            raise InvalidInput(f"第 {n} 行应为“强校代码,薄弱学校代码”：{line[:40]}", field=field)
        pairs.append((parts[0], parts[1]))
    return pairs


@login_required
@require_POST
def confirm(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        p = services.pairing_confirm(
            actor=request.user, pairing_id=pairing_id, agreement=request.POST.get("agreement", "")
        )
        messages.success(request, f"已确认结对：{p.strong.name} → {p.weak.name}")
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.POST.get("next") == "detail":
        return redirect("pairing:detail", pairing_id=pairing_id)
    return redirect("pairing:match")


@login_required
@require_POST
def reject(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        services.pairing_reject(actor=request.user, pairing_id=pairing_id)
        messages.success(request, "已撤销该建议结对")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pairing:match")


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    try:
        services.pairing_propose(
            actor=request.user,
            strong_code=request.POST.get("strong_code", "").strip(),
            weak_code=request.POST.get("weak_code", "").strip(),
            stage=request.POST.get("stage", "primary"),
        )
        messages.success(request, "已加入待确认结对")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pairing:match")


@login_required
def detail(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        p = selectors.pairing_get(actor=request.user, pairing_id=pairing_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "pairing/detail.html",
        {
            "p": p,
            "progress": selectors.progress(p),
            "courses": selectors.course_uses(p),
            "can_log": selectors.can_log(request.user, p),
            "can_decide": selectors.can_decide(request.user, p),
            "kinds": JointActivity.Kind.choices,
        },
    )


@login_required
@require_POST
def dispatch_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    post = request.POST
    try:
        services.dispatch_log(
            actor=request.user,
            pairing_id=pairing_id,
            teacher_name=post.get("teacher_name", ""),
            teacher_username=post.get("teacher_username") or None,
            start_on=_date(post.get("start_on"), "start_on", "开始日期"),
            end_on=_date(post.get("end_on"), "end_on", "结束日期"),
            subjects=post.get("subjects", "").replace("，", ",").split(","),
            direction=post.get("direction", "to_weak"),
        )
        messages.success(request, "已登记支教")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pairing:detail", pairing_id=pairing_id)


@login_required
@require_POST
def activity_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    post = request.POST
    try:
        participants = int_param(post, "participants", low=0, high=100_000, label="参与人数", default=0)
        services.activity_log(
            actor=request.user,
            pairing_id=pairing_id,
            kind=post.get("kind", ""),
            title=post.get("title", ""),
            on=_date(post.get("on"), "on", "活动日期"),
            participants=participants or 0,
            status=post.get("status", "planned"),
        )
        messages.success(request, "已登记活动")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pairing:detail", pairing_id=pairing_id)


@login_required
@require_POST
def course_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        resource_id = int_param(request.POST, "resource_id", low=1, high=2**63 - 1, label="资源编号")
        if resource_id is None:
            raise InvalidInput("请填写资源编号", field="resource_id")
        services.course_share(actor=request.user, pairing_id=pairing_id, resource_id=resource_id)
        messages.success(request, "已共享课程")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pairing:detail", pairing_id=pairing_id)


@login_required
@require_POST
def goal_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        services.goal_add(
            actor=request.user,
            pairing_id=pairing_id,
            text=request.POST.get("text", ""),
            target=request.POST.get("target", ""),
            due_on=_date(request.POST.get("due_on"), "due_on", "到期日期"),
        )
        messages.success(request, "已添加目标")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pairing:detail", pairing_id=pairing_id)


@login_required
def effect_page(request: HttpRequest) -> HttpResponse:
    metric = request.GET.get("metric", "math_score")[:32]
    control = request.GET.get("control", "notyet")
    try:
        rep = effect.effect_report(actor=request.user, metric=metric, control=control)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "pairing/effect.html", {"rep": rep, "r": rep.result, "chart": rep.chart()})
