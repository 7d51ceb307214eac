"""Reads of the assessment app, scoped to the actor.

| who | sees |
|---|---|
| a student | the open tests whose audience includes them; their own result (no audit: their own data) |
| teachers, school admins | the tests addressed to their school; a class's results per student by pseudonym
  (personal data: every read is written to ``accounts``' access log) |
| teachers, school admins, bureaus, joint office | per-school and per-county aggregates in their scope
  (groups under ``MIN_GROUP`` students are suppressed), growth and value-added between two tests |
| teachers, school admins, bureaus, joint office | calibrations: item parameters, fit and drift flags |

Read next: ``services`` (writes), ``educloud.algos.outcomes`` (the statistics of the reports).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet
from django.utils import timezone

from educloud.accounts.api import (
    Role,
    StudentProfile,
    User,
    edit_scope,
    personal_data_access_log,
    roles_of,
    student_data_scope,
)
from educloud.algos.outcomes import MIN_GROUP, GroupEstimate, ValueAdded, growth_by_group
from educloud.assessment.models import AdaptiveTest, CalibratedItem, Calibration, SessionItem, TestSession
from educloud.assessment.services import (
    TEST_CREATORS,
    audience_scope,
    calibration_params,
    scaled_score,
    student_may_take,
)
from educloud.learning import api as learning_api
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import School, school_in_scope, scope_filter


def _roles(actor: User | None) -> set[str]:
    return {a.role for a in roles_of(actor)}


def is_student(actor: User | None) -> bool:
    return Role.STUDENT.value in _roles(actor)


def is_staff(actor: User | None) -> bool:
    return bool(_roles(actor) & {r.value for r in TEST_CREATORS})


def aggregate_scope(actor: User | None) -> Scope:
    return edit_scope(actor).union(student_data_scope(actor))


# ------------------------------------------------------------------------------------ students


@dataclass(frozen=True)
class StudentTest:
    test: AdaptiveTest
    session: TestSession | None

    @property
    def status(self) -> str:
        if self.session is None:
            return "未开始"
        return "已完成" if self.session.finished else "进行中"

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.test.opens <= now < self.test.closes


def tests_for_student(*, actor: User) -> list[StudentTest]:
    """Tests addressed to the student (open now, or already taken), newest first."""
    profile = StudentProfile.objects.select_related("school__county").filter(user=actor).first()
    if profile is None or not is_student(actor):
        return []
    sessions = {s.test_id: s for s in TestSession.objects.filter(student=actor)}
    now = timezone.now()
    tests = AdaptiveTest.objects.filter(Q(opens__lte=now, closes__gt=now) | Q(pk__in=list(sessions)))
    return [
        StudentTest(test=t, session=sessions.get(t.pk))
        for t in tests.order_by("-opens", "-pk")[:200]
        if student_may_take(t, profile)
    ]


@dataclass
class PointResult:
    code: str
    name: str
    n_items: int
    n_correct: int
    expected: float  # expected number correct at the student's θ

    @property
    def verdict(self) -> str:
        diff = self.n_correct - self.expected
        if diff >= 0.5:
            return "高于预期"
        if diff <= -0.5:
            return "低于预期"
        return "符合预期"


@dataclass
class Result:
    session: TestSession
    theta: float
    se: float
    scaled: int
    scaled_low: int
    scaled_high: int
    n_items: int
    n_correct: int
    points: list[PointResult]


def _result(session: TestSession) -> Result:
    from educloud.algos.irt import probability

    rows = list(session.items.filter(answered__isnull=False).order_by("position"))
    calibrated = {
        r.item_id: r
        for r in CalibratedItem.objects.filter(
            calibration_id=session.test.calibration_id, item_id__in=[r.item_id for r in rows]
        )
    }
    ordered = [calibrated[r.item_id] for r in rows]
    theta = float(session.theta if session.theta is not None else 0.0)
    se = float(session.se if session.se is not None else 1.0)
    p = np.asarray(probability(calibration_params(session.test.calibration, ordered), [theta])).reshape(-1)
    kps: dict[int, list[tuple[str, str]]] = defaultdict(list)
    through = learning_api.Item.knowledge_points.through
    for item_id, code, name in through.objects.filter(item_id__in=[r.item_id for r in rows]).values_list(
        "item_id", "knowledgepoint__code", "knowledgepoint__name"
    ):
        kps[item_id].append((code, name))
    points: dict[str, PointResult] = {}
    for r, prob in zip(rows, p.tolist(), strict=True):
        for code, name in kps[r.item_id]:
            pr = points.setdefault(
                code, PointResult(code=code, name=name, n_items=0, n_correct=0, expected=0.0)
            )
            pr.n_items += 1
            pr.n_correct += int(bool(r.correct))
            pr.expected += prob
    return Result(
        session=session,
        theta=theta,
        se=se,
        scaled=scaled_score(theta),
        scaled_low=scaled_score(theta - 1.96 * se),
        scaled_high=scaled_score(theta + 1.96 * se),
        n_items=len(rows),
        n_correct=sum(bool(r.correct) for r in rows),
        points=sorted(points.values(), key=lambda x: x.code),
    )


def session_result(*, actor: User, test_id: int) -> Result:
    """The student's own result of a finished test."""
    if not is_student(actor):
        raise PermissionDenied("测评结果仅对学生本人开放")
    session = (
        TestSession.objects.select_related("test__calibration").filter(test_id=test_id, student=actor).first()
    )
    if session is None:
        raise NotFound("您还没有参加这次测评", field="test")
    if session.finished is None:
        raise InvalidInput("测评尚未完成：请继续作答", field="test")
    return _result(session)


# ------------------------------------------------------------------------------------ staff


def tests_for_staff(*, actor: User, limit: int = 100) -> list[AdaptiveTest]:
    """Tests addressed to any school in the actor's scope (or created by the actor)."""
    scope = aggregate_scope(actor)
    if scope.is_empty:
        return []
    mine = School.objects.filter(scope_filter(scope))
    out = []
    for test in AdaptiveTest.objects.select_related("calibration").order_by("-opens", "-pk")[:500]:
        if test.created_by_id == actor.pk or scope.everything or test.audience_level == "circle":
            out.append(test)
        elif mine.filter(scope_filter(audience_scope(test.audience_level, test.audience_code))).exists():
            out.append(test)
        if len(out) >= limit:
            break
    return out


def test_for_staff(*, actor: User, test_id: int) -> AdaptiveTest:
    if not is_staff(actor):
        raise PermissionDenied("测评报告仅对教师、学校管理员和教育行政部门开放")
    test = next((t for t in tests_for_staff(actor=actor, limit=500) if t.pk == test_id), None)
    if test is None:
        raise NotFound(f"没有编号为 {test_id} 的测评，或它不在您的权限范围内", field="test")
    return test


@dataclass
class StudentRow:
    pseudonym: str
    status: str
    n_items: int
    theta: float | None
    se: float | None
    scaled: int | None


@dataclass
class ClassReport:
    test: AdaptiveTest
    school: School
    grade: int
    class_label: str
    rows: list[StudentRow]
    n_finished: int
    mean_scaled: float | None
    points: list[tuple[str, str, int, float]]  # (code, name, n answers, share correct)

    def chart(self) -> dict[str, Any]:
        done = [r for r in self.rows if r.scaled is not None]
        return {
            "students": [r.pseudonym for r in done],
            "scores": [r.scaled for r in done],
            "errors": [round(100 * (r.se or 0) * 1.96) for r in done],
            "points": [p[1] for p in self.points],
            "shares": [round(p[3], 3) for p in self.points],
        }


def classes_of(*, actor: User) -> list[tuple[str, str, int, str]]:
    """(school code, school name, grade, class) of the classes whose results the actor may read."""
    scope = student_data_scope(actor)
    if scope.is_empty:
        return []
    rows = (
        StudentProfile.objects.filter(scope_filter(scope, "school__"))
        .values_list("school__code", "school__name", "grade", "class_label")
        .distinct()
        .order_by("school__code", "grade", "class_label")
    )
    return list(rows[:200])


def class_report(*, actor: User, test_id: int, school_code: str, grade: int, class_label: str) -> ClassReport:
    """Every student of a class on one test, by pseudonym. Personal data: only the school's teachers
    and admins; each read is logged with the students shown."""
    test = test_for_staff(actor=actor, test_id=test_id)
    school = School.objects.select_related("county").filter(code=school_code).first()
    if school is None:
        raise NotFound(f"没有代码为 {school_code} 的学校", field="school")
    if not school_in_scope(student_data_scope(actor), school):
        raise PermissionDenied("只有本校教师和学校管理员可以查看班级测评结果")
    profiles = list(
        StudentProfile.objects.filter(school=school, grade=grade, class_label=class_label).order_by(
            "pseudonym"
        )
    )
    if not profiles:
        raise NotFound(f"{school.name}没有 {grade} 年级{class_label}", field="class_label")
    personal_data_access_log(
        actor=actor, school_id=school.pk, student_ids=[p.pk for p in profiles], purpose="班级测评结果"
    )
    sessions = {
        s.student_id: s
        for s in TestSession.objects.filter(test=test, student_id__in=[p.user_id for p in profiles])
    }
    counts = defaultdict(int)
    for sid in SessionItem.objects.filter(
        session__in=list(sessions.values()), answered__isnull=False
    ).values_list("session_id", flat=True):
        counts[sid] += 1
    rows = []
    for p in profiles:
        s = sessions.get(p.user_id)
        done = s is not None and s.finished is not None and s.theta is not None
        rows.append(
            StudentRow(
                pseudonym=p.pseudonym,
                status="未参加" if s is None else ("已完成" if s.finished else "进行中"),
                n_items=counts.get(s.pk, 0) if s else 0,
                theta=s.theta if done else None,  # type: ignore[union-attr]
                se=s.se if done else None,  # type: ignore[union-attr]
                scaled=scaled_score(s.theta) if done else None,  # type: ignore[union-attr, arg-type]
            )
        )
    finished = [r.scaled for r in rows if r.scaled is not None]
    point_stats: dict[str, list[Any]] = {}
    through = learning_api.Item.knowledge_points.through
    kp_of: dict[int, list[tuple[str, str]]] = defaultdict(list)
    answered = list(
        SessionItem.objects.filter(session__in=list(sessions.values()), answered__isnull=False).values_list(
            "item_id", "correct"
        )
    )
    for item_id, code, name in through.objects.filter(item_id__in={i for i, _ in answered}).values_list(
        "item_id", "knowledgepoint__code", "knowledgepoint__name"
    ):
        kp_of[item_id].append((code, name))
    for item_id, correct in answered:
        for code, name in kp_of[item_id]:
            stat = point_stats.setdefault(code, [name, 0, 0])
            stat[1] += 1
            stat[2] += int(bool(correct))
    points = sorted(
        ((code, s[0], s[1], s[2] / s[1]) for code, s in point_stats.items()), key=lambda t: (t[3], t[0])
    )
    return ClassReport(
        test=test,
        school=school,
        grade=grade,
        class_label=class_label,
        rows=rows,
        n_finished=len(finished),
        mean_scaled=float(np.mean(finished)) if finished else None,
        points=points,
    )


@dataclass
class GroupRow:
    key: Hashable
    label: str
    county: str
    n: int
    suppressed: bool
    mean: float | None = None  # scaled score
    se: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class RegionReport:
    test: AdaptiveTest
    level: str
    rows: list[GroupRow]
    n_suppressed: int

    def chart(self) -> dict[str, Any]:
        shown = [r for r in self.rows if not r.suppressed]
        return {
            "labels": [r.label for r in shown],
            "values": [round(r.mean or 0.0, 1) for r in shown],
            "low": [round(r.low or 0.0, 1) for r in shown],
            "high": [round(r.high or 0.0, 1) for r in shown],
        }


LEVELS = {"school": "学校", "county": "区县"}


def _group_key(session: TestSession, level: str) -> Hashable:
    if level == "class":
        return (session.school_id, session.grade, session.class_label)
    if level == "county":
        return session.school.county_id if session.school else None
    return session.school_id


def _visible_groups(actor: User, level: str, sessions: list[TestSession]) -> dict[Hashable, tuple[str, str]]:
    """The groups of these sessions the actor may see, with (label, county name)."""
    scope = student_data_scope(actor) if level == "class" else aggregate_scope(actor)
    if scope.is_empty:
        raise PermissionDenied("测评统计仅对学校管理员、教师和教育行政部门开放")
    out: dict[Hashable, tuple[str, str]] = {}
    for s in sessions:
        key = _group_key(s, level)
        if key in out or s.school is None:
            continue
        school = s.school
        county = school.county
        if level == "county":
            if scope.covers_place(
                province_code=county.province_id, city_code=county.city_id, county_code=county.code
            ):
                out[key] = (county.name, county.name)
        elif school_in_scope(scope, school):
            label = school.name if level == "school" else f"{school.name} {s.grade}年级{s.class_label}"
            out[key] = (label, county.name)
    return out


def region_report(*, actor: User, test_id: int, level: str = "school") -> RegionReport:
    """Mean scaled score per school or county in the actor's scope; groups under ``MIN_GROUP`` suppressed."""
    if level not in LEVELS:
        raise InvalidInput("统计层级只能是 school 或 county", field="level")
    test = test_for_staff(actor=actor, test_id=test_id)
    sessions = list(
        TestSession.objects.filter(test=test, finished__isnull=False, theta__isnull=False).select_related(
            "school__county"
        )
    )
    visible = _visible_groups(actor, level, sessions)
    by_group: dict[Hashable, list[float]] = defaultdict(list)
    for s in sessions:
        key = _group_key(s, level)
        if key in visible:
            by_group[key].append(_scaled(s.theta))  # type: ignore[arg-type]
    rows = []
    for key, values in by_group.items():
        label, county = visible[key]
        if len(values) < MIN_GROUP:
            rows.append(GroupRow(key=key, label=label, county=county, n=len(values), suppressed=True))
            continue
        arr = np.asarray(values)
        se = float(arr.std(ddof=1) / np.sqrt(arr.size))
        mean = float(arr.mean())
        rows.append(
            GroupRow(
                key=key,
                label=label,
                county=county,
                n=arr.size,
                suppressed=False,
                mean=mean,
                se=se,
                low=mean - 1.96 * se,
                high=mean + 1.96 * se,
            )
        )
    rows.sort(key=lambda r: (r.suppressed, r.county, r.label))
    return RegionReport(test=test, level=level, rows=rows, n_suppressed=sum(r.suppressed for r in rows))


def _scaled(theta: float) -> float:
    """The reporting scale, unrounded (``services.scaled_score`` rounds it for a single student)."""
    return 500.0 + 100.0 * theta


# ------------------------------------------------------------------------------------ outcomes


@dataclass
class OutcomeRow:
    key: Hashable
    label: str
    county: str
    growth: GroupEstimate
    value_added: GroupEstimate


@dataclass
class OutcomeReport:
    before: AdaptiveTest
    after: AdaptiveTest
    level: str
    link_a: float
    link_b: float
    n_anchors: int
    n_students: int  # matched students in the whole population (the regression's sample)
    slope: float
    intercept: float
    r2: float
    rows: list[OutcomeRow] = field(default_factory=list)
    n_suppressed: int = 0

    def chart(self) -> dict[str, Any]:
        shown = [r for r in self.rows if not r.value_added.suppressed]

        def pts(v: float | None) -> float:
            return round(100.0 * (v or 0.0), 1)  # θ units → scaled-score points

        return {
            "labels": [r.label for r in shown],
            "va": [pts(r.value_added.estimate) for r in shown],
            "low": [pts(r.value_added.low) for r in shown],
            "high": [pts(r.value_added.high) for r in shown],
            "growth": [pts(r.growth.estimate) for r in shown],
        }


def occasion_link(before: Calibration, after: Calibration) -> tuple[float, float, int]:
    """(A, B, anchors): θ on ``before``'s scale = A · θ on ``after``'s + B, by mean–sigma on the items
    the two calibrations share (the identity for one calibration)."""
    from educloud.algos.irt import link_mean_sigma

    if before.pk == after.pk:
        return 1.0, 0.0, before.items.count()
    old = {r.item_id: r for r in before.items.all()}
    new_rows = [r for r in after.items.order_by("item_id") if r.item_id in old]
    if len(new_rows) < 2:
        raise InvalidInput(
            f"两次测评所用的标定只有 {len(new_rows)} 道共同题目（锚题），至少需要 2 道才能放到同一量尺上",
            field="after",
        )
    try:
        a_link, b_link = link_mean_sigma(
            calibration_params(before, [old[r.item_id] for r in new_rows]),
            calibration_params(after, new_rows),
        )
    except ValueError as exc:
        raise InvalidInput(
            f"两次测评的量尺无法链接（{before.model} 与 {after.model}）：{exc}", field="after"
        ) from None
    return float(a_link), float(b_link), len(new_rows)


def outcome_report(*, actor: User, before_id: int, after_id: int, level: str = "school") -> OutcomeReport:
    """Growth and value-added between two tests, per class, school or county in the actor's scope.

    Students who finished both are matched; the later θ is put on the earlier test's scale through the
    anchor items (``occasion_link``). The regression that sets expected growth uses every matched
    student (all regions), the groups shown are those in the actor's scope; groups under
    ``MIN_GROUP`` matched students are suppressed."""
    if level not in ("class", "school", "county"):
        raise InvalidInput("统计层级只能是 class、school 或 county", field="level")
    if before_id == after_id:
        raise InvalidInput("请选择两次不同的测评", field="after")
    before = test_for_staff(actor=actor, test_id=before_id)
    after = test_for_staff(actor=actor, test_id=after_id)
    a_link, b_link, n_anchors = occasion_link(before.calibration, after.calibration)
    first = {
        s.student_id: s
        for s in TestSession.objects.filter(test=before, finished__isnull=False, theta__isnull=False)
    }
    pairs = [
        (first[s.student_id], s)
        for s in TestSession.objects.filter(
            test=after, finished__isnull=False, theta__isnull=False, student_id__in=list(first)
        ).select_related("school__county")
    ]
    if len(pairs) < 3:
        raise InvalidInput(f"两次测评都完成的学生只有 {len(pairs)} 名，无法评估成效", field="after")
    prior = np.array([p.theta for p, _ in pairs], dtype=float)
    post = a_link * np.array([q.theta for _, q in pairs], dtype=float) + b_link
    prior_se = np.array([p.se or 0.0 for p, _ in pairs], dtype=float)
    post_se = abs(a_link) * np.array([q.se or 0.0 for _, q in pairs], dtype=float)
    visible = _visible_groups(actor, level, [q for _, q in pairs])
    keys = [_group_key(q, level) for _, q in pairs]
    va = ValueAdded(min_group=MIN_GROUP).fit(prior, post, keys)
    growth = {g.group: g for g in growth_by_group(prior, post, keys, prior_se=prior_se, post_se=post_se)}
    rows = []
    for g in va.groups_:
        if g.group not in visible:
            continue
        label, county = visible[g.group]
        rows.append(
            OutcomeRow(key=g.group, label=label, county=county, growth=growth[g.group], value_added=g)
        )
    rows.sort(key=lambda r: (r.value_added.suppressed, r.county, r.label))
    return OutcomeReport(
        before=before,
        after=after,
        level=level,
        link_a=a_link,
        link_b=b_link,
        n_anchors=n_anchors,
        n_students=len(pairs),
        slope=float(va.coef_[1]),
        intercept=float(va.coef_[0]),
        r2=float(va.r2_),
        rows=rows,
        n_suppressed=sum(r.value_added.suppressed for r in rows),
    )


# ------------------------------------------------------------------------------------ calibrations


def calibration_list(*, actor: User) -> QuerySet[Calibration]:
    if not is_staff(actor):
        raise PermissionDenied("题库标定仅对教师、学校管理员和教育行政部门开放")
    return Calibration.objects.all().order_by("-created", "-pk")


def calibration_get(*, actor: User, calibration_id: int) -> tuple[Calibration, list[CalibratedItem]]:
    if not is_staff(actor):
        raise PermissionDenied("题库标定仅对教师、学校管理员和教育行政部门开放")
    calibration = Calibration.objects.filter(pk=calibration_id).first()
    if calibration is None:
        raise NotFound(f"没有编号为 {calibration_id} 的标定", field="calibration")
    items = list(calibration.items.select_related("item").order_by("item__code"))
    return calibration, items
