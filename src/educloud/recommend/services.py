"""Writes of the recommend app: fitting the recommender, starting and following learning paths,
assigning paths to classes.

* ``recommender_fit`` reads engagement (library events + xAPI completions from the LRS), resources
  and the knowledge graphs through the other apps' ``api``; fits ``algos.recsys.HybridRecommender``;
  stores one artefact and every learner's top candidates in one transaction. Idempotent: the same
  training data give the same fingerprint, and a refit on it changes nothing.
* ``student_path_start`` / ``path_answer``: a student's own path (the answer is recorded by the
  learning app, which updates mastery; the path is re-planned from it).
* ``path_assign``: a teacher (or school admin) of the class's school assigns a path to a class.

Bad targets (unknown codes, several graphs, a cyclic graph, everything already mastered) raise
``InvalidInput``/``NotFound`` with ``field="targets"`` and a Chinese message a person can act on.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from educloud.accounts.api import Role, StudentProfile, User, roles_of, student_data_scope
from educloud.algos.paths import CycleError, plan_path
from educloud.learning import api as learning_api
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library import api as library_api
from educloud.lrs import api as lrs_api
from educloud.recommend import artefact as artefacts
from educloud.recommend.content import (
    PointRef,
    event_weight,
    interaction_matrix,
    item_features,
    points_of,
    taking_order,
)
from educloud.recommend.models import LearnerCandidates, PathAssignment, RecommenderModel, StudentPath
from educloud.schools.api import School, school_in_scope

N_CANDIDATES = 100  # cached CF candidates per learner (serving re-filters by visibility)
N_LIST = 30  # cohort / fresh / per-point lists
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
MAX_XAPI = 200_000
STAGE_OF_GRADE = {**dict.fromkeys(range(1, 7), "primary"), **dict.fromkeys(range(7, 10), "junior")}
STAGE_OF_GRADE.update(dict.fromkeys(range(10, 13), "senior"))
TARGET_MAX = 60
CONTENT_MAX_ITEMS = 5000


def _roles(actor: User | None) -> set[str]:
    return {a.role for a in roles_of(actor)}


def is_student(actor: User | None) -> bool:
    return Role.STUDENT.value in _roles(actor)


# ------------------------------------------------------------------------------------ fitting


@dataclass(frozen=True)
class FitReport:
    model_id: int
    created: bool  # False: the training data had not changed, the current model stays
    n_users: int
    n_items: int
    n_events: int
    n_candidates: int
    seconds: float

    def __str__(self) -> str:
        state = "fitted" if self.created else "unchanged (same training data)"
        return (
            f"recommender model #{self.model_id} {state}: {self.n_users} learners × "
            f"{self.n_items} resources, {self.n_events} events, {self.n_candidates} learners' "
            f"candidates cached, {self.seconds:.1f}s"
        )


def _xapi_completions(resource_by_uid: dict[str, int]) -> list[tuple[int, int, float]]:
    """(user, resource, weight) of ``completed`` Statements about library resources sent by any
    client (Moodle, H5P, another node ...). The platform's own completions are library events too;
    the caller drops those it already has."""
    out: list[tuple[int, int, float]] = []
    after = 0
    while len(out) < MAX_XAPI:
        page = lrs_api.statements_since(verb=COMPLETED, after_seq=after, limit=2000)
        if not page:
            break
        for seq, statement in page:
            after = seq
            object_id = str((statement.get("object") or {}).get("id") or "")
            marker = "/library/resources/"
            if marker not in object_id:
                continue
            resource_id = resource_by_uid.get(object_id.rsplit(marker, 1)[1].strip("/"))
            if resource_id is None:
                continue
            user_id = lrs_api.actor_user_id(statement)
            if user_id is not None:
                out.append((user_id, resource_id, event_weight("xapi_completion", None)))
    return out


def _point_refs() -> list[PointRef]:
    return [
        PointRef(id=r["id"], code=r["code"], name=r["name"], subject=r["subject"], stage=r["stage"])
        for r in learning_api.KnowledgePoint.objects.values("id", "code", "name", "subject", "stage")
    ]


def training_data() -> dict[str, Any]:
    """Everything a fit reads, as plain rows (also what the fingerprint is computed over)."""
    resources = list(
        library_api.Resource.objects.filter(status="published")
        .order_by("pk")
        .values(
            "pk",
            "uid",
            "title",
            "description",
            "tags",
            "subject",
            "stage",
            "grade",
            "province_code",
            "published_at",
            "quality",
        )
    )
    published = {r["pk"] for r in resources}
    events: list[tuple[int, int, float]] = []
    completions: set[tuple[int, int]] = set()
    timeline: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for user_id, resource_id, kind, value in (
        library_api.Engagement.objects.filter(user__isnull=False)
        .order_by("at", "pk")
        .values_list("user_id", "resource_id", "kind", "value")
    ):
        if resource_id in published:
            weight = event_weight(kind, value)
            events.append((user_id, resource_id, weight))
            timeline[user_id].append((resource_id, weight))
            if kind == "completion":
                completions.add((user_id, resource_id))
    by_uid = {str(r["uid"]): r["pk"] for r in resources}
    events += [e for e in _xapi_completions(by_uid) if (e[0], e[1]) not in completions]
    profiles = list(StudentProfile.objects.order_by("user_id").values_list("user_id", "school_id", "grade"))
    points = _point_refs()
    # Each learner's resources in the order taken up, from the library's timestamped events (xAPI
    # completions weigh in the matrix but carry no position here; serving reads the same events).
    sequences = {u: taking_order(t) for u, t in sorted(timeline.items())}
    return {
        "resources": resources,
        "events": events,
        "profiles": profiles,
        "points": points,
        "sequences": sequences,
    }


def _fingerprint(data: dict[str, Any], params: dict[str, Any]) -> str:
    h = hashlib.sha256(repr(sorted(params.items())).encode())
    for r in data["resources"]:
        h.update(
            repr((r["pk"], r["title"], r["tags"], r["subject"], r["stage"], r["province_code"])).encode()
        )
    h.update(np.asarray(data["events"], dtype=np.float64).tobytes())
    for u, seq in data["sequences"].items():
        h.update(np.asarray([u, *seq], dtype=np.int64).tobytes())
    h.update(np.asarray(data["profiles"], dtype=np.int64).tobytes())
    h.update(repr([(p.id, p.name, p.subject, p.stage) for p in data["points"]]).encode())
    return h.hexdigest()


def _top(weights: dict[int, float], n: int) -> list[int]:
    return [r for r, _ in sorted(weights.items(), key=lambda t: (-t[1], t[0]))[:n]]


def _build_lists(data: dict[str, Any]) -> dict[str, Any]:
    """Cohort popularity, newest per (stage, province), resources per point, the graph snapshot."""
    profile = {u: (s, g) for u, s, g in data["profiles"]}
    by_school: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    by_stage: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    popularity: dict[int, float] = defaultdict(float)
    for u, r, w in data["events"]:
        popularity[r] += w
        if u in profile:
            school, grade = profile[u]
            by_school[school][r] += w
            by_stage[STAGE_OF_GRADE.get(grade, "")][r] += w
    fresh: dict[tuple[str, str], list[int]] = defaultdict(list)
    quality: dict[int, float] = {}
    for r in sorted(
        data["resources"], key=lambda r: (r["published_at"] is None, r["published_at"]), reverse=True
    ):
        quality[r["pk"]] = float(r["quality"] or 0.0)
        key = (str(r["stage"] or ""), str(r["province_code"] or ""))
        if len(fresh[key]) < N_LIST:
            fresh[key].append(r["pk"])
    points: list[PointRef] = data["points"]
    resource_points: dict[int, dict[int, float]] = {}
    point_resources: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for r in data["resources"]:
        found = points_of(r, points)
        if found:
            resource_points[r["pk"]] = found
            for pid, w in found.items():
                point_resources[pid].append(
                    (w + 0.5 * quality[r["pk"]] + 0.01 * np.log1p(popularity[r["pk"]]), r["pk"])
                )
    ids = [p.id for p in points]
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for a, b in learning_api.prerequisite_pairs(list(learning_api.KnowledgePoint.objects.filter(pk__in=ids))):
        prerequisites[b].append(a)
    params = learning_api.skill_params(ids)
    return {
        "school_popular": {s: _top(w, N_LIST) for s, w in by_school.items()},
        "stage_popular": {s: _top(w, N_LIST) for s, w in by_stage.items()} | {"": _top(popularity, N_LIST)},
        "fresh": dict(fresh),
        "point_resources": {
            p: [r for _, r in sorted(lst, key=lambda t: (-t[0], t[1]))[:N_LIST]]
            for p, lst in point_resources.items()
        },
        "resource_points": resource_points,
        "prerequisites": dict(prerequisites),
        "point_names": {p.id: p.name for p in points},
        "point_graph": {p.id: (p.subject, p.stage) for p in points},
        "priors": {pk: float(v["prior"]) for pk, v in params.items()},
    }


def _candidates(
    art: artefacts.Artefact, sequences: list[list[int]], batch: int = 512
) -> list[tuple[int, list[list[float]], list[int]]]:
    """(user id, [[resource id, score], ...] best first, seen resource ids) for every learner;
    ``sequences``: each matrix row's item columns in the order taken (the model's next-resource
    component scores with them)."""
    out = []
    m = art.user_items
    n_items = m.shape[1]
    k = min(N_CANDIDATES, n_items)
    for start in range(0, m.shape[0], batch):
        rows = m[start : start + batch]
        seqs = sequences[start : start + batch]
        scores = np.asarray(art.model.score_users(rows, sequences=seqs), dtype=np.float64)
        for i in range(rows.shape[0]):
            seen = rows.indices[rows.indptr[i] : rows.indptr[i + 1]]
            s = scores[i].copy()
            s[seen] = -np.inf
            if k <= 0:
                top = np.array([], dtype=np.int64)
            else:
                top = np.argpartition(-s, k - 1)[:k]
                top = top[np.argsort(-s[top], kind="stable")]
            items = [[int(art.item_ids[j]), round(float(s[j]), 6)] for j in top if np.isfinite(s[j])]
            out.append((int(art.user_ids[start + i]), items, [int(art.item_ids[j]) for j in seen]))
    return out


def recommender_fit(*, params: dict[str, Any] | None = None, force: bool = False) -> FitReport:
    """Fit the hybrid recommender on all engagement and cache every learner's candidates.

    Idempotent: when the training data (and ``params``) are those of the current model, nothing is
    written (``created=False``) unless ``force``. The new model, its candidates and the switch of
    ``is_current`` are one transaction: serving sees the old model or the new one, never a mix."""
    from educloud.algos.recsys import HybridRecommender

    params = dict(params or {})
    started = time.perf_counter()
    data = training_data()
    fingerprint = _fingerprint(data, params)
    current = RecommenderModel.objects.filter(is_current=True).first()
    if current is not None and current.data_fingerprint == fingerprint and not force:
        return FitReport(
            model_id=current.pk,
            created=False,
            n_users=current.n_users,
            n_items=current.n_items,
            n_events=current.n_events,
            n_candidates=current.candidates.count(),
            seconds=time.perf_counter() - started,
        )
    resources = data["resources"]
    item_ids = np.array([r["pk"] for r in resources], dtype=np.int64)
    user_ids = np.array(sorted({u for u, _, _ in data["events"]}), dtype=np.int64)
    users = {int(u): i for i, u in enumerate(user_ids.tolist())}
    items = {int(r): j for j, r in enumerate(item_ids.tolist())}
    matrix = interaction_matrix(data["events"], users, items)
    if matrix.nnz == 0:
        raise InvalidInput(
            "还没有任何资源使用记录（浏览、收藏、评分、完成学习），无法训练推荐模型", field="events"
        )
    # The content component keeps a dense item × item similarity: only for a modest catalogue.
    features = item_features(resources) if len(resources) <= CONTENT_MAX_ITEMS else None
    # One ordered column list per matrix row (empty for learners known only from xAPI).
    sequences = [
        [items[r] for r in data["sequences"].get(int(u), ()) if r in items] for u in user_ids.tolist()
    ]
    model = HybridRecommender(**params).fit(matrix, features, sequences=sequences)
    art = artefacts.Artefact(
        model=model, user_ids=user_ids, item_ids=item_ids, user_items=matrix, **_build_lists(data)
    )
    candidates = _candidates(art, sequences) if len(user_ids) and len(item_ids) else []
    seconds = time.perf_counter() - started
    with transaction.atomic():
        RecommenderModel.objects.filter(is_current=True).update(is_current=False)
        row = RecommenderModel.objects.create(
            is_current=True,
            data_fingerprint=fingerprint,
            n_users=len(user_ids),
            n_items=len(item_ids),
            n_events=len(data["events"]),
            fit_seconds=seconds,
            params=params,
            artefact=artefacts.dumps(art),
        )
        LearnerCandidates.objects.bulk_create(
            [LearnerCandidates(model=row, user_id=u, items=its, seen=seen) for u, its, seen in candidates],
            batch_size=2000,
        )
        RecommenderModel.objects.exclude(pk=row.pk).delete()  # old models and their candidates
    return FitReport(
        model_id=row.pk,
        created=True,
        n_users=len(user_ids),
        n_items=len(item_ids),
        n_events=len(data["events"]),
        n_candidates=len(candidates),
        seconds=time.perf_counter() - started,
    )


# ------------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class Target:
    subject: str
    stage: str
    points: list[Any]  # learning KnowledgePoint rows

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.points]

    @property
    def label(self) -> str:
        names = "、".join(p.name for p in self.points[:3])
        return names + (f" 等 {len(self.points)} 个知识点" if len(self.points) > 3 else "")


def target_resolve(codes: Sequence[str]) -> Target:
    """Knowledge points of a target (one code, or several of one graph: a unit, an exam scope)."""
    clean = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if not clean:
        raise InvalidInput("请选择目标知识点", field="targets")
    if len(clean) > TARGET_MAX:
        raise InvalidInput(f"目标知识点最多 {TARGET_MAX} 个", field="targets")
    rows = {p.code: p for p in learning_api.KnowledgePoint.objects.filter(code__in=clean)}
    missing = [c for c in clean if c not in rows]
    if missing:
        raise NotFound(f"没有编码为 {missing[0]} 的知识点（请从知识图谱中选择）", field="targets")
    points = [rows[c] for c in clean]
    graphs = {(p.subject, p.stage) for p in points}
    if len(graphs) > 1:
        raise InvalidInput("一条学习路径的目标知识点应属于同一个知识图谱（同一学科、学段）", field="targets")
    subject, stage = graphs.pop()
    return Target(subject=subject, stage=stage, points=points)


def graph_snapshot(subject: str, stage: str) -> tuple[dict[int, list[int]], dict[int, str], dict[int, float]]:
    """(point → prerequisites, names, BKT priors) of one graph and the outside prerequisites it uses."""
    points = learning_api.knowledge_points(subject=subject, stage=stage)
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for a, b in learning_api.prerequisite_pairs(points):
        prerequisites[b].append(a)
    ids = {p.pk for p in points} | {a for pres in prerequisites.values() for a in pres}
    names = dict(learning_api.KnowledgePoint.objects.filter(pk__in=ids).values_list("pk", "name"))
    priors = {pk: float(v["prior"]) for pk, v in learning_api.skill_params(ids).items()}
    return dict(prerequisites), names, priors


def mastery_of(student_id: int, point_ids: Sequence[int], priors: dict[int, float]) -> dict[int, float]:
    """P(mastered) per point: the student's row where practised, else the point's prior."""
    p = {pk: priors.get(pk, 0.0) for pk in point_ids}
    for kp, value in learning_api.StudentMastery.objects.filter(
        student_id=student_id, knowledge_point_id__in=list(point_ids)
    ).values_list("knowledge_point_id", "p_mastery"):
        p[kp] = value
    return p


def _check_plannable(target: Target, mastery: dict[int, float] | None) -> None:
    prerequisites, names, _ = graph_snapshot(target.subject, target.stage)
    try:
        plan_path(prerequisites, mastery or {}, [p.pk for p in target.points], mastered=learning_api.MASTERED)
    except CycleError as exc:
        chain = " → ".join(names.get(n, str(n)) for n in reversed(exc.cycle))
        raise InvalidInput(
            f"知识图谱中的先修关系有循环（{chain}），无法规划学习路径；请联系教研管理部门修正知识图谱",
            field="targets",
        ) from exc


# ------------------------------------------------------------------------------------ paths


def _require_student(actor: User | None) -> None:
    if actor is None or not actor.is_authenticated or not is_student(actor):
        raise PermissionDenied("学习路径仅对学生本人开放")


@transaction.atomic
def student_path_start(*, actor: User, targets: Sequence[str], title: str = "") -> StudentPath:
    """A student starts a path to ``targets``. Refused when every target is already mastered."""
    _require_student(actor)
    target = target_resolve(targets)
    _, _, priors = graph_snapshot(target.subject, target.stage)
    mastery = mastery_of(actor.pk, [p.pk for p in target.points], priors)
    done = [p for p in target.points if mastery[p.pk] >= learning_api.MASTERED]
    if len(done) == len(target.points):
        shown = "、".join(f"「{p.name}」（掌握度 {mastery[p.pk]:.2f}）" for p in done[:3])
        raise InvalidInput(f"你已经掌握了目标知识点{shown}，无需规划路径；可以换一个目标", field="targets")
    _check_plannable(target, None)
    return StudentPath.objects.create(
        student=actor,
        subject=target.subject,
        stage=target.stage,
        target_codes=target.codes,
        title=(title.strip() or f"学习路径：{target.label}")[:100],
    )


def student_path_get(*, actor: User, path_id: int) -> StudentPath:
    """The actor's own path; another student's path is "not found" (the same answer as no path)."""
    _require_student(actor)
    path = StudentPath.objects.filter(pk=path_id, student=actor).first()
    if path is None:
        raise NotFound("学习路径不存在或不属于你")
    return path


@dataclass(frozen=True)
class PathAnswer:
    correct: bool
    point_name: str
    before: float
    after: float
    completed: bool
    answer_shown: str


@transaction.atomic
def path_answer(*, actor: User, path_id: int, item_id: int, answer: str) -> PathAnswer:
    """Answer a practice item of the path's current step: the learning app records it (xAPI, BKT
    update); the path is re-planned from the new mastery on the next read."""
    from educloud.recommend import selectors

    path = student_path_get(actor=actor, path_id=path_id)
    planned = selectors.path_plan(actor=actor, path=path, with_resources=False)
    if planned.current is None:
        raise InvalidInput("这条学习路径已经完成，无需继续作答", field="item")
    item = learning_api.item_get(item_id=item_id)
    step_point = planned.current.point_id
    if step_point not in set(item.knowledge_points.values_list("pk", flat=True)):
        raise InvalidInput("这道题不属于当前步骤的知识点，请在当前步骤中作答", field="item")
    before = planned.current.mastery
    answered = learning_api.response_record(actor=actor, item=item, answer=answer)
    after = float(answered.mastery.get(step_point, before))
    replanned = selectors.path_plan(actor=actor, path=path, with_resources=False)
    if replanned.current is None and path.completed is None:
        path.completed = timezone.now()
        path.save(update_fields=["completed"])
    return PathAnswer(
        correct=answered.correct,
        point_name=planned.current.name,
        before=before,
        after=after,
        completed=replanned.current is None,
        answer_shown=learning_api.answer_display(item),
    )


def resource_study(*, actor: User, path_id: int, resource_id: int) -> None:
    """The student studied a step's resource: the library records the completion (and its xAPI
    Statement); the resource must be one the student may open."""
    student_path_get(actor=actor, path_id=path_id)
    resource = library_api.resource_get(actor=actor, resource_id=resource_id)
    library_api.resource_complete(actor=actor, resource=resource)


# ------------------------------------------------------------------------------------ assignments


def teaching_school(actor: User | None, school_code: str) -> School:
    school = School.objects.select_related("county").filter(code=school_code).first()
    if school is None:
        raise NotFound(f"没有代码为 {school_code} 的学校", field="school")
    roles = _roles(actor)
    if not roles & {Role.TEACHER.value, Role.SCHOOL_ADMIN.value} or not school_in_scope(
        student_data_scope(actor), school
    ):
        raise PermissionDenied("只有本校教师和学校管理员可以为班级推荐资源和布置学习路径")
    return school


@transaction.atomic
def path_assign(
    *, actor: User, school_code: str, grade: int, class_label: str, targets: Sequence[str], title: str = ""
) -> PathAssignment:
    school = teaching_school(actor, school_code)
    if not StudentProfile.objects.filter(school=school, grade=grade, class_label=class_label).exists():
        raise NotFound(f"{school.name}没有 {grade} 年级{class_label}", field="class_label")
    target = target_resolve(targets)
    _check_plannable(target, None)
    return PathAssignment.objects.create(
        teacher=actor,
        school=school,
        grade=grade,
        class_label=class_label,
        subject=target.subject,
        stage=target.stage,
        target_codes=target.codes,
        title=(title.strip() or f"班级学习路径：{target.label}")[:100],
    )


@transaction.atomic
def assignment_follow(*, actor: User, assignment_id: int) -> StudentPath:
    """The student's path for an assignment of their class (created on first open)."""
    _require_student(actor)
    profile = StudentProfile.objects.filter(user=actor).first()
    assignment = PathAssignment.objects.filter(pk=assignment_id).first()
    if (
        profile is None
        or assignment is None
        or (assignment.school_id, assignment.grade, assignment.class_label)
        != (profile.school_id, profile.grade, profile.class_label)
    ):
        raise NotFound("没有布置给你班级的这条学习路径")
    path, _ = StudentPath.objects.get_or_create(
        student=actor,
        assignment=assignment,
        defaults={
            "subject": assignment.subject,
            "stage": assignment.stage,
            "target_codes": assignment.target_codes,
            "title": assignment.title,
        },
    )
    return path
