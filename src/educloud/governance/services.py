"""Writes of the governance app: validate, authorize, ``transaction.atomic``, audit.

Fund: ``call_create``, ``application_submit``, ``reviewers_assign``, ``review_score``,
``selection_run``, ``report_submit``, ``award_grant``. Meetings: ``meeting_create``,
``resolution_add``, ``action_add``, ``action_update``. Errors are ``DomainError``s with a Chinese
message and the field at fault. The science is in ``educloud.algos.budgeting`` (selection, score
normalisation, reviewer assignment) and ``educloud.algos.dea`` (performance, in ``selectors``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from educloud.accounts.api import Role, RoleAssignment
from educloud.algos import budgeting
from educloud.governance import roles
from educloud.governance.models import (
    ActionItem,
    ActionUpdate,
    AgendaItem,
    AllianceEvent,
    Application,
    Attendance,
    AuditEntry,
    Award,
    ConflictDeclaration,
    ExpertProfile,
    FundCall,
    JointMeeting,
    PolicyDocument,
    ProjectReport,
    ResearchOutput,
    ResearchProject,
    Resolution,
    ReviewAssignment,
    SelectionOutcome,
    SelectionRun,
)
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library.api import resource_get
from educloud.regions.api import Province
from educloud.schools.api import School
from educloud.search import api as search_api

CQ, SC = "500000", "510000"
PROVINCE_NAMES = {CQ: "重庆", SC: "四川"}
APPROVAL_SHARE = 0.6  # Phragmén: a reviewer approves an application scored ≥ 60% of the scale (normalised)


def _audit(actor: Any, verb: str, target: object) -> None:
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, verb=verb, target=str(target)[:80]
    )


def _require_joint_office(actor: Any) -> None:
    if not roles.is_joint_office(actor):
        raise PermissionDenied("只有川渝联合办公室可以执行此操作")


def _money(value: Any, *, field: str, label: str) -> int:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{label}应为整数（元）", field=field) from None
    if amount <= 0 or amount > 10**12:
        raise InvalidInput(f"{label}应在 1 元到 1 万亿元之间", field=field)
    return amount


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 字", field=field)
    return text


# ---------------------------------------------------------------------------------------------- fund


@transaction.atomic
def call_create(
    *,
    actor: Any,
    title: str,
    year: int,
    budget: int,
    max_request: int,
    deadline: dt.date,
    description: str = "",
    score_max: int = 100,
    reviewers_per_application: int = 3,
    floor_cq: int = 0,
    floor_sc: int = 0,
    is_synthetic: bool = False,
) -> FundCall:
    _require_joint_office(actor)
    budget = _money(budget, field="budget", label="资助总额")
    max_request = _money(max_request, field="max_request", label="单项上限")
    if max_request > budget:
        raise InvalidInput(f"单项上限 {max_request} 元不能超过资助总额 {budget} 元", field="max_request")
    if not 1 <= int(score_max) <= 1000:
        raise InvalidInput("评分满分应在 1–1000 之间", field="score_max")
    if not 1 <= int(reviewers_per_application) <= 20:
        raise InvalidInput("每个项目的评审专家人数应在 1–20 之间", field="reviewers_per_application")
    if floor_cq < 0 or floor_sc < 0 or floor_cq + floor_sc > budget:
        raise InvalidInput("川渝两地最低资助额之和不能超过资助总额", field="floor_cq")
    call = FundCall.objects.create(
        title=_text(title, field="title", label="批次名称", max_length=120),
        description=description,
        year=year,
        budget=budget,
        max_request=max_request,
        deadline=deadline,
        score_max=score_max,
        reviewers_per_application=reviewers_per_application,
        floor_cq=floor_cq,
        floor_sc=floor_sc,
        created_by=actor,
        is_synthetic=is_synthetic,
    )
    _audit(actor, "call_create", call)
    return call


def _call(call_id: int) -> FundCall:
    call = FundCall.objects.filter(pk=call_id).first()
    if call is None:
        raise NotFound("没有这个资助批次")
    return call


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    call_id: int,
    title: str,
    category: str,
    budget_requested: Any,
    summary: str = "",
    school_id: int | None = None,
    is_synthetic: bool = False,
) -> Application:
    call = _call(call_id)
    schools = roles.applicant_school_ids(actor)
    if not schools:
        raise PermissionDenied("只有学校管理员或教师可以申报专项基金项目")
    if school_id is None:
        school_id = min(schools)
    if school_id not in schools:
        raise PermissionDenied("只能以本人所在学校的名义申报", field="school_id")
    if call.status != FundCall.Status.OPEN:
        raise InvalidInput(f"“{call.title}”已停止征集（{call.get_status_display()}）", field="call_id")
    if category not in Application.Category.values:
        raise InvalidInput(f"项目类别“{category}”不存在", field="category")
    amount = _money(budget_requested, field="budget_requested", label="申请金额")
    if amount > call.max_request:
        raise InvalidInput(
            f"申请金额 {amount:,} 元超过本批次单项上限 {call.max_request:,} 元", field="budget_requested"
        )
    application = Application.objects.create(
        call=call,
        school_id=school_id,
        applicant=actor,
        title=_text(title, field="title", label="项目名称", max_length=120),
        summary=_text(summary, field="summary", label="项目简介", max_length=4000, required=False),
        category=category,
        budget_requested=amount,
        is_synthetic=is_synthetic,
    )
    _audit(actor, "application_submit", application)
    return application


def conflict_reason(reviewer: Any, application: Application) -> str | None:
    """Why ``reviewer`` may not score ``application`` (None: no conflict).

    A reviewer never scores their own application, one from the school or county they work in, or
    one they (or the joint office) declared a conflict with.
    """
    if application.applicant_id == reviewer.pk:
        return "本人申报"
    profile = ExpertProfile.objects.filter(user=reviewer).first()
    if profile is not None:
        if profile.school_id and profile.school_id == application.school_id:
            return "同一学校"
        if profile.county_id and profile.county_id == application.school.county_id:
            return "同一区县"
    declared = ConflictDeclaration.objects.filter(reviewer=reviewer, application=application).first()
    if declared is not None:
        return f"已申报回避：{declared.reason}"
    return None


def experts() -> list[Any]:
    ids = RoleAssignment.objects.filter(role=Role.EXPERT, user__is_active=True).values_list(
        "user_id", flat=True
    )
    from educloud.accounts.api import User

    return list(User.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def reviewers_assign(*, actor: Any, call_id: int) -> int:
    """Give every submitted application of the call its reviewers (none in conflict); returns how many
    assignments were made. Applications that already have reviewers keep them (idempotent)."""
    _require_joint_office(actor)
    call = _call(call_id)
    if call.status not in (FundCall.Status.OPEN, FundCall.Status.REVIEWING):
        raise InvalidInput("本批次已立项，不能再分配评审", field="call_id")
    apps = list(
        call.applications.filter(status=Application.Status.SUBMITTED, reviews__isnull=True)
        .select_related("school")
        .order_by("pk")
    )
    pool = experts()
    made = 0
    if apps:
        if not pool:
            raise InvalidInput("还没有评审专家账号", field="call_id")
        conflicts = np.array([[conflict_reason(e, a) is not None for a in apps] for e in pool], dtype=bool)
        needed = min(call.reviewers_per_application, len(pool))
        eligible = (~conflicts).sum(axis=0)
        short = [k for k in range(len(apps)) if eligible[k] < needed]
        if short:
            raise InvalidInput(
                f"项目“{apps[short[0]].title}”无利益冲突的评审专家只有 {int(eligible[short[0]])} 人，"
                f"少于每项所需的 {needed} 人：请增加专家或减少每项专家人数",
                field="reviewers_per_application",
            )
        plan = budgeting.assign_reviewers(conflicts, needed)
        rows = [
            ReviewAssignment(application=a, reviewer=pool[r])
            for a, chosen in zip(apps, plan, strict=True)
            for r in chosen
        ]
        ReviewAssignment.objects.bulk_create(rows)
        made = len(rows)
    FundCall.objects.filter(pk=call.pk).update(status=FundCall.Status.REVIEWING)
    _audit(actor, "reviewers_assign", f"{call} +{made}")
    return made


@transaction.atomic
def review_score(*, actor: Any, assignment_id: int, score: Any, comment: str = "") -> ReviewAssignment:
    review = (
        ReviewAssignment.objects.select_for_update()
        .select_related("application__call", "application__school")
        .filter(pk=assignment_id)
        .first()
    )
    if review is None or review.reviewer_id != getattr(actor, "pk", None):
        raise NotFound("没有这项评审任务")  # another expert's assignment is not even shown to exist
    call = review.application.call
    if call.status != FundCall.Status.REVIEWING:
        raise InvalidInput("本批次不在评审阶段，不能评分", field="score")
    reason = conflict_reason(actor, review.application)
    if reason:
        raise PermissionDenied(f"存在利益冲突（{reason}），不能评分", field="score")
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise InvalidInput("评分应为数字", field="score") from None
    if not np.isfinite(value) or not 0 <= value <= call.score_max:
        raise InvalidInput(f"评分 {score} 超出评分范围 0–{call.score_max}", field="score")
    review.score = value
    review.comment = _text(comment, field="comment", label="评审意见", max_length=2000, required=False)
    review.scored_at = timezone.now()
    review.save(update_fields=["score", "comment", "scored_at"])
    _audit(actor, "review_score", f"assignment {review.pk}")
    return review


_REASON_TEXT = {
    "funded": "入选",
    "skipped_no_room": "轮到该项目时剩余资金（{detail:,.0f} 元）不足",
    "not_in_optimum": "在预算约束下，不选它的组合总分更高",
    "unaffordable": "支持它的评审专家份额已用完，剩余份额不足以支付",
    "stopped": "规则在更优先的项目超出预算时停止",
    "no_support": "没有评审专家给出正面评价",
    "unscored": "尚无评分，未参与遴选",
}


def _explain(rule: str, reason: str, detail: float | None, rank: int) -> str:
    if reason == "funded":
        if rule in ("mes",) and detail is not None and np.isfinite(detail):
            return f"入选：支持者按每分 {detail:.4g} 元分担了全部费用"
        if rule in ("greedy", "greedy_ratio") and detail is not None:
            return f"入选：按排序第 {int(detail)} 个资助"
        if rule == "mes":
            return "入选：等份额阶段后剩余资金按每元得分补足"
        if rule == "phragmen" and detail is not None:
            return f"入选：支持者负载升至 {detail:.4g}"
        return "入选：属于总分最高的可行组合"
    text = _REASON_TEXT.get(reason, reason)
    if "{detail" in text:
        text = text.format(detail=detail or 0.0)
    return "未入选：" + text


@transaction.atomic
def selection_run(*, actor: Any, call_id: int, rule: str) -> SelectionRun:
    """Normalise the scores, run ``rule`` under the call's budget, store why each application was
    (not) funded, and adopt the result (application statuses follow the latest run)."""
    _require_joint_office(actor)
    if rule not in SelectionRun.Rule.values:
        raise InvalidInput(
            f"遴选规则“{rule}”不存在，可选：{'、'.join(SelectionRun.Rule.values)}", field="rule"
        )
    call = FundCall.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        raise NotFound("没有这个资助批次")
    if call.status not in (FundCall.Status.REVIEWING, FundCall.Status.SELECTED):
        raise InvalidInput("请先分配评审专家并完成评分，再运行遴选", field="call_id")
    apps = list(
        call.applications.exclude(status=Application.Status.WITHDRAWN)
        .select_related("school__county")
        .order_by("pk")
    )
    reviews = list(ReviewAssignment.objects.filter(application__in=apps, score__isnull=False))
    reviewer_ids = sorted({r.reviewer_id for r in reviews})
    column = {a.pk: j for j, a in enumerate(apps)}
    row = {r: i for i, r in enumerate(reviewer_ids)}
    raw = np.full((len(reviewer_ids), len(apps)), np.nan)
    for r in reviews:
        raw[row[r.reviewer_id], column[r.application_id]] = r.score
    normalised = budgeting.normalise_scores(raw) if reviewer_ids else raw
    means = budgeting.project_scores(normalised) if reviewer_ids else np.full(len(apps), np.nan)
    scored = [j for j in range(len(apps)) if np.isfinite(means[j])]
    if not scored:
        raise InvalidInput("还没有任何评分，无法遴选", field="call_id")
    costs = np.array([apps[j].budget_requested for j in scored], dtype=float)
    values = np.clip(means[scored], 0, None)
    try:
        if rule == "knapsack":
            groups = [apps[j].school.county_id[:2] + "0000" for j in scored]
            floors = {code: f for code, f in ((CQ, call.floor_cq), (SC, call.floor_sc)) if f}
            result = budgeting.knapsack_select(values, costs, call.budget, groups=groups, floors=floors)
        elif rule in ("greedy", "greedy_ratio"):
            result = budgeting.greedy_select(
                values, costs, call.budget, order="value" if rule == "greedy" else "ratio"
            )
        elif rule == "mes":
            utilities = np.nan_to_num(np.clip(normalised[:, scored], 0, None), nan=0.0)
            result = budgeting.mes_select(utilities, costs, call.budget, completion="greedy")
        else:
            approvals = np.nan_to_num(normalised[:, scored], nan=-1.0) >= APPROVAL_SHARE * call.score_max
            result = budgeting.phragmen_select(approvals, costs, call.budget)
    except ValueError as exc:
        raise InvalidInput(f"遴选无法完成：{exc}", field="rule") from None
    SelectionRun.objects.filter(call=call, adopted=True).update(adopted=False)
    run = SelectionRun.objects.create(
        call=call,
        rule=rule,
        run_by=actor,
        budget=call.budget,
        total_cost=int(round(result.total_cost)),
        # the same yardstick for every rule: the total normalised score of the funded applications
        objective=float(values[list(result.selected)].sum()) if result.selected else 0.0,
        adopted=True,
    )
    order = sorted(range(len(apps)), key=lambda j: (-(means[j] if np.isfinite(means[j]) else -np.inf), j))
    rank_of = {j: k for k, j in enumerate(order, start=1)}
    outcomes = []
    funded_ids, not_funded_ids = [], []
    for k, j in enumerate(scored):
        funded = result.reasons[k] == "funded"
        detail = result.detail[k] if result.detail else None
        detail = float(detail) if detail is not None and np.isfinite(detail) else None
        outcomes.append(
            SelectionOutcome(
                run=run,
                application=apps[j],
                funded=funded,
                reason=result.reasons[k],
                detail=detail,
                score=float(means[j]),
                rank=rank_of[j],
                explanation=_explain(rule, result.reasons[k], detail, rank_of[j])[:200],
            )
        )
        (funded_ids if funded else not_funded_ids).append(apps[j].pk)
    for j in range(len(apps)):
        if not np.isfinite(means[j]):
            outcomes.append(
                SelectionOutcome(
                    run=run,
                    application=apps[j],
                    funded=False,
                    reason="unscored",
                    detail=None,
                    score=None,
                    rank=rank_of[j],
                    explanation=_explain(rule, "unscored", None, rank_of[j]),
                )
            )
            not_funded_ids.append(apps[j].pk)
    SelectionOutcome.objects.bulk_create(outcomes)
    Application.objects.filter(pk__in=funded_ids).update(status=Application.Status.FUNDED)
    Application.objects.filter(pk__in=not_funded_ids).update(status=Application.Status.NOT_FUNDED)
    FundCall.objects.filter(pk=call.pk).update(status=FundCall.Status.SELECTED)
    _audit(actor, "selection_run", f"{call} {rule}")
    return run


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    application_id: int,
    period: str,
    progress: Any,
    spend: Any,
    teachers_trained: Any = 0,
    students_reached: Any = 0,
    resources_created: Any = 0,
    note: str = "",
) -> ProjectReport:
    application = Application.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise NotFound("没有这个项目")
    if actor.pk != application.applicant_id and application.school_id not in roles.admin_school_ids(actor):
        raise PermissionDenied("只有项目申报人或本校管理员可以填报进展")
    if application.status != Application.Status.FUNDED:
        raise InvalidInput("只有已立项的项目需要填报进展", field="application_id")
    numbers: dict[str, int] = {}
    for name, value, label, high in (
        ("progress", progress, "完成度", 100),
        ("spend", spend, "本期支出", 10**12),
        ("teachers_trained", teachers_trained, "培训教师人次", 10**7),
        ("students_reached", students_reached, "受益学生人次", 10**8),
        ("resources_created", resources_created, "产出资源数", 10**6),
    ):
        try:
            numbers[name] = int(value or 0)
        except (TypeError, ValueError):
            raise InvalidInput(f"{label}应为整数", field=name) from None
        if not 0 <= numbers[name] <= high:
            raise InvalidInput(f"{label}应在 0–{high} 之间", field=name)
    spent = sum(application.reports.values_list("spend", flat=True))
    if spent + numbers["spend"] > application.budget_requested:
        raise InvalidInput(
            f"累计支出 {spent + numbers['spend']:,} 元将超过立项金额 {application.budget_requested:,} 元",
            field="spend",
        )
    report = ProjectReport.objects.create(
        application=application,
        author=actor,
        period=_text(period, field="period", label="报告期", max_length=20),
        note=_text(note, field="note", label="说明", max_length=4000, required=False),
        **numbers,
    )
    _audit(actor, "report_submit", application)
    return report


@transaction.atomic
def award_grant(*, actor: Any, application_id: int, level: str, citation: str) -> Award:
    _require_joint_office(actor)
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound("没有这个项目")
    if application.status != Application.Status.FUNDED or not application.reports.exists():
        raise InvalidInput("只有已立项且提交过进展报告的项目可以评奖", field="application_id")
    if level not in Award.Level.values:
        raise InvalidInput(f"奖项等级“{level}”不存在", field="level")
    award, _ = Award.objects.update_or_create(
        application=application,
        defaults={
            "level": level,
            "citation": _text(citation, field="citation", label="评语", max_length=200),
            "awarded_by": actor,
        },
    )
    _audit(actor, "award_grant", application)
    return award


# ------------------------------------------------------------------------------------------ meetings


def _province(code: str, *, field: str) -> Province:
    if code not in PROVINCE_NAMES:
        raise InvalidInput("应为重庆市（500000）或四川省（510000）", field=field)
    return Province.objects.get(pk=code)


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    title: str,
    session: int,
    date: dt.date,
    host_province: str,
    location: str,
    agenda: list[tuple[str, str]] | None = None,
    attendance: list[tuple[str, str, str]] | None = None,
    minutes: str = "",
    is_synthetic: bool = False,
) -> JointMeeting:
    """A joint meeting; the host alternates between the two governments session by session."""
    _require_joint_office(actor)
    host = _province(host_province, field="host_province")
    if JointMeeting.objects.filter(session=session).exists():
        raise InvalidInput(f"第 {session} 次联席会议已存在", field="session")
    previous = JointMeeting.objects.filter(session=session - 1).first()
    if previous is not None:
        if previous.host_province_id == host.pk:
            other = SC if host.pk == CQ else CQ
            raise InvalidInput(
                f"联席会议由两地轮流承办：第 {session - 1} 次由{PROVINCE_NAMES[host.pk]}承办，"
                f"本次应由{PROVINCE_NAMES[other]}承办",
                field="host_province",
            )
        if date < previous.date:
            raise InvalidInput(f"会议日期早于第 {session - 1} 次会议（{previous.date}）", field="date")
    meeting = JointMeeting.objects.create(
        title=_text(title, field="title", label="会议名称", max_length=120),
        session=session,
        date=date,
        host_province=host,
        location=_text(location, field="location", label="会议地点", max_length=64),
        minutes=_text(minutes, field="minutes", label="会议纪要", max_length=20000, required=False),
        created_by=actor,
        is_synthetic=is_synthetic,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            position=i,
            title=_text(t, field="agenda", label="议题", max_length=120),
            presenter=p[:64],
        )
        for i, (t, p) in enumerate(agenda or [], start=1)
    )
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            province=_province(code, field="attendance"),
            name=_text(name, field="attendance", label="参会人", max_length=32),
            position=pos[:64],
        )
        for code, name, pos in (attendance or [])
    )
    _audit(actor, "meeting_create", meeting)
    return meeting


@transaction.atomic
def resolution_add(*, actor: Any, meeting_id: int, text: str) -> Resolution:
    _require_joint_office(actor)
    meeting = JointMeeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("没有这次会议")
    number = (meeting.resolutions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    resolution = Resolution.objects.create(
        meeting=meeting, number=number, text=_text(text, field="text", label="决议内容", max_length=4000)
    )
    _audit(actor, "resolution_add", f"{meeting} #{number}")
    return resolution


@transaction.atomic
def action_add(
    *,
    actor: Any,
    resolution_id: int,
    title: str,
    owner_province: str,
    deadline: dt.date,
    owner_user_id: int | None = None,
) -> ActionItem:
    _require_joint_office(actor)
    resolution = Resolution.objects.select_related("meeting").filter(pk=resolution_id).first()
    if resolution is None:
        raise NotFound("没有这项决议")
    province = _province(owner_province, field="owner_province")
    if deadline < resolution.meeting.date:
        raise InvalidInput(f"截止日期 {deadline} 早于会议日期 {resolution.meeting.date}", field="deadline")
    owner = None
    if owner_user_id is not None:
        from educloud.accounts.api import User

        owner = User.objects.filter(pk=owner_user_id).first()
        if owner is None or province.pk not in roles.bureau_province_codes(owner):
            raise InvalidInput(
                f"责任人应为{PROVINCE_NAMES[province.pk]}教育行政部门的账号", field="owner_user_id"
            )
    action = ActionItem.objects.create(
        resolution=resolution,
        title=_text(title, field="title", label="任务名称", max_length=120),
        owner_province=province,
        owner_user=owner,
        deadline=deadline,
    )
    _audit(actor, "action_add", action)
    return action


def can_update_action(actor: Any, action: ActionItem) -> bool:
    return (
        roles.is_joint_office(actor)
        or (action.owner_user_id is not None and action.owner_user_id == getattr(actor, "pk", None))
        or roles.is_province_bureau(actor, action.owner_province_id)
    )


@transaction.atomic
def action_update(
    *,
    actor: Any,
    action_id: int,
    note: str,
    progress: Any,
    status: str,
    evidence_url: str = "",
    evidence_resource_id: int | None = None,
) -> ActionUpdate:
    """Progress on an action item; marking it done needs evidence (a link or a library resource)."""
    action = ActionItem.objects.select_for_update().filter(pk=action_id).first()
    if action is None or not (
        can_update_action(actor, action) or action.owner_province_id in roles.bureau_province_codes(actor)
    ):
        raise NotFound("没有这项任务")
    if not can_update_action(actor, action):
        raise PermissionDenied("只有责任单位（省级教育行政部门）、责任人或联合办公室可以更新进展")
    if status not in ActionItem.Status.values:
        raise InvalidInput(f"状态“{status}”不存在", field="status")
    try:
        value = int(progress)
    except (TypeError, ValueError):
        raise InvalidInput("进度应为 0–100 的整数", field="progress") from None
    if not 0 <= value <= 100:
        raise InvalidInput("进度应为 0–100 的整数", field="progress")
    url = str(evidence_url or "").strip()
    if (url and not (url.startswith("https://") or url.startswith("http://"))) or len(url) > 200:
        raise InvalidInput("佐证链接应以 http:// 或 https:// 开头，且不超过 200 个字符", field="evidence_url")
    resource = None
    if evidence_resource_id:
        try:
            resource = resource_get(actor=actor, resource_id=int(evidence_resource_id))
        except NotFound:
            raise InvalidInput("佐证资源不存在或无权查看", field="evidence_resource_id") from None
    if status == ActionItem.Status.DONE:
        if not (url or resource):
            raise InvalidInput("标记为已完成需要附佐证（链接或资源库资源）", field="evidence_url")
        value = 100
    update = ActionUpdate.objects.create(
        action=action,
        author=actor,
        note=_text(note, field="note", label="进展说明", max_length=4000),
        progress=value,
        status=status,
        evidence_url=url,
        evidence_resource=resource,
    )
    ActionItem.objects.filter(pk=action.pk).update(status=status, progress=value)
    _audit(actor, "action_update", action)
    return update


def school_of(school_id: int) -> School:
    return School.objects.select_related("county").get(pk=school_id)


# ------------------------------------------------------------------------------------ policy library

POLICY_SOURCE = "governance.policy"


def policy_search_document(policy: PolicyDocument) -> dict[str, Any]:
    return {
        "object_id": str(policy.pk),
        "title": policy.title,
        "body": f"{policy.number} {policy.issuer} {policy.summary}",
        "tags": [policy.get_category_display(), policy.issuer],
        "facets": {"province_code": policy.province_id or "joint", "type": policy.category},
        "visibility_keys": ["public"],
        "url": f"/governance/policies/{policy.pk}/",
    }


@transaction.atomic
def policy_publish(
    *,
    actor: Any,
    title: str,
    issuer: str,
    issued_on: dt.date,
    category: str,
    summary: str,
    province: str | None = None,
    number: str = "",
    url: str = "",
    is_synthetic: bool = False,
) -> PolicyDocument:
    """Add a policy to the library (the joint office: any; a provincial bureau: its own government's)."""
    if province in ("", "joint"):
        province = None
    if province is not None:
        _province(province, field="province")
    if not (roles.is_joint_office(actor) or (province and roles.is_province_bureau(actor, province))):
        raise PermissionDenied("只有联合办公室或本省（市）教育行政部门可以发布本地政策")
    if category not in PolicyDocument.Category.values:
        raise InvalidInput(f"政策类别“{category}”不存在", field="category")
    link = str(url or "").strip()
    if link and (not link.startswith(("https://", "http://")) or len(link) > 300):
        raise InvalidInput("原文链接应以 http:// 或 https:// 开头，且不超过 300 个字符", field="url")
    policy = PolicyDocument.objects.create(
        title=_text(title, field="title", label="政策名称", max_length=200),
        number=_text(number, field="number", label="文号", max_length=64, required=False),
        issuer=_text(issuer, field="issuer", label="发文机关", max_length=64),
        province_id=province,
        issued_on=issued_on,
        category=category,
        summary=_text(summary, field="summary", label="内容摘要", max_length=20000),
        url=link,
        created_by=actor,
        is_synthetic=is_synthetic,
    )
    search_api.document_upsert(source=POLICY_SOURCE, **policy_search_document(policy))
    _audit(actor, "policy_publish", policy)
    return policy


def policies_unindex(policies: list[PolicyDocument]) -> None:
    for policy in policies:
        search_api.document_delete(source=POLICY_SOURCE, object_id=str(policy.pk))


# ------------------------------------------------------------------------ research alliance (§3.3.2)


@transaction.atomic
def research_project_create(
    *,
    actor: Any,
    title: str,
    lead_institution: str,
    lead_province: str,
    partner_institution: str,
    partner_province: str,
    theme: str,
    start: dt.date,
    end: dt.date | None = None,
    summary: str = "",
    is_synthetic: bool = False,
) -> ResearchProject:
    """A joint project of the alliance (the joint office registers it): one partner from each side."""
    _require_joint_office(actor)
    lead = _province(lead_province, field="lead_province")
    partner = _province(partner_province, field="partner_province")
    if lead.pk == partner.pk:
        raise InvalidInput(
            "联合研究项目须由川渝两地单位共同承担：合作方应来自另一方", field="partner_province"
        )
    if end is not None and end < start:
        raise InvalidInput(f"结束日期 {end} 早于开始日期 {start}", field="end")
    project = ResearchProject.objects.create(
        title=_text(title, field="title", label="项目名称", max_length=200),
        lead_institution=_text(lead_institution, field="lead_institution", label="牵头单位", max_length=64),
        lead_province=lead,
        partner_institution=_text(
            partner_institution, field="partner_institution", label="合作单位", max_length=64
        ),
        partner_province=partner,
        theme=_text(theme, field="theme", label="研究方向", max_length=64),
        start=start,
        end=end,
        summary=_text(summary, field="summary", label="简介", max_length=4000, required=False),
        is_synthetic=is_synthetic,
    )
    _audit(actor, "research_project_create", project)
    return project


@transaction.atomic
def alliance_event_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    date: dt.date,
    host_province: str,
    location: str,
    description: str = "",
    project_id: int | None = None,
    is_synthetic: bool = False,
) -> AllianceEvent:
    _require_joint_office(actor)
    if kind not in AllianceEvent.Kind.values:
        raise InvalidInput(f"活动类型“{kind}”不存在", field="kind")
    project = None
    if project_id is not None:
        project = ResearchProject.objects.filter(pk=project_id).first()
        if project is None:
            raise InvalidInput("关联的研究项目不存在", field="project_id")
    event = AllianceEvent.objects.create(
        title=_text(title, field="title", label="活动名称", max_length=200),
        kind=kind,
        date=date,
        host_province=_province(host_province, field="host_province"),
        location=_text(location, field="location", label="地点", max_length=64),
        description=_text(description, field="description", label="简介", max_length=4000, required=False),
        project=project,
        is_synthetic=is_synthetic,
    )
    _audit(actor, "alliance_event_create", event)
    return event


@transaction.atomic
def research_output_add(
    *,
    actor: Any,
    project_id: int,
    title: str,
    kind: str,
    year: int,
    url: str = "",
    resource_id: int | None = None,
) -> ResearchOutput:
    """An output of a project (the joint office, or a provincial bureau of either partner's side)."""
    project = ResearchProject.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound("没有这个研究项目")
    sides = {project.lead_province_id, project.partner_province_id}
    if not (roles.is_joint_office(actor) or any(roles.is_province_bureau(actor, p) for p in sides)):
        raise PermissionDenied("只有联合办公室或项目所在省（市）教育行政部门可以登记成果")
    if kind not in ResearchOutput.Kind.values:
        raise InvalidInput(f"成果类型“{kind}”不存在", field="kind")
    if not project.start.year <= int(year) <= project.start.year + 20:
        raise InvalidInput(f"成果年份应不早于项目开始年份 {project.start.year}", field="year")
    link = str(url or "").strip()
    if link and (not link.startswith(("https://", "http://")) or len(link) > 300):
        raise InvalidInput("链接应以 http:// 或 https:// 开头，且不超过 300 个字符", field="url")
    resource = None
    if resource_id:
        try:
            resource = resource_get(actor=actor, resource_id=int(resource_id))
        except NotFound:
            raise InvalidInput("资源库资源不存在或无权查看", field="resource_id") from None
    output = ResearchOutput.objects.create(
        project=project,
        title=_text(title, field="title", label="成果名称", max_length=200),
        kind=kind,
        year=int(year),
        url=link,
        resource=resource,
        added_by=actor,
    )
    _audit(actor, "research_output_add", output)
    return output
