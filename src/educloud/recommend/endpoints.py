"""REST endpoints of the recommend app, mounted under /api/v1/recommend/.

A web-layer module: thin, scoped by the caller's roles through selectors and services. Reading a
class's mastery or progress is personal data and is logged (``selectors``). Errors are the API's
documented bodies (``lib.api_errors``): unknown target codes 404 ``field=targets``, a cyclic graph or
a target already mastered 400 ``field=targets``, another student's path 404.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from educloud.lib.api_errors import LOGIN_ERRORS, with_errors
from educloud.lib.bounds import Grade, Id
from educloud.recommend import selectors, services

router = Router(tags=["recommend"], auth=django_auth)


class RecommendationOut(Schema):
    resource_id: int
    title: str
    subject: str
    stage: str
    type: str
    province_code: str
    score: float
    reasons: list[str]
    point: str | None


class RecommendationsOut(Schema):
    model_id: int | None
    weak_points: list[dict[str, float | str]]
    items: list[RecommendationOut]
    note: str


class KQuery(Schema):
    k: int = Field(10, ge=1, le=selectors.K_MAX, description=f"推荐条数（1–{selectors.K_MAX}）")


def _recs_out(recs: selectors.Recommendations) -> dict:  # type: ignore[type-arg]
    return {
        "model_id": recs.model_id,
        "weak_points": [{"name": n, "mastery": round(p, 4)} for n, p in recs.weak_points],
        "items": [r.__dict__ for r in recs.items],
        "note": recs.note,
    }


@router.get(
    "/me", response=with_errors(RecommendationsOut, LOGIN_ERRORS), summary="为我推荐（只含我有权查看的资源）"
)
def my_recommendations(request, query: Query[KQuery]):  # type: ignore[no-untyped-def]
    return _recs_out(selectors.recommendations(actor=request.user, k=query.k))


class ClassQuery(Schema):
    school: str = Field(..., max_length=16, description="学校代码")
    grade: Grade
    class_label: str = Field(..., max_length=16, description="班级，如“1班”")
    k: int = Field(10, ge=1, le=selectors.K_MAX)


class WeakPointOut(Schema):
    code: str
    name: str
    mean: float
    n_practised: int


class ClassRecommendationsOut(Schema):
    school: str
    grade: int
    class_label: str
    n_students: int
    weak_points: list[WeakPointOut]
    items: list[RecommendationOut]
    note: str


@router.get(
    "/classes/recommendations",
    response=with_errors(ClassRecommendationsOut, LOGIN_ERRORS),
    summary="班级推荐：全班薄弱知识点的资源（本校教师和管理员；访问记入日志）",
)
def class_recommendations(request, query: Query[ClassQuery]):  # type: ignore[no-untyped-def]
    recs = selectors.class_recommendations(
        actor=request.user,
        school_code=query.school,
        grade=query.grade,
        class_label=query.class_label,
        k=query.k,
    )
    return {
        "school": recs.school.code,
        "grade": recs.grade,
        "class_label": recs.class_label,
        "n_students": recs.n_students,
        "weak_points": [
            {"code": c, "name": n, "mean": round(m, 4), "n_practised": k} for c, n, m, k in recs.weak_points
        ],
        "items": [r.__dict__ for r in recs.items],
        "note": recs.note,
    }


class PathIn(Schema):
    targets: list[str] = Field(
        ..., max_length=services.TARGET_MAX, description="目标知识点编码（一个或多个，同一图谱）"
    )
    title: str = Field("", max_length=100)


class StepResourceOut(Schema):
    resource_id: int
    title: str
    province: str
    reason: str


class StepOut(Schema):
    code: str
    name: str
    mastery: float
    is_target: bool
    prerequisites: list[str]
    resources: list[StepResourceOut]


class PracticeItemOut(Schema):
    item_id: int
    stem: str
    type: str
    options: list[str]


class PathOut(Schema):
    id: int
    title: str
    subject: str
    stage: str
    targets: list[str]
    done: int
    total: int
    complete: bool
    steps: list[StepOut]
    practice: PracticeItemOut | None


def _path_out(path, planned: selectors.PlannedPath) -> dict:  # type: ignore[no-untyped-def, type-arg]
    item = planned.practice_item
    return {
        "id": path.pk,
        "title": path.title,
        "subject": path.subject,
        "stage": path.stage,
        "targets": list(path.target_codes),
        "done": planned.done,
        "total": planned.total,
        "complete": planned.current is None,
        "steps": [
            {
                "code": s.code,
                "name": s.name,
                "mastery": round(s.mastery, 4),
                "is_target": s.is_target,
                "prerequisites": s.prerequisites,
                "resources": [r.__dict__ for r in s.resources],
            }
            for s in planned.steps
        ],
        "practice": None
        if item is None
        else {"item_id": item.pk, "stem": item.stem, "type": item.type, "options": list(item.options)},
    }


class PathRefOut(Schema):
    id: int
    title: str
    targets: list[str]
    completed: bool
    assignment_id: int | None


@router.get(
    "/paths", response=with_errors(list[PathRefOut], LOGIN_ERRORS), summary="我的学习路径（学生本人）"
)
def my_paths(request):  # type: ignore[no-untyped-def]
    own, _ = selectors.my_paths(actor=request.user)
    return [
        {
            "id": p.pk,
            "title": p.title,
            "targets": list(p.target_codes),
            "completed": p.completed is not None,
            "assignment_id": p.assignment_id,
        }
        for p in own
    ]


@router.post(
    "/paths", response=with_errors({201: PathOut}, LOGIN_ERRORS), summary="规划一条新的学习路径（学生本人）"
)
def path_start(request, body: PathIn):  # type: ignore[no-untyped-def]
    path = services.student_path_start(actor=request.user, targets=body.targets, title=body.title)
    return Status(201, _path_out(path, selectors.path_plan(actor=request.user, path=path)))


@router.get(
    "/paths/{path_id}",
    response=with_errors(PathOut, LOGIN_ERRORS),
    summary="一条学习路径（按当前掌握情况重新规划）",
)
def path_get(request, path_id: Id):  # type: ignore[no-untyped-def]
    path = services.student_path_get(actor=request.user, path_id=path_id)
    return _path_out(path, selectors.path_plan(actor=request.user, path=path))


class PathAnswerIn(Schema):
    item_id: Id
    answer: str = Field(..., max_length=255)


class PathAnswerOut(Schema):
    correct: bool
    point: str
    mastery_before: float
    mastery_after: float
    completed: bool
    path: PathOut


@router.post(
    "/paths/{path_id}/answers",
    response=with_errors(PathAnswerOut, LOGIN_ERRORS),
    summary="作答当前步骤的练习题；路径随掌握度重新规划",
)
def path_answer(request, path_id: Id, body: PathAnswerIn):  # type: ignore[no-untyped-def]
    outcome = services.path_answer(
        actor=request.user, path_id=path_id, item_id=body.item_id, answer=body.answer
    )
    path = services.student_path_get(actor=request.user, path_id=path_id)
    return {
        "correct": outcome.correct,
        "point": outcome.point_name,
        "mastery_before": round(outcome.before, 4),
        "mastery_after": round(outcome.after, 4),
        "completed": outcome.completed,
        "path": _path_out(path, selectors.path_plan(actor=request.user, path=path)),
    }


class AssignIn(Schema):
    school: str = Field(..., max_length=16)
    grade: Grade
    class_label: str = Field(..., max_length=16)
    targets: list[str] = Field(..., max_length=services.TARGET_MAX)
    title: str = Field("", max_length=100)


class AssignmentOut(Schema):
    id: int
    title: str
    targets: list[str]


@router.post(
    "/assignments",
    response=with_errors({201: AssignmentOut}, LOGIN_ERRORS),
    summary="为班级布置学习路径（本校教师和管理员）",
)
def assign(request, body: AssignIn):  # type: ignore[no-untyped-def]
    a = services.path_assign(
        actor=request.user,
        school_code=body.school,
        grade=body.grade,
        class_label=body.class_label,
        targets=body.targets,
        title=body.title,
    )
    return Status(201, {"id": a.pk, "title": a.title, "targets": list(a.target_codes)})


class StudentProgressOut(Schema):
    pseudonym: str
    done: int
    total: int
    current: str | None


class PathProgressOut(Schema):
    id: int
    title: str
    suppressed: bool
    n_complete: int | None
    mean_percent: int | None
    students: list[StudentProgressOut]


@router.get(
    "/assignments/{assignment_id}/progress",
    response=with_errors(PathProgressOut, LOGIN_ERRORS),
    summary="班级学习路径进度（每名学生到达的步骤；少于 5 人不给汇总；访问记入日志）",
)
def progress(request, assignment_id: Id):  # type: ignore[no-untyped-def]
    p = selectors.assignment_progress(actor=request.user, assignment_id=assignment_id)
    return {
        "id": p.assignment.pk,
        "title": p.assignment.title,
        "suppressed": p.suppressed,
        "n_complete": p.n_complete,
        "mean_percent": p.mean_percent,
        "students": [s.__dict__ for s in p.students],
    }
