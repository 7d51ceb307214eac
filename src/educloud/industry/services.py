"""Writes of 产教融合: validate, authorize (``industry.rules``), ``transaction.atomic``, audit.

Vocabulary: ``skills_load`` (idempotent, from ``data/skills.csv``), ``skill_add``, ``synonym_add``.
Demand and supply: ``demand_publish``, ``demand_close``, ``supply_publish``. Agreements:
``order_class_propose``, ``order_class_advance`` (the lifecycle in ``ORDER_TRANSITIONS``),
``base_create``, ``apprenticeship_create``. Competitions: ``competition_create``, ``entry_register``,
``judging_start``, ``score_submit``, ``results_publish`` (per-judge z-score normalisation, ranks with
ties). Errors are ``DomainError``s with a Chinese message and the field at fault.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from educloud.accounts.api import Role, RoleAssignment
from educloud.algos import budgeting, skills
from educloud.industry import rules
from educloud.industry.models import (
    Apprenticeship,
    AuditEntry,
    Competition,
    Demand,
    DemandSkill,
    Enterprise,
    Entry,
    Industry,
    JudgeScore,
    OrderClass,
    Skill,
    SkillSynonym,
    Supply,
    SupplySkill,
    TrainingBase,
)
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.regions.api import County
from educloud.schools.api import School

SKILLS_CSV = Path(__file__).parent / "data" / "skills.csv"
SUPPLY_STAGES = (School.Stage.VOCATIONAL, School.Stage.HIGHER)
MAX_COUNT = 100_000  # headcount, graduates, sizes: far above any real figure, inside every integer column
MAX_SKILLS = 20

S = OrderClass.Status
# from → allowed targets; any non-final state may be cancelled
ORDER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PROPOSED: (S.AGREED, S.CANCELLED),
    S.AGREED: (S.ENROLLING, S.CANCELLED),
    S.ENROLLING: (S.TRAINING, S.CANCELLED),
    S.TRAINING: (S.COMPLETED, S.CANCELLED),
    S.COMPLETED: (),
    S.CANCELLED: (),
}


def _audit(actor: Any, verb: str, target: object) -> None:
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, verb=verb, target=str(target)[:80]
    )


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    # NUL and other control characters (PostgreSQL refuses NUL in text)
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        raise InvalidInput(f"{label}含有不可见的控制字符", field=field)
    if required and not text:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 字", field=field)
    return text


def _count(value: Any, *, field: str, label: str, low: int = 1) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{label}应为整数", field=field)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{label}应为整数", field=field) from None
    if not low <= number <= MAX_COUNT:
        raise InvalidInput(f"{label}应在 {low}–{MAX_COUNT:,} 之间", field=field)
    return number


def _industry(value: Any) -> str:
    if value not in Industry.values:
        raise InvalidInput(
            f"行业“{str(value)[:20]}”不存在，可选：{'、'.join(Industry.labels)}", field="industry"
        )
    return str(value)


# ------------------------------------------------------------------------------------ vocabulary


@dataclass(frozen=True)
class SkillsLoadReport:
    created: int
    updated: int
    synonyms: int

    def __str__(self) -> str:
        return (
            f"skills vocabulary: {self.created} created, {self.updated} updated, "
            f"{self.synonyms} synonyms added"
        )


def skills_load(
    *, path: Path = SKILLS_CSV, skill_model: Any = Skill, synonym_model: Any = SkillSynonym
) -> SkillsLoadReport:
    """Load the vocabulary CSV: update skills by ``code``, add missing synonyms, never delete.

    Idempotent (a second run creates and changes nothing). Takes the model classes so migration 0002
    can pass its historical models.
    """
    created = updated = synonyms = 0
    with transaction.atomic(), path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            fields = {
                "name": row["name"].strip(),
                "category": row["category"].strip(),
                "occupation_code": row["occupation_code"].strip(),
                "occupation_name": row["occupation_name"].strip(),
            }
            skill = skill_model.objects.filter(code=row["code"].strip()).first()
            if skill is None:
                skill = skill_model.objects.create(code=row["code"].strip(), **fields)
                created += 1
            elif any(getattr(skill, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(skill, k, v)
                skill.save()
                updated += 1
            for name in filter(None, (s.strip() for s in row["synonyms"].split("|"))):
                if name == skill.name or skill_model.objects.filter(name=name).exists():
                    continue
                _, made = synonym_model.objects.get_or_create(name=name, defaults={"skill": skill})
                synonyms += int(made)
    return SkillsLoadReport(created, updated, synonyms)


def _normal(name: str) -> str:
    return " ".join(str(name).split())


def skill_lookup(names: Iterable[str]) -> dict[str, Skill]:
    """Canonical skill for each name (a skill's name or a synonym, case and spacing tolerant)."""
    found: dict[str, Skill] = {}
    by_name = {s.name.casefold().replace(" ", ""): s for s in Skill.objects.all()}
    synonyms = {
        s.name.casefold().replace(" ", ""): s.skill for s in SkillSynonym.objects.select_related("skill")
    }
    for name in names:
        key = _normal(name).casefold().replace(" ", "")
        skill = by_name.get(key) or synonyms.get(key)
        if skill is not None:
            found[name] = skill
    return found


def _skill_levels(items: Sequence[Any], *, field: str = "skills") -> list[tuple[Skill, int]]:
    """``[(name, level)]`` (or dicts with ``name``/``level``) → canonical skills; unknown names refused."""
    if not items:
        raise InvalidInput("请至少填写一项技能", field=field)
    if len(items) > MAX_SKILLS:
        raise InvalidInput(f"技能最多 {MAX_SKILLS} 项", field=field)
    pairs = [(it["name"], it["level"]) if isinstance(it, dict) else tuple(it) for it in items]
    names = [str(n) for n, _ in pairs]
    found = skill_lookup(names)
    unknown = [n for n in names if n not in found]
    if unknown:
        raise InvalidInput(
            f"技能“{'、'.join(unknown[:5])}”不在技能词表中（可请联合办公室添加技能或同义词）", field=field
        )
    out: dict[int, tuple[Skill, int]] = {}
    for name, level in pairs:
        lv = _count(level, field=field, label=f"技能“{name}”的等级", low=1)
        if lv > skills.MAX_LEVEL:
            raise InvalidInput(f"技能“{name}”的等级应在 1–{skills.MAX_LEVEL} 之间", field=field)
        skill = found[str(name)]
        if skill.pk in out:
            raise InvalidInput(f"技能“{skill.name}”重复填写", field=field)
        out[skill.pk] = (skill, lv)
    return list(out.values())


@transaction.atomic
def skill_add(
    *, actor: Any, code: str, name: str, category: str, occupation_code: str = "", occupation_name: str = ""
) -> Skill:
    if not rules.is_joint_office(actor):
        raise PermissionDenied("只有川渝联合办公室可以维护技能词表")
    code = _text(code, field="code", label="技能编码", max_length=32).upper()
    name = _text(name, field="name", label="技能名称", max_length=40)
    if Skill.objects.filter(code=code).exists():
        raise InvalidInput(f"技能编码 {code} 已存在", field="code")
    if skill_lookup([name]):
        raise InvalidInput(f"“{name}”已在词表中（技能或同义词）", field="name")
    occupation_code = _text(
        occupation_code, field="occupation_code", label="职业编码", max_length=12, required=False
    )
    if occupation_code and not _is_occupation_code(occupation_code):
        raise InvalidInput("职业编码格式应为 大类-中类-小类-细类，如 6-18-01-01", field="occupation_code")
    skill = Skill.objects.create(
        code=code,
        name=name,
        category=_text(category, field="category", label="类别", max_length=20),
        occupation_code=occupation_code,
        occupation_name=_text(
            occupation_name, field="occupation_name", label="职业名称", max_length=40, required=False
        ),
    )
    _audit(actor, "skill_add", skill)
    return skill


def _is_occupation_code(code: str) -> bool:
    parts = code.split("-")
    return (
        len(parts) == 4
        and len(parts[0]) == 1
        and all(len(p) == 2 and p.isdigit() for p in parts[1:])
        and parts[0].isdigit()
    )


@transaction.atomic
def synonym_add(*, actor: Any, skill_id: int, name: str) -> SkillSynonym:
    if not rules.is_joint_office(actor):
        raise PermissionDenied("只有川渝联合办公室可以维护技能词表")
    skill = Skill.objects.filter(pk=skill_id).first()
    if skill is None:
        raise NotFound("没有这项技能")
    name = _text(name, field="name", label="同义词", max_length=40)
    if skill_lookup([name]):
        raise InvalidInput(f"“{name}”已在词表中（技能或同义词）", field="name")
    synonym = SkillSynonym.objects.create(skill=skill, name=name)
    _audit(actor, "synonym_add", synonym)
    return synonym


# ------------------------------------------------------------------------------ demand and supply


def _county(code: Any) -> County:
    text = str(code or "")
    county = County.objects.filter(pk=text).first() if text.isascii() and text.isdigit() else None
    if county is None:
        raise InvalidInput(f"区县代码“{str(code)[:12]}”不在成渝地区双城经济圈内", field="county")
    return county


def _own_enterprise(actor: Any, enterprise_id: int | None) -> Enterprise:
    mine = rules.enterprise_ids(actor)
    if not mine:
        raise PermissionDenied("只有企业用户可以发布人才需求")
    if enterprise_id is None:
        enterprise_id = min(mine)
    if enterprise_id not in mine:
        raise PermissionDenied("只能以本人所在企业的名义发布", field="enterprise_id")
    return Enterprise.objects.get(pk=enterprise_id)


@transaction.atomic
def demand_publish(
    *,
    actor: Any,
    position: str,
    industry: str,
    county: str,
    headcount: Any,
    deadline: dt.date,
    skills: Sequence[Any],
    description: str = "",
    enterprise_id: int | None = None,
    is_synthetic: bool = False,
) -> Demand:
    enterprise = _own_enterprise(actor, enterprise_id)
    position = _text(position, field="position", label="岗位名称", max_length=60)
    headcount = _count(headcount, field="headcount", label="招聘人数")
    if not isinstance(deadline, dt.date):
        raise InvalidInput("截止日期应为日期（如 2026-12-31）", field="deadline")
    if deadline < timezone.localdate() and not is_synthetic:
        raise InvalidInput("截止日期不能早于今天", field="deadline")
    levels = _skill_levels(skills)
    demand = Demand.objects.create(
        enterprise=enterprise,
        position=position,
        industry=_industry(industry),
        county=_county(county),
        headcount=headcount,
        deadline=deadline,
        description=_text(
            description, field="description", label="岗位说明", max_length=2000, required=False
        ),
        created_by=actor if getattr(actor, "pk", None) else None,
        is_synthetic=is_synthetic,
    )
    DemandSkill.objects.bulk_create(DemandSkill(demand=demand, skill=s, level=lv) for s, lv in levels)
    _audit(actor, "demand_publish", demand)
    return demand


@transaction.atomic
def demand_close(*, actor: Any, demand_id: int) -> Demand:
    demand = Demand.objects.select_for_update().filter(pk=demand_id).first()
    if demand is None:
        raise NotFound("没有这条人才需求")
    if not rules.is_demand_owner(actor, demand):
        raise PermissionDenied("只能关闭本企业发布的人才需求")
    demand.status = Demand.Status.CLOSED
    demand.save(update_fields=["status"])
    _audit(actor, "demand_close", demand)
    return demand


@transaction.atomic
def supply_publish(
    *,
    actor: Any,
    major: str,
    industry: str,
    graduates_per_year: Any,
    skills: Sequence[Any],
    school_id: int | None = None,
    is_synthetic: bool = False,
) -> Supply:
    mine = rules.admin_school_ids(actor)
    if not mine:
        raise PermissionDenied("只有职业院校的学校管理员可以发布人才供给")
    if school_id is None:
        school_id = min(mine)
    if school_id not in mine:
        raise PermissionDenied("只能发布本校的人才供给", field="school_id")
    school = School.objects.get(pk=school_id)
    if school.stage not in SUPPLY_STAGES:
        raise InvalidInput(
            f"{school.name}是{school.get_stage_display()}：只有中等职业学校和高等学校发布人才供给",
            field="school_id",
        )
    major = _text(major, field="major", label="专业名称", max_length=60)
    if Supply.objects.filter(school=school, major=major).exists():
        raise InvalidInput(f"本校已发布“{major}”专业的供给", field="major")
    levels = _skill_levels(skills)
    supply = Supply.objects.create(
        school=school,
        major=major,
        industry=_industry(industry),
        graduates_per_year=_count(graduates_per_year, field="graduates_per_year", label="年毕业生数"),
        created_by=actor if getattr(actor, "pk", None) else None,
        is_synthetic=is_synthetic,
    )
    SupplySkill.objects.bulk_create(SupplySkill(supply=supply, skill=s, level=lv) for s, lv in levels)
    _audit(actor, "supply_publish", supply)
    return supply


# ------------------------------------------------------------------------------------ agreements


def _parties(actor: Any, enterprise_id: int, school_id: int, *, what: str) -> tuple[Enterprise, School]:
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise InvalidInput("没有这家企业", field="enterprise_id")
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise InvalidInput("没有这所学校", field="school_id")
    if enterprise.pk not in rules.enterprise_ids(actor) and school.pk not in rules.admin_school_ids(actor):
        raise PermissionDenied(f"只有合作企业或合作学校的管理员可以登记{what}")
    if school.stage not in SUPPLY_STAGES:
        raise InvalidInput(f"{school.name}不是职业院校，不能登记{what}", field="school_id")
    return enterprise, school


@transaction.atomic
def order_class_propose(
    *,
    actor: Any,
    enterprise_id: int,
    school_id: int,
    title: str,
    major: str,
    planned_size: Any,
    is_synthetic: bool = False,
) -> OrderClass:
    enterprise, school = _parties(actor, enterprise_id, school_id, what="订单班")
    order = OrderClass.objects.create(
        enterprise=enterprise,
        school=school,
        title=_text(title, field="title", label="订单班名称", max_length=80),
        major=_text(major, field="major", label="专业", max_length=60),
        planned_size=_count(planned_size, field="planned_size", label="计划人数"),
        proposed_by=actor if getattr(actor, "pk", None) else None,
        is_synthetic=is_synthetic,
    )
    _audit(actor, "order_class_propose", order)
    return order


@transaction.atomic
def order_class_advance(
    *, actor: Any, order_class_id: int, status: str, enrolled: Any = None, employed: Any = None
) -> OrderClass:
    """Move an order class one step along its lifecycle; ``enrolled`` is given on entering training
    (how many enrolled), ``employed`` on completing (how many the enterprise hired)."""
    order = OrderClass.objects.select_for_update().filter(pk=order_class_id).first()
    if order is None or not rules.is_party(actor, order):
        raise NotFound("没有这个订单班，或无权操作")
    if status not in OrderClass.Status.values:
        raise InvalidInput(f"状态“{str(status)[:20]}”不存在", field="status")
    allowed = ORDER_TRANSITIONS[order.status]
    if status not in allowed:
        names = "、".join(OrderClass.Status(s).label for s in allowed) or "无（已是最终状态）"
        raise InvalidInput(
            f"订单班“{order.title}”当前为“{order.get_status_display()}”，不能变为“{OrderClass.Status(status).label}”；"
            f"可变为：{names}",
            field="status",
        )
    if status == S.AGREED and order.proposed_by_id == getattr(actor, "pk", None):
        raise InvalidInput("签约须由另一方（合作企业或学校）确认，提议人不能自行签约", field="status")
    if status == S.TRAINING:
        order.enrolled = _count(enrolled, field="enrolled", label="实际录取人数")
        if order.enrolled > order.planned_size:
            raise InvalidInput(f"录取 {order.enrolled} 人超过计划人数 {order.planned_size}", field="enrolled")
    if status == S.COMPLETED:
        order.employed = _count(employed, field="employed", label="录用人数", low=0)
        if order.employed > order.enrolled:
            raise InvalidInput(f"录用 {order.employed} 人多于录取人数 {order.enrolled}", field="employed")
    order.status = status
    order.save()
    _audit(actor, f"order_class_{status}", order)
    return order


@transaction.atomic
def base_create(
    *,
    actor: Any,
    enterprise_id: int,
    school_id: int,
    name: str,
    capacity: Any,
    majors: str,
    is_synthetic: bool = False,
) -> TrainingBase:
    enterprise, school = _parties(actor, enterprise_id, school_id, what="实训基地")
    base = TrainingBase.objects.create(
        enterprise=enterprise,
        school=school,
        name=_text(name, field="name", label="基地名称", max_length=80),
        capacity=_count(capacity, field="capacity", label="容纳人数"),
        majors=_text(majors, field="majors", label="服务专业", max_length=200),
        is_synthetic=is_synthetic,
    )
    _audit(actor, "base_create", base)
    return base


@transaction.atomic
def apprenticeship_create(
    *,
    actor: Any,
    enterprise_id: int,
    school_id: int,
    major: str,
    apprentices: Any,
    mentors: Any,
    starts_on: dt.date,
    ends_on: dt.date,
    is_synthetic: bool = False,
) -> Apprenticeship:
    enterprise, school = _parties(actor, enterprise_id, school_id, what="学徒制协议")
    for value, field, label in ((starts_on, "starts_on", "开始日期"), (ends_on, "ends_on", "结束日期")):
        if not isinstance(value, dt.date):
            raise InvalidInput(f"{label}应为日期（如 2026-09-01）", field=field)
    if ends_on <= starts_on:
        raise InvalidInput("结束日期应晚于开始日期", field="ends_on")
    agreement = Apprenticeship.objects.create(
        enterprise=enterprise,
        school=school,
        major=_text(major, field="major", label="专业", max_length=60),
        apprentices=_count(apprentices, field="apprentices", label="学徒人数"),
        mentors=_count(mentors, field="mentors", label="企业师傅人数"),
        starts_on=starts_on,
        ends_on=ends_on,
        is_synthetic=is_synthetic,
    )
    _audit(actor, "apprenticeship_create", agreement)
    return agreement


# ---------------------------------------------------------------------------------- competitions


def _competition(competition_id: int, *, lock: bool = False) -> Competition:
    qs = Competition.objects.select_for_update() if lock else Competition.objects
    competition = qs.filter(pk=competition_id).first()
    if competition is None:
        raise NotFound("没有这项技能竞赛")
    return competition


@transaction.atomic
def competition_create(
    *,
    actor: Any,
    title: str,
    skill: str,
    kind: str,
    judge_ids: Sequence[int],
    team_min: int = 1,
    team_max: int = 1,
    score_max: int = 100,
    is_synthetic: bool = False,
) -> Competition:
    if not rules.is_joint_office(actor):
        raise PermissionDenied("只有川渝联合办公室可以发布技能竞赛")
    found = skill_lookup([skill])
    if not found:
        raise InvalidInput(f"技能“{str(skill)[:20]}”不在技能词表中", field="skill")
    if kind not in Competition.Kind.values:
        raise InvalidInput("赛制应为 individual（个人赛）或 team（团体赛）", field="kind")
    team_min = _count(team_min, field="team_min", label="每队最少人数")
    team_max = _count(team_max, field="team_max", label="每队最多人数")
    if kind == Competition.Kind.INDIVIDUAL:
        team_min = team_max = 1
    elif team_max < team_min or team_max > 20:
        raise InvalidInput("每队人数范围应为 1–20 且最多不少于最少", field="team_max")
    score_max = _count(score_max, field="score_max", label="评分满分")
    if score_max > 1000:
        raise InvalidInput("评分满分应在 1–1000 之间", field="score_max")
    judges = list(
        RoleAssignment.objects.filter(role=Role.EXPERT, user_id__in=list(judge_ids)).values_list(
            "user_id", flat=True
        )
    )
    if len(set(judges)) < 2 or len(set(judges)) != len(set(judge_ids)):
        raise InvalidInput("请指定至少两位评审专家（须为专家账号）", field="judge_ids")
    competition = Competition.objects.create(
        title=_text(title, field="title", label="竞赛名称", max_length=80),
        skill=found[skill],
        kind=kind,
        team_min=team_min,
        team_max=team_max,
        score_max=score_max,
        is_synthetic=is_synthetic,
    )
    competition.judges.set(set(judges))
    _audit(actor, "competition_create", competition)
    return competition


@transaction.atomic
def entry_register(
    *,
    actor: Any,
    competition_id: int,
    label: str,
    size: Any,
    school_id: int | None = None,
    is_synthetic: bool = False,
) -> Entry:
    competition = _competition(competition_id)
    mine = rules.staff_school_ids(actor)
    if not mine:
        raise PermissionDenied("只有学校管理员或教师可以为本校报名")
    if school_id is None:
        school_id = min(mine)
    if school_id not in mine:
        raise PermissionDenied("只能为本校报名", field="school_id")
    if competition.status != Competition.Status.REGISTRATION:
        raise InvalidInput(
            f"“{competition.title}”已截止报名（{competition.get_status_display()}）", field="competition_id"
        )
    school = School.objects.get(pk=school_id)
    if school.stage not in SUPPLY_STAGES:
        raise InvalidInput(f"参赛资格：仅限中等职业学校和高等学校，{school.name}不符合", field="school_id")
    size = _count(size, field="size", label="参赛人数")
    if not competition.team_min <= size <= competition.team_max:
        what = (
            "个人赛每个报名只能 1 人"
            if competition.kind == Competition.Kind.INDIVIDUAL
            else (f"团体赛每队 {competition.team_min}–{competition.team_max} 人")
        )
        raise InvalidInput(f"参赛资格：{what}", field="size")
    label = _text(label, field="label", label="队名或选手化名", max_length=60)
    if Entry.objects.filter(competition=competition, label=label).exists():
        raise InvalidInput(f"“{label}”已报名", field="label")
    entry = Entry.objects.create(
        competition=competition,
        school=school,
        label=label,
        size=size,
        registered_by=actor if getattr(actor, "pk", None) else None,
        is_synthetic=is_synthetic,
    )
    _audit(actor, "entry_register", entry)
    return entry


@transaction.atomic
def judging_start(*, actor: Any, competition_id: int) -> Competition:
    competition = _competition(competition_id, lock=True)
    if not rules.is_joint_office(actor):
        raise PermissionDenied("只有川渝联合办公室可以结束报名、开始评审")
    if competition.status != Competition.Status.REGISTRATION:
        raise InvalidInput(
            f"“{competition.title}”当前为“{competition.get_status_display()}”，不能开始评审", field="status"
        )
    if competition.entries.count() < 2:
        raise InvalidInput("至少两个报名才能开始评审", field="status")
    competition.status = Competition.Status.JUDGING
    competition.save(update_fields=["status"])
    _audit(actor, "judging_start", competition)
    return competition


@transaction.atomic
def score_submit(*, actor: Any, entry_id: int, score: Any) -> JudgeScore:
    entry = Entry.objects.select_related("competition").filter(pk=entry_id).first()
    if entry is None or not rules.is_judge(actor, entry.competition):
        raise NotFound("没有这个参赛报名，或您不是本竞赛的评委")
    competition = entry.competition
    if competition.status != Competition.Status.JUDGING:
        raise InvalidInput(
            f"“{competition.title}”当前为“{competition.get_status_display()}”，不能评分", field="score"
        )
    try:
        value = float(score)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("分数应为数字", field="score") from None
    if not np.isfinite(value) or not 0 <= value <= competition.score_max:
        raise InvalidInput(f"分数应在 0–{competition.score_max} 之间", field="score")
    made, _ = JudgeScore.objects.update_or_create(entry=entry, judge=actor, defaults={"score": value})
    _audit(actor, "score_submit", entry)
    return made


@dataclass(frozen=True)
class Standing:
    entry: Entry
    raw_mean: float | None
    final_score: float | None
    rank: int
    judges: int


def standings(competition: Competition) -> list[Standing]:
    """Entries with per-judge normalised mean scores and ranks with ties (not stored)."""
    entries = list(competition.entries.select_related("school").order_by("pk"))
    judges = sorted(competition.judges.values_list("pk", flat=True))
    if not entries:
        return []
    index = {e.pk: c for c, e in enumerate(entries)}
    jindex = {j: r for r, j in enumerate(judges)}
    raw = np.full((len(judges), len(entries)), np.nan)
    for s in JudgeScore.objects.filter(entry__competition=competition):
        if s.judge_id in jindex:
            raw[jindex[s.judge_id], index[s.entry_id]] = s.score
    normalised = budgeting.normalise_scores(raw) if judges else raw
    finals = budgeting.project_scores(normalised) if judges else np.full(len(entries), np.nan)
    finals = np.round(finals, 6)  # equal performances tie exactly despite float noise
    ranks = skills.rank_with_ties(finals)
    out = []
    for c, e in enumerate(entries):
        seen = ~np.isnan(raw[:, c])
        out.append(
            Standing(
                entry=e,
                raw_mean=float(raw[seen, c].mean()) if seen.any() else None,
                final_score=None if np.isnan(finals[c]) else float(finals[c]),
                rank=ranks[c],
                judges=int(seen.sum()),
            )
        )
    return sorted(out, key=lambda s: (s.rank, s.entry.pk))


@transaction.atomic
def results_publish(*, actor: Any, competition_id: int) -> list[Standing]:
    competition = _competition(competition_id, lock=True)
    if not rules.is_joint_office(actor):
        raise PermissionDenied("只有川渝联合办公室可以发布竞赛结果")
    if competition.status != Competition.Status.JUDGING:
        raise InvalidInput(
            f"“{competition.title}”当前为“{competition.get_status_display()}”，不能发布结果", field="status"
        )
    n_judges = competition.judges.count()
    missing = [
        e.label
        for e in competition.entries.all()
        if e.scores.filter(judge__in=competition.judges.all()).count() < n_judges
    ]
    if missing:
        raise InvalidInput(f"尚有评委未评分：{'、'.join(missing[:5])}", field="status")
    table = standings(competition)
    for s in table:
        s.entry.final_score = s.final_score
        s.entry.rank = s.rank
        s.entry.save(update_fields=["final_score", "rank"])
    competition.status = Competition.Status.PUBLISHED
    competition.save(update_fields=["status"])
    _audit(actor, "results_publish", competition)
    return table
