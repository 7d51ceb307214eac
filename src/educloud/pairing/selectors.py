"""Reads of the pairing programme, scoped to the actor (see ``access`` for the table of who sees what)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from educloud.lib.errors import NotFound
from educloud.lib.scope import Scope
from educloud.library.api import resource_use_by_school
from educloud.pairing import access
from educloud.pairing.models import MatchRun, Pairing, TeacherDispatch
from educloud.schools.api import scope_filter


def pairing_list(*, actor: Any, status: str | None = None, stage: str | None = None) -> QuerySet[Pairing]:
    """Pairings with either school in the actor's bureau region or own school (admin, teacher), or
    where the actor is dispatched. Students see none (least data)."""
    scope = access.bureau_scope(actor).union(Scope(school_codes=frozenset(access.member_schools(actor))))
    q = Q(dispatches__teacher=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    if scope.everything:
        q = Q()  # (an empty Q inside "|" would match nothing extra: Django drops it)
    elif not scope.is_empty:
        q |= scope_filter(scope, "strong__") | scope_filter(scope, "weak__")
    qs = Pairing.objects.filter(q).distinct().select_related("strong__county", "weak__county", "run")
    if status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("status", "stage", "strong__code", "weak__code")


def pairing_get(*, actor: Any, pairing_id: int) -> Pairing:
    pairing = pairing_list(actor=actor).filter(pk=pairing_id).first()
    if pairing is None:
        raise NotFound(f"结对 {pairing_id} 不存在或不在您的权限范围内", field="pairing_id")
    return pairing


def run_latest(*, actor: Any) -> MatchRun | None:
    return MatchRun.objects.filter(created_by=actor).first()


@dataclass
class Progress:
    dispatches: int = 0
    dispatches_done: int = 0
    activities: int = 0
    activities_done: int = 0
    goals: int = 0
    goals_achieved: int = 0
    courses: int = 0
    course_uses: int = 0
    overdue: list[str] = field(default_factory=list)


def progress(pairing: Pairing, *, today: dt.date | None = None) -> Progress:
    """Counts of the programme's work and the overdue items of one pair."""
    today = today or timezone.localdate()
    p = Progress()
    for d in pairing.dispatches.all():
        p.dispatches += 1
        p.dispatches_done += d.status == TeacherDispatch.Status.DONE
        if d.status == TeacherDispatch.Status.PLANNED and d.start_on < today:
            p.overdue.append(f"支教 {d.teacher_name}（{d.start_on} 起）已过开始日期仍未到岗")
        if d.status == TeacherDispatch.Status.ACTIVE and d.end_on < today:
            p.overdue.append(f"支教 {d.teacher_name} 已过结束日期 {d.end_on}，未登记完成")
    for a in pairing.activities.all():
        p.activities += 1
        p.activities_done += a.status == "done"
        if a.status == "planned" and a.on < today:
            p.overdue.append(f"{a.get_kind_display()}“{a.title}”（{a.on}）已过期未登记完成")
    for g in pairing.goals.all():
        p.goals += 1
        p.goals_achieved += g.achieved
        if not g.achieved and g.due_on < today:
            p.overdue.append(f"目标“{g.text}”已于 {g.due_on} 到期未达成")
    courses = list(pairing.courses.all())
    p.courses = len(courses)
    if courses:
        uses = resource_use_by_school(
            school_id=pairing.weak_id, resource_ids=[c.resource_id for c in courses]
        )
        p.course_uses = sum(uses.values())
    return p


def programme_overview(*, actor: Any) -> list[tuple[Pairing, Progress]]:
    pairings = (
        pairing_list(actor=actor)
        .exclude(status=Pairing.Status.PROPOSED)
        .prefetch_related("dispatches", "activities", "goals", "courses")
    )
    return [(p, progress(p)) for p in pairings]


def course_uses(pairing: Pairing) -> list[tuple[Any, int]]:
    courses = list(pairing.courses.select_related("resource"))
    uses = resource_use_by_school(school_id=pairing.weak_id, resource_ids=[c.resource_id for c in courses])
    return [(c, uses.get(c.resource_id, 0)) for c in courses]


def my_dispatches(*, actor: Any) -> QuerySet[TeacherDispatch]:
    if not getattr(actor, "is_authenticated", False):
        return TeacherDispatch.objects.none()
    return TeacherDispatch.objects.filter(teacher=actor).select_related("from_school", "to_school", "pairing")


def is_bureau(actor: Any) -> bool:
    return not access.bureau_scope(actor).is_empty


def school_pairings(*, actor: Any) -> QuerySet[Pairing]:
    """The pairings of the actor's own school(s) (school admins and teachers)."""
    codes = access.member_schools(actor)
    return pairing_list(actor=actor).filter(Q(strong__code__in=codes) | Q(weak__code__in=codes))


def can_log(actor: Any, pairing: Pairing) -> bool:
    return pairing.status == Pairing.Status.CONFIRMED and access.may_log(actor, pairing.strong, pairing.weak)


def can_decide(actor: Any, pairing: Pairing) -> bool:
    return access.may_decide(actor, pairing.strong, pairing.weak)
