"""Reads of the learning app, scoped to the actor.

| who | sees |
|---|---|
| anyone signed in | the knowledge graphs |
| teachers, school admins, bureaus, joint office | the item bank with answers |
| a student | their own mastery map and practice (their own data: no audit entry) |
| teachers and school admins | the mastery heatmap of a class of their school (personal data: every read
  is written to ``accounts``' personal-data access log) |
| school admins, teachers, bureaus, joint office | per-school aggregates in their scope: the share of
  students mastering each point; never a student's name or pseudonym; schools with fewer than
  ``MIN_GROUP`` students with data are not shown |

``MASTERED`` (0.95, Corbett & Anderson's criterion) is what "mastered" means in shares and maps;
practice offers a point only when each of its prerequisites has P(mastered) >= ``READY`` (0.6).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from educloud.accounts.api import (
    Role,
    StudentProfile,
    User,
    edit_scope,
    personal_data_access_log,
    roles_of,
    student_data_scope,
)
from educloud.learning.graph import layers
from educloud.learning.models import Item, KnowledgePoint, Prerequisite, Response, Stage, StudentMastery
from educloud.learning.services import GRAPH_COLUMNS, GRAPH_EDITORS, ITEM_COLUMNS, ITEM_EDITORS, skill_params
from educloud.learning.tabular import csv_bytes, xlsx_bytes
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import School, school_in_scope, scope_filter

MASTERED = 0.95
READY = 0.6
MIN_GROUP = 5
STAGE_LABELS = dict(Stage.choices)


def _roles(actor: User | None) -> set[str]:
    return {a.role for a in roles_of(actor)}


def is_student(actor: User | None) -> bool:
    return Role.STUDENT.value in _roles(actor)


def can_edit_graph(actor: User | None) -> bool:
    return bool(_roles(actor) & {r.value for r in GRAPH_EDITORS})


def can_edit_items(actor: User | None) -> bool:
    return bool(_roles(actor) & {r.value for r in ITEM_EDITORS})


# ------------------------------------------------------------------------------------ graphs


@dataclass(frozen=True)
class GraphRef:
    subject: str
    stage: str
    n_points: int

    @property
    def label(self) -> str:
        return f"{STAGE_LABELS.get(self.stage, self.stage)}{self.subject}"


def graph_list() -> list[GraphRef]:
    rows = (
        KnowledgePoint.objects.values("subject", "stage").annotate(n=Count("id")).order_by("stage", "subject")
    )
    return [GraphRef(r["subject"], r["stage"], r["n"]) for r in rows]


def graph_pick(subject: str | None, stage: str | None) -> GraphRef:
    """The graph named by (subject, stage); the first graph (初中数学 in the demo) when unset."""
    graphs = graph_list()
    if not graphs:
        raise NotFound("还没有知识图谱：请先导入")
    if not subject and not stage:
        return next((g for g in graphs if g.subject == "数学" and g.stage == "junior"), graphs[0])
    for g in graphs:
        if g.subject == subject and g.stage == (stage or g.stage):
            return g
    raise NotFound(
        f"没有“{STAGE_LABELS.get(stage or '', stage or '')}{subject or ''}”的知识图谱", field="subject"
    )


def knowledge_points(*, subject: str, stage: str) -> list[KnowledgePoint]:
    return list(KnowledgePoint.objects.filter(subject=subject, stage=stage).order_by("code"))


def point_names(ids: set[int] | list[int]) -> dict[int, str]:
    return dict(KnowledgePoint.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def prerequisite_pairs(points: list[KnowledgePoint]) -> list[tuple[int, int]]:
    """Edges (prerequisite id, point id) into these points (prerequisites may lie in other graphs)."""
    return list(Prerequisite.objects.filter(point__in=points).values_list("prerequisite_id", "point_id"))


@dataclass
class Node:
    point: KnowledgePoint
    depth: int
    prerequisites: list[int]
    p: float | None = None  # P(mastered), for a student's map
    n: int = 0

    @property
    def percent(self) -> int | None:
        return None if self.p is None else round(100 * self.p)


def graph_nodes(points: list[KnowledgePoint]) -> list[Node]:
    edges = prerequisite_pairs(points)
    ids = {p.pk for p in points}
    successors: dict[int, list[int]] = defaultdict(list)
    preds: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        preds[b].append(a)
        if a in ids:
            successors[a].append(b)
    depth = layers([p.pk for p in points], successors)
    return [Node(point=p, depth=depth[p.pk], prerequisites=sorted(preds[p.pk])) for p in points]


def chart_data(nodes: list[Node]) -> dict[str, Any]:
    """Positions (layered by depth) and edges for the ECharts graph; mastery when known."""
    by_depth: dict[int, list[Node]] = defaultdict(list)
    for n in nodes:
        by_depth[n.depth].append(n)
    out_nodes = []
    for d, group in sorted(by_depth.items()):
        for i, n in enumerate(group):
            out_nodes.append(
                {
                    "id": str(n.point.pk),
                    "name": n.point.name,
                    "code": n.point.code,
                    "x": d * 200,
                    "y": i * 90 + (45 if d % 2 else 0),
                    "p": None if n.p is None or n.n == 0 else round(n.p, 3),  # grey until practised
                    "n": n.n,
                }
            )
    ids = {str(n.point.pk) for n in nodes}
    links = [
        {"source": str(a), "target": str(n.point.pk)} for n in nodes for a in n.prerequisites if str(a) in ids
    ]
    return {"nodes": out_nodes, "links": links}


def graph_export(*, subject: str | None = None, stage: str | None = None) -> bytes:
    """The graph (or all graphs) as the CSV ``knowledge_graph_import`` reads back unchanged."""
    qs = KnowledgePoint.objects.all()
    if subject:
        qs = qs.filter(subject=subject)
    if stage:
        qs = qs.filter(stage=stage)
    points = list(qs.order_by("subject", "stage", "code"))
    prereqs: dict[int, list[str]] = defaultdict(list)
    for point_id, code in (
        Prerequisite.objects.filter(point__in=points)
        .values_list("point_id", "prerequisite__code")
        .order_by("prerequisite__code")
    ):
        prereqs[point_id].append(code)
    rows = [
        [p.subject, STAGE_LABELS[p.stage], p.code, p.name, p.description, "；".join(prereqs[p.pk])]
        for p in points
    ]
    return csv_bytes(GRAPH_COLUMNS, rows)


# ------------------------------------------------------------------------------------ items

_TEMPLATE_ROWS = [
    ["示例-001", "单选", "−3 的相反数是（　）", "−3", "3", "1/3", "−1/3", "", "", "B", "1", "MJ-01", ""],
    ["示例-002", "多选", "下列各数中是负数的有（　）", "−2", "0", "−0.5", "3", "", "", "AC", "", "MJ-01", ""],
    [
        "示例-003",
        "填空",
        "|−5| = ______（多个可接受答案用 | 分隔）",
        "",
        "",
        "",
        "",
        "",
        "",
        "5",
        "1",
        "MJ-01",
        "",
    ],
    ["示例-004", "判断", "0 既不是正数也不是负数。", "", "", "", "", "", "", "对", "1", "MJ-01", ""],
]
TEMPLATE_NOTES = [
    "题目导入模板说明（第一张工作表为数据，本表仅为说明）",
    "编号：必填，唯一；再次导入相同编号会更新该题。",
    "题型：单选、多选、填空、判断。",
    "选项A–选项F：选择题至少两个选项，从 A 起连续填写；填空题、判断题不填。",
    "答案：单选填一个字母（如 B）；多选填多个字母（如 ACD）；判断填“对”或“错”；",
    "　　　填空填答案，多个可接受答案用 | 分隔。",
    "难度：可空，或 1（易）到 5（难）的整数。",
    "知识点：必填，知识点编码（见知识图谱），多个用；分隔。",
    "外部IRI：可空；题目在其他系统中的活动标识（xAPI activity id）。",
    "导入为全有或全无：任何一行有误都不会导入，并逐行列出问题。示例行请删除后再导入。",
]


def items_template(*, fmt: str) -> tuple[bytes, str, str]:
    """(content, filename, content type) of the item import template."""
    if fmt == "xlsx":
        data = xlsx_bytes(ITEM_COLUMNS, _TEMPLATE_ROWS, title="题目", notes=TEMPLATE_NOTES)
        return data, "题目导入模板.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if fmt == "csv":
        return csv_bytes(ITEM_COLUMNS, _TEMPLATE_ROWS), "题目导入模板.csv", "text/csv; charset=utf-8"
    raise InvalidInput("模板格式只能是 csv 或 xlsx", field="fmt")


def item_list(*, actor: User, knowledge_point: str | None = None, limit: int = 200) -> QuerySet[Item]:
    """Items with their answers: for teachers, school admins and bureaus only."""
    if not can_edit_items(actor):
        raise PermissionDenied("题库（含答案）仅对教师、学校管理员和教研管理部门开放")
    qs = Item.objects.prefetch_related("knowledge_points").order_by("code")
    if knowledge_point:
        qs = qs.filter(knowledge_points__code=knowledge_point)
    return qs[:limit]


def answer_display(item: Item) -> str:
    """The answer as a person reads it: letters, 对/错, or the first accepted fill-in answer."""
    if item.type == Item.Type.TRUE_FALSE:
        return "对" if item.answer == "true" else "错"
    if item.type == Item.Type.FILL:
        return item.answer.split("|")[0]
    return item.answer


def item_get(*, item_id: int) -> Item:
    item = Item.objects.prefetch_related("knowledge_points").filter(pk=item_id).first()
    if item is None:
        raise NotFound(f"没有编号为 {item_id} 的题目")
    return item


def response_history(*, item_ids: list[int], year: int | None = None) -> list[tuple[int, int, bool, Any]]:
    """(student id, item id, correct, at) of every stored response to these items (answered in
    ``year``, when given), ordered by student, item and time: the raw data of item calibration
    (``assessment``). Ids only, no names: the caller turns them into a response matrix."""
    qs = Response.objects.filter(item_id__in=item_ids)
    if year is not None:
        qs = qs.filter(at__year=year)
    rows = qs.order_by("student_id", "item_id", "at", "pk")
    return list(rows.values_list("student_id", "item_id", "correct", "at"))


# ------------------------------------------------------------------------------------ a student


def _require_student(actor: User | None) -> None:
    if not is_student(actor):
        raise PermissionDenied("知识掌握图谱和练习仅对学生本人开放")


def student_map(*, actor: User, subject: str, stage: str) -> list[Node]:
    """The actor's own mastery of each point of one graph (prior where not yet practised)."""
    _require_student(actor)
    points = knowledge_points(subject=subject, stage=stage)
    nodes = graph_nodes(points)
    params = skill_params([p.pk for p in points])
    rows = {
        r.knowledge_point_id: r
        for r in StudentMastery.objects.filter(student=actor, knowledge_point__in=points)
    }
    for n in nodes:
        row = rows.get(n.point.pk)
        n.p = row.p_mastery if row else params[n.point.pk]["prior"]
        n.n = row.n_responses if row else 0
    return nodes


def _p_of(actor: User, point_ids: list[int]) -> dict[int, float]:
    params = skill_params(point_ids)
    p = {pk: params[pk]["prior"] for pk in point_ids}
    for kp, value in StudentMastery.objects.filter(
        student=actor, knowledge_point_id__in=point_ids
    ).values_list("knowledge_point_id", "p_mastery"):
        p[kp] = value
    return p


@dataclass(frozen=True)
class Practice:
    point: KnowledgePoint
    item: Item
    p: float
    reason: str


def practice_next(*, actor: User, subject: str, stage: str) -> Practice | None:
    """The next item: on the weakest not-yet-mastered point whose prerequisites are all at least
    ``READY``; among its items, one never answered, else the one answered longest ago. None when
    every point with items is mastered (or none is ready)."""
    nodes = student_map(actor=actor, subject=subject, stage=stage)
    p = {n.point.pk: float(n.p or 0.0) for n in nodes}
    outside = sorted({a for n in nodes for a in n.prerequisites} - set(p))  # prerequisites in other graphs
    p.update(_p_of(actor, outside))
    with_items = set(
        Item.objects.filter(knowledge_points__in=[n.point for n in nodes]).values_list(
            "knowledge_points", flat=True
        )
    )
    candidates = [
        n
        for n in nodes
        if n.point.pk in with_items
        and p[n.point.pk] < MASTERED
        and all(p.get(a, 0.0) >= READY for a in n.prerequisites)
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda n: (p[n.point.pk], n.point.code))
    items = list(Item.objects.filter(knowledge_points=best.point).order_by("code"))
    last_seen: dict[int, Any] = {}
    for item_id, at in Response.objects.filter(student=actor, item__in=items).values_list("item_id", "at"):
        last_seen[item_id] = max(at, last_seen.get(item_id, at))
    never = [i for i in items if i.pk not in last_seen]
    item = never[0] if never else min(items, key=lambda i: last_seen[i.pk])
    names = {n.point.pk: n.point.name for n in nodes}
    ready = "、".join(names.get(a, "") for a in best.prerequisites if a in names)
    reason = f"“{best.point.name}”是你目前最薄弱的知识点（掌握 {round(100 * p[best.point.pk])}%）" + (
        f"，它的先修知识点（{ready}）你已基本掌握" if ready else ""
    )
    return Practice(point=best.point, item=item, p=p[best.point.pk], reason=reason)


# ------------------------------------------------------------------------------------ a class


@dataclass(frozen=True)
class ClassRef:
    school_code: str
    school_name: str
    grade: int
    class_label: str
    n_students: int


def class_list(*, actor: User) -> list[ClassRef]:
    """Classes whose mastery the actor may read (teachers and admins of the school). Labels only."""
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


@dataclass
class WeakPoint:
    point: KnowledgePoint
    mean: float
    share_mastered: float  # among the students who practised it
    struggling: list[str]  # pseudonyms below READY
    unmastered_prerequisites: list[tuple[KnowledgePoint, float | None]]  # (prerequisite, class mean or None)


@dataclass
class Heatmap:
    school: School
    grade: int
    class_label: str
    points: list[KnowledgePoint]  # weakest first; points nobody has practised last
    students: list[str]  # pseudonyms
    values: list[list[float | None]]  # [point][student]; None = not practised yet
    means: list[float | None]  # over the students who practised the point
    remediation: list[WeakPoint] = field(default_factory=list)

    def chart(self) -> dict[str, Any]:
        return {
            "points": [p.name for p in self.points],
            "students": self.students,
            "cells": [
                [s, j, round(v, 3)]
                for j, row in enumerate(self.values)
                for s, v in enumerate(row)
                if v is not None
            ],
        }

    def rows(self) -> list[tuple[KnowledgePoint, float | None, list[float | None]]]:
        return list(zip(self.points, self.means, self.values, strict=True))


def _mean(values: list[float | None]) -> float | None:
    seen = [v for v in values if v is not None]
    return sum(seen) / len(seen) if seen else None


def class_heatmap(
    *, actor: User, school_code: str, grade: int, class_label: str, subject: str, stage: str, n_weak: int = 3
) -> Heatmap:
    """Mastery of every point × every student of a class, weakest points first, with remediation.

    A cell is empty where the student has not practised the point. A point's class mean is over the
    students who practised it; points nobody has practised come last and get no remediation. For
    each of the ``n_weak`` weakest points practised by at least ``MIN_GROUP`` students: its share of
    students at ``MASTERED``, the students below ``READY``, and its prerequisites the class has not
    mastered (to review first).

    Personal data of minors: only the school's teachers and admins may read it, and each read is
    logged with the ids of the students shown."""
    school = School.objects.select_related("county").filter(code=school_code).first()
    if school is None:
        raise NotFound(f"没有代码为 {school_code} 的学校", field="school")
    if not school_in_scope(student_data_scope(actor), school):
        raise PermissionDenied("只有本校教师和学校管理员可以查看班级学情")
    profiles = list(
        StudentProfile.objects.filter(school=school, grade=grade, class_label=class_label).order_by(
            "pseudonym"
        )
    )
    if not profiles:
        raise NotFound(f"{school.name}没有 {grade} 年级{class_label}", field="class_label")
    personal_data_access_log(
        actor=actor, school_id=school.pk, student_ids=[s.pk for s in profiles], purpose="班级知识掌握热力图"
    )
    points = knowledge_points(subject=subject, stage=stage)
    col = {s.user_id: j for j, s in enumerate(profiles)}
    row = {p.pk: i for i, p in enumerate(points)}
    values: list[list[float | None]] = [[None] * len(profiles) for _ in points]
    for user_id, kp, prob in StudentMastery.objects.filter(
        student_id__in=list(col), knowledge_point__in=points
    ).values_list("student_id", "knowledge_point_id", "p_mastery"):
        values[row[kp]][col[user_id]] = prob
    means = [_mean(v) for v in values]
    order = sorted(range(len(points)), key=lambda i: (means[i] is None, means[i] or 0.0, points[i].code))
    heat = Heatmap(
        school=school,
        grade=grade,
        class_label=class_label,
        points=[points[i] for i in order],
        students=[s.pseudonym for s in profiles],
        values=[values[i] for i in order],
        means=[means[i] for i in order],
    )
    mean_of = {points[i].pk: means[i] for i in range(len(points))}
    prereq_of: dict[int, list[int]] = defaultdict(list)
    for a, b in prerequisite_pairs(points):
        prereq_of[b].append(a)
    by_id = {p.pk: p for p in points}
    for i in order:
        mean = means[i]
        if mean is None or mean >= MASTERED or len(heat.remediation) >= n_weak:
            break
        practised = [v for v in values[i] if v is not None]
        if len(practised) < min(MIN_GROUP, len(profiles)):
            continue  # too few students practised it to call it the class's weak point
        prerequisites = [(by_id[a], mean_of[a]) for a in prereq_of[points[i].pk] if a in by_id]
        heat.remediation.append(
            WeakPoint(
                point=points[i],
                mean=mean,
                share_mastered=sum(v >= MASTERED for v in practised) / len(practised),
                struggling=[
                    profiles[j].pseudonym for j, v in enumerate(values[i]) if v is not None and v < READY
                ],
                unmastered_prerequisites=sorted(
                    ((kp, m) for kp, m in prerequisites if m is None or m < MASTERED),
                    key=lambda t: -1.0 if t[1] is None else t[1],
                ),
            )
        )
    return heat


# ------------------------------------------------------------------------------------ aggregates


def aggregate_scope(actor: User | None) -> Scope:
    """Schools whose aggregates the actor may see: bureaus' regions, admins' and teachers' schools."""
    return edit_scope(actor).union(student_data_scope(actor))


@dataclass
class SchoolRow:
    school: School
    n_students: int
    shares: list[float]  # aligned with Aggregates.points


@dataclass
class Aggregates:
    points: list[KnowledgePoint]
    schools: list[SchoolRow]
    overall: list[float]
    suppressed: int  # schools not shown: fewer than MIN_GROUP students with data

    def chart(self) -> dict[str, Any]:
        return {"points": [p.name for p in self.points], "overall": [round(v, 3) for v in self.overall]}


def school_aggregates(*, actor: User, subject: str, stage: str, limit: int = 100) -> Aggregates:
    """Per school in scope: the share of its students with data who have mastered each point.

    No personal data leaves: counts per school only, and schools with fewer than ``MIN_GROUP``
    students with data are suppressed (counted in ``suppressed``)."""
    scope = aggregate_scope(actor)
    if scope.is_empty:
        raise PermissionDenied("学校和区域的掌握概况仅对学校管理员、教师和教育行政部门开放")
    points = knowledge_points(subject=subject, stage=stage)
    base = StudentMastery.objects.filter(scope_filter(scope, "school__"), knowledge_point__in=points)
    sizes = dict(
        base.values("school_id").annotate(n=Count("student", distinct=True)).values_list("school_id", "n")
    )
    shown = [s for s, n in sizes.items() if n >= MIN_GROUP]
    mastered: dict[tuple[int, int], int] = {
        (r["school_id"], r["knowledge_point_id"]): r["n"]
        for r in base.filter(school_id__in=shown)
        .values("school_id", "knowledge_point_id")
        .annotate(n=Count("id", filter=Q(p_mastery__gte=MASTERED)))
    }
    schools = {s.pk: s for s in School.objects.select_related("county").filter(pk__in=shown)}
    rows = [
        SchoolRow(
            school=schools[s],
            n_students=sizes[s],
            shares=[mastered.get((s, p.pk), 0) / sizes[s] for p in points],
        )
        for s in sorted(shown, key=lambda pk: schools[pk].code)
    ][:limit]
    total = sum(r.n_students for r in rows)
    overall = [
        (sum(r.shares[j] * r.n_students for r in rows) / total) if total else 0.0 for j in range(len(points))
    ]
    return Aggregates(points=points, schools=rows, overall=overall, suppressed=len(sizes) - len(shown))
