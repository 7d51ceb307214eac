"""Writes of the pairing programme: match runs, adjustments and confirmation, and the programme's work.

Every service checks permission (``access``), validates with a Chinese message naming the field, and
writes in one transaction. The science is in ``algos.matching``; this module turns the diagnosis into
its matrices (``build_problem``) and stores the result with an explanation per pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from educloud.accounts.api import User
from educloud.algos.matching import (
    InfeasibleMatching,
    MatchingProblem,
    Weights,
    complementarity,
    great_circle_km,
    solve_exact,
    solve_greedy,
    travel_minutes,
)
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library.api import resource_get
from educloud.pairing import access
from educloud.pairing.diagnosis import Diagnosis, SchoolDiagnosis, diagnose
from educloud.pairing.models import (
    Goal,
    JointActivity,
    MatchRun,
    Pairing,
    SharedCourse,
    Stage,
    TeacherDispatch,
)
from educloud.schools.api import School

MAX_SCHOOLS = 400  # per side of one run: keeps a request's MILP well under a second


def check_stage(stage: str) -> str:
    if stage not in Stage.values:
        raise InvalidInput(f"学段只能是 {' / '.join(Stage.values)}，收到 {stage!r}", field="stage")
    return stage


@dataclass
class Built:
    problem: MatchingProblem
    strong: list[SchoolDiagnosis]
    weak: list[SchoolDiagnosis]
    schools: dict[str, School]
    terms: np.ndarray


def build_problem(
    diagnosis: Diagnosis,
    *,
    capacity: int,
    weak_mode: str,
    must: Sequence[tuple[str, str]],
    never: Sequence[tuple[str, str]],
    max_travel_minutes: float | None,
    weights: Weights,
    max_weak: int,
) -> Built:
    strong = sorted(diagnosis.by_role("strong"), key=lambda d: (-d.index, d.code))[:MAX_SCHOOLS]
    weak = sorted(diagnosis.by_role("weak"), key=lambda d: (d.index, d.code))[:max_weak]
    # Must pairs name schools that must take part even beyond the cut-offs.
    wanted = {c for pair in must for c in pair}
    known = {d.code: d for d in diagnosis.schools}
    for code in sorted(wanted):
        if code not in known:
            raise InvalidInput(f"学校 {code} 不在本次诊断的范围内（学段、年份或权限范围之外）", field="must")
    for s_code, w_code in must:
        if known[s_code] not in strong:
            strong.append(known[s_code])
        if known[w_code] not in weak:
            weak.append(known[w_code])
    if not strong or not weak:
        raise InvalidInput("诊断范围内没有可结对的强校或薄弱学校", field="stage")
    schools = {
        s.code: s
        for s in School.objects.select_related("county").filter(code__in=[d.code for d in strong + weak])
    }
    s_idx = {d.code: i for i, d in enumerate(strong)}
    w_idx = {d.code: j for j, d in enumerate(weak)}

    def pairs(items: Sequence[tuple[str, str]], name: str) -> list[tuple[int, int]]:
        out = []
        for s_code, w_code in items:
            if s_code not in s_idx or w_code not in w_idx:
                raise InvalidInput(f"“{s_code}—{w_code}”不是本次诊断中的强校—薄弱学校组合", field=name)
            out.append((s_idx[s_code], w_idx[w_code]))
        return out

    comp, terms = complementarity(diagnosis.matrix(strong, "strength"), diagnosis.matrix(weak, "gap"))
    lon = lambda rows: np.array([schools[d.code].county.longitude for d in rows])  # noqa: E731
    lat = lambda rows: np.array([schools[d.code].county.latitude for d in rows])  # noqa: E731
    km = great_circle_km(lon(strong)[:, None], lat(strong)[:, None], lon(weak)[None, :], lat(weak)[None, :])
    prov = lambda rows: np.array([schools[d.code].county.province_id for d in rows])  # noqa: E731
    problem = MatchingProblem(
        complementarity=comp,
        distance_km=km,
        cross_border=prov(strong)[:, None] != prov(weak)[None, :],
        capacity=np.full(len(strong), capacity),
        must=pairs(must, "must"),
        never=pairs(never, "never"),
        weak_mode=weak_mode,  # type: ignore[arg-type]
        weights=weights,
        max_travel_minutes=max_travel_minutes,
        strong_labels=[d.name for d in strong],
        weak_labels=[d.name for d in weak],
    )
    return Built(problem, strong, weak, schools, terms)


def explain(built: Built, diagnosis: Diagnosis, i: int, j: int) -> dict[str, Any]:
    """Why this pair: the dimensions where i's strength meets j's gap, travel, cross-border, must."""
    problem = built.problem
    labels = dict(diagnosis.dimensions)
    keys = [k for k, _ in diagnosis.dimensions]
    order = np.argsort(-built.terms[i, j])
    parts = [
        {"dimension": labels[keys[k]], "value": round(float(built.terms[i, j, k]), 4)}
        for k in order[:3]
        if built.terms[i, j, k] > 0
    ]
    km = float(problem.distance_km[i, j])
    minutes = float(travel_minutes(km))
    text = []
    if parts:
        text.append("强校所长对薄弱学校所短：" + "、".join(p["dimension"] for p in parts))
    else:
        text.append("两校在诊断维度上互补很少（为满足“每所薄弱学校都有结对”而安排）")
    text.append(f"县城间直线距离 {km:.0f} 公里，估计车程 {minutes:.0f} 分钟")
    if problem.cross_border[i, j]:
        text.append("川渝跨省结对（政策鼓励）")
    if (i, j) in problem.must:
        text.append("教育行政部门指定必须结对")
    return {
        "complementarity": round(float(problem.complementarity[i, j]), 4),
        "terms": parts,
        "distance_km": round(km, 1),
        "travel_minutes": round(minutes, 1),
        "cross_border": bool(problem.cross_border[i, j]),
        "must": (i, j) in problem.must,
        "score": round(float(problem.score[i, j]), 4),
        "text": "；".join(text),
        "strong_reasons": built.strong[i].reasons[:6],
        "weak_reasons": built.weak[j].reasons[:6],
    }


def _require_bureau(actor: Any) -> None:
    if access.bureau_scope(actor).is_empty:
        raise PermissionDenied("结对匹配仅对教育行政部门开放")


def match_run(
    *,
    actor: User,
    stage: str,
    year: int | None = None,
    capacity: int = 3,
    weak_mode: str = "exactly",
    must: Sequence[tuple[str, str]] = (),
    never: Sequence[tuple[str, str]] = (),
    max_travel_minutes: float | None = None,
    weights: Weights | None = None,
    max_weak: int = 60,
) -> MatchRun:
    """Diagnose the actor's region, solve the pairing exactly, store the run and proposed pairs.

    Earlier *proposed* pairs of the stage whose both schools lie in the actor's region are replaced;
    confirmed pairs are kept, and their weak schools are left out of the run."""
    _require_bureau(actor)
    check_stage(stage)
    if not 1 <= capacity <= 10:
        raise InvalidInput("每所强校结对数（capacity）应在 1 到 10 之间", field="capacity")
    if weak_mode not in ("exactly", "at_most"):
        raise InvalidInput(
            "weak_mode 只能是 exactly（每所薄弱学校恰好一所）或 at_most（至多一所）", field="weak_mode"
        )
    if not 1 <= max_weak <= MAX_SCHOOLS:
        raise InvalidInput(f"max_weak 应在 1 到 {MAX_SCHOOLS} 之间", field="max_weak")
    if max_travel_minutes is not None and not 0 < max_travel_minutes <= 1440:
        raise InvalidInput("通行时间上限应在 1 到 1440 分钟之间", field="max_travel_minutes")
    scope = access.bureau_scope(actor)
    diagnosis = diagnose(actor=actor, scope=scope, year=year, stage=stage)
    taken = set(
        Pairing.objects.filter(stage=stage, status=Pairing.Status.CONFIRMED).values_list(
            "weak__code", flat=True
        )
    )
    for d in diagnosis.schools:
        if d.role == "weak" and d.code in taken:
            d.role = "paired"
    built = build_problem(
        diagnosis,
        capacity=capacity,
        weak_mode=weak_mode,
        must=must,
        never=never,
        max_travel_minutes=max_travel_minutes,
        weights=weights or Weights(),
        max_weak=max_weak,
    )
    try:
        result = solve_exact(built.problem)
    except InfeasibleMatching as exc:
        raise InvalidInput("约束无法同时满足：" + str(exc), field="constraints") from exc
    try:
        greedy: float | None = solve_greedy(built.problem).objective
    except InfeasibleMatching:
        greedy = None
    params = {
        "capacity": capacity,
        "weak_mode": weak_mode,
        "must": [list(p) for p in must],
        "never": [list(p) for p in never],
        "max_travel_minutes": max_travel_minutes,
        "weights": vars(weights or Weights()),
        "max_weak": max_weak,
        "solver": "HiGHS MILP (scipy.optimize.milp)",
    }
    with transaction.atomic():
        run = MatchRun.objects.create(
            created_by=actor,
            stage=stage,
            year=diagnosis.year,
            params=params,
            objective=result.objective,
            greedy_objective=greedy,
            n_strong=len(built.strong),
            n_weak=len(built.weak),
            diagnosis={"schools": [d.as_dict() for d in built.strong + built.weak]},
        )
        old = Pairing.objects.filter(stage=stage, status=Pairing.Status.PROPOSED).select_related(
            "strong__county", "weak__county"
        )
        stale = [p.pk for p in old if access.may_decide(actor, p.strong, p.weak)]
        Pairing.objects.filter(pk__in=stale).delete()
        Pairing.objects.bulk_create(
            [
                Pairing(
                    strong=built.schools[built.strong[i].code],
                    weak=built.schools[built.weak[j].code],
                    stage=stage,
                    run=run,
                    score=float(built.problem.score[i, j]),
                    explanation=explain(built, diagnosis, i, j),
                    cross_border=bool(built.problem.cross_border[i, j]),
                    distance_km=float(built.problem.distance_km[i, j]),
                    travel_minutes=float(travel_minutes(built.problem.distance_km[i, j])),
                )
                for i, j in result.pairs
            ]
        )
    return run


def _pairing(pairing_id: int) -> Pairing:
    try:
        return Pairing.objects.select_related("strong__county", "weak__county").get(pk=pairing_id)
    except Pairing.DoesNotExist:
        raise NotFound(f"结对 {pairing_id} 不存在", field="pairing_id") from None


def _decidable(actor: Any, pairing_id: int) -> Pairing:
    pairing = _pairing(pairing_id)
    if not access.may_decide(actor, pairing.strong, pairing.weak):
        raise PermissionDenied("只有辖区同时覆盖两所学校的教育行政部门（跨省结对为联合办公室）才能调整或确认")
    return pairing


def pairing_confirm(
    *, actor: User, pairing_id: int, agreement: str = "", started_on: dt.date | None = None
) -> Pairing:
    with transaction.atomic():
        pairing = _decidable(actor, pairing_id)
        if pairing.status != Pairing.Status.PROPOSED:
            raise InvalidInput(
                f"该结对状态为“{pairing.get_status_display()}”，只能确认待确认的结对", field="status"
            )
        if len(agreement) > 5000:
            raise InvalidInput("协议要点最多 5000 字", field="agreement")
        pairing.status = Pairing.Status.CONFIRMED
        pairing.agreement = agreement
        pairing.started_on = started_on or timezone.localdate()
        pairing.confirmed_by = actor
        pairing.confirmed_at = timezone.now()
        try:
            with transaction.atomic():
                pairing.save()
        except IntegrityError:
            raise InvalidInput(f"“{pairing.weak}”在该学段已有确认的结对强校", field="pairing_id") from None
    return pairing


def pairing_reject(*, actor: User, pairing_id: int) -> None:
    with transaction.atomic():
        pairing = _decidable(actor, pairing_id)
        if pairing.status != Pairing.Status.PROPOSED:
            raise InvalidInput("只能撤销待确认的结对；已确认的结对请使用“结束”", field="status")
        pairing.delete()


def pairing_end(*, actor: User, pairing_id: int) -> Pairing:
    with transaction.atomic():
        pairing = _decidable(actor, pairing_id)
        if pairing.status != Pairing.Status.CONFIRMED:
            raise InvalidInput("只能结束已确认的结对", field="status")
        pairing.status = Pairing.Status.ENDED
        pairing.save(update_fields=["status"])
    return pairing


def pairing_propose(*, actor: User, strong_code: str, weak_code: str, stage: str) -> Pairing:
    """A bureau's own adjustment: propose a pair by hand (explained as such)."""
    check_stage(stage)
    schools = {
        s.code: s for s in School.objects.select_related("county").filter(code__in=[strong_code, weak_code])
    }
    for code, name in ((strong_code, "strong_code"), (weak_code, "weak_code")):
        if code not in schools:
            raise NotFound(f"学校 {code} 不存在", field=name)
    if strong_code == weak_code:
        raise InvalidInput("强校和薄弱学校不能是同一所学校", field="weak_code")
    strong, weak = schools[strong_code], schools[weak_code]
    if not access.may_decide(actor, strong, weak):
        raise PermissionDenied("只有辖区同时覆盖两所学校的教育行政部门（跨省结对为联合办公室）才能调整结对")
    km = float(
        great_circle_km(
            strong.county.longitude, strong.county.latitude, weak.county.longitude, weak.county.latitude
        )
    )
    with transaction.atomic():
        Pairing.objects.filter(weak=weak, stage=stage, status=Pairing.Status.PROPOSED).delete()
        return Pairing.objects.create(
            strong=strong,
            weak=weak,
            stage=stage,
            cross_border=strong.county.province_id != weak.county.province_id,
            distance_km=km,
            travel_minutes=float(travel_minutes(km)),
            explanation={"text": "教育行政部门手工调整", "manual": True, "distance_km": round(km, 1)},
        )


def _loggable(actor: Any, pairing_id: int) -> Pairing:
    pairing = _pairing(pairing_id)
    if not access.may_log(actor, pairing.strong, pairing.weak):
        raise PermissionDenied("只有结对两校的管理员或所辖教育行政部门可以登记")
    if pairing.status != Pairing.Status.CONFIRMED:
        raise InvalidInput("结对确认后才能登记帮扶工作", field="pairing_id")
    return pairing


def _dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", field="end_on")


def dispatch_log(
    *,
    actor: User,
    pairing_id: int,
    teacher_name: str,
    start_on: dt.date,
    end_on: dt.date,
    subjects: Sequence[str],
    direction: str = "to_weak",
    teacher_username: str | None = None,
    status: str = TeacherDispatch.Status.PLANNED,
) -> TeacherDispatch:
    """Log a teacher dispatch: ``to_weak`` (支教, from the strong school) or ``to_strong`` (跟岗)."""
    teacher_name = teacher_name.strip()
    if not 1 <= len(teacher_name) <= 64:
        raise InvalidInput("请填写教师称呼（1–64 字）", field="teacher_name")
    subjects = [s.strip() for s in subjects if s.strip()]
    if not subjects or len(subjects) > 10 or any(len(s) > 16 for s in subjects):
        raise InvalidInput("请填写 1–10 个学科（每个不超过 16 字）", field="subjects")
    if direction not in ("to_weak", "to_strong"):
        raise InvalidInput("direction 只能是 to_weak 或 to_strong", field="direction")
    if status not in TeacherDispatch.Status.values:
        raise InvalidInput(f"状态只能是 {'、'.join(TeacherDispatch.Status.values)}", field="status")
    _dates(start_on, end_on)
    with transaction.atomic():
        pairing = _loggable(actor, pairing_id)
        teacher = None
        home = pairing.strong if direction == "to_weak" else pairing.weak
        if teacher_username:
            teacher = User.objects.filter(
                username=teacher_username, roles__role="teacher", roles__school=home
            ).first()
            if teacher is None:
                raise InvalidInput(
                    f"{home.name}没有用户名为 {teacher_username} 的教师", field="teacher_username"
                )
        return TeacherDispatch.objects.create(
            pairing=pairing,
            teacher=teacher,
            teacher_name=teacher_name,
            from_school=home,
            to_school=pairing.weak if direction == "to_weak" else pairing.strong,
            start_on=start_on,
            end_on=end_on,
            subjects=subjects,
            status=status,
            logged_by=actor,
        )


def dispatch_set_status(*, actor: User, dispatch_id: int, status: str) -> TeacherDispatch:
    if status not in TeacherDispatch.Status.values:
        raise InvalidInput(f"状态只能是 {'、'.join(TeacherDispatch.Status.values)}", field="status")
    try:
        dispatch = TeacherDispatch.objects.select_related("pairing").get(pk=dispatch_id)
    except TeacherDispatch.DoesNotExist:
        raise NotFound(f"支教记录 {dispatch_id} 不存在", field="dispatch_id") from None
    _loggable(actor, dispatch.pairing_id)
    dispatch.status = status
    dispatch.save(update_fields=["status"])
    return dispatch


def activity_log(
    *,
    actor: User,
    pairing_id: int,
    kind: str,
    title: str,
    on: dt.date,
    participants: int = 0,
    status: str = JointActivity.Status.PLANNED,
) -> JointActivity:
    if kind not in JointActivity.Kind.values:
        raise InvalidInput(f"活动类型只能是 {'、'.join(JointActivity.Kind.values)}", field="kind")
    title = title.strip()
    if not 1 <= len(title) <= 120:
        raise InvalidInput("请填写活动名称（1–120 字）", field="title")
    if not 0 <= participants <= 100_000:
        raise InvalidInput("参与人数应在 0 到 100000 之间", field="participants")
    if status not in JointActivity.Status.values:
        raise InvalidInput("状态只能是 planned 或 done", field="status")
    with transaction.atomic():
        pairing = _loggable(actor, pairing_id)
        return JointActivity.objects.create(
            pairing=pairing, kind=kind, title=title, on=on, participants=participants, status=status
        )


def goal_add(*, actor: User, pairing_id: int, text: str, target: str, due_on: dt.date) -> Goal:
    text, target = text.strip(), target.strip()
    if not 1 <= len(text) <= 200:
        raise InvalidInput("请填写目标（1–200 字）", field="text")
    if len(target) > 100:
        raise InvalidInput("目标值最多 100 字", field="target")
    with transaction.atomic():
        pairing = _loggable(actor, pairing_id)
        return Goal.objects.create(pairing=pairing, text=text, target=target, due_on=due_on)


def course_share(*, actor: User, pairing_id: int, resource_id: int) -> SharedCourse:
    """Share a library resource the actor can see with the pair (its use by the weak school is tracked)."""
    with transaction.atomic():
        pairing = _loggable(actor, pairing_id)
        resource = resource_get(actor=actor, resource_id=resource_id)
        course, _ = SharedCourse.objects.get_or_create(
            pairing=pairing, resource=resource, defaults={"added_on": timezone.localdate()}
        )
        return course
