"""Pages of the equity app (Chinese; HTMX partials; ECharts fed through ``json_script``).

Access: the circle page (ranking and map) is public; county dashboards, inequality and efficiency
need a login (aggregates); failing schools, the planner and the school DEA need view scope over the
county; import needs edit scope. Views are thin: parse, call selectors/services, render.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.encoding import escape_uri_path

from educloud.accounts.api import edit_scope, view_scope
from educloud.algos.standard import INDICATOR_KEYS, INDICATORS
from educloud.equity import efficiency, planning, selectors, services
from educloud.equity.dataset import available_years
from educloud.equity.importing import COLUMNS, template_rows
from educloud.equity.indicators import (
    DEFAULT_UNIT_COSTS,
    INDICATOR_LABELS,
    LOCATION_LABELS,
    RESOURCE_LABELS,
    RESOURCE_UNITS,
    STAGE_LABELS,
    STAGES,
)
from educloud.equity.reports import jsonable
from educloud.equity.tabular import xlsx_bytes
from educloud.lib.bounds import YEAR_MAX, YEAR_MIN, int_param
from educloud.lib.errors import DomainError, InvalidInput
from educloud.lib.pages import error_page as _error_page


def _domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            if request.headers.get("HX-Request"):
                return render(request, "equity/_error.html", {"message": exc.message}, status=200)
            return _error_page(request, exc)

    return wrapper


def _year(request: HttpRequest) -> int | None:
    data = request.GET if request.GET.get("year") else request.POST
    return int_param(data, "year", low=YEAR_MIN, high=YEAR_MAX, label="年份")


def _stage(request: HttpRequest, default: str = "primary") -> str:
    return selectors.check_stage(request.GET.get("stage") or default)


def _common(year: int) -> dict[str, Any]:
    return {
        "year": year,
        "years": available_years(),
        "stage_choices": [(s, STAGE_LABELS[s]) for s in STAGES],
        "indicator_labels": INDICATOR_LABELS,
    }


@_domain_errors
def index(request: HttpRequest) -> HttpResponse:
    """The circle: map coloured by compliance and the ranking of all member counties (public)."""
    overview = selectors.circle_overview(year=_year(request))
    stage = _stage(request)
    context = {
        **_common(overview.year),
        "stage": stage,
        "ranked": overview.rankings[stage],
        "map_points": overview.combined,
        "passing": {s: sum(1 for r in overview.rankings[s] if r.passes) for s in STAGES},
        "n_counties": len(overview.combined),
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "ranking":
        return render(request, "equity/_ranking.html", context)
    return render(request, "equity/index.html", context)


def _indicator_chart(detail: Any) -> dict[str, Any]:
    return {
        "labels": [row.label for row in detail.indicators],
        "ratio": [
            None if row.county_value is None else round(100 * row.county_value / row.threshold, 1)
            for row in detail.indicators
        ],
        "met_share": [
            round(100 * row.schools_meeting / row.schools_total, 1) if row.schools_total else None
            for row in detail.indicators
        ],
        "cv": [None if row.cv is None else round(row.cv, 4) for row in detail.indicators],
        "cv_limit": detail.summary.cv_limit,
    }


@login_required
@_domain_errors
def county(request: HttpRequest, code: str) -> HttpResponse:
    """A county's dashboard: indicators vs thresholds, coefficients vs the limit, failing schools."""
    scope = view_scope(request.user)
    stage = _stage(request)
    detail = selectors.county_compliance(scope=scope, county_code=code, year=_year(request), stage=stage)
    trend = selectors.county_trend(county_code=code, stage=stage)
    info = selectors.county_info(code)
    in_scope = selectors.covers(scope, info)
    dea = None
    if in_scope and detail.summary.n_schools >= 2:
        try:
            dea = efficiency.school_efficiency(
                scope=scope, county_code=code, year=detail.summary.year, stage=stage
            )
        except DomainError:
            dea = None
    context = {
        **_common(detail.summary.year),
        "info": info,
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "detail": detail,
        "summary": detail.summary,
        "in_scope": in_scope,
        "failing": [s for s in detail.schools or () if not s.passes],
        "drivers": [
            (INDICATOR_LABELS[key], detail.summary.cv[key], rows)
            for key, rows in (detail.drivers or {}).items()
            if key in detail.summary.failing_indicators or rows
        ][:7],
        "chart": _indicator_chart(detail),
        "trend_chart": {
            "years": [t.year for t in trend],
            "pass_rate": [None if t.pass_rate is None else round(100 * t.pass_rate, 1) for t in trend],
            "worst_cv": [
                None if t.worst_cv_ratio is None else round(t.worst_cv_ratio * t.cv_limit, 4) for t in trend
            ],
            "cv_limit": detail.summary.cv_limit,
        },
        "trend": trend,
        "dea": dea,
        "location_labels": LOCATION_LABELS,
    }
    return render(request, "equity/county.html", context)


@login_required
@_domain_errors
def county_print(request: HttpRequest, code: str) -> HttpResponse:
    """A printable report of both stages (print CSS hides navigation and controls)."""
    scope = view_scope(request.user)
    year = _year(request)
    details = [selectors.county_compliance(scope=scope, county_code=code, year=year, stage=s) for s in STAGES]
    info = selectors.county_info(code)
    sections = [
        {
            "label": STAGE_LABELS[d.summary.stage],
            "detail": d,
            "failing": [s for s in d.schools or () if not s.passes],
        }
        for d in details
    ]
    return render(
        request,
        "equity/print.html",
        {
            "info": info,
            "year": details[0].summary.year,
            "sections": sections,
            "in_scope": selectors.covers(scope, info),
        },
    )


# --- planner ----------------------------------------------------------------------------------


def _plan_inputs(request: HttpRequest) -> dict[str, Any]:
    costs: dict[str, float] = {}
    for cost in DEFAULT_UNIT_COSTS:
        raw = (request.GET.get(f"cost_{cost.resource}") or "").strip()
        if raw:
            try:
                costs[cost.resource] = float(raw.replace(",", ""))
            except ValueError:
                raise InvalidInput(
                    f"{RESOURCE_LABELS[cost.resource]}的单价 {raw!r} 不是数字", field="costs"
                ) from None
    raw_budget = (request.GET.get("budget") or "").strip()
    budget = None
    if raw_budget:
        try:
            budget = float(raw_budget.replace(",", "")) * 10_000  # the form asks for 万元
        except ValueError:
            raise InvalidInput(f"预算 {raw_budget!r} 不是数字", field="budget") from None
    return {"stage": _stage(request), "year": _year(request), "unit_costs": costs, "budget": budget}


def _plan(request: HttpRequest, code: str) -> planning.PlanReport:
    inputs = _plan_inputs(request)
    return planning.county_plan(scope=view_scope(request.user), county_code=code, **inputs)


def _cost_rows(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "resource": cost.resource,
            "label": RESOURCE_LABELS[cost.resource],
            "per": cost.per,
            "basis": cost.basis,
            "default": cost.yuan,
            "value": request.GET.get(f"cost_{cost.resource}", ""),
        }
        for cost in DEFAULT_UNIT_COSTS
    ]


@login_required
@_domain_errors
def planner(request: HttpRequest, code: str) -> HttpResponse:
    """The planner form; with ``run=1`` the plan (an HTMX partial when asked by HTMX)."""
    info = selectors.county_info(code)
    selectors.require_county_scope(view_scope(request.user), info)
    year = selectors.resolve_year(_year(request))
    context: dict[str, Any] = {
        **_common(year),
        "info": info,
        "stage": _stage(request),
        "costs": _cost_rows(request),
        "budget": request.GET.get("budget", ""),
        "plan": None,
    }
    if request.GET.get("run"):
        plan = _plan(request, code)
        context.update(_plan_context(plan, request))
        if request.headers.get("HX-Request"):
            return render(request, "equity/_plan.html", context)
    return render(request, "equity/planner.html", context)


def _plan_context(plan: planning.PlanReport, request: HttpRequest) -> dict[str, Any]:
    query = request.GET.copy()
    query.pop("run", None)
    return {
        "plan": plan,
        "stage_label": STAGE_LABELS[plan.stage],
        "resources": [
            (RESOURCE_LABELS[k], plan.amount_by_resource[k], RESOURCE_UNITS[k], plan.cost_by_resource[k])
            for k in plan.amount_by_resource
            if plan.amount_by_resource[k] > 0
        ],
        "cv_rows": [
            (INDICATOR_LABELS[k], plan.cv_before[k], plan.cv_after[k])
            for k in INDICATOR_KEYS
            if k in plan.cv_before
        ],
        "receiving": [s for s in plan.schools if s.additions],
        "export_query": query.urlencode(),
        "resource_labels": RESOURCE_LABELS,
    }


@login_required
@_domain_errors
def planner_export(request: HttpRequest, code: str) -> HttpResponse:
    """The plan as an Excel workbook: summary, one row per school, unit costs."""
    plan = _plan(request, code)
    resources = list(RESOURCE_LABELS)
    school_rows = [
        [
            s.code,
            s.name,
            LOCATION_LABELS.get(s.location, s.location),
            s.enrolment,
            *[round(s.additions.get(k, 0.0), 2) for k in resources],
            round(s.cost, 2),
            "是" if s.passes_before else "否",
            "是" if s.passes_after else "否",
            s.explanation,
        ]
        for s in plan.schools
    ]
    summary: list[list[Any]] = [
        ["区县", f"{plan.county_name}（{plan.county_code}）"],
        ["年份", plan.year],
        ["学段", STAGE_LABELS[plan.stage]],
        ["方案", "预算内最优" if plan.budget is not None else "达标最低成本"],
        ["预算（元）", plan.budget if plan.budget is not None else "—"],
        ["总费用（元）", round(plan.total_cost, 2)],
        [
            "达标学校（前→后）",
            f"{plan.schools_passing_before} → {plan.schools_passing_after} / {plan.n_schools}",
        ],
        ["县域达标", "是" if plan.county_passes_after else "否"],
        ["与最优成本的差距上限", f"{plan.gap:.2%}"],
        *[
            [f"差异系数：{INDICATOR_LABELS[k]}", f"{plan.cv_before[k]:.3f} → {plan.cv_after[k]:.3f}"]
            for k in plan.cv_before
        ],
        ["说明", "演示数据为程序合成，不代表真实学校"],
    ]
    costs = [[RESOURCE_LABELS[k], v, RESOURCE_UNITS[k]] for k, v in plan.unit_costs.items()]
    content = xlsx_bytes(
        [
            ("方案概要", ["项目", "值"], summary),
            (
                "学校明细",
                ["学校代码", "学校名称", "城乡", "在校生数"]
                + [f"增配{RESOURCE_LABELS[k]}（{RESOURCE_UNITS[k]}）" for k in resources]
                + ["费用（元）", "原达标", "方案后达标", "说明"],
                school_rows,
            ),
            ("单价", ["资源", "单价（元）", "单位"], costs),
        ]
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"均衡配置方案_{plan.county_name}_{plan.year}_{STAGE_LABELS[plan.stage]}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


# --- inequality and efficiency ----------------------------------------------------------------


@login_required
@_domain_errors
def inequality(request: HttpRequest) -> HttpResponse:
    indicator = request.GET.get("indicator") or INDICATOR_KEYS[0]
    stage = selectors.check_stage(request.GET.get("stage") or "all", allow_all=True)
    report = selectors.inequality(year=_year(request), indicator=indicator, stage=stage)
    parts = {d.grouping: d for d in report.decompositions}
    chart = {
        "groupings": [d.title for d in report.decompositions],
        "between": [round(d.between, 6) for d in report.decompositions],
        "within": [round(d.within, 6) for d in report.decompositions],
        "province": jsonable(parts["province"].groups),
        "location": jsonable(parts["location"].groups),
        "unit": report.unit,
    }
    return render(
        request,
        "equity/inequality.html",
        {
            **_common(report.year),
            "report": report,
            "indicator": indicator,
            "indicators": [(i.key, i.label_zh) for i in INDICATORS],
            "stage": stage,
            "stage_options": [("all", STAGE_LABELS["all"]), *[(s, STAGE_LABELS[s]) for s in STAGES]],
            "chart": chart,
        },
    )


@login_required
@_domain_errors
def efficiency_page(request: HttpRequest) -> HttpResponse:
    rts = request.GET.get("rts") or "vrs"
    orientation = request.GET.get("orientation") or "input"
    report = efficiency.county_efficiency(year=_year(request), rts=rts, orientation=orientation)
    chart = [
        {
            "name": s.name,
            "code": s.dmu,
            "value": [s.inputs["funding_yuan"] / max(s.outputs["enrolment"], 1), round(s.efficiency, 4)],
        }
        for s in report.scores
        if "funding_yuan" in s.inputs
    ]
    return render(
        request,
        "equity/efficiency.html",
        {**_common(report.year), "report": report, "rts": rts, "orientation": orientation, "chart": chart},
    )


# --- import -----------------------------------------------------------------------------------


@login_required
@_domain_errors
def import_page(request: HttpRequest) -> HttpResponse:
    scope = edit_scope(request.user)
    if scope.is_empty:
        return render(
            request, "web/error.html", {"message": "导入统计数据需要学校或教育行政部门的修改权限"}, status=403
        )
    years = available_years()
    context: dict[str, Any] = {"years": years, "template_year": (years[0] if years else 2025), "report": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "请选择要导入的文件"
        else:
            try:
                context["report"] = services.stats_import(
                    editable_scope=scope,
                    filename=upload.name or "upload",
                    content=upload.read(services.MAX_IMPORT_BYTES + 1),
                    dry_run=bool(request.POST.get("dry_run")),
                )
            except InvalidInput as exc:
                context["error"] = exc.message
        if request.headers.get("HX-Request"):
            return render(request, "equity/_import_report.html", context)
    return render(request, "equity/import.html", context)


@login_required
@_domain_errors
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        return render(request, "web/error.html", {"message": "模板只有 CSV 和 xlsx 两种格式"}, status=404)
    scope = edit_scope(request.user)
    if scope.is_empty:
        return render(
            request, "web/error.html", {"message": "导入统计数据需要学校或教育行政部门的修改权限"}, status=403
        )
    try:
        year = _year(request) or (available_years() or [2025])[0]
    except DomainError as exc:
        return _error_page(request, exc)
    header = [label for _, label in COLUMNS]
    rows = template_rows(editable_scope=scope, year=year)
    filename = f"学校年度统计模板_{year}.{fmt}"
    if fmt == "xlsx":
        content = xlsx_bytes([(f"{year}年统计", header, rows)])
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
