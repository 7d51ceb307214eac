"""Effect of pairing: staggered difference-in-differences on the stored outcome panel.

Units are schools with an ``Outcome`` of the metric in every year of the panel (balanced; others are
left out and counted). A school is **treated** from the year its first confirmed (or since ended)
pairing as the *weak* school started; schools ever paired as the strong school are left out (they are
treated differently); every other school with data is a comparison school (never treated).
``algos.did.StaggeredDiD`` does the estimation (group-time ATTs, not-yet-treated controls by default,
event study, pre-trend test, MDE). Aggregates only: no school is named in the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Min

from educloud.algos.did import DiDResult, StaggeredDiD
from educloud.lib.errors import InvalidInput, PermissionDenied
from educloud.pairing import access
from educloud.pairing.models import Outcome, Pairing
from educloud.schools.api import scope_filter


@dataclass(frozen=True)
class EffectReport:
    metric: str
    control: str
    years: list[int]
    result: DiDResult
    n_dropped_unbalanced: int
    synthetic: bool
    outcome_sd: float

    def chart(self) -> dict[str, Any]:
        r = self.result
        return {
            "event_times": r.event_times.tolist(),
            "att": [round(float(v), 4) for v in r.event_att],
            "low": [round(float(v - 1.96 * s), 4) for v, s in zip(r.event_att, r.event_se, strict=True)],
            "high": [round(float(v + 1.96 * s), 4) for v, s in zip(r.event_att, r.event_se, strict=True)],
        }


def metrics() -> list[str]:
    return sorted(Outcome.objects.values_list("metric", flat=True).distinct())


def effect_report(*, actor: Any, metric: str, control: str = "notyet", n_boot: int = 499) -> EffectReport:
    scope = access.bureau_scope(actor)
    if scope.is_empty:
        raise PermissionDenied("效果评估仅对教育行政部门开放")
    if control not in ("never", "notyet"):
        raise InvalidInput("对照组只能是 never（从未结对）或 notyet（尚未结对）", field="control")
    if not 50 <= n_boot <= 5000:
        raise InvalidInput("自助抽样次数应在 50 到 5000 之间", field="n_boot")
    rows = list(
        Outcome.objects.filter(scope_filter(scope, "school__"), metric=metric).values_list(
            "school_id", "year", "value", "is_synthetic"
        )
    )
    if not rows:
        raise InvalidInput(
            f"权限范围内没有指标 {metric!r} 的结果数据；现有指标：{'、'.join(metrics()) or '无'}",
            field="metric",
        )
    years = list(range(min(r[1] for r in rows), max(r[1] for r in rows) + 1))
    by_school: dict[int, dict[int, float]] = {}
    for school, year, value, _ in rows:
        by_school.setdefault(school, {})[year] = value
    strong = set(Pairing.objects.exclude(status=Pairing.Status.PROPOSED).values_list("strong_id", flat=True))
    start = dict(
        Pairing.objects.exclude(status=Pairing.Status.PROPOSED)
        .filter(started_on__isnull=False)
        .values("weak_id")
        .annotate(first=Min("started_on"))
        .values_list("weak_id", "first")
    )
    units = [s for s, v in by_school.items() if len(v) == len(years) and s not in strong]
    dropped = sum(1 for s, v in by_school.items() if len(v) != len(years) and s not in strong)
    y = np.array([[by_school[s][t] for t in years] for s in units], dtype=np.float64)
    cohort = np.array([start[s].year if s in start else 0 for s in units], dtype=np.int64)
    # Pairings that started before the panel's second year or after its end cannot be evaluated.
    cohort[(cohort != 0) & ((cohort <= years[0]) | (cohort > years[-1]))] = -1
    keep = cohort >= 0
    y, cohort = y[keep], cohort[keep]
    try:
        model = StaggeredDiD(control=control, n_boot=n_boot).fit(y, cohort, np.array(years))
    except ValueError as exc:
        raise InvalidInput(f"无法估计效果：{exc}", field="metric") from exc
    return EffectReport(
        metric=metric,
        control=control,
        years=years,
        result=model.result_,
        n_dropped_unbalanced=dropped,
        synthetic=any(r[3] for r in rows),
        outcome_sd=float(np.std(y[:, 0])) if y.size else 0.0,
    )
