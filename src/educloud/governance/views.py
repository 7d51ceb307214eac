"""HTML pages of the governance app (Chinese). Thin: parse, call selectors/services, render.

A refused write comes back to the form as a message naming what to fix; a refused read is the
error page with the refusal's status (403/404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from educloud.governance import roles, selectors, services
from educloud.governance.models import (
    ActionItem,
    AllianceEvent,
    Application,
    Award,
    PolicyDocument,
    ResearchOutput,
    SelectionRun,
)
from educloud.lib.bounds import INT64_MAX, int_param
from educloud.lib.errors import DomainError, PermissionDenied
from educloud.lib.pages import error_page, form_date, form_write


def _lines(text: str) -> list[tuple[str, str]]:
    """Non-empty lines of a textarea as (first, rest) split on “|” (or whitespace when there is none)."""
    rows = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if line:
            first, _, rest = line.partition("|") if "|" in line else line.partition(" ")
            rows.append((first.strip(), rest.strip()))
    return rows


def _who(user: Any) -> dict[str, bool]:
    return {
        "is_office": roles.is_joint_office(user),
        "is_expert": roles.is_expert(user),
        "is_applicant": bool(roles.applicant_school_ids(user)),
        "is_bureau": bool(roles.bureau_province_codes(user)),
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    who = _who(request.user)
    if request.method == "POST":
        data = request.POST

        def create() -> Any:
            return services.call_create(
                actor=request.user,
                title=data.get("title", ""),
                year=int_param(data, "year", low=2000, high=2100, label="年度") or 0,
                budget=data.get("budget"),
                max_request=data.get("max_request"),
                deadline=form_date(data, "deadline", "截止日期"),
                description=data.get("description", ""),
                floor_cq=int_param(data, "floor_cq", low=0, high=10**12, label="重庆最低资助额", default=0)
                or 0,
                floor_sc=int_param(data, "floor_sc", low=0, high=10**12, label="四川最低资助额", default=0)
                or 0,
            )

        refused = form_write(request, create, "资助批次已发布")
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:index")
    context: dict[str, Any] = {**who, "calls": selectors.call_list()}
    if who["is_office"] or who["is_bureau"]:
        actions = list(selectors.action_list(actor=request.user))
        context["open_actions"] = [a for a in actions if a.status != ActionItem.Status.DONE]
        context["overdue"] = [a for a in actions if selectors.is_overdue(a)]
    if who["is_expert"]:
        context["pending_reviews"] = (
            selectors.review_list(actor=request.user).filter(score__isnull=True).count()
        )
    return render(request, "governance/index.html", context)


@login_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    try:
        call = selectors.call_get(call_id=call_id)
    except DomainError as exc:
        return error_page(request, exc)
    who = _who(request.user)
    run = selectors.adopted_run(call_id=call.pk)
    outcomes = {o.application_id: o for o in run.outcomes.all()} if run else {}
    applications = [
        (a, outcomes.get(a.pk)) for a in selectors.application_list(actor=request.user, call_id=call.pk)
    ]
    return render(
        request,
        "governance/call.html",
        {
            **who,
            "call": call,
            "run": run,
            "runs": selectors.run_list(call_id=call.pk) if who["is_office"] else [],
            "applications": applications,
            "rules": SelectionRun.Rule.choices,
            "n_reviews": sum(a.reviews.exclude(score=None).count() for a, _ in applications)
            if who["is_office"]
            else 0,
        },
    )


@login_required
def apply(request: HttpRequest, call_id: int) -> HttpResponse:
    try:
        call = selectors.call_get(call_id=call_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        data = request.POST
        done = form_write(
            request,
            lambda: services.application_submit(
                actor=request.user,
                call_id=call.pk,
                title=data.get("title", ""),
                category=data.get("category", ""),
                budget_requested=data.get("budget_requested"),
                summary=data.get("summary", ""),
            ),
            "申报已提交",
        )
        if isinstance(done, HttpResponse):
            return done
        if done:
            return redirect("governance:mine")
    return render(
        request,
        "governance/apply.html",
        {"call": call, "categories": Application.Category.choices, "form": request.POST},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    mine = selectors.application_list(actor=request.user).order_by("-pk")
    return render(request, "governance/mine.html", {"applications": mine})


@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        application = selectors.application_get(actor=request.user, application_id=application_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        data = request.POST
        refused = form_write(
            request,
            lambda: services.report_submit(
                actor=request.user,
                application_id=application.pk,
                period=data.get("period", ""),
                progress=data.get("progress"),
                spend=data.get("spend"),
                teachers_trained=data.get("teachers_trained"),
                students_reached=data.get("students_reached"),
                resources_created=data.get("resources_created"),
                note=data.get("note", ""),
            ),
            "进展报告已提交",
        )
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:application", application_id=application.pk)
    run = selectors.adopted_run(call_id=application.call_id)
    outcome = run.outcomes.filter(application=application).first() if run else None
    award = Award.objects.filter(application=application).first()
    return render(
        request,
        "governance/application.html",
        {
            "application": application,
            "outcome": outcome,
            "reports": application.reports.all(),
            "award": award,
            "can_report": application.status == Application.Status.FUNDED
            and (
                application.applicant_id == request.user.pk
                or application.school_id in roles.admin_school_ids(request.user)
            ),
        },
    )


@login_required
@require_POST
def assign(request: HttpRequest, call_id: int) -> HttpResponse:
    refused = form_write(
        request,
        lambda: services.reviewers_assign(actor=request.user, call_id=call_id),
        "已分配评审专家（已回避利益冲突）",
    )
    if isinstance(refused, HttpResponse):
        return refused
    return redirect("governance:call", call_id=call_id)


@login_required
@require_POST
def select(request: HttpRequest, call_id: int) -> HttpResponse:
    rule = request.POST.get("rule", "")
    refused = form_write(
        request,
        lambda: services.selection_run(actor=request.user, call_id=call_id, rule=rule),
        "遴选完成，结果已采用",
    )
    if isinstance(refused, HttpResponse):
        return refused
    return redirect("governance:call", call_id=call_id)


@login_required
def performance_page(request: HttpRequest, call_id: int) -> HttpResponse:
    try:
        call = selectors.call_get(call_id=call_id)
    except DomainError as exc:
        return error_page(request, exc)
    is_office = roles.is_joint_office(request.user)
    if request.method == "POST":
        data = request.POST
        try:
            application_id = int_param(data, "application", low=1, high=INT64_MAX, label="项目编号") or 0
        except DomainError as exc:
            return error_page(request, exc)
        refused = form_write(
            request,
            lambda: services.award_grant(
                actor=request.user,
                application_id=application_id,
                level=data.get("level", ""),
                citation=data.get("citation", ""),
            ),
            "奖项已登记",
        )
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:performance", call_id=call.pk)
    rows = selectors.performance(call_id=call.pk)
    awards = {a.application_id: a for a in Award.objects.filter(application__call=call)}
    return render(
        request,
        "governance/performance.html",
        {
            "call": call,
            "rows": [(r, awards.get(r.application.pk)) for r in rows],
            "is_office": is_office,
            "levels": Award.Level.choices,
        },
    )


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    if not roles.is_expert(request.user):
        return error_page(request, PermissionDenied("只有评审专家有评审任务"))
    return render(request, "governance/reviews.html", {"reviews": selectors.review_list(actor=request.user)})


@login_required
@require_POST
def review_score(request: HttpRequest, assignment_id: int) -> HttpResponse:
    data = request.POST
    refused = form_write(
        request,
        lambda: services.review_score(
            actor=request.user,
            assignment_id=assignment_id,
            score=data.get("score"),
            comment=data.get("comment", ""),
        ),
        "评分已保存",
    )
    if isinstance(refused, HttpResponse):
        return refused
    return redirect("governance:reviews")


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data = request.POST

        def create() -> Any:
            attendance = [("500000", n, p) for n, p in _lines(data.get("attendance_cq", ""))]
            attendance += [("510000", n, p) for n, p in _lines(data.get("attendance_sc", ""))]
            return services.meeting_create(
                actor=request.user,
                title=data.get("title", ""),
                session=int_param(data, "session", low=1, high=1000, label="届次") or 0,
                date=form_date(data, "date", "会议日期"),
                host_province=data.get("host_province", ""),
                location=data.get("location", ""),
                agenda=_lines(data.get("agenda", "")),
                attendance=attendance,
                minutes=data.get("minutes", ""),
            )

        refused = form_write(request, create, "会议已登记")
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:meetings")
    try:
        items = selectors.meeting_list(actor=request.user)
    except DomainError as exc:
        return error_page(request, exc)
    last = items.order_by("-session").first()
    return render(
        request,
        "governance/meetings.html",
        {
            "meetings": items,
            "is_office": roles.is_joint_office(request.user),
            "next_session": (last.session + 1) if last else 1,
            "next_host": ("510000" if last.host_province_id == "500000" else "500000") if last else "500000",
        },
    )


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    try:
        meeting = selectors.meeting_get(actor=request.user, meeting_id=meeting_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        data = request.POST

        def write() -> Any:
            if data.get("kind") == "resolution":
                return services.resolution_add(
                    actor=request.user, meeting_id=meeting.pk, text=data.get("text", "")
                )
            return services.action_add(
                actor=request.user,
                resolution_id=int_param(data, "resolution", low=1, high=INT64_MAX, label="决议") or 0,
                title=data.get("title", ""),
                owner_province=data.get("owner_province", ""),
                deadline=form_date(data, "deadline", "截止日期"),
            )

        refused = form_write(request, write, "已登记")
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:meeting", meeting_id=meeting.pk)
    visible = set(selectors.action_list(actor=request.user).values_list("pk", flat=True))
    resolutions = [
        (r, [a for a in r.actions.select_related("owner_province").all() if a.pk in visible])
        for r in meeting.resolutions.all()
    ]
    return render(
        request,
        "governance/meeting.html",
        {
            "meeting": meeting,
            "resolutions": resolutions,
            "agenda": meeting.agenda.all(),
            "attendance": meeting.attendance.select_related("province"),
        },
    )


@login_required
def actions(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    items = [
        (a, selectors.is_overdue(a))
        for a in selectors.action_list(actor=request.user, overdue_only=overdue_only)
    ]
    return render(request, "governance/actions.html", {"items": items, "overdue_only": overdue_only})


@login_required
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    try:
        action = selectors.action_get(actor=request.user, action_id=action_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        data = request.POST
        try:
            resource_id = int_param(data, "evidence_resource_id", low=1, high=INT64_MAX, label="资源编号")
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("governance:action", action_id=action.pk)
        refused = form_write(
            request,
            lambda: services.action_update(
                actor=request.user,
                action_id=action.pk,
                note=data.get("note", ""),
                progress=data.get("progress"),
                status=data.get("status", ""),
                evidence_url=data.get("evidence_url", ""),
                evidence_resource_id=resource_id,
            ),
            "进展已更新",
        )
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:action", action_id=action.pk)
    return render(
        request,
        "governance/action.html",
        {
            "action": action,
            "overdue": selectors.is_overdue(action),
            "updates": action.updates.select_related("author", "evidence_resource"),
            "can_update": services.can_update_action(request.user, action),
            "statuses": ActionItem.Status.choices,
        },
    )


@login_required
def trace(request: HttpRequest, resolution_id: int) -> HttpResponse:
    try:
        resolution, items = selectors.resolution_trace(actor=request.user, resolution_id=resolution_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "governance/trace.html",
        {"resolution": resolution, "items": [(a, selectors.is_overdue(a)) for a in items]},
    )


def policies(request: HttpRequest) -> HttpResponse:
    """The policy library of both governments: public search; the joint office and provincial
    bureaus add documents."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        data = request.POST

        def publish() -> Any:
            return services.policy_publish(
                actor=request.user,
                title=data.get("title", ""),
                number=data.get("number", ""),
                issuer=data.get("issuer", ""),
                province=data.get("province", ""),
                issued_on=form_date(data, "issued_on", "发文日期"),
                category=data.get("category", ""),
                summary=data.get("summary", ""),
                url=data.get("url", ""),
            )

        refused = form_write(request, publish, "政策已收录")
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:policies")
    query = request.GET.get("q", "")[:100]
    province = request.GET.get("province", "")
    if province not in ("", "500000", "510000", "joint"):
        province = ""
    try:
        page = int_param(request.GET, "page", low=1, high=10_000, label="页码", default=1) or 1
        hits, count = selectors.policy_search(actor=request.user, query=query, province=province, page=page)
    except DomainError as exc:
        return error_page(request, exc)
    can_publish = roles.is_joint_office(request.user) or bool(
        {c for c in ("500000", "510000") if roles.is_province_bureau(request.user, c)}
    )
    return render(
        request,
        "governance/policies.html",
        {
            "hits": hits,
            "count": count,
            "query": query,
            "province": province,
            "page": page,
            "can_publish": can_publish,
            "categories": PolicyDocument.Category.choices,
        },
    )


def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    try:
        policy = selectors.policy_get(policy_id=policy_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "governance/policy.html", {"policy": policy})


def alliance(request: HttpRequest) -> HttpResponse:
    """The research alliance (public): joint projects, forums and events; the joint office adds them."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        data = request.POST

        def write() -> Any:
            if data.get("kind_of") == "event":
                return services.alliance_event_create(
                    actor=request.user,
                    title=data.get("title", ""),
                    kind=data.get("kind", ""),
                    date=form_date(data, "date", "日期"),
                    host_province=data.get("host_province", ""),
                    location=data.get("location", ""),
                    description=data.get("description", ""),
                )
            return services.research_project_create(
                actor=request.user,
                title=data.get("title", ""),
                lead_institution=data.get("lead_institution", ""),
                lead_province=data.get("lead_province", ""),
                partner_institution=data.get("partner_institution", ""),
                partner_province=data.get("partner_province", ""),
                theme=data.get("theme", ""),
                start=form_date(data, "start", "开始日期"),
                summary=data.get("summary", ""),
            )

        refused = form_write(request, write, "已登记")
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:alliance")
    return render(
        request,
        "governance/alliance.html",
        {
            "projects": selectors.research_project_list(),
            "events": selectors.alliance_event_list(),
            "is_office": roles.is_joint_office(request.user),
            "event_kinds": AllianceEvent.Kind.choices,
        },
    )


def research_project(request: HttpRequest, project_id: int) -> HttpResponse:
    try:
        project = selectors.research_project_get(project_id=project_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        data = request.POST

        def add() -> Any:
            return services.research_output_add(
                actor=request.user,
                project_id=project.pk,
                title=data.get("title", ""),
                kind=data.get("kind", ""),
                year=int_param(data, "year", low=1900, high=2100, label="年份") or 0,
                url=data.get("url", ""),
                resource_id=int_param(data, "resource_id", low=1, high=INT64_MAX, label="资源编号"),
            )

        refused = form_write(request, add, "成果已登记")
        if isinstance(refused, HttpResponse):
            return refused
        return redirect("governance:research_project", project_id=project.pk)
    user = request.user
    sides = {project.lead_province_id, project.partner_province_id}
    return render(
        request,
        "governance/research_project.html",
        {
            "project": project,
            "outputs": project.outputs.select_related("resource"),
            "events": project.events.select_related("host_province"),
            "can_add": roles.is_joint_office(user) or any(roles.is_province_bureau(user, p) for p in sides),
            "output_kinds": ResearchOutput.Kind.choices,
        },
    )
