"""REST endpoints of 产教融合, mounted under /api/v1/industry/.

A web-layer module. Every operation needs a login; services check the role (enterprise member, school
admin, joint office, judge) and selectors scope agreements; errors are ``{"detail", "field"}``
(400/403/404/422). Schools are named and addressed by id, never by their code.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from educloud.industry import rules, selectors, services
from educloud.industry.models import (
    Apprenticeship,
    Competition,
    Demand,
    Industry,
    OrderClass,
    Supply,
    TrainingBase,
)
from educloud.lib.api_errors import LOGIN_ERRORS, with_errors
from educloud.lib.bounds import Id

router = Router(tags=["industry"], auth=django_auth)
IndustryCode = Literal[tuple(Industry.values)]  # type: ignore[valid-type]
E = with_errors


class SkillOut(Schema):
    id: int
    code: str
    name: str
    category: str
    occupation_code: str
    occupation_name: str
    synonyms: list[str]


class SkillIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=40)
    category: str = Field(max_length=20)
    occupation_code: str = Field(
        "", max_length=12, description="《职业分类大典》职业编码，如 6-18-01-01；不确定请留空"
    )
    occupation_name: str = Field("", max_length=40)


class SynonymIn(Schema):
    name: str = Field(max_length=40)


class SkillLevelIn(Schema):
    name: str = Field(max_length=40, description="技能名称或同义词")
    level: int = Field(ge=1, le=5, description="等级 1–5")


class IndustrySkillOut(Schema):
    name: str
    level: int


class DemandIn(Schema):
    position: str = Field(max_length=60)
    industry: str = Field(max_length=16)
    county: str = Field(max_length=6, description="区县 GB/T 2260 代码")
    headcount: int = Field(ge=1, le=services.MAX_COUNT)
    deadline: dt.date
    skills: list[SkillLevelIn] = Field(max_length=services.MAX_SKILLS)
    description: str = Field("", max_length=2000)
    enterprise_id: Id | None = None


class DemandOut(Schema):
    id: int
    enterprise: str
    position: str
    industry: str
    county: str
    county_name: str
    headcount: int
    deadline: dt.date
    status: str
    skills: list[IndustrySkillOut]


def _demand(d: Demand) -> dict:
    return {
        "id": d.pk,
        "enterprise": d.enterprise.name,
        "position": d.position,
        "industry": d.industry,
        "county": d.county_id,
        "county_name": d.county.name,
        "headcount": d.headcount,
        "deadline": d.deadline,
        "status": d.status,
        "skills": [{"name": s.skill.name, "level": s.level} for s in d.skills.all()],
    }


class SupplyIn(Schema):
    major: str = Field(max_length=60)
    industry: str = Field(max_length=16)
    graduates_per_year: int = Field(ge=1, le=services.MAX_COUNT)
    skills: list[SkillLevelIn] = Field(max_length=services.MAX_SKILLS)
    school_id: Id | None = None


class SupplyOut(Schema):
    id: int
    school_id: int
    school: str
    county_name: str
    major: str
    industry: str
    graduates_per_year: int
    skills: list[IndustrySkillOut]


def _supply(s: Supply) -> dict:
    return {
        "id": s.pk,
        "school_id": s.school_id,
        "school": s.school.name,
        "county_name": s.school.county.name,
        "major": s.major,
        "industry": s.industry,
        "graduates_per_year": s.graduates_per_year,
        "skills": [{"name": k.skill.name, "level": k.level} for k in s.skills.all()],
    }


class DemandMatchOut(Schema):
    supply_id: int
    school_id: int
    school: str
    major: str
    score: float
    coverage: float
    km: float
    cross_border: bool
    matched: list[str]
    partial: list[str]
    missing: list[str]
    explanation: str


class AllocationFlowOut(Schema):
    supply_id: int
    demand_id: int
    graduates: int
    score: float


class AllocationOut(Schema):
    exact_total: float
    greedy_total: float
    exact_placed: int
    greedy_placed: int
    exact_seconds: float
    greedy_seconds: float
    positions: int
    graduates: int
    flows: list[AllocationFlowOut]


class SupplyGapOut(Schema):
    key: str
    label: str
    demand: int
    supply: int
    gap: int


class OrderClassIn(Schema):
    enterprise_id: Id
    school_id: Id
    title: str = Field(max_length=80)
    major: str = Field(max_length=60)
    planned_size: int = Field(ge=1, le=services.MAX_COUNT)


class OrderClassTransitionIn(Schema):
    status: str = Field(max_length=12, description="agreed|enrolling|training|completed|cancelled")
    enrolled: int | None = Field(None, ge=0, le=services.MAX_COUNT, description="进入培养时：实际录取人数")
    employed: int | None = Field(None, ge=0, le=services.MAX_COUNT, description="结业时：被录用人数")


class OrderClassOut(Schema):
    id: int
    enterprise: str
    school: str
    title: str
    major: str
    planned_size: int
    enrolled: int
    employed: int
    status: str


def _order(o: OrderClass) -> dict:
    return {
        "id": o.pk,
        "enterprise": o.enterprise.name,
        "school": o.school.name,
        "title": o.title,
        "major": o.major,
        "planned_size": o.planned_size,
        "enrolled": o.enrolled,
        "employed": o.employed,
        "status": o.status,
    }


class TrainingBaseIn(Schema):
    enterprise_id: Id
    school_id: Id
    name: str = Field(max_length=80)
    capacity: int = Field(ge=1, le=services.MAX_COUNT, description="同时容纳实训学生数")
    majors: str = Field(max_length=200, description="服务专业，用“、”分隔")


class TrainingBaseOut(Schema):
    id: int
    enterprise: str
    school_id: int
    school: str
    name: str
    capacity: int
    majors: str


def _base(b: TrainingBase) -> dict:
    return {
        "id": b.pk,
        "enterprise": b.enterprise.name,
        "school_id": b.school_id,
        "school": b.school.name,
        "name": b.name,
        "capacity": b.capacity,
        "majors": b.majors,
    }


class ApprenticeshipIn(Schema):
    enterprise_id: Id
    school_id: Id
    major: str = Field(max_length=60)
    apprentices: int = Field(ge=1, le=services.MAX_COUNT, description="学徒人数")
    mentors: int = Field(ge=1, le=services.MAX_COUNT, description="企业师傅人数")
    starts_on: dt.date
    ends_on: dt.date


class ApprenticeshipOut(Schema):
    id: int
    enterprise: str
    school_id: int
    school: str
    major: str
    apprentices: int
    mentors: int
    starts_on: dt.date
    ends_on: dt.date


def _apprenticeship(a: Apprenticeship) -> dict:
    return {
        "id": a.pk,
        "enterprise": a.enterprise.name,
        "school_id": a.school_id,
        "school": a.school.name,
        "major": a.major,
        "apprentices": a.apprentices,
        "mentors": a.mentors,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
    }


class CompetitionIn(Schema):
    title: str = Field(max_length=80)
    skill: str = Field(max_length=40)
    kind: str = Field(max_length=12, description="individual|team")
    judge_ids: list[Id] = Field(max_length=50)
    team_min: int = Field(1, ge=1, le=20)
    team_max: int = Field(1, ge=1, le=20)
    score_max: int = Field(100, ge=1, le=1000)


class CompetitionOut(Schema):
    id: int
    title: str
    skill: str
    kind: str
    status: str
    team_min: int
    team_max: int
    score_max: int


def _competition(c: Competition) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "skill": c.skill.name,
        "kind": c.kind,
        "status": c.status,
        "team_min": c.team_min,
        "team_max": c.team_max,
        "score_max": c.score_max,
    }


class CompetitionEntryIn(Schema):
    label: str = Field(max_length=60, description="队名或选手化名（不填真实姓名）")
    size: int = Field(ge=1, le=20)
    school_id: Id | None = None


class CompetitionEntryOut(Schema):
    id: int
    label: str
    school: str
    size: int


class JudgeScoreIn(Schema):
    score: float = Field(ge=0, le=1000)


class StandingOut(Schema):
    entry_id: int
    label: str
    school: str
    raw_mean: float | None
    final_score: float | None
    rank: int
    judges: int


# ------------------------------------------------------------------------------------- vocabulary


@router.get("/skills", response=E(list[SkillOut], LOGIN_ERRORS), summary="技能词表（含同义词、职业编码）")
def skills(request):  # type: ignore[no-untyped-def]
    return [
        {
            "id": s.pk,
            "code": s.code,
            "name": s.name,
            "category": s.category,
            "occupation_code": s.occupation_code,
            "occupation_name": s.occupation_name,
            "synonyms": [y.name for y in s.synonyms.all()],
        }
        for s in selectors.skill_list()
    ]


@router.post("/skills", response=E({201: dict[str, int]}, LOGIN_ERRORS), summary="新增技能（联合办公室）")
def skill_add(request, payload: SkillIn):  # type: ignore[no-untyped-def]
    return Status(201, {"id": services.skill_add(actor=request.user, **payload.dict()).pk})


@router.post(
    "/skills/{skill_id}/synonyms",
    response=E({201: dict[str, int]}, LOGIN_ERRORS),
    summary="新增同义词（联合办公室）",
)
def synonym_add(request, skill_id: Id, payload: SynonymIn):  # type: ignore[no-untyped-def]
    return Status(
        201, {"id": services.synonym_add(actor=request.user, skill_id=skill_id, name=payload.name).pk}
    )


# ------------------------------------------------------------------------------- demand and supply


@router.get(
    "/demands", response=E(list[DemandOut], LOGIN_ERRORS), summary="人才需求（招聘中；mine=true 只看本企业）"
)
def demands(request, mine: bool = False, industry: IndustryCode | None = None):  # type: ignore[no-untyped-def]
    ids = rules.enterprise_ids(request.user) if mine else None
    return [
        _demand(d)
        for d in selectors.demand_list(status=None if mine else "open", industry=industry, enterprise_ids=ids)
    ]


@router.post("/demands", response=E({201: DemandOut}, LOGIN_ERRORS), summary="发布人才需求（企业）")
def demand_publish(request, payload: DemandIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    data["skills"] = [(s["name"], s["level"]) for s in data["skills"]]
    demand = services.demand_publish(actor=request.user, **data)
    return Status(201, _demand(selectors.demand_get(demand_id=demand.pk)))


@router.get("/demands/{demand_id}", response=E(DemandOut, LOGIN_ERRORS), summary="人才需求详情")
def demand_detail(request, demand_id: Id):  # type: ignore[no-untyped-def]
    return _demand(selectors.demand_get(demand_id=demand_id))


@router.post("/demands/{demand_id}/close", response=E(DemandOut, LOGIN_ERRORS), summary="结束招聘（本企业）")
def demand_close(request, demand_id: Id):  # type: ignore[no-untyped-def]
    services.demand_close(actor=request.user, demand_id=demand_id)
    return _demand(selectors.demand_get(demand_id=demand_id))


@router.get(
    "/demands/{demand_id}/matches",
    response=E(list[DemandMatchOut], LOGIN_ERRORS),
    summary="按技能匹配的院校专业（附匹配与缺少的技能）",
)
def demand_matches(request, demand_id: Id):  # type: ignore[no-untyped-def]
    _, matches = selectors.demand_matches(demand_id=demand_id)
    return [
        {
            "supply_id": m.supply.pk,
            "school_id": m.supply.school_id,
            "school": m.supply.school.name,
            "major": m.supply.major,
            "score": m.score,
            "coverage": m.coverage,
            "km": m.km,
            "cross_border": m.cross_border,
            "matched": m.matched,
            "partial": m.partial,
            "missing": m.missing,
            "explanation": m.explanation,
        }
        for m in matches
    ]


@router.get("/supplies", response=E(list[SupplyOut], LOGIN_ERRORS), summary="职业院校人才供给（专业）")
def supplies(request, industry: IndustryCode | None = None):  # type: ignore[no-untyped-def]
    return [_supply(s) for s in selectors.supply_list(industry=industry)]


@router.post(
    "/supplies", response=E({201: SupplyOut}, LOGIN_ERRORS), summary="发布人才供给（职业院校管理员）"
)
def supply_publish(request, payload: SupplyIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    data["skills"] = [(s["name"], s["level"]) for s in data["skills"]]
    supply = services.supply_publish(actor=request.user, **data)
    return Status(201, _supply(selectors.supply_list().get(pk=supply.pk)))


@router.get(
    "/allocation",
    response=E(AllocationOut | None, LOGIN_ERRORS),
    summary="毕业生—岗位最优分配（精确 vs 贪心）",
)
def allocation(request):  # type: ignore[no-untyped-def]
    report = selectors.allocation_compare()
    if report is None:
        return None
    return {
        "exact_total": round(report.exact.total, 4),
        "greedy_total": round(report.greedy.total, 4),
        "exact_placed": sum(q for _, _, q in report.exact.flows),
        "greedy_placed": sum(q for _, _, q in report.greedy.flows),
        "exact_seconds": round(report.exact.seconds, 4),
        "greedy_seconds": round(report.greedy.seconds, 4),
        "positions": report.positions,
        "graduates": report.graduates,
        "flows": [
            {"supply_id": s.pk, "demand_id": d.pk, "graduates": q, "score": sc}
            for s, d, q, sc in report.rows()
        ],
    }


@router.get(
    "/gap",
    response=E(list[SupplyGapOut], LOGIN_ERRORS),
    summary="供需缺口（需求 − 供给；by=city|county|industry）",
)
def gap(request, by: Literal["city", "county", "industry"] = "city"):  # type: ignore[no-untyped-def]
    return [
        {"key": r.key, "label": r.label, "demand": r.demand, "supply": r.supply, "gap": r.gap}
        for r in selectors.supply_demand_gap(by=by)
    ]


# ------------------------------------------------------------------------------------- agreements


@router.get("/order-classes", response=E(list[OrderClassOut], LOGIN_ERRORS), summary="订单班（按角色范围）")
def order_classes(request):  # type: ignore[no-untyped-def]
    return [_order(o) for o in selectors.order_class_list(actor=request.user)]


@router.post(
    "/order-classes", response=E({201: OrderClassOut}, LOGIN_ERRORS), summary="提议订单班（合作企业或学校）"
)
def order_class_propose(request, payload: OrderClassIn):  # type: ignore[no-untyped-def]
    order = services.order_class_propose(actor=request.user, **payload.dict())
    return Status(201, _order(order))


@router.post(
    "/order-classes/{order_class_id}/transition",
    response=E(OrderClassOut, LOGIN_ERRORS),
    summary="推进订单班状态：已提议→已签约→招生中→培养中→已结业（或取消）",
)
def order_class_advance(request, order_class_id: Id, payload: OrderClassTransitionIn):  # type: ignore[no-untyped-def]
    return _order(
        services.order_class_advance(actor=request.user, order_class_id=order_class_id, **payload.dict())
    )


@router.get(
    "/bases", response=E(list[TrainingBaseOut], LOGIN_ERRORS), summary="校企共建实训基地（按角色范围）"
)
def bases(request):  # type: ignore[no-untyped-def]
    return [_base(b) for b in selectors.base_list(actor=request.user)]


@router.post(
    "/bases", response=E({201: TrainingBaseOut}, LOGIN_ERRORS), summary="登记实训基地（合作企业或学校）"
)
def base_create(request, payload: TrainingBaseIn):  # type: ignore[no-untyped-def]
    base = services.base_create(actor=request.user, **payload.dict())
    return Status(201, _base(selectors.base_get(actor=request.user, base_id=base.pk)))


@router.get("/bases/{base_id}", response=E(TrainingBaseOut, LOGIN_ERRORS), summary="实训基地详情")
def base_detail(request, base_id: Id):  # type: ignore[no-untyped-def]
    return _base(selectors.base_get(actor=request.user, base_id=base_id))


@router.get(
    "/apprenticeships",
    response=E(list[ApprenticeshipOut], LOGIN_ERRORS),
    summary="现代学徒制协议（按角色范围）",
)
def apprenticeships(request):  # type: ignore[no-untyped-def]
    return [_apprenticeship(a) for a in selectors.apprenticeship_list(actor=request.user)]


@router.post(
    "/apprenticeships",
    response=E({201: ApprenticeshipOut}, LOGIN_ERRORS),
    summary="登记学徒制协议（合作企业或学校）",
)
def apprenticeship_create(request, payload: ApprenticeshipIn):  # type: ignore[no-untyped-def]
    made = services.apprenticeship_create(actor=request.user, **payload.dict())
    return Status(
        201, _apprenticeship(selectors.apprenticeship_get(actor=request.user, apprenticeship_id=made.pk))
    )


@router.get(
    "/apprenticeships/{apprenticeship_id}",
    response=E(ApprenticeshipOut, LOGIN_ERRORS),
    summary="学徒制协议详情",
)
def apprenticeship_detail(request, apprenticeship_id: Id):  # type: ignore[no-untyped-def]
    return _apprenticeship(
        selectors.apprenticeship_get(actor=request.user, apprenticeship_id=apprenticeship_id)
    )


# ----------------------------------------------------------------------------------- competitions


@router.get("/competitions", response=E(list[CompetitionOut], LOGIN_ERRORS), summary="技能竞赛")
def competitions(request):  # type: ignore[no-untyped-def]
    return [_competition(c) for c in selectors.competition_list()]


@router.post(
    "/competitions", response=E({201: CompetitionOut}, LOGIN_ERRORS), summary="发布技能竞赛（联合办公室）"
)
def competition_create(request, payload: CompetitionIn):  # type: ignore[no-untyped-def]
    return Status(201, _competition(services.competition_create(actor=request.user, **payload.dict())))


@router.post(
    "/competitions/{competition_id}/entries",
    response=E({201: CompetitionEntryOut}, LOGIN_ERRORS),
    summary="报名（职业院校管理员、教师）",
)
def entry_register(request, competition_id: Id, payload: CompetitionEntryIn):  # type: ignore[no-untyped-def]
    entry = services.entry_register(actor=request.user, competition_id=competition_id, **payload.dict())
    return Status(
        201, {"id": entry.pk, "label": entry.label, "school": entry.school.name, "size": entry.size}
    )


@router.post(
    "/competitions/{competition_id}/judging",
    response=E(CompetitionOut, LOGIN_ERRORS),
    summary="截止报名、开始评审（联合办公室）",
)
def judging_start(request, competition_id: Id):  # type: ignore[no-untyped-def]
    return _competition(services.judging_start(actor=request.user, competition_id=competition_id))


@router.put(
    "/entries/{entry_id}/score", response=E(dict[str, float], LOGIN_ERRORS), summary="评分（本竞赛评委）"
)
def score_submit(request, entry_id: Id, payload: JudgeScoreIn):  # type: ignore[no-untyped-def]
    made = services.score_submit(actor=request.user, entry_id=entry_id, score=payload.score)
    return {"score": made.score}


@router.post(
    "/competitions/{competition_id}/publish",
    response=E(list[StandingOut], LOGIN_ERRORS),
    summary="发布结果（评委分数按评委标准化，并列同名次；联合办公室）",
)
def results_publish(request, competition_id: Id):  # type: ignore[no-untyped-def]
    return [_standing(s) for s in services.results_publish(actor=request.user, competition_id=competition_id)]


@router.get(
    "/competitions/{competition_id}/results",
    response=E(list[StandingOut], LOGIN_ERRORS),
    summary="竞赛结果（发布后可见；评委与联合办公室可预览）",
)
def results(request, competition_id: Id):  # type: ignore[no-untyped-def]
    competition = selectors.competition_get(competition_id=competition_id)
    if competition.status != Competition.Status.PUBLISHED and not (
        rules.is_joint_office(request.user) or rules.is_judge(request.user, competition)
    ):
        return []
    return [_standing(s) for s in services.standings(competition)]


def _standing(s: services.Standing) -> dict:
    return {
        "entry_id": s.entry.pk,
        "label": s.entry.label,
        "school": s.entry.school.name,
        "raw_mean": None if s.raw_mean is None else round(s.raw_mean, 3),
        "final_score": None if s.final_score is None else round(s.final_score, 3),
        "rank": s.rank,
        "judges": s.judges,
    }
