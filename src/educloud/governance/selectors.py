"""Reads of the governance app, scoped to the actor.

| who | calls | applications | reviews | meetings | action items |
|---|---|---|---|---|---|
| joint office | all | all | — | all | all |
| province/city/county bureau | all | its province's schools' | — | all | its province's |
| school admin | all | its school's | — | — | — |
| teacher | all | their own | — | — | — |
| expert | all | only those assigned to them (never a conflicted one) | their own | — | — |

Performance: funded projects' reports → DEA (``educloud.algos.dea``, CCR input-oriented; inputs:
amount granted and spent; outputs: teachers trained, students reached, resources created).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from educloud.algos.dea import dea
from educloud.governance import roles
from educloud.governance.models import (
    ActionItem,
    AllianceEvent,
    Application,
    FundCall,
    JointMeeting,
    PolicyDocument,
    ResearchProject,
    Resolution,
    ReviewAssignment,
    SelectionRun,
)
from educloud.lib.errors import NotFound, PermissionDenied
from educloud.search import api as search_api


def call_list() -> QuerySet[FundCall]:
    return FundCall.objects.annotate(n_applications=Count("applications")).order_by("-year", "-pk")


def call_get(*, call_id: int) -> FundCall:
    call = FundCall.objects.filter(pk=call_id).first()
    if call is None:
        raise NotFound("没有这个资助批次")
    return call


def application_list(*, actor: Any, call_id: int | None = None) -> QuerySet[Application]:
    qs = Application.objects.select_related("school__county", "call", "applicant")
    if call_id is not None:
        qs = qs.filter(call_id=call_id)
    if roles.is_joint_office(actor):
        return qs
    visible = Q(applicant_id=getattr(actor, "pk", None))
    admin_schools = roles.admin_school_ids(actor)
    if admin_schools:
        visible |= Q(school_id__in=admin_schools)
    provinces = roles.bureau_province_codes(actor)
    if provinces:
        visible |= Q(school__county__city__province_id__in=provinces)
    if roles.is_expert(actor):
        visible |= Q(reviews__reviewer_id=actor.pk)
    return qs.filter(visible).distinct()


def application_get(*, actor: Any, application_id: int) -> Application:
    application = application_list(actor=actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound("没有这个项目，或无权查看")
    return application


def review_list(*, actor: Any) -> QuerySet[ReviewAssignment]:
    return ReviewAssignment.objects.filter(reviewer_id=getattr(actor, "pk", None)).select_related(
        "application__call", "application__school"
    )


def adopted_run(*, call_id: int) -> SelectionRun | None:
    return SelectionRun.objects.filter(call_id=call_id, adopted=True).first()


def run_list(*, call_id: int) -> QuerySet[SelectionRun]:
    return SelectionRun.objects.filter(call_id=call_id).order_by("-pk")


@dataclass(frozen=True)
class PerformanceRow:
    application: Application
    granted: int
    spent: int
    teachers: int
    students: int
    resources: int
    efficiency: float | None
    peers: tuple[str, ...]
    note: str


def performance(*, call_id: int) -> list[PerformanceRow]:
    """Input–output efficiency of the call's funded projects (DEA over those with complete data)."""
    apps = list(
        Application.objects.filter(call_id=call_id, status=Application.Status.FUNDED)
        .annotate(
            spent=Sum("reports__spend"),
            teachers=Sum("reports__teachers_trained"),
            students=Sum("reports__students_reached"),
            resources=Sum("reports__resources_created"),
        )
        .select_related("school")
        .order_by("pk")
    )
    complete = [
        a
        for a in apps
        if (a.spent or 0) > 0 and (a.teachers or 0) > 0 and (a.students or 0) > 0 and (a.resources or 0) > 0
    ]
    scores: dict[int, tuple[float, tuple[str, ...]]] = {}
    if len(complete) >= 2:
        x = np.array([[a.budget_requested, a.spent] for a in complete], dtype=float)
        y = np.array([[a.teachers, a.students, a.resources] for a in complete], dtype=float)
        result = dea(x, y, model="CCR", orientation="input")
        for k, a in enumerate(complete):
            scores[a.pk] = (
                float(result.efficiency[k]),
                tuple(complete[p].title for p in result.peers[k] if p != k),
            )
    rows = []
    for a in apps:
        eff, peers = scores.get(a.pk, (None, ()))
        if eff is not None:
            note = "有效（DEA 前沿）" if eff >= 1 - 1e-6 else "相对无效：可参照前沿项目"
        elif not (a.spent or 0):
            note = "尚无进展报告或支出"
        else:
            note = (
                "产出有缺项（某项为 0），不参与 DEA"
                if len(complete) >= 2
                else "完整数据的项目不足 2 个，暂不评价"
            )
        rows.append(
            PerformanceRow(
                a,
                a.budget_requested,
                a.spent or 0,
                a.teachers or 0,
                a.students or 0,
                a.resources or 0,
                eff,
                peers,
                note,
            )
        )
    return rows


# ------------------------------------------------------------------------------------------ meetings


def _require_meeting_reader(actor: Any) -> None:
    if not (roles.is_joint_office(actor) or roles.bureau_province_codes(actor)):
        raise PermissionDenied("联席会议资料仅供联合办公室和两地教育行政部门查看")


def meeting_list(*, actor: Any) -> QuerySet[JointMeeting]:
    _require_meeting_reader(actor)
    return JointMeeting.objects.select_related("host_province").annotate(n_resolutions=Count("resolutions"))


def meeting_get(*, actor: Any, meeting_id: int) -> JointMeeting:
    _require_meeting_reader(actor)
    meeting = JointMeeting.objects.select_related("host_province").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("没有这次会议")
    return meeting


def action_list(
    *, actor: Any, overdue_only: bool = False, today: dt.date | None = None
) -> QuerySet[ActionItem]:
    qs = ActionItem.objects.select_related("resolution__meeting", "owner_province", "owner_user")
    if not roles.is_joint_office(actor):
        provinces = roles.bureau_province_codes(actor)
        qs = qs.filter(Q(owner_province_id__in=provinces) | Q(owner_user_id=getattr(actor, "pk", None)))
    if overdue_only:
        qs = qs.filter(deadline__lt=today or timezone.localdate()).exclude(status=ActionItem.Status.DONE)
    return qs


def action_get(*, actor: Any, action_id: int) -> ActionItem:
    action = action_list(actor=actor).filter(pk=action_id).first()
    if action is None:
        raise NotFound("没有这项任务，或无权查看")
    return action


def is_overdue(action: ActionItem, today: dt.date | None = None) -> bool:
    return action.status != ActionItem.Status.DONE and action.deadline < (today or timezone.localdate())


def resolution_trace(*, actor: Any, resolution_id: int) -> tuple[Resolution, list[ActionItem]]:
    """A resolution, its action items visible to ``actor`` and (prefetched) their updates with evidence."""
    _require_meeting_reader(actor)
    resolution = Resolution.objects.select_related("meeting").filter(pk=resolution_id).first()
    if resolution is None:
        raise NotFound("没有这项决议")
    actions = list(
        action_list(actor=actor)
        .filter(resolution=resolution)
        .prefetch_related("updates__author", "updates__evidence_resource")
    )
    return resolution, actions


# ------------------------------------------------------------------------------------ policy library


@dataclass(frozen=True)
class PolicyHit:
    policy: PolicyDocument
    highlight_title: str  # HTML from search (escaped, matches in <mark>), or the plain title


def policy_search(
    *, actor: Any, query: str = "", province: str = "", page: int = 1
) -> tuple[list[PolicyHit], int]:
    """Policies matching ``query`` through the search app (ranked), else the newest first; 20 a page.
    ``province``: ``500000``, ``510000`` or ``joint`` (issued by both)."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    filters = {"province_code": province} if province else {}
    if query.strip():
        result = search_api.search(
            query=query,
            source="governance.policy",
            visibility_keys=search_api.visibility_keys_for(actor),
            filters=filters,
            page=page,
            page_size=20,
        )
        rows = PolicyDocument.objects.select_related("province").in_bulk(
            [int(h.object_id) for h in result.items]
        )
        hits = [
            PolicyHit(rows[int(h.object_id)], h.highlight_title)
            for h in result.items
            if int(h.object_id) in rows
        ]
        return hits, result.count
    qs = PolicyDocument.objects.select_related("province")
    if province == "joint":
        qs = qs.filter(province__isnull=True)
    elif province:
        qs = qs.filter(province_id=province)
    if page < 1:
        raise NotFound("页码应从 1 开始")
    items = list(qs[(page - 1) * 20 : page * 20])
    return [PolicyHit(p, mark_safe(escape(p.title))) for p in items], qs.count()  # noqa: S308 — escaped


def policy_get(*, policy_id: int) -> PolicyDocument:
    policy = PolicyDocument.objects.select_related("province").filter(pk=policy_id).first()
    if policy is None:
        raise NotFound("没有这份政策文件")
    return policy


# ------------------------------------------------------------------------ research alliance (public)


def research_project_list() -> QuerySet[ResearchProject]:
    return ResearchProject.objects.select_related("lead_province", "partner_province").annotate(
        n_outputs=Count("outputs", distinct=True), n_events=Count("events", distinct=True)
    )


def research_project_get(*, project_id: int) -> ResearchProject:
    project = (
        ResearchProject.objects.select_related("lead_province", "partner_province")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound("没有这个研究项目")
    return project


def alliance_event_list() -> QuerySet[AllianceEvent]:
    return AllianceEvent.objects.select_related("host_province", "project")
