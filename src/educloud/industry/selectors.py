"""Reads of 产教融合, scoped to the actor (see the table in ``industry.rules``).

Demands, supplies, the skills vocabulary, matches, the allocation, the supply–demand gap and
competitions are readable by every logged-in user (a 产教融合信息平台 publishes them). Order classes,
training bases and apprenticeships: the joint office all; bureaus those whose school or enterprise
lies in their region; schools their own; enterprises their own. No school code is ever part of an
answer (schools are named, and addressed by id), and no row names a student.

The science is in ``educloud.algos.skills``: matching with explanations, the exact allocation (HiGHS)
beside the greedy one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Prefetch, Q, QuerySet, Sum

from educloud.accounts.api import Role, RoleAssignment, view_scope
from educloud.algos import skills as algos
from educloud.industry import rules
from educloud.industry.models import (
    Apprenticeship,
    Competition,
    Demand,
    DemandSkill,
    Enterprise,
    Industry,
    OrderClass,
    Skill,
    Supply,
    SupplySkill,
    TrainingBase,
)
from educloud.lib.errors import NotFound
from educloud.regions.api import county_rows
from educloud.schools.api import scope_filter

WEIGHTS = algos.MatchWeights()
# The allocation uses only pairs at least this good (a programme teaching none of the skills never qualifies).
MIN_SCORE = 0.35


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.prefetch_related("synonyms").order_by("category", "code")


def demand_list(
    *, status: str | None = "open", industry: str | None = None, enterprise_ids: set[int] | None = None
) -> QuerySet[Demand]:
    qs = Demand.objects.select_related("enterprise", "county__city", "county__province").prefetch_related(
        Prefetch("skills", DemandSkill.objects.select_related("skill").order_by("-level", "skill__code"))
    )
    if status:
        qs = qs.filter(status=status)
    if industry:
        qs = qs.filter(industry=industry)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    return qs.order_by("-pk")


def demand_get(*, demand_id: int) -> Demand:
    demand = demand_list(status=None).filter(pk=demand_id).first()
    if demand is None:
        raise NotFound("没有这条人才需求")
    return demand


def supply_list(*, industry: str | None = None, school_ids: set[int] | None = None) -> QuerySet[Supply]:
    qs = Supply.objects.select_related("school__county__city", "school__county__province").prefetch_related(
        Prefetch("skills", SupplySkill.objects.select_related("skill").order_by("-level", "skill__code"))
    )
    if industry:
        qs = qs.filter(industry=industry)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return qs.order_by("school__name", "major")


# ------------------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    supply: Supply
    score: float
    coverage: float
    km: float
    cross_border: bool
    matched: list[str]
    partial: list[str]
    missing: list[str]
    explanation: str


def _levels(rows: list[Any], index: dict[int, int]) -> np.ndarray:
    m = np.zeros((len(rows), len(index)))
    for r, row in enumerate(rows):
        for s in row.skills.all():
            m[r, index[s.skill_id]] = s.level
    return m


def _lonlat(county: Any) -> tuple[float, float]:
    return (county.longitude, county.latitude)


def _scores(demands: list[Demand], supplies: list[Supply]) -> tuple[np.ndarray, ...]:
    index = {pk: i for i, pk in enumerate(Skill.objects.order_by("pk").values_list("pk", flat=True))}
    return algos.match_scores(
        _levels(demands, index),
        _levels(supplies, index),
        demand_lonlat=[_lonlat(d.county) for d in demands],
        supply_lonlat=[_lonlat(s.school.county) for s in supplies],
        demand_province=[d.county.province_id for d in demands],
        supply_province=[s.school.county.province_id for s in supplies],
        weights=WEIGHTS,
    )


def demand_matches(*, demand_id: int, limit: int = 10) -> tuple[Demand, list[Match]]:
    """The programmes that fit ``demand`` best, each with the skills it meets and misses.

    IDF weights come from all open demands (with this one), so a skill every position asks for weighs less.
    """
    demand = demand_get(demand_id=demand_id)
    supplies = list(supply_list())
    if not supplies:
        return demand, []
    demands = [demand, *demand_list().exclude(pk=demand.pk)]
    score, coverage, km, cross = _scores(demands, supplies)
    need = {s.skill.name: s.level for s in demand.skills.all()}
    order = sorted(range(len(supplies)), key=lambda i: (-score[i, 0], supplies[i].pk))[:limit]
    out = []
    for i in order:
        have = {s.skill.name: s.level for s in supplies[i].skills.all()}
        matched, partial, missing, text = algos.explain(
            need, have, km=float(km[i, 0]), cross=bool(cross[i, 0])
        )
        out.append(
            Match(
                supply=supplies[i],
                score=round(float(score[i, 0]), 4),
                coverage=round(float(coverage[i, 0]), 4),
                km=round(float(km[i, 0]), 1),
                cross_border=bool(cross[i, 0]),
                matched=matched,
                partial=partial,
                missing=missing,
                explanation=text,
            )
        )
    return demand, out


@dataclass(frozen=True)
class AllocationReport:
    exact: algos.Allocation
    greedy: algos.Allocation
    demands: list[Demand]
    supplies: list[Supply]
    score: np.ndarray
    positions: int
    graduates: int
    seconds_scoring: float

    def rows(self, which: str = "exact") -> list[tuple[Supply, Demand, int, float]]:
        result = self.exact if which == "exact" else self.greedy
        return sorted(
            (
                (self.supplies[i], self.demands[j], q, round(float(self.score[i, j]), 3))
                for i, j, q in result.flows
            ),
            key=lambda r: (-r[3], r[0].pk, r[1].pk),
        )


def allocation_compare() -> AllocationReport | None:
    """Graduates of every programme allocated to every open position: exact (HiGHS) beside greedy."""
    demands = list(demand_list())
    supplies = list(supply_list())
    if not demands or not supplies:
        return None
    started = time.perf_counter()
    score = _scores(demands, supplies)[0]
    scoring = time.perf_counter() - started
    graduates = np.array([s.graduates_per_year for s in supplies], dtype=np.int64)
    headcount = np.array([d.headcount for d in demands], dtype=np.int64)
    return AllocationReport(
        exact=algos.allocate_exact(score, graduates, headcount, min_score=MIN_SCORE),
        greedy=algos.allocate_greedy(score, graduates, headcount, min_score=MIN_SCORE),
        demands=demands,
        supplies=supplies,
        score=score,
        positions=int(headcount.sum()),
        graduates=int(graduates.sum()),
        seconds_scoring=scoring,
    )


# ------------------------------------------------------------------------------------------ gap


@dataclass(frozen=True)
class GapRow:
    key: str
    label: str
    demand: int
    supply: int

    @property
    def gap(self) -> int:
        return self.demand - self.supply


def supply_demand_gap(*, by: str = "city") -> list[GapRow]:
    """Open demand headcount minus graduates per year, by ``city`` (市/州; 重庆 by district/county, as it
    has no prefecture level), ``county`` or ``industry``; largest shortage first."""
    if by not in ("city", "county", "industry"):
        raise ValueError(by)
    demand = Demand.objects.filter(status=Demand.Status.OPEN)
    supply = Supply.objects.all()
    rows: dict[str, list[Any]] = {}
    if by == "industry":
        labels = dict(Industry.choices)
        for key, n in demand.values_list("industry").annotate(n=Sum("headcount")):
            rows.setdefault(key, [labels[key], 0, 0])[1] += n
        for key, n in supply.values_list("industry").annotate(n=Sum("graduates_per_year")):
            rows.setdefault(key, [labels[key], 0, 0])[2] += n
    else:

        def place(prefix: str) -> list[str]:
            if by == "county":
                return [f"{prefix}county_id", f"{prefix}county__name"]
            return [
                f"{prefix}county__city_id",
                f"{prefix}county__city__name",
                f"{prefix}county_id",
                f"{prefix}county__name",
            ]

        def key_of(values: tuple[Any, ...]) -> tuple[str, str]:
            if by == "county":
                return values[0], values[1]
            city, city_name, county, county_name = values
            return (county, county_name) if city == "500000" else (city, city_name)

        for *values, n in demand.values_list(*place("")).annotate(n=Sum("headcount")):
            key, label = key_of(tuple(values))
            rows.setdefault(key, [label, 0, 0])[1] += n
        for *values, n in supply.values_list(*place("school__")).annotate(n=Sum("graduates_per_year")):
            key, label = key_of(tuple(values))
            rows.setdefault(key, [label, 0, 0])[2] += n
    out = [GapRow(key=k, label=v[0], demand=v[1], supply=v[2]) for k, v in rows.items()]
    return sorted(out, key=lambda r: (-r.gap, r.key))


def gap_map_points(rows: list[GapRow]) -> list[dict[str, Any]]:
    """Each region's row placed on the map: a county (or 重庆's district) at its county seat, a 市/州
    at the mean of its member counties' seats. Industry rows have no place and are left out.
    ``value`` is ``[longitude, latitude, gap, demand, supply]`` (ECharts' scatter data)."""
    seats = {c["code"]: (c["longitude"], c["latitude"]) for c in county_rows()}
    by_city: dict[str, list[tuple[float, float]]] = {}
    for c in county_rows():
        by_city.setdefault(c["city_code"], []).append((c["longitude"], c["latitude"]))
    points = []
    for r in rows:
        if r.key in seats:
            lng, lat = seats[r.key]
        elif r.key in by_city:
            lng = sum(p[0] for p in by_city[r.key]) / len(by_city[r.key])
            lat = sum(p[1] for p in by_city[r.key]) / len(by_city[r.key])
        else:
            continue
        points.append({"name": r.label, "value": [round(lng, 4), round(lat, 4), r.gap, r.demand, r.supply]})
    return points


# ----------------------------------------------------------------------------------- agreements


def _agreement_filter(actor: Any) -> Q:
    if rules.is_joint_office(actor):
        return Q()
    scope = view_scope(actor)
    q = scope_filter(scope, "school__")  # an empty scope: no school (``pk__in=[]``)
    if scope.province_codes:
        q |= Q(enterprise__county__province_id__in=scope.province_codes)
    if scope.city_codes:
        q |= Q(enterprise__county__city_id__in=scope.city_codes)
    if scope.county_codes:
        q |= Q(enterprise__county_id__in=scope.county_codes)
    mine = rules.enterprise_ids(actor)
    if mine:
        q |= Q(enterprise_id__in=mine)
    return q


def order_class_list(*, actor: Any) -> QuerySet[OrderClass]:
    return (
        OrderClass.objects.select_related("enterprise", "school")
        .filter(_agreement_filter(actor))
        .order_by("-pk")
    )


def order_class_get(*, actor: Any, order_class_id: int) -> OrderClass:
    found = order_class_list(actor=actor).filter(pk=order_class_id).first()
    if found is None:
        raise NotFound("没有这个订单班，或无权查看")
    return found


def base_list(*, actor: Any) -> QuerySet[TrainingBase]:
    return TrainingBase.objects.select_related("enterprise", "school").filter(_agreement_filter(actor))


def apprenticeship_list(*, actor: Any) -> QuerySet[Apprenticeship]:
    return Apprenticeship.objects.select_related("enterprise", "school").filter(_agreement_filter(actor))


def base_get(*, actor: Any, base_id: int) -> TrainingBase:
    found = base_list(actor=actor).filter(pk=base_id).first()
    if found is None:
        raise NotFound("没有这个实训基地，或无权查看")
    return found


def apprenticeship_get(*, actor: Any, apprenticeship_id: int) -> Apprenticeship:
    found = apprenticeship_list(actor=actor).filter(pk=apprenticeship_id).first()
    if found is None:
        raise NotFound("没有这份学徒制协议，或无权查看")
    return found


def enterprise_members(*, actor: Any) -> list[tuple[Any, list[str]]]:
    """The enterprises ``actor`` is a member of (with an ``enterprise`` role), each with its members'
    display names — nothing else about them. Empty for everybody else."""
    mine = rules.enterprise_ids(actor)
    out = []
    for enterprise in Enterprise.objects.filter(pk__in=mine).select_related("county").order_by("name"):
        names = [
            display or username
            for username, display in enterprise.members.order_by("display_name", "username").values_list(
                "username", "display_name"
            )
        ]
        out.append((enterprise, names))
    return out


def expert_choices() -> list[tuple[int, str]]:
    """Expert accounts a competition may name as judges: ``(user id, display name)``."""
    rows = (
        RoleAssignment.objects.filter(role=Role.EXPERT)
        .select_related("user")
        .order_by("user__username")
        .values_list("user_id", "user__username", "user__display_name")
        .distinct()
    )
    return [(pk, display or username) for pk, username, display in rows]


# --------------------------------------------------------------------------------- competitions


def competition_list() -> QuerySet[Competition]:
    return Competition.objects.select_related("skill").order_by("-pk")


def competition_get(*, competition_id: int) -> Competition:
    found = competition_list().filter(pk=competition_id).first()
    if found is None:
        raise NotFound("没有这项技能竞赛")
    return found
