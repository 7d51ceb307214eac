"""Reads of the recommend app, scoped to the actor.

* Any signed-in user: their own recommendations (mastery-aware for students), only resources the
  library lets them open.
* A student: their own learning paths (another student's path is "not found"), the paths assigned
  to their class.
* Teachers and school admins: recommendations for a class of their school and the progress of its
  assigned paths (personal data: every read is written to ``accounts``' personal-data access log);
  class aggregates only for classes of at least ``MIN_GROUP`` students.

Recommendation = the hybrid recommender's candidates (cached per learner at fit time, or scored on
the fly) ∪ resources of the learner's weakest *unlocked* knowledge points ∪ cohort popularity (same
school, same stage: cold start) ∪ the newest resources of both provinces (new resources, cross-border
sharing); then **one** query keeps only what ``library.api.visible_resources(actor)`` returns, and the
mastery-aware re-ranker orders them:

    score = 0.5·cf + [on a weak unlocked point] (1.5 + (1 − p)) + 0.3·same school + 0.15·same stage
            + 0.25·new from the other province + 0.1·new + 0.1·quality

and orders by tiers: resources on the weakest unlocked points first (weakest point first, then by
score), then the rest by score. Unlocked = each prerequisite at least ``READY`` (the learning
app's practice rule).
Every recommendation carries its reasons in Chinese (shown on the page and in the API).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Q
from scipy import sparse

from educloud.accounts.api import (
    Role,
    StudentProfile,
    User,
    personal_data_access_log,
    roles_of,
    student_data_scope,
)
from educloud.algos.paths import CycleError, plan_path
from educloud.learning import api as learning_api
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library import api as library_api
from educloud.recommend import artefact as artefacts
from educloud.recommend.content import LIBRARY_SUBJECT, PointRef, event_weight, points_of, taking_order
from educloud.recommend.models import LearnerCandidates, PathAssignment, StudentPath
from educloud.recommend.services import (
    STAGE_OF_GRADE,
    graph_snapshot,
    is_student,
    mastery_of,
    teaching_school,
)
from educloud.regions.api import county_row
from educloud.schools.api import School, scope_filter

PROVINCE_NAMES = {"500000": "重庆市", "510000": "四川省"}
K_MAX = 50
N_CF = 30  # collaborative-filtering candidates entering the re-ranker
N_WEAK = 3  # weakest unlocked points whose resources enter
STEP_RESOURCES = 3


@dataclass
class Recommendation:
    resource_id: int
    title: str
    subject: str
    stage: str
    type: str
    province_code: str
    score: float
    reasons: list[str]
    point: str | None = None  # the weak knowledge point it serves, if any
    point_mastery: float | None = None  # the learner's (or class's) mastery of that point

    @property
    def province(self) -> str:
        return PROVINCE_NAMES.get(self.province_code, "")


@dataclass
class Recommendations:
    items: list[Recommendation]
    model_id: int | None
    weak_points: list[tuple[str, float]] = field(default_factory=list)  # (name, mastery)
    note: str = ""


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
        raise InvalidInput(f"推荐条数 k 应为 1 到 {K_MAX} 的整数", field="k")
    return k


def _require_login(actor: User | None) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")


def _weak_unlocked(art: artefacts.Artefact, mastery: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The ``n`` weakest unlocked, unmastered points of the graphs the learner has practised."""
    graphs = {art.point_graph[kp] for kp in mastery if kp in art.point_graph}
    p = {pk: mastery.get(pk, art.priors.get(pk, 0.0)) for pk, g in art.point_graph.items() if g in graphs}
    ready = learning_api.READY
    weak = [
        (pk, v)
        for pk, v in p.items()
        if v < learning_api.MASTERED
        and all(mastery.get(a, art.priors.get(a, 0.0)) >= ready for a in art.prerequisites.get(pk, ()))
    ]
    weak.sort(key=lambda t: (t[1], t[0]))
    return weak[:n]


def _user_row(art: artefacts.Artefact, user_id: int) -> tuple[sparse.csr_matrix, list[int], set[int]]:
    """The learner's engagement now, as a (1, n_items) row of the model's columns, the columns in
    the order taken up (as the fit built them: ``content.taking_order``) and the resource ids engaged
    with (read from the library's events)."""
    weights: dict[int, float] = defaultdict(float)
    timeline: list[tuple[int, float]] = []
    for resource_id, kind, value in (
        library_api.Engagement.objects.filter(user_id=user_id)
        .order_by("at", "pk")
        .values_list("resource_id", "kind", "value")
    ):
        weight = event_weight(kind, value)
        weights[resource_id] += weight
        timeline.append((resource_id, weight))
    cols = [(art.item_col[r], w) for r, w in weights.items() if r in art.item_col and w > 0]
    row = sparse.csr_matrix(
        ([w for _, w in cols], ([0] * len(cols), [c for c, _ in cols])), shape=(1, len(art.item_ids))
    )
    sequence = [art.item_col[r] for r in taking_order(timeline) if r in art.item_col]
    return row, sequence, set(weights)


def recommendations(*, actor: User, k: int = 10, cached: bool = True) -> Recommendations:
    """The actor's recommendations (see the module docstring). ``cached=False`` computes the same
    thing without the per-learner cache: the learner's row is read from the events and scored by the
    model on the fly over every resource the actor may open (the benchmark's peer)."""
    _require_login(actor)
    k = _check_k(k)
    loaded = artefacts.current()
    if loaded is None:
        return Recommendations(
            items=[], model_id=None, note="推荐模型尚未训练（运行 educloud recommend_fit）"
        )
    model_id, art = loaded
    profile = StudentProfile.objects.filter(user=actor).values_list("school_id", "grade").first()
    school_id, grade = profile if profile else (None, None)
    stage = STAGE_OF_GRADE.get(grade or 0)

    cf: dict[int, float] = {}
    if cached:
        row = (
            LearnerCandidates.objects.filter(user=actor, model_id=model_id)
            .values_list("items", "seen")
            .first()
        )
        if row is not None:
            cf = {int(r): float(s) for r, s in row[0][: 4 * N_CF]}
            seen = set(row[1])
        else:
            seen = set(
                library_api.Engagement.objects.filter(user=actor)
                .values_list("resource_id", flat=True)
                .distinct()
            )
    else:
        user_row, sequence, seen = _user_row(art, actor.pk)
        visible = library_api.visible_resources(actor).values_list("pk", flat=True)
        cols = np.array([art.item_col[r] for r in visible if r in art.item_col], dtype=np.int64)
        if user_row.nnz:
            cf = {
                int(art.item_ids[j]): float(s)
                for j, s in art.model.recommend(
                    user_row, 4 * N_CF, candidates=cols, exclude_seen=True, sequence=sequence
                )
            }

    mastery: dict[int, float] = {}
    if is_student(actor):
        mastery = dict(
            learning_api.StudentMastery.objects.filter(student=actor).values_list(
                "knowledge_point_id", "p_mastery"
            )
        )
    weak = _weak_unlocked(art, mastery, N_WEAK) if mastery else []
    weak_p = dict(weak)

    school_list = art.school_popular.get(school_id, [])[:15] if school_id else []
    stage_list = art.stage_popular.get(stage or "", [])[:15]
    stages = [stage] if stage else sorted({s for s, _ in art.fresh})
    fresh = {r: prov for (st, prov), lst in art.fresh.items() if st in stages for r in lst[:10]}
    point_pool = [r for pk, _ in weak for r in art.point_resources.get(pk, [])[:10]]
    pool = set(cf) | set(school_list) | set(stage_list) | set(fresh) | set(point_pool)
    pool -= seen
    rows = list(
        library_api.visible_resources(actor)
        .filter(pk__in=list(pool))
        .order_by()  # the re-ranker orders them; the browse order would only cost a sort
        .values("pk", "title", "subject", "stage", "type", "province_code", "quality")
    )
    home = _home_province(actor)
    cf_top = sorted(cf.values(), reverse=True)[N_CF - 1] if len(cf) >= N_CF else -np.inf
    out: list[Recommendation] = []
    school_set, stage_set = set(school_list), set(stage_list)
    for r in rows:
        rid = r["pk"]
        score = 0.1 * float(r["quality"] or 0.0)
        reasons: list[str] = []
        point_name = None
        on_points = [(pk, weak_p[pk]) for pk in art.resource_points.get(rid, {}) if pk in weak_p]
        if on_points:
            pk, p = min(on_points, key=lambda t: t[1])
            point_name = art.point_names.get(pk, "")
            score += 1.5 + (1.0 - p)
            reasons.append(f"因为你在「{point_name}」掌握度 {p:.2f}，先修知识点已掌握")
        if rid in cf and cf[rid] >= cf_top:
            score += 0.5 * cf[rid]
            reasons.append("和你学习兴趣相近的同学也在学")
        if rid in school_set:
            score += 0.3
            reasons.append("同校同学常看")
        elif rid in stage_set:
            score += 0.15
            reasons.append("同学段同学常看")
        if rid in fresh:
            province = PROVINCE_NAMES.get(r["province_code"], "")
            if home and r["province_code"] and r["province_code"] != home:
                score += 0.25
                reasons.append(f"来自{province}的新资源")
            else:
                score += 0.1
                reasons.append("新发布的资源")
        if not reasons:
            continue
        out.append(
            Recommendation(
                resource_id=rid,
                title=r["title"],
                subject=r["subject"],
                stage=r["stage"],
                type=r["type"],
                province_code=r["province_code"],
                score=round(score, 4),
                reasons=reasons,
                point=point_name,
                point_mastery=weak_p[pk] if on_points else None,
            )
        )
    out.sort(key=_rank)
    return Recommendations(
        items=out[:k],
        model_id=model_id,
        weak_points=[(art.point_names.get(pk, ""), p) for pk, p in weak],
    )


def _rank(r: Recommendation) -> tuple[int, float, float, int]:
    """The re-ranker's order: resources on weak unlocked points first, weakest point first; then the
    rest by blended score."""
    if r.point_mastery is not None:
        return (0, r.point_mastery, -r.score, r.resource_id)
    return (1, 0.0, -r.score, r.resource_id)


def _home_province(actor: User) -> str:
    """The actor's province code (school roles through the cached county table), or ""."""
    for a in roles_of(actor):
        if a.school is not None:
            return str(county_row(code=a.school.county_id)["province_code"])
        if a.county_id:
            return str(county_row(code=a.county_id)["province_code"])
        if a.province_id:
            return str(a.province_id)
    return ""


# ------------------------------------------------------------------------------------ classes


@dataclass(frozen=True)
class ClassRef:
    school_code: str
    school_name: str
    grade: int
    class_label: str
    n_students: int


def teacher_classes(*, actor: User) -> list[ClassRef]:
    """Classes of the schools where the actor teaches or administers (labels and sizes only)."""
    roles = {a.role for a in roles_of(actor)}
    if not roles & {Role.TEACHER.value, Role.SCHOOL_ADMIN.value}:
        return []
    scope = student_data_scope(actor)
    if scope.is_empty:
        return []
    rows = (
        StudentProfile.objects.filter(scope_filter(scope, "school__"))
        .values("school__code", "school__name", "grade", "class_label")
        .annotate(n=Count("id"))
        .order_by("school__code", "grade", "class_label")
    )
    return [
        ClassRef(r["school__code"], r["school__name"], r["grade"], r["class_label"], r["n"])
        for r in rows[:200]
    ]


def _student_keys_q(school: School) -> Q:
    """Resources every student of ``school`` may open (their keys without any personal grant)."""
    county = school.county
    return (
        Q(visibility__in=["public", "circle"])
        | Q(school_code=school.code)
        | Q(visibility="county", county_code=county.code)
        | Q(visibility="city", city_code=county.city_id)
        | Q(visibility="province", province_code=county.province_id)
    )


@dataclass
class ClassRecommendations:
    school: School
    grade: int
    class_label: str
    n_students: int
    weak_points: list[tuple[str, str, float, int]]  # (code, name, class mean, students practised)
    items: list[Recommendation]
    assignments: list[PathAssignment]
    note: str = ""


def _class_profiles(
    actor: User, school_code: str, grade: int, class_label: str, purpose: str
) -> tuple[School, list[Any]]:
    school = teaching_school(actor, school_code)
    profiles = list(
        StudentProfile.objects.filter(school=school, grade=grade, class_label=class_label).order_by(
            "pseudonym"
        )
    )
    if not profiles:
        raise NotFound(f"{school.name}没有 {grade} 年级{class_label}", field="class_label")
    personal_data_access_log(
        actor=actor, school_id=school.pk, student_ids=[p.pk for p in profiles], purpose=purpose
    )
    return school, profiles


def class_recommendations(
    *, actor: User, school_code: str, grade: int, class_label: str, k: int = 10
) -> ClassRecommendations:
    """Resources for a class: on the class's weakest unlocked points (class means over the students
    who practised a point; a point counts only when at least ``MIN_GROUP`` of them did, or the whole
    class if smaller), popular at the school, new from the other province; only what every student
    of the school may open. Reads students' mastery: audited."""
    k = _check_k(k)
    school, profiles = _class_profiles(actor, school_code, grade, class_label, "班级资源推荐")
    assignments = list(PathAssignment.objects.filter(school=school, grade=grade, class_label=class_label))
    loaded = artefacts.current()
    if loaded is None:
        return ClassRecommendations(
            school,
            grade,
            class_label,
            len(profiles),
            [],
            [],
            assignments,
            note="推荐模型尚未训练（运行 educloud recommend_fit）",
        )
    _, art = loaded
    values: dict[int, list[float]] = defaultdict(list)
    for kp, p in learning_api.StudentMastery.objects.filter(
        student_id__in=[p.user_id for p in profiles]
    ).values_list("knowledge_point_id", "p_mastery"):
        values[kp].append(p)
    need = min(learning_api.MIN_GROUP, len(profiles))
    means = {kp: float(np.mean(v)) for kp, v in values.items() if len(v) >= need}
    weak = _weak_unlocked(art, means, N_WEAK) if means else []
    weak = [(pk, p) for pk, p in weak if pk in means]
    weak_p = dict(weak)
    stage = STAGE_OF_GRADE.get(grade, "")
    school_list = art.school_popular.get(school.pk, [])[:15]
    other = "510000" if school.county.province_id == "500000" else "500000"
    fresh_other = [
        r for (st, prov), lst in art.fresh.items() if prov == other and st == stage for r in lst[:10]
    ]
    point_pool = [r for pk, _ in weak for r in art.point_resources.get(pk, [])[:10]]
    rows = list(
        library_api.visible_resources(actor)
        .filter(_student_keys_q(school))
        .filter(pk__in=list(set(school_list) | set(fresh_other) | set(point_pool)))
        .values("pk", "title", "subject", "stage", "type", "province_code", "quality")
    )
    items: list[Recommendation] = []
    for r in rows:
        rid, score, reasons, point_name = r["pk"], 0.1 * float(r["quality"] or 0.0), [], None
        on_points = [(pk, weak_p[pk]) for pk in art.resource_points.get(rid, {}) if pk in weak_p]
        if on_points:
            pk, p = min(on_points, key=lambda t: t[1])
            point_name = art.point_names.get(pk, "")
            score += 1.5 + (1.0 - p)
            reasons.append(f"全班在「{point_name}」平均掌握度 {p:.2f}")
        if rid in school_list:
            score += 0.3
            reasons.append("同校同学常看")
        if rid in fresh_other:
            score += 0.25
            reasons.append(f"来自{PROVINCE_NAMES.get(r['province_code'], '')}的新资源")
        items.append(
            Recommendation(
                rid,
                r["title"],
                r["subject"],
                r["stage"],
                r["type"],
                r["province_code"],
                round(score, 4),
                reasons,
                point_name,
                weak_p[pk] if on_points else None,
            )
        )
    items.sort(key=_rank)
    codes = dict(
        learning_api.KnowledgePoint.objects.filter(pk__in=[pk for pk, _ in weak]).values_list("pk", "code")
    )
    return ClassRecommendations(
        school=school,
        grade=grade,
        class_label=class_label,
        n_students=len(profiles),
        weak_points=[(codes.get(pk, ""), art.point_names.get(pk, ""), p, len(values[pk])) for pk, p in weak],
        items=items[:k],
        assignments=assignments,
    )


# ------------------------------------------------------------------------------------ paths


@dataclass
class StepResource:
    resource_id: int
    title: str
    province: str
    reason: str


@dataclass
class PathStep:
    point_id: int
    code: str
    name: str
    mastery: float
    is_target: bool
    prerequisites: list[str]
    resources: list[StepResource] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)  # learning Items of this point

    @property
    def percent(self) -> int:
        return round(100 * self.mastery)


@dataclass
class PlannedPath:
    path: StudentPath | None
    steps: list[PathStep]
    total: int  # points the targets rest on (mastered ones included)
    targets: list[str]

    @property
    def current(self) -> PathStep | None:
        return self.steps[0] if self.steps else None

    @property
    def done(self) -> int:
        return self.total - len(self.steps)

    @property
    def practice_item(self) -> Any:
        """The current step's next item: rotates through the point's items as answers accumulate."""
        step = self.current
        if step is None or not step.items:
            return None
        return step.items[self._answers % len(step.items)]

    _answers: int = 0


def _closure(prerequisites: dict[int, list[int]], targets: Iterable[int]) -> set[int]:
    seen: set[int] = set()
    stack = list(targets)
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(prerequisites.get(n, ()))
    return seen


def plan_for(
    *, student_id: int, subject: str, stage: str, target_codes: list[str], path: StudentPath | None = None
) -> tuple[PlannedPath, dict[int, str]]:
    prerequisites, names, priors = graph_snapshot(subject, stage)
    codes = dict(learning_api.KnowledgePoint.objects.filter(pk__in=list(names)).values_list("pk", "code"))
    by_code = {c: pk for pk, c in codes.items()}
    targets = [by_code[c] for c in target_codes if c in by_code]
    if not targets:
        raise NotFound("这条学习路径的目标知识点已不在知识图谱中", field="targets")
    mastery = mastery_of(student_id, list(names), priors)
    try:
        plan = plan_path(prerequisites, mastery, targets, mastered=learning_api.MASTERED)
    except CycleError as exc:
        chain = " → ".join(names.get(n, str(n)) for n in reversed(exc.cycle))
        raise InvalidInput(
            f"知识图谱中的先修关系有循环（{chain}），无法规划学习路径；请联系教研管理部门修正知识图谱",
            field="targets",
        ) from exc
    steps = [
        PathStep(
            point_id=s.point,
            code=codes.get(s.point, ""),
            name=names.get(s.point, ""),
            mastery=s.mastery,
            is_target=s.is_target,
            prerequisites=[names.get(a, "") for a in s.prerequisites],
        )
        for s in plan.steps
    ]
    total = len(_closure(prerequisites, targets))
    return PlannedPath(
        path=path, steps=steps, total=total, targets=[names.get(t, "") for t in targets]
    ), codes


def _fill_resources(actor: User, subject: str, stage: str, steps: list[PathStep]) -> None:
    """The best visible shared resources of each step's point: matched by content (name in tags or
    title), ranked by match, the recommender's score for this learner, and quality."""
    library_subject = LIBRARY_SUBJECT.get(subject)
    if library_subject is None or not steps:
        return
    rows = list(
        library_api.visible_resources(actor)
        .filter(subject=library_subject, stage=stage)
        .order_by("-quality", "-id")
        .values("pk", "title", "tags", "subject", "stage", "province_code", "quality")[:2000]
    )
    refs = [PointRef(id=s.point_id, code=s.code, name=s.name, subject=subject, stage=stage) for s in steps]
    cf: dict[int, float] = {}
    loaded = artefacts.current()
    if loaded is not None:
        row = (
            LearnerCandidates.objects.filter(user=actor, model_id=loaded[0])
            .values_list("items", flat=True)
            .first()
        )
        cf = {int(r): float(s) for r, s in (row or [])}
    by_point: dict[int, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
    home = _home_province(actor)
    for r in rows:
        for pk, w in points_of(r, refs).items():
            by_point[pk].append((w + 0.5 * cf.get(r["pk"], 0.0) + 0.2 * float(r["quality"] or 0.0), r))
    for step in steps:
        ranked = sorted(by_point.get(step.point_id, []), key=lambda t: (-t[0], t[1]["pk"]))[:STEP_RESOURCES]
        step.resources = [
            StepResource(
                resource_id=r["pk"],
                title=r["title"],
                province=PROVINCE_NAMES.get(r["province_code"], ""),
                reason=(
                    f"讲解「{step.name}」的共享资源"
                    + (
                        f"（来自{PROVINCE_NAMES.get(r['province_code'], '')}）"
                        if home and r["province_code"] != home
                        else ""
                    )
                ),
            )
            for _, r in ranked
        ]


def path_plan(*, actor: User, path: StudentPath, with_resources: bool = True) -> PlannedPath:
    """The student's path re-planned from their mastery now; the current step with its resources
    (visible to the student) and practice items."""
    if path.student_id != actor.pk:
        raise NotFound("学习路径不存在或不属于你")
    planned, _ = plan_for(
        student_id=actor.pk,
        subject=path.subject,
        stage=path.stage,
        target_codes=list(path.target_codes),
        path=path,
    )
    current = planned.current
    if current is not None:
        current.items = list(
            learning_api.Item.objects.filter(knowledge_points=current.point_id).order_by("code")
        )
        planned._answers = (
            learning_api.StudentMastery.objects.filter(student=actor, knowledge_point_id=current.point_id)
            .values_list("n_responses", flat=True)
            .first()
            or 0
        )
        if with_resources:
            _fill_resources(actor, path.subject, path.stage, planned.steps[:STEP_RESOURCES])
    return planned


def my_paths(*, actor: User) -> tuple[list[StudentPath], list[PathAssignment]]:
    """The student's own paths, and the assignments of their class not opened yet."""
    if not is_student(actor):
        raise PermissionDenied("学习路径仅对学生本人开放")
    paths = list(StudentPath.objects.filter(student=actor).select_related("assignment"))
    profile = StudentProfile.objects.filter(user=actor).first()
    followed = {p.assignment_id for p in paths if p.assignment_id}
    assigned = (
        [
            a
            for a in PathAssignment.objects.filter(
                school_id=profile.school_id, grade=profile.grade, class_label=profile.class_label
            )
            if a.pk not in followed
        ]
        if profile
        else []
    )
    return paths, assigned


@dataclass
class StudentProgress:
    pseudonym: str
    done: int
    total: int
    current: str | None  # the name of the step the student is on; None = complete

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass
class Progress:
    assignment: PathAssignment
    students: list[StudentProgress]
    suppressed: bool  # fewer than MIN_GROUP students: no class aggregates
    n_complete: int | None
    mean_percent: int | None
    at_step: list[tuple[str, int]]  # (step name, students on it), most first; empty when suppressed


def assignment_progress(*, actor: User, assignment_id: int) -> Progress:
    """Per student: steps done of the path and the step reached (re-planned from mastery now).
    Teachers and admins of the class's school only; audited. Aggregates are suppressed for classes
    of fewer than ``MIN_GROUP`` students, as the learning app does."""
    assignment = PathAssignment.objects.select_related("school__county").filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound("没有这条班级学习路径")
    _, profiles = _class_profiles(
        actor, assignment.school.code, assignment.grade, assignment.class_label, "学习路径进度"
    )
    rows = []
    for p in profiles:
        planned, _ = plan_for(
            student_id=p.user_id,
            subject=assignment.subject,
            stage=assignment.stage,
            target_codes=list(assignment.target_codes),
        )
        rows.append(
            StudentProgress(
                pseudonym=p.pseudonym,
                done=planned.done,
                total=planned.total,
                current=planned.current.name if planned.current else None,
            )
        )
    suppressed = len(rows) < learning_api.MIN_GROUP
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.current or "已完成"] += 1
    return Progress(
        assignment=assignment,
        students=rows,
        suppressed=suppressed,
        n_complete=None if suppressed else sum(r.current is None for r in rows),
        mean_percent=None if suppressed else round(sum(r.percent for r in rows) / len(rows)),
        at_step=[] if suppressed else sorted(counts.items(), key=lambda t: (-t[1], t[0])),
    )


def graph_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(label such as 初中数学, stage, [(code, name)]) of every graph, for the target pickers."""
    out = []
    for g in learning_api.graph_list():
        points = learning_api.knowledge_points(subject=g.subject, stage=g.stage)
        out.append((g.label, g.stage, [(p.code, p.name) for p in points]))
    return out
