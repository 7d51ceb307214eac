"""Writes of the learning app: the knowledge graph, the item bank, responses and mastery.

* Knowledge graph: ``knowledge_point_create``, ``prerequisite_add`` (rejects an edge that closes a
  cycle, naming it: "有理数 → 整式 → 有理数"), ``prerequisite_remove``, ``knowledge_graph_import``
  (CSV: all-or-nothing, row-level errors, idempotent; a point listed in the file gets exactly the
  prerequisites the file lists).
* Item bank: ``items_import`` (CSV or .xlsx, same rules, ``dry_run``).
* Responses: ``response_record`` (the platform's own answering flow: grade, write the xAPI
  Statement, store the Response, one BKT step per knowledge point) and ``responses_ingest`` (read
  ``answered`` Statements from the LRS; see docs/decisions/0004-responses-from-xapi.md).
* Mastery: ``mastery_refit`` (BKT per knowledge point on every stored response, then everyone's
  mastery recomputed; idempotent).

``actor=None`` means the platform itself (seed, CLI); every other actor is authorized by role.
Read next: ``selectors`` (reads), ``educloud.algos.kt`` (the model).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from educloud.accounts.api import Role, StudentProfile, User, roles_of
from educloud.learning.graph import cycle_if_added, find_cycle
from educloud.learning.models import (
    IngestCursor,
    Item,
    KnowledgePoint,
    Prerequisite,
    Response,
    SkillParams,
    Stage,
    StudentMastery,
)
from educloud.learning.tabular import ImportRejected, RowError, read_table
from educloud.lib.bounds import INT64_MAX, parse_int, parse_int_cell
from educloud.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from educloud.lrs import api as lrs_api

SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治", "科学", "信息技术")
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
DEFAULT_PARAMS = {"prior": 0.3, "learn": 0.15, "guess": 0.2, "slip": 0.1}
"""BKT parameters of a knowledge point before its first refit (a cautious start: most students
have not mastered a new point; guess and slip as commonly assumed for school items)."""

GRAPH_EDITORS = {Role.JOINT_OFFICE, Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU}
ITEM_EDITORS = GRAPH_EDITORS | {Role.SCHOOL_ADMIN, Role.TEACHER}

GRAPH_COLUMNS = ("学科", "学段", "编码", "名称", "说明", "先修知识点")
ITEM_OPTION_COLUMNS = tuple(f"选项{c}" for c in "ABCDEF")
ITEM_COLUMNS = ("编号", "题型", "题干", *ITEM_OPTION_COLUMNS, "答案", "难度", "知识点", "外部IRI")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
_LIST_SPLIT = re.compile(r"[;；,，、\s]+")
_STAGE_BY_LABEL = {label: value for value, label in Stage.choices} | {v: v for v in Stage.values}
_TYPE_BY_LABEL = {label: value for value, label in Item.Type.choices} | {v: v for v in Item.Type.values}
_TRUE = {"对", "正确", "√", "✓", "是", "t", "true", "y", "yes", "1"}
_FALSE = {"错", "错误", "×", "✗", "否", "f", "false", "n", "no", "0"}


# ------------------------------------------------------------------------------------------ helpers


def _role_set(actor: User | None) -> set[str]:
    return {a.role for a in roles_of(actor)}


def _authorize(actor: User | None, allowed: set[Role], message: str) -> None:
    if actor is None:  # the platform itself (seed, CLI)
        return
    if not _role_set(actor) & {r.value for r in allowed}:
        raise PermissionDenied(message)


site_base_url = lrs_api.site_base_url  # one source of truth for the site's IRL


def item_iri(item: Item) -> str:
    """The xAPI activity id of an item: its external IRI, else ``<site>/learning/items/<pk>``."""
    return item.iri or f"{site_base_url()}/learning/items/{item.pk}"


def item_for_activity(activity_id: str) -> Item | None:
    """The item an xAPI activity id names (our own IRI or an item's external IRI), or None."""
    prefix = f"{site_base_url()}/learning/items/"
    if activity_id.startswith(prefix):
        rest = activity_id[len(prefix) :].rstrip("/")
        try:
            pk = parse_int(rest, low=1, high=INT64_MAX)
        except ValueError:
            return None
        return Item.objects.filter(pk=pk).first()
    return Item.objects.filter(iri=activity_id).first()


def _split_list(text: str) -> list[str]:
    return [part for part in _LIST_SPLIT.split(text.strip()) if part]


def _lock_graph() -> None:
    """Serialize graph edits: two concurrent edges could close a cycle neither sees alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{Prerequisite._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')
    # SQLite: transactions are IMMEDIATE (settings), writers are already serialized.


def _adjacency(edges: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    adj: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        adj[a].append(b)
    return adj


def _cycle_text(names: Sequence[str]) -> str:
    return " → ".join(names)


# ----------------------------------------------------------------------------- knowledge graph


@transaction.atomic
def knowledge_point_create(
    *, actor: User | None, subject: str, stage: str, code: str, name: str, description: str = ""
) -> KnowledgePoint:
    _authorize(actor, GRAPH_EDITORS, "只有教研管理部门可以编辑知识图谱")
    problems = _point_problems(subject=subject, stage=stage, code=code, name=name)
    if problems:
        column, problem = problems[0]
        raise InvalidInput(problem, field=column)
    if KnowledgePoint.objects.filter(code=code).exists():
        raise InvalidInput(f"编码 {code} 已被使用", field="code")
    return KnowledgePoint.objects.create(
        subject=subject, stage=_STAGE_BY_LABEL[stage], code=code, name=name.strip(), description=description
    )


def _point_problems(*, subject: str, stage: str, code: str, name: str) -> list[tuple[str, str]]:
    problems = []
    if subject not in SUBJECTS:
        problems.append(("学科", f"学科“{subject}”无效，可选：{'、'.join(SUBJECTS)}"))
    if stage not in _STAGE_BY_LABEL:
        problems.append(("学段", f"学段“{stage}”无效，可选：小学、初中、高中"))
    if not _CODE_RE.match(code):
        problems.append(("编码", f"编码“{code}”无效：1–32 位字母、数字、点、下划线或连字符"))
    if not name.strip() or len(name.strip()) > 64:
        problems.append(("名称", "名称不能为空，且不超过 64 个字"))
    return problems


def _point_get(code: str, field: str) -> KnowledgePoint:
    point = KnowledgePoint.objects.filter(code=code).first()
    if point is None:
        raise NotFound(f"没有编码为 {code} 的知识点", field=field)
    return point


@transaction.atomic
def prerequisite_add(*, actor: User | None, prerequisite: str, point: str) -> Prerequisite:
    """Add "``prerequisite`` before ``point``" (codes). Rejects an edge that would close a cycle."""
    _authorize(actor, GRAPH_EDITORS, "只有教研管理部门可以编辑知识图谱")
    before = _point_get(prerequisite, "prerequisite")
    after = _point_get(point, "point")
    if before.pk == after.pk:
        raise InvalidInput(f"知识点“{before.name}”不能是自己的先修知识点", field="prerequisite")
    _lock_graph()
    existing = Prerequisite.objects.filter(prerequisite=before, point=after).first()
    if existing is not None:
        return existing
    adj = _adjacency(Prerequisite.objects.values_list("prerequisite_id", "point_id"))
    cycle = cycle_if_added(adj, before.pk, after.pk)
    if cycle is not None:
        names = dict(KnowledgePoint.objects.filter(pk__in=cycle).values_list("pk", "name"))
        raise InvalidInput(
            f"不能添加：会形成循环 {_cycle_text([names[pk] for pk in cycle])}", field="prerequisite"
        )
    return Prerequisite.objects.create(prerequisite=before, point=after)


@transaction.atomic
def prerequisite_remove(*, actor: User | None, prerequisite: str, point: str) -> bool:
    _authorize(actor, GRAPH_EDITORS, "只有教研管理部门可以编辑知识图谱")
    deleted, _ = Prerequisite.objects.filter(prerequisite__code=prerequisite, point__code=point).delete()
    return bool(deleted)


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    edges: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        verb = "将" if self.dry_run else "已"
        edges = f"，先修关系 {self.edges} 条" if self.edges else ""
        return f"{verb}新增 {self.created} 条、更新 {self.updated} 条、{self.unchanged} 条无变化{edges}"


def knowledge_graph_import(
    *,
    actor: User | None,
    data: bytes,
    filename: str = "graph.csv",
    dry_run: bool = False,
    synthetic: bool = False,
) -> ImportReport:
    """Import knowledge points and their prerequisites (columns ``GRAPH_COLUMNS``; 说明 and 先修知识点
    optional). Upserts by 编码; a listed point's prerequisites become exactly those listed (codes
    from the file or already stored, separated by ；/;/、). All-or-nothing: any invalid row, unknown
    prerequisite or resulting cycle raises :class:`ImportRejected` listing every problem."""
    _authorize(actor, GRAPH_EDITORS, "只有教研管理部门可以导入知识图谱")
    table = read_table(data=data, filename=filename, required=("学科", "学段", "编码", "名称"))
    if not table.rows:
        raise InvalidInput("文件中没有数据行")
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    parsed: list[tuple[int, dict[str, str], list[str]]] = []
    for no, row in table.rows:
        code = row.get("编码", "")
        for column, problem in _point_problems(
            subject=row.get("学科", ""), stage=row.get("学段", ""), code=code, name=row.get("名称", "")
        ):
            errors.append(RowError(no, column, problem))
        if code in seen:
            errors.append(RowError(no, "编码", f"编码 {code} 与第 {seen[code]} 行重复"))
        elif code:
            seen[code] = no
        prereqs = _split_list(row.get("先修知识点", ""))
        if code in prereqs:
            errors.append(RowError(no, "先修知识点", "知识点不能是自己的先修知识点"))
        parsed.append((no, row, prereqs))
    with transaction.atomic():
        _lock_graph()
        stored = {kp.code: kp for kp in KnowledgePoint.objects.all()}
        for no, _row, prereqs in parsed:
            unknown = [c for c in prereqs if c not in seen and c not in stored]
            if unknown:
                errors.append(
                    RowError(no, "先修知识点", f"知识点 {'、'.join(unknown)} 不存在（文件和库中都没有）")
                )
        if not errors:
            # The graph after the import: stored edges into unlisted points, plus the file's edges.
            names = {code: kp.name for code, kp in stored.items()} | {
                row["编码"]: row["名称"].strip() for _, row, _ in parsed
            }
            listed = set(seen)
            adj: dict[str, list[str]] = defaultdict(list)
            for a, b in Prerequisite.objects.values_list("prerequisite__code", "point__code"):
                if b not in listed:
                    adj[a].append(b)
            for _, row, prereqs in parsed:
                for p in prereqs:
                    adj[p].append(row["编码"])
            cycle = find_cycle(adj)
            if cycle is not None:
                errors.append(
                    RowError(
                        seen.get(cycle[1], seen.get(cycle[0], table.rows[0][0])),
                        "先修知识点",
                        f"先修关系形成循环：{_cycle_text([names[c] for c in cycle])}",
                    )
                )
        if errors:
            raise ImportRejected(errors)
        created = updated = unchanged = 0
        for _, row, _ in parsed:
            values = {
                "subject": row["学科"],
                "stage": _STAGE_BY_LABEL[row["学段"]],
                "name": row["名称"].strip(),
                "description": row.get("说明", "").strip(),
            }
            kp = stored.get(row["编码"])
            if kp is None:
                created += 1
                if not dry_run:
                    stored[row["编码"]] = KnowledgePoint.objects.create(
                        code=row["编码"], is_synthetic=synthetic, **values
                    )
            elif any(getattr(kp, k) != v for k, v in values.items()):
                updated += 1
                if not dry_run:
                    for k, v in values.items():
                        setattr(kp, k, v)
                    kp.save(update_fields=list(values))
            else:
                unchanged += 1
        n_edges = sum(len(p) for _, _, p in parsed)
        if not dry_run:
            listed_ids = [stored[c].pk for c in seen]
            wanted = {(stored[p].pk, stored[row["编码"]].pk) for _, row, prereqs in parsed for p in prereqs}
            current = set(
                Prerequisite.objects.filter(point_id__in=listed_ids).values_list(
                    "prerequisite_id", "point_id"
                )
            )
            for a, b in current - wanted:
                Prerequisite.objects.filter(prerequisite_id=a, point_id=b).delete()
            Prerequisite.objects.bulk_create(
                [Prerequisite(prerequisite_id=a, point_id=b) for a, b in wanted - current]
            )
    return ImportReport(created=created, updated=updated, unchanged=unchanged, dry_run=dry_run, edges=n_edges)


# ----------------------------------------------------------------------------------- item bank


_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "﹣": "-"})


def _normalize_text(text: str) -> str:
    """Fill-in comparison: width (NFKC), case, spaces and the kind of minus sign do not matter."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_DASHES).split()).casefold()


def _letters(text: str) -> list[str]:
    return [c for c in unicodedata.normalize("NFKC", text).upper() if not c.isspace() and c not in ",;、，；"]


def normalize_answer(*, type: str, options: Sequence[str], raw: str) -> str:
    """The canonical form of an answer to an item of this type (raises ``InvalidInput`` with a reason)."""
    raw = (raw or "").strip()
    if not raw:
        raise InvalidInput("答案不能为空", field="answer")
    if type in (Item.Type.SINGLE, Item.Type.MULTI):
        valid = "ABCDEF"[: len(options)]
        letters = _letters(raw)
        bad = [c for c in letters if c not in valid]
        if bad:
            raise InvalidInput(
                f"答案只能是选项字母 {'、'.join(valid)}，不能是“{''.join(bad)}”", field="answer"
            )
        chosen = sorted(set(letters))
        if type == Item.Type.SINGLE and len(chosen) != 1:
            raise InvalidInput("单选题只能有一个答案", field="answer")
        return "".join(chosen)
    if type == Item.Type.TRUE_FALSE:
        key = unicodedata.normalize("NFKC", raw).strip().casefold()
        if key in _TRUE:
            return "true"
        if key in _FALSE:
            return "false"
        raise InvalidInput("判断题的答案应为“对”或“错”", field="answer")
    return " ".join(unicodedata.normalize("NFKC", raw).split())[:255]


def answer_is_correct(item: Item, given: str) -> bool:
    """Whether a normalized answer is right (fill-in: any accepted alternative, case and width ignored)."""
    if item.type == Item.Type.FILL:
        return _normalize_text(given) in {_normalize_text(a) for a in item.answer.split("|") if a.strip()}
    return given == item.answer


def items_import(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    synthetic: bool = False,
) -> ImportReport:
    """Import items from CSV or .xlsx (columns ``ITEM_COLUMNS``; 选项A–F, 难度, 外部IRI optional).
    Upserts by 编号. All-or-nothing: any invalid row raises :class:`ImportRejected` with every
    (row, column, problem); ``dry_run`` validates and counts without writing."""
    _authorize(actor, ITEM_EDITORS, "只有教师、学校管理员和教研管理部门可以导入题目")
    table = read_table(data=data, filename=filename, required=("编号", "题型", "题干", "答案", "知识点"))
    if not table.rows:
        raise InvalidInput("文件中没有数据行")
    points = dict(KnowledgePoint.objects.values_list("code", "pk"))
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    iris: dict[str, int] = {}
    clean: list[dict[str, Any]] = []
    for no, row in table.rows:
        row_errors: list[RowError] = []
        code = row.get("编号", "")
        if not code or len(code) > 64:
            row_errors.append(RowError(no, "编号", "编号不能为空，且不超过 64 个字符"))
        elif code in seen:
            row_errors.append(RowError(no, "编号", f"编号 {code} 与第 {seen[code]} 行重复"))
        else:
            seen[code] = no
        item_type = _TYPE_BY_LABEL.get(row.get("题型", ""))
        if item_type is None:
            row_errors.append(
                RowError(no, "题型", f"题型“{row.get('题型', '')}”无效，可选：单选、多选、填空、判断")
            )
        stem = row.get("题干", "")
        if not stem:
            row_errors.append(RowError(no, "题干", "题干不能为空"))
        options = [row.get(c, "") for c in ITEM_OPTION_COLUMNS]
        while options and not options[-1]:
            options.pop()
        if "" in options:
            gap = ITEM_OPTION_COLUMNS[options.index("")]
            row_errors.append(RowError(no, gap, "选项须从 A 起连续填写，中间不能留空"))
        if item_type in (Item.Type.SINGLE, Item.Type.MULTI) and len(options) < 2:
            row_errors.append(RowError(no, "选项A", "选择题至少需要两个选项"))
        if item_type in (Item.Type.FILL, Item.Type.TRUE_FALSE) and options:
            row_errors.append(RowError(no, "选项A", "填空题和判断题不填选项"))
        answer = ""
        if item_type is not None and not row_errors:
            try:
                answer = normalize_answer(type=item_type, options=options, raw=row.get("答案", ""))
            except InvalidInput as exc:
                row_errors.append(RowError(no, "答案", exc.message))
            if item_type == Item.Type.MULTI and len(answer) == 1:
                row_errors.append(RowError(no, "答案", "多选题至少有两个正确选项（只有一个请用单选题）"))
        difficulty: int | None = None
        raw_difficulty = row.get("难度", "")
        if raw_difficulty:
            try:
                difficulty = parse_int_cell(raw_difficulty, low=1, high=5)
            except ValueError:
                row_errors.append(
                    RowError(no, "难度", f"难度应为 1–5 的整数或留空，而不是“{raw_difficulty}”")
                )
        kp_codes = _split_list(row.get("知识点", ""))
        if not kp_codes:
            row_errors.append(RowError(no, "知识点", "至少标注一个知识点编码"))
        unknown = [c for c in kp_codes if c not in points]
        if unknown:
            row_errors.append(RowError(no, "知识点", f"知识点 {'、'.join(unknown)} 不存在"))
        iri = row.get("外部IRI", "") or None
        if iri is not None:
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$", iri) or len(iri) > 500:
                row_errors.append(RowError(no, "外部IRI", "不是有效的 IRI（如 https://example.cn/h5p/123）"))
            elif iri in iris:
                row_errors.append(RowError(no, "外部IRI", f"与第 {iris[iri]} 行的 IRI 重复"))
            else:
                iris[iri] = no
        errors.extend(row_errors)
        if not row_errors:
            clean.append(
                {
                    "code": code,
                    "type": item_type,
                    "stem": stem,
                    "options": options,
                    "answer": answer,
                    "difficulty": difficulty,
                    "iri": iri,
                    "kp_ids": sorted({points[c] for c in kp_codes}),
                }
            )
    with transaction.atomic():
        existing = {
            it.code: it
            for it in Item.objects.filter(code__in=list(seen)).prefetch_related("knowledge_points")
        }
        taken = dict(Item.objects.filter(iri__in=list(iris)).values_list("iri", "code"))
        code_at_row = {no: code for code, no in seen.items()}
        for iri, no in iris.items():
            owner = taken.get(iri)
            if owner is not None and owner != code_at_row.get(no):
                errors.append(RowError(no, "外部IRI", f"该 IRI 已属于题目 {owner}"))
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.column)))
        created = updated = unchanged = 0
        for values in clean:
            kp_ids = values.pop("kp_ids")
            item = existing.get(values["code"])
            if item is None:
                created += 1
                if not dry_run:
                    item = Item.objects.create(is_synthetic=synthetic, **values)
                    item.knowledge_points.set(kp_ids)
                continue
            same = (
                all(getattr(item, k) == v for k, v in values.items())
                and sorted(kp.pk for kp in item.knowledge_points.all()) == kp_ids
            )
            if same:
                unchanged += 1
                continue
            updated += 1
            if not dry_run:
                for k, v in values.items():
                    setattr(item, k, v)
                item.save()
                item.knowledge_points.set(kp_ids)
    return ImportReport(created=created, updated=updated, unchanged=unchanged, dry_run=dry_run)


# ----------------------------------------------------------------------------------- responses


def _bkt_step(p: float, correct: bool, params: Mapping[str, float]) -> float:
    """One BKT step: condition P(mastered) on the response, then apply the learning transition.

    Matches :meth:`educloud.algos.kt.BKT.mastery` (posterior after the last response, followed by
    learning), so incremental updates and a refit with the same parameters agree.
    """
    guess, slip, learn = params["guess"], params["slip"], params["learn"]
    if correct:
        num, den = p * (1.0 - slip), p * (1.0 - slip) + (1.0 - p) * guess
    else:
        num, den = p * slip, p * slip + (1.0 - p) * (1.0 - guess)
    post = num / den if den > 0 else p
    return min(1.0, max(0.0, post + (1.0 - post) * learn))


def skill_params(point_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """BKT parameters per knowledge point id (``DEFAULT_PARAMS`` until the point's first refit)."""
    ids = list(point_ids)
    fitted = {
        sp.knowledge_point_id: {"prior": sp.prior, "learn": sp.learn, "guess": sp.guess, "slip": sp.slip}
        for sp in SkillParams.objects.filter(knowledge_point_id__in=ids)
    }
    return {pk: fitted.get(pk, DEFAULT_PARAMS) for pk in ids}


def _is_student(user: User) -> bool:
    return Role.STUDENT.value in _role_set(user)


def _school_id_of(user_id: int) -> int | None:
    return StudentProfile.objects.filter(user_id=user_id).values_list("school_id", flat=True).first()


def _store_response(
    *, student: User, item: Item, correct: bool, answer: str, at: datetime, statement_id: str | None
) -> tuple[Response, dict[int, float]]:
    """Store one response and step the student's mastery of each of the item's points."""
    point_ids = sorted(item.knowledge_points.values_list("pk", flat=True))
    response = Response.objects.create(
        student=student, item=item, correct=correct, answer=answer[:255], at=at, statement_id=statement_id
    )
    response.knowledge_points.set(point_ids)
    params = skill_params(point_ids)
    school_id = _school_id_of(student.pk)
    updated: dict[int, float] = {}
    for pk in point_ids:
        row, _ = StudentMastery.objects.select_for_update().get_or_create(
            student=student,
            knowledge_point_id=pk,
            defaults={"p_mastery": params[pk]["prior"], "n_responses": 0, "school_id": school_id},
        )
        row.p_mastery = _bkt_step(row.p_mastery, correct, params[pk])
        row.n_responses += 1
        row.school_id = school_id
        row.save(update_fields=["p_mastery", "n_responses", "school", "updated"])
        updated[pk] = row.p_mastery
    return response, updated


@dataclass(frozen=True)
class Answered:
    response: Response
    correct: bool
    mastery: dict[int, float]  # knowledge point id -> P(mastered) after this response
    statement_id: str | None


@transaction.atomic
def response_record(*, actor: User, item: Item, answer: str) -> Answered:
    """A student answers an item on the platform: grade, write the xAPI Statement, store, update mastery."""
    if actor is None or not actor.is_authenticated or not _is_student(actor):
        raise PermissionDenied("只有学生可以作答并记录学习情况")
    given = normalize_answer(type=item.type, options=item.options, raw=answer)
    correct = answer_is_correct(item, given)
    statement_id = lrs_api.statement_record_internal(
        actor_user=actor,
        verb=ANSWERED,
        object_id=item_iri(item),
        object_name=f"题目 {item.code}",
        result={"success": correct, "response": given},
    )
    response, mastery = _store_response(
        student=actor, item=item, correct=correct, answer=given, at=timezone.now(), statement_id=statement_id
    )
    return Answered(response=response, correct=correct, mastery=mastery, statement_id=statement_id)


class StatementSource(Protocol):
    """Where ingestion reads Statements: ``educloud.lrs.api`` in production, a fake in tests."""

    def statements_since(
        self, *, verb: str, after_seq: int, limit: int
    ) -> list[tuple[int, dict[str, Any]]]: ...

    def actor_user_id(self, statement: Mapping[str, Any]) -> int | None: ...


class LRSUnavailable(DomainError):
    status_code = 503


def lrs_statement_source(module: Any = lrs_api) -> StatementSource:
    """``educloud.lrs.api`` as a source, or ``LRSUnavailable`` if it lacks the reading functions."""
    missing = [n for n in ("statements_since", "actor_user_id") if not callable(getattr(module, n, None))]
    if missing:
        raise LRSUnavailable(
            f"学习记录库（LRS）尚未提供 {'、'.join(missing)} 接口，暂不能从 xAPI 语句读取作答记录"
        )
    return module  # type: ignore[no-any-return]


@dataclass
class IngestReport:
    read: int = 0
    recorded: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    last_seq: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def __str__(self) -> str:
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        return (
            f"ingest: read {self.read}, recorded {self.recorded}, skipped: {skipped}; "
            f"cursor at {self.last_seq}"
        )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


CURSOR_NAME = "lrs-answered"


def responses_ingest(
    *, source: StatementSource | None = None, batch: int = 500, max_batches: int | None = None
) -> IngestReport:
    """Read ``answered`` Statements after the saved cursor into Responses (see ADR 0004).

    Each batch is one transaction: its Responses, mastery steps and the cursor move together, so a
    crash never loses or doubles a Statement; a Statement already stored (same id, e.g. one the
    platform wrote itself in ``response_record``) is skipped. Statements that do not map to an item,
    a student, or a boolean ``result.success`` are skipped and counted by reason.
    """
    source = source if source is not None else lrs_statement_source()
    report = IngestReport()
    users: dict[int, User | None] = {}
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            cursor, _ = IngestCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
            page = source.statements_since(verb=ANSWERED, after_seq=cursor.last_seq, limit=batch)
            for seq, statement in page:
                report.read += 1
                _ingest_one(source, statement, report, users)
                cursor.last_seq = max(cursor.last_seq, int(seq))
            cursor.save(update_fields=["last_seq", "updated"])
            report.last_seq = cursor.last_seq
        batches += 1
        if len(page) < batch:
            break
    return report


def _ingest_one(
    source: StatementSource, statement: Mapping[str, Any], report: IngestReport, users: dict[int, User | None]
) -> None:
    statement_id = statement.get("id")
    if not isinstance(statement_id, str) or Response.objects.filter(statement_id=statement_id).exists():
        report.skip("already_recorded" if isinstance(statement_id, str) else "no_id")
        return
    verb = statement.get("verb") or {}
    if verb.get("id") != ANSWERED:
        report.skip("other_verb")
        return
    obj = statement.get("object") or {}
    if obj.get("objectType", "Activity") != "Activity" or not isinstance(obj.get("id"), str):
        report.skip("not_an_activity")
        return
    item = item_for_activity(obj["id"])
    if item is None:
        report.skip("unknown_item")
        return
    result = statement.get("result") or {}
    success = result.get("success")
    if not isinstance(success, bool):
        report.skip("no_success")
        return
    user_id = source.actor_user_id(statement)
    if user_id is None:
        report.skip("unknown_actor")
        return
    if user_id not in users:
        user = User.objects.filter(pk=user_id).first()
        users[user_id] = user if user is not None and _is_student(user) else None
    student = users[user_id]
    if student is None:
        report.skip("not_a_student")
        return
    at = _parse_time(statement.get("timestamp")) or _parse_time(statement.get("stored")) or timezone.now()
    response_text = result.get("response")
    _store_response(
        student=student,
        item=item,
        correct=success,
        answer=response_text if isinstance(response_text, str) else "",
        at=at,
        statement_id=statement_id,
    )
    report.recorded += 1


# ------------------------------------------------------------------------------------- mastery


@dataclass(frozen=True)
class RefitReport:
    knowledge_points: int
    responses: int
    students: int
    mastery_rows: int


@transaction.atomic
def mastery_refit() -> RefitReport:
    """Fit BKT per knowledge point on every stored response; store the parameters; recompute
    every student's mastery from scratch. Deterministic, so running it twice changes nothing."""
    from educloud.algos.kt import BKT
    from educloud.algos.kt_data import Responses

    through = Response.knowledge_points.through
    rows = list(
        through.objects.order_by(
            "response__student_id", "response__at", "response_id", "knowledgepoint_id"
        ).values_list("response__student_id", "knowledgepoint_id", "response__correct")
    )
    if not rows:
        StudentMastery.objects.all().delete()
        return RefitReport(knowledge_points=0, responses=0, students=0, mastery_rows=0)
    arr = np.asarray(rows, dtype=np.int64)
    student_ids, student_index = np.unique(arr[:, 0], return_inverse=True)
    data = Responses.from_arrays(student_index, arr[:, 1], arr[:, 2])  # order = row order per student
    model = BKT(random_state=0).fit(data)
    for pk, prior, learn, guess, slip, n in zip(
        model.skills_.tolist(),
        model.prior_.tolist(),
        model.learn_.tolist(),
        model.guess_.tolist(),
        model.slip_.tolist(),
        model.n_responses_.tolist(),
        strict=True,
    ):
        SkillParams.objects.update_or_create(
            knowledge_point_id=pk,
            defaults={"prior": prior, "learn": learn, "guess": guess, "slip": slip, "n_responses": n},
        )
    mastery = model.mastery(data)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for s, k in zip(student_index.tolist(), arr[:, 1].tolist(), strict=True):
        counts[(s, k)] += 1
    schools = dict(
        StudentProfile.objects.filter(user_id__in=student_ids.tolist()).values_list("user_id", "school_id")
    )
    col = {k: j for j, k in enumerate(mastery.skills.tolist())}
    objs = [
        StudentMastery(
            student_id=int(student_ids[s]),
            knowledge_point_id=k,
            school_id=schools.get(int(student_ids[s])),
            p_mastery=float(np.clip(mastery.probability[s, col[k]], 0.0, 1.0)),
            n_responses=n,
        )
        for (s, k), n in counts.items()
    ]
    keep = {(o.student_id, o.knowledge_point_id) for o in objs}
    stale = [
        pk
        for pk, s, k in StudentMastery.objects.values_list("pk", "student_id", "knowledge_point_id")
        if (s, k) not in keep
    ]
    StudentMastery.objects.filter(pk__in=stale).delete()
    StudentMastery.objects.bulk_create(
        objs,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["student", "knowledge_point"],
        update_fields=["p_mastery", "n_responses", "school", "updated"],
    )
    return RefitReport(
        knowledge_points=len(model.skills_),
        responses=len(data),
        students=len(student_ids),
        mastery_rows=len(objs),
    )
