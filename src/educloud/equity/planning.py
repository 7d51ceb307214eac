"""The planner as a service: a county's cheapest plan to meet the standard, explained per school.

:func:`county_plan` loads one county's statistics for a year and stage (one query), keeps the
evaluated schools (exclusions as in the report), and calls ``algos.allocation``:
``plan_minimum_cost`` without a budget, ``plan_within_budget`` with one. It is a read: plans are
computed on request and not stored.

Unit costs: :data:`indicators.DEFAULT_COSTS` unless given; :func:`parse_costs` reads a JSON or CSV
file of unit costs (and, optionally, per-school upper bounds on additions). An infeasible request
(``InfeasiblePlanError``: a school that cannot pass within its bounds, a coefficient that cannot be
brought under its limit) becomes ``InvalidInput`` naming the constraint, the school and the
indicators, in Chinese.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from educloud.algos.allocation import (
    RESOURCE_KEYS,
    InfeasiblePlanError,
    PlanNotConvergedError,
    plan_minimum_cost,
    plan_within_budget,
)
from educloud.algos.standard import stage_standard
from educloud.equity.dataset import CountyInfo
from educloud.equity.indicators import (
    DEFAULT_COSTS,
    INDICATOR_LABELS,
    RESOURCE_LABELS,
    RESOURCE_OF_FIELD,
    RESOURCE_UNITS,
    STAGE_LABELS,
)
from educloud.equity.selectors import check_stage, county_info, load_year, require_county_scope, resolve_year
from educloud.lib.errors import InvalidInput
from educloud.lib.scope import Scope

MAX_COSTS_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class SchoolPlanRow:
    code: str
    name: str
    location: str
    enrolment: int
    additions: dict[str, float]
    cost: float
    passes_before: bool
    passes_after: bool
    newly_met: tuple[str, ...]
    still_below: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class PlanReport:
    county_code: str
    county_name: str
    stage: str
    year: int
    mode: str
    unit_costs: dict[str, float]
    max_additions: dict[str, float]
    budget: float | None
    total_cost: float
    cost_by_resource: dict[str, float]
    amount_by_resource: dict[str, float]
    n_schools: int
    schools_passing_before: int
    schools_passing_after: int
    county_passes_before: bool
    county_passes_after: bool
    cv_before: dict[str, float]
    cv_after: dict[str, float]
    cv_limit: float
    cost_lower_bound: float
    gap: float
    seconds: float
    schools: tuple[SchoolPlanRow, ...]
    excluded: tuple[tuple[str, str, str], ...]


def _resource_key(name: str) -> str:
    key = name.strip()
    if key in RESOURCE_KEYS:
        return key
    if key in RESOURCE_OF_FIELD:
        return RESOURCE_OF_FIELD[key]
    for resource, label in RESOURCE_LABELS.items():
        if key == label:
            return resource
    raise InvalidInput(
        f"未知的资源 {name!r}；可用：{', '.join(RESOURCE_KEYS)}（或统计字段名、中文名）", field="costs"
    )


def _positive(value: Any, *, what: str, allow_zero: bool) -> float:
    try:
        number = (
            float(str(value).replace(",", "").strip()) if not isinstance(value, int | float) else float(value)
        )
    except ValueError:
        raise InvalidInput(f"{what} 不是数值：{value!r}", field="costs") from None
    if isinstance(value, bool) or not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(f"{what} 必须是{'非负' if allow_zero else '正'}数，收到 {value!r}", field="costs")
    return number


def parse_costs(content: bytes, *, filename: str) -> tuple[dict[str, float], dict[str, float]]:
    """Unit costs (yuan) and per-school upper bounds from a JSON or CSV file.

    JSON: ``{"senior_degree_teachers": 150000, ...}`` or ``{"unit_costs": {...}, "max_additions":
    {...}}``. CSV: columns ``resource,unit_cost[,max_per_school]``. Resource names are the planner's
    keys, the statistics' column names or the Chinese labels; missing resources keep their default.
    """
    if len(content) > MAX_COSTS_FILE_BYTES:
        raise InvalidInput("单价文件过大（上限 1 MB）", field="costs")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{filename}：不是 UTF-8 文本", field="costs") from None
    costs: dict[str, float] = {}
    bounds: dict[str, float] = {}
    if filename.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{filename}：JSON 格式错误（第 {exc.lineno} 行）：{exc.msg}", field="costs"
            ) from None
        if not isinstance(data, dict):
            raise InvalidInput(f"{filename}：应为 JSON 对象", field="costs")
        if "unit_costs" in data or "max_additions" in data:
            unknown = set(data) - {"unit_costs", "max_additions"}
            if unknown:
                raise InvalidInput(f"{filename}：未知的键 {', '.join(sorted(unknown))}", field="costs")
            unit_part, bound_part = data.get("unit_costs", {}), data.get("max_additions", {})
        else:
            unit_part, bound_part = data, {}
        if not isinstance(unit_part, dict) or not isinstance(bound_part, dict):
            raise InvalidInput(f"{filename}：unit_costs 与 max_additions 应为对象", field="costs")
        for name, value in unit_part.items():
            costs[_resource_key(name)] = _positive(value, what=f"{name} 的单价", allow_zero=False)
        for name, value in bound_part.items():
            bounds[_resource_key(name)] = _positive(value, what=f"{name} 的上限", allow_zero=True)
        return costs, bounds
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "resource" not in header or "unit_cost" not in header:
        raise InvalidInput(f"{filename}：CSV 需要列 resource,unit_cost[,max_per_school]", field="costs")
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        key = _resource_key(row["resource"])
        if row.get("unit_cost"):
            costs[key] = _positive(row["unit_cost"], what=f"第 {line} 行 unit_cost", allow_zero=False)
        if row.get("max_per_school"):
            bounds[key] = _positive(
                row["max_per_school"], what=f"第 {line} 行 max_per_school", allow_zero=True
            )
    return costs, bounds


def _explain(row: Any, additions: dict[str, float], cost: float, limit: float) -> str:
    if not additions:
        if row.passes_before:
            return "已达标，无需增配"
        return "本方案未安排增配（预算不足或无法达标），仍未达标"
    parts = []
    for key, amount in additions.items():
        shown = f"{amount:,.0f}" if RESOURCE_UNITS[key] in ("人", "间", "元") else f"{amount:,.1f}"
        parts.append(f"{RESOURCE_LABELS[key]} {shown} {RESOURCE_UNITS[key]}")
    text = f"增配{'、'.join(parts)}，约 {cost / 10_000:,.1f} 万元"
    if not row.passes_before and row.passes_after:
        text += "；由未达标变为达标"
    elif row.passes_before:
        text += f"；本校已达标，增配用于把县域差异系数降到 {limit} 以内"
    if row.newly_met:
        text += "（新达到：" + "、".join(INDICATOR_LABELS[k] for k in row.newly_met) + "）"
    if row.passes_after and row.still_below:
        text += (
            "；"
            + "、".join(INDICATOR_LABELS[k] for k in row.still_below)
            + " 达到标准值 85% 以上（允许一项）"
        )
    return text


def _infeasible_message(exc: InfeasiblePlanError, names: dict[str, str]) -> str:
    indicators = "、".join(INDICATOR_LABELS.get(k, k) for k in exc.indicators)
    if exc.constraint == "school_pass":
        school = f"{exc.school_id}（{names.get(exc.school_id or '', '')}）"
        return f"无法制定方案：学校达标约束不可满足——{school}在增配上限内无法达标（{indicators}）"
    return f"无法制定方案：差异系数约束不可满足——{indicators} 的校际差异系数在增配上限内无法降到限值以内"


def county_plan(
    *,
    scope: Scope,
    county_code: str,
    year: int | None,
    stage: str,
    unit_costs: Mapping[str, float] | None = None,
    max_additions: Mapping[str, float] | None = None,
    budget: float | None = None,
    time_limit: float = 3.0,
) -> PlanReport:
    """The cheapest plan (or the best within ``budget``) for one county and stage; scope-checked."""
    check_stage(stage)
    info: CountyInfo = county_info(county_code)
    require_county_scope(scope, info)
    year = resolve_year(year)
    costs = dict(DEFAULT_COSTS)
    for name, value in (unit_costs or {}).items():
        costs[_resource_key(name)] = _positive(value, what=f"{name} 的单价", allow_zero=False)
    bounds = {
        _resource_key(k): _positive(v, what=f"{k} 的上限", allow_zero=True)
        for k, v in (max_additions or {}).items()
    }
    if budget is not None and (isinstance(budget, bool) or not math.isfinite(budget) or budget < 0):
        raise InvalidInput(f"预算必须是非负数，收到 {budget!r}", field="budget")
    table = load_year(year, county_codes=[county_code], sections=(stage,))
    reasons = table.exclusion
    excluded = tuple(
        (str(c), str(n), str(r)) for c, n, r in zip(table.code, table.name, reasons, strict=True) if r
    )
    part = table.take(reasons == "")
    if not len(part):
        raise InvalidInput(f"{info.name} {year} 年没有参与评估的{STAGE_LABELS[stage]}学校", field="county")
    names = dict(zip(part.code.tolist(), part.name.tolist(), strict=True))
    common: dict[str, Any] = {
        "standard": stage_standard(stage),
        "unit_costs": costs,
        "max_additions": bounds or None,
        "school_ids": part.code.tolist(),
        "time_limit": time_limit,
    }
    try:
        if budget is None:
            plan = plan_minimum_cost(part.numerators, part.enrolment, **common)
        else:
            plan = plan_within_budget(part.numerators, part.enrolment, budget=float(budget), **common)
    except InfeasiblePlanError as exc:
        raise InvalidInput(_infeasible_message(exc, names), field=exc.constraint) from exc
    except PlanNotConvergedError as exc:
        raise InvalidInput(
            f"在 {time_limit} 秒内未找到满足全部约束的方案，请放宽时限或上限", field="time_limit"
        ) from exc
    limit = plan.cv_limit
    rows = []
    for school in plan.schools:
        rows.append(
            SchoolPlanRow(
                code=school.school_id,
                name=names[school.school_id],
                location=str(part.location[school.row]),
                enrolment=int(part.enrolment[school.row]),
                additions=school.additions,
                cost=school.cost,
                passes_before=school.passes_before,
                passes_after=school.passes_after,
                newly_met=school.newly_met,
                still_below=school.still_below,
                explanation=_explain(school, school.additions, school.cost, limit),
            )
        )
    rows.sort(key=lambda r: (-r.cost, r.code))
    cv_before_ok = all(v <= limit for v in plan.cv_before.values())
    return PlanReport(
        county_code=info.code,
        county_name=info.name,
        stage=stage,
        year=year,
        mode=plan.mode,
        unit_costs=costs,
        max_additions=bounds,
        budget=plan.budget,
        total_cost=plan.total_cost,
        cost_by_resource=plan.cost_by_resource,
        amount_by_resource=plan.amount_by_resource,
        n_schools=len(part),
        schools_passing_before=plan.schools_passing_before,
        schools_passing_after=plan.schools_passing_after,
        county_passes_before=cv_before_ok and plan.schools_passing_before == len(part),
        county_passes_after=plan.county_passes_after,
        cv_before=plan.cv_before,
        cv_after=plan.cv_after,
        cv_limit=limit,
        cost_lower_bound=plan.cost_lower_bound,
        gap=plan.gap,
        seconds=plan.seconds,
        schools=tuple(rows),
        excluded=excluded,
    )
