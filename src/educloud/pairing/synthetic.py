"""Synthetic demo data of the pairing programme (all flagged ``is_synthetic``, labelled where shown).

* confirmed pairings between synthetic schools of the same stage (one strong school with three weak
  ones; some cross-border), starting in cohorts 2022, 2023 and 2024 (September); the demo school
  admin's school is a strong school of one pair and the demo teacher is dispatched from it;
* dispatches, joint activities, goals and shared courses, a few of them overdue;
* an outcome panel ``math_score`` (standard-score units) for 2019–2026 with a **planted effect of
  +0.3** on the weak schools from their cohort year on (``algos.did.synthetic_panel``'s model), which
  the effect page recovers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from educloud.accounts.api import RoleAssignment, User
from educloud.library.api import Resource
from educloud.pairing.models import (
    Goal,
    JointActivity,
    MatchRun,
    Outcome,
    Pairing,
    SharedCourse,
    TeacherDispatch,
)
from educloud.schools.api import School

PLANTED_EFFECT = 0.3
METRIC = "math_score"
YEARS = range(2019, 2027)
COHORTS = (2022, 2023, 2024)


@dataclass(frozen=True)
class PairingSeedReport:
    pairings: int
    dispatches: int
    activities: int
    outcomes: int

    def __str__(self) -> str:
        return (
            f"synthetic pairing programme: {self.pairings} pairings, {self.dispatches} dispatches, "
            f"{self.activities} activities, {self.outcomes} outcome rows "
            f"(planted effect +{PLANTED_EFFECT} SD)"
        )


def _section(school: School) -> str:
    return "junior" if school.stage == School.Stage.JUNIOR else "primary"


@transaction.atomic
def demo_pairing_seed(
    *, seed: int, n_strong: int = 24, per_strong: int = 3, n_units: int = 400
) -> PairingSeedReport:
    rng = np.random.default_rng(seed)
    Outcome.objects.filter(is_synthetic=True).delete()
    Pairing.objects.filter(is_synthetic=True).delete()
    MatchRun.objects.filter(is_synthetic=True).delete()
    admin = (
        RoleAssignment.objects.filter(user__username="school_admin", role="school_admin")
        .select_related("school")
        .first()
    )
    home = admin.school if admin else None
    stage = _section(home) if home else "primary"
    stages = ["primary", "nine_year"] if stage == "primary" else ["junior"]
    pool = list(
        School.objects.filter(
            is_synthetic=True, stage__in=stages, is_special_education=False, is_teaching_point=False
        )
        .select_related("county")
        .order_by("code")
    )
    if home is not None and home not in pool:
        pool.insert(0, home)
    if len(pool) < n_strong * (per_strong + 1) + 10:
        return PairingSeedReport(0, 0, 0, 0)
    picks = rng.permutation(len(pool))[: min(n_units, len(pool))]
    units = [pool[k] for k in picks]
    if home is not None and home not in units:
        units[0] = home
    if home is not None:
        units.remove(home)
        units.insert(0, home)
    strong = units[:n_strong]
    weak = units[n_strong : n_strong + n_strong * per_strong]
    pairings = []
    cohort_of: dict[int, int] = {}
    for s_index, s in enumerate(strong):
        for k in range(per_strong):
            w = weak[s_index * per_strong + k]
            cohort = COHORTS[(s_index + k) % len(COHORTS)]
            cohort_of[w.pk] = cohort
            pairings.append(
                Pairing(
                    strong=s,
                    weak=w,
                    stage=stage,
                    status=Pairing.Status.CONFIRMED,
                    cross_border=s.county.province_id != w.county.province_id,
                    explanation={"text": "演示数据（合成）", "synthetic": True},
                    agreement="演示协议（合成数据）：三年内薄弱学校数学掌握度达到区域均值；每学期至少一次联合教研。",
                    started_on=dt.date(cohort, 9, 1),
                    is_synthetic=True,
                )
            )
    Pairing.objects.bulk_create(pairings)
    pairings = list(Pairing.objects.filter(is_synthetic=True).select_related("strong", "weak").order_by("id"))
    teacher = User.objects.filter(username="teacher").first()
    today = dt.date.today()
    dispatches, activities, goals = [], [], []
    for n, p in enumerate(pairings):
        start = p.started_on or today
        dispatches.append(
            TeacherDispatch(
                pairing=p,
                teacher=teacher if n == 0 else None,
                teacher_name="教师甲（化名）" if n == 0 else f"支教教师{n:02d}（化名）",
                from_school=p.strong,
                to_school=p.weak,
                start_on=start + dt.timedelta(days=30),
                end_on=start + dt.timedelta(days=30 + 180),
                subjects=["数学"] if n % 2 == 0 else ["语文", "英语"],
                status=TeacherDispatch.Status.DONE if n % 4 else TeacherDispatch.Status.PLANNED,
                is_synthetic=True,
            )
        )
        if n == 0:  # the demo teacher's current dispatch
            dispatches.append(
                TeacherDispatch(
                    pairing=p,
                    teacher=teacher,
                    teacher_name="教师甲（化名）",
                    from_school=p.strong,
                    to_school=p.weak,
                    start_on=today - dt.timedelta(days=20),
                    end_on=today + dt.timedelta(days=160),
                    subjects=["数学"],
                    status=TeacherDispatch.Status.ACTIVE,
                    is_synthetic=True,
                )
            )
        for kind, title, offset in (
            (JointActivity.Kind.RESEARCH, "数学联合教研：一次函数单元设计", 60),
            (JointActivity.Kind.EXCHANGE, "学生研学交流", 200),
        ):
            activities.append(
                JointActivity(
                    pairing=p,
                    kind=kind,
                    title=title,
                    on=start + dt.timedelta(days=offset),
                    participants=int(rng.integers(10, 60)),
                    status=JointActivity.Status.DONE if (n + offset) % 3 else JointActivity.Status.PLANNED,
                    is_synthetic=True,
                )
            )
        goals.append(
            Goal(
                pairing=p,
                text="薄弱学校数学掌握度达到区域均值",
                target="≥ 区域均值",
                due_on=start + dt.timedelta(days=3 * 365),
            )
        )
    TeacherDispatch.objects.bulk_create(dispatches)
    JointActivity.objects.bulk_create(activities)
    Goal.objects.bulk_create(goals)
    courses = []
    for p in pairings:
        resource = Resource.objects.filter(school=p.strong, status=Resource.Status.PUBLISHED).first()
        if resource is not None:
            courses.append(SharedCourse(pairing=p, resource=resource, added_on=p.started_on or today))
    SharedCourse.objects.bulk_create(courses)
    # The outcome panel: unit effects, a common trend, noise, +PLANTED_EFFECT after pairing (weak schools).
    years = np.array(list(YEARS))
    unit = rng.normal(0.0, 1.0, len(units))
    trend = np.linspace(0.0, 0.4, years.size)
    outcomes = []
    for u, school in enumerate(units):
        if school in strong:
            unit[u] += 0.8  # strong schools score higher (they are excluded from the comparison anyway)
        cohort = cohort_of.get(school.pk)
        for t, year in enumerate(years):
            value = unit[u] + trend[t] + rng.normal(0.0, 0.3)
            if cohort is not None:
                value += -0.2 + (PLANTED_EFFECT if year >= cohort else 0.0)  # weak schools start lower
            outcomes.append(
                Outcome(
                    school=school,
                    year=int(year),
                    metric=METRIC,
                    value=round(float(value), 4),
                    is_synthetic=True,
                )
            )
    Outcome.objects.bulk_create(outcomes)
    return PairingSeedReport(len(pairings), len(dispatches), len(activities), len(outcomes))
