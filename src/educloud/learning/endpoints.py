"""REST endpoints of the learning app, mounted under /api/v1/learning/.

A web-layer module: thin, scoped by the caller's roles through selectors and services. Reading a
class's mastery is personal data and is logged (``selectors.class_heatmap``).
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from educloud.learning import selectors, services
from educloud.learning.tabular import ImportRejected
from educloud.lib.api_errors import LOGIN_ERRORS, UPLOAD_ERRORS, ErrorOut, with_errors
from educloud.lib.bounds import Grade, Id

router = Router(tags=["learning"], auth=django_auth)


class GraphOut(Schema):
    subject: str
    stage: str
    n_points: int


class PointOut(Schema):
    id: int
    code: str
    name: str
    subject: str
    stage: str
    description: str
    prerequisites: list[str]


class PrerequisiteIn(Schema):
    prerequisite: str
    point: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    dry_run: bool


class RowErrorOut(Schema):
    row: int
    column: str
    problem: str


class ImportErrorsOut(ErrorOut):
    """400: rows with problems (``errors``), or the file refused as a whole (``detail`` only)."""

    errors: list[RowErrorOut] = []


class ItemOut(Schema):
    id: int
    code: str
    type: str
    stem: str
    options: list[str]
    answer: str
    difficulty: int | None
    iri: str
    knowledge_points: list[str]


class AnswerIn(Schema):
    answer: str


class MasteryOut(Schema):
    code: str
    name: str
    p_mastery: float


class AnswerOut(Schema):
    correct: bool
    statement_id: str | None
    mastery: list[MasteryOut]


class NodeOut(Schema):
    code: str
    name: str
    p_mastery: float
    n_responses: int
    prerequisites: list[str]


class PracticeOut(Schema):
    knowledge_point: str
    item_id: Id
    stem: str
    type: str
    options: list[str]
    reason: str


class ClassPointOut(Schema):
    code: str
    name: str
    mean: float | None  # over the students who practised it; None if nobody has
    values: list[float | None]  # per student, aligned with ClassOut.students; None = not practised


class ClassOut(Schema):
    school: str
    grade: int
    class_label: str
    students: list[str]
    points: list[ClassPointOut]


class SchoolShareOut(Schema):
    school_code: str
    school_name: str
    n_students: int
    shares: dict[str, float]


class AggregateOut(Schema):
    threshold: float
    min_group: int
    suppressed: int
    schools: list[SchoolShareOut]


class GraphQuery(Schema):
    subject: str | None = None
    stage: str | None = None


def _codes(ids: list[int]) -> dict[int, str]:
    from educloud.learning.models import KnowledgePoint

    return dict(KnowledgePoint.objects.filter(pk__in=ids).values_list("pk", "code"))


@router.get(
    "/graphs", response=with_errors(list[GraphOut], LOGIN_ERRORS), summary="知识图谱列表（学科 × 学段）"
)
def graphs(request):  # type: ignore[no-untyped-def]
    return [GraphOut(subject=g.subject, stage=g.stage, n_points=g.n_points) for g in selectors.graph_list()]


@router.get(
    "/knowledge-points",
    response=with_errors(list[PointOut], LOGIN_ERRORS),
    summary="一个知识图谱的知识点与先修关系",
)
def knowledge_points(request, q: Query[GraphQuery]):  # type: ignore[no-untyped-def]
    graph = selectors.graph_pick(q.subject, q.stage)
    nodes = selectors.graph_nodes(selectors.knowledge_points(subject=graph.subject, stage=graph.stage))
    codes = _codes([a for n in nodes for a in n.prerequisites])
    return [
        PointOut(
            id=n.point.pk,
            code=n.point.code,
            name=n.point.name,
            subject=n.point.subject,
            stage=n.point.stage,
            description=n.point.description,
            prerequisites=[codes[a] for a in n.prerequisites],
        )
        for n in nodes
    ]


@router.get(
    "/knowledge-graph.csv",
    response=with_errors({}, LOGIN_ERRORS),  # 200 is text/csv, documented below
    summary="导出知识图谱 CSV",
    openapi_extra={
        "responses": {"200": {"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}}}
    },
)
def graph_export(request, q: Query[GraphQuery]):  # type: ignore[no-untyped-def]
    data = selectors.graph_export(subject=q.subject, stage=q.stage)
    return HttpResponse(data, content_type="text/csv; charset=utf-8")


@router.post(
    "/prerequisites",
    response=with_errors({201: PrerequisiteIn}, LOGIN_ERRORS),
    summary="添加先修关系（形成循环时拒绝并给出循环）",
)
def prerequisite_add(request, payload: PrerequisiteIn):  # type: ignore[no-untyped-def]
    services.prerequisite_add(actor=request.user, prerequisite=payload.prerequisite, point=payload.point)
    return Status(201, payload)


def _import(request, run, file, dry_run):  # type: ignore[no-untyped-def]
    try:
        report = run(actor=request.user, data=file.read(), filename=file.name or "", dry_run=dry_run)
    except ImportRejected as exc:
        errors = [RowErrorOut(row=e.row, column=e.column, problem=e.problem) for e in exc.errors]
        return Status(400, ImportErrorsOut(detail=exc.message, field=exc.field, errors=errors))
    out = ImportOut(
        created=report.created, updated=report.updated, unchanged=report.unchanged, dry_run=dry_run
    )
    return Status(200, out)


@router.post(
    "/knowledge-graph/import",
    response=with_errors({200: ImportOut, 400: ImportErrorsOut}, LOGIN_ERRORS, UPLOAD_ERRORS),
    summary="导入知识图谱 CSV（全有或全无）",
)
def graph_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):  # type: ignore[no-untyped-def]
    return _import(request, services.knowledge_graph_import, file, dry_run)


@router.post(
    "/items/import",
    response=with_errors({200: ImportOut, 400: ImportErrorsOut}, LOGIN_ERRORS, UPLOAD_ERRORS),
    summary="导入题目 CSV/Excel（全有或全无）",
)
def items_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):  # type: ignore[no-untyped-def]
    return _import(request, services.items_import, file, dry_run)


def _item_out(item) -> ItemOut:  # type: ignore[no-untyped-def]
    return ItemOut(
        id=item.pk,
        code=item.code,
        type=item.type,
        stem=item.stem,
        options=item.options,
        answer=item.answer,
        difficulty=item.difficulty,
        iri=services.item_iri(item),
        knowledge_points=[kp.code for kp in item.knowledge_points.all()],
    )


@router.get(
    "/items",
    response=with_errors(list[ItemOut], LOGIN_ERRORS),
    summary="题库（含答案；教师、学校管理员、教研管理部门）",
)
def items(request, knowledge_point: str | None = None):  # type: ignore[no-untyped-def]
    return [_item_out(i) for i in selectors.item_list(actor=request.user, knowledge_point=knowledge_point)]


@router.post(
    "/items/{item_id}/responses",
    response=with_errors({201: AnswerOut}, LOGIN_ERRORS),
    summary="学生作答一道题（评分、记录 xAPI、更新掌握度）",
)
def answer(request, item_id: Id, payload: AnswerIn):  # type: ignore[no-untyped-def]
    item = selectors.item_get(item_id=item_id)
    answered = services.response_record(actor=request.user, item=item, answer=payload.answer)
    points = dict(item.knowledge_points.values_list("pk", "code"))
    names = dict(item.knowledge_points.values_list("pk", "name"))
    out = AnswerOut(
        correct=answered.correct,
        statement_id=answered.statement_id,
        mastery=[
            MasteryOut(code=points[pk], name=names[pk], p_mastery=p) for pk, p in answered.mastery.items()
        ],
    )
    return Status(201, out)


@router.get(
    "/mastery/me", response=with_errors(list[NodeOut], LOGIN_ERRORS), summary="我的知识掌握（学生本人）"
)
def my_mastery(request, q: Query[GraphQuery]):  # type: ignore[no-untyped-def]
    graph = selectors.graph_pick(q.subject, q.stage)
    nodes = selectors.student_map(actor=request.user, subject=graph.subject, stage=graph.stage)
    codes = _codes([a for n in nodes for a in n.prerequisites])
    return [
        NodeOut(
            code=n.point.code,
            name=n.point.name,
            p_mastery=float(n.p or 0.0),
            n_responses=n.n,
            prerequisites=[codes[a] for a in n.prerequisites],
        )
        for n in nodes
    ]


@router.get(
    "/practice/next",
    response=with_errors({200: PracticeOut, 204: None}, LOGIN_ERRORS),
    summary="学习路径推荐的下一题",
)
def practice_next(request, q: Query[GraphQuery]):  # type: ignore[no-untyped-def]
    graph = selectors.graph_pick(q.subject, q.stage)
    nxt = selectors.practice_next(actor=request.user, subject=graph.subject, stage=graph.stage)
    if nxt is None:
        return Status(204, None)
    out = PracticeOut(
        knowledge_point=nxt.point.code,
        item_id=nxt.item.pk,
        stem=nxt.item.stem,
        type=nxt.item.type,
        options=nxt.item.options,
        reason=nxt.reason,
    )
    return Status(200, out)


@router.get(
    "/mastery/class",
    response=with_errors(ClassOut, LOGIN_ERRORS),
    summary="班级知识掌握热力图（本校教师、学校管理员；记录访问）",
)
def class_mastery(  # type: ignore[no-untyped-def]
    request, school: str, grade: Grade, class_label: str, subject: str | None = None, stage: str | None = None
):
    graph = selectors.graph_pick(subject, stage)
    heat = selectors.class_heatmap(
        actor=request.user,
        school_code=school,
        grade=grade,
        class_label=class_label,
        subject=graph.subject,
        stage=graph.stage,
    )
    return ClassOut(
        school=heat.school.code,
        grade=heat.grade,
        class_label=heat.class_label,
        students=heat.students,
        points=[ClassPointOut(code=p.code, name=p.name, mean=m, values=v) for p, m, v in heat.rows()],
    )


@router.get(
    "/mastery/schools",
    response=with_errors(AggregateOut, LOGIN_ERRORS),
    summary="各校知识点掌握比例（仅统计数据）",
)
def school_mastery(request, q: Query[GraphQuery]):  # type: ignore[no-untyped-def]
    graph = selectors.graph_pick(q.subject, q.stage)
    agg = selectors.school_aggregates(actor=request.user, subject=graph.subject, stage=graph.stage)
    return AggregateOut(
        threshold=selectors.MASTERED,
        min_group=selectors.MIN_GROUP,
        suppressed=agg.suppressed,
        schools=[
            SchoolShareOut(
                school_code=r.school.code,
                school_name=r.school.name,
                n_students=r.n_students,
                shares={p.code: s for p, s in zip(agg.points, r.shares, strict=True)},
            )
            for r in agg.schools
        ],
    )
