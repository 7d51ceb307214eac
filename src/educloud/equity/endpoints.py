"""REST endpoints of the equity app, mounted under /api/v1/equity/.

A web-layer module: it asks ``accounts`` for the caller's scope. Access: the circle ranking is
public; other aggregates need a login; school-level details, plans and school DEA need view scope
over the county; importing needs edit scope. Bodies are the reports as JSON (``reports.jsonable``:
non-finite numbers become ``null``).
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from typing import Any, Literal

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from educloud.accounts.api import edit_scope, view_scope
from educloud.equity import efficiency, planning, selectors, services
from educloud.equity.indicators import DEFAULT_DEA_INPUTS, DEFAULT_DEA_OUTPUTS
from educloud.equity.reports import jsonable
from educloud.lib.api_errors import LOGIN_ERRORS, UPLOAD_ERRORS, ErrorOut, with_errors
from educloud.lib.bounds import Year

router = Router(tags=["equity"], auth=django_auth)

Stage = Literal["primary", "junior"]


def _split(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else default


@router.get(
    "/ranking", response=with_errors(list[dict[str, Any]]), auth=None, summary="成员区县优质均衡排名（公开）"
)
def ranking(request, stage: Stage = "primary", year: Year | None = None) -> list[dict[str, Any]]:
    return jsonable(selectors.ranking(year=year, stage=stage))


@router.get(
    "/counties/{code}/compliance",
    response=with_errors(dict[str, Any], LOGIN_ERRORS),
    summary="区县达标情况（本辖区可见学校明细）",
)
def compliance(request, code: str, stage: Stage = "primary", year: Year | None = None) -> dict[str, Any]:
    return jsonable(
        selectors.county_compliance(scope=view_scope(request.user), county_code=code, year=year, stage=stage)
    )


@router.get(
    "/counties/{code}/trend",
    response=with_errors(list[dict[str, Any]], LOGIN_ERRORS),
    summary="区县历年达标趋势",
)
def trend(request, code: str, stage: Stage = "primary") -> list[dict[str, Any]]:
    return jsonable(selectors.county_trend(county_code=code, stage=stage))


@router.get(
    "/inequality",
    response=with_errors(dict[str, Any], LOGIN_ERRORS),
    summary="指标的差异系数、基尼系数、泰尔指数及分解",
)
def inequality(
    request,
    indicator: str = "senior_degree_teachers_per_100",
    stage: Literal["primary", "junior", "all"] = "all",
    year: Year | None = None,
    weighting: Literal["enrolment", "unweighted"] = "enrolment",
) -> dict[str, Any]:
    return jsonable(selectors.inequality(year=year, indicator=indicator, stage=stage, weighting=weighting))


class PlanIn(Schema):
    stage: Stage = "primary"
    year: Year | None = None
    unit_costs: dict[str, float] | None = None
    max_additions: dict[str, float] | None = None
    budget: float | None = None


@router.post(
    "/counties/{code}/plan",
    response=with_errors(dict[str, Any], LOGIN_ERRORS),
    summary="区县达标最低成本方案（或预算内最优方案）",
)
def plan(request, code: str, payload: PlanIn) -> dict[str, Any]:
    return jsonable(
        planning.county_plan(
            scope=view_scope(request.user),
            county_code=code,
            year=payload.year,
            stage=payload.stage,
            unit_costs=payload.unit_costs,
            max_additions=payload.max_additions,
            budget=payload.budget,
        )
    )


@router.get(
    "/efficiency/counties",
    response=with_errors(dict[str, Any], LOGIN_ERRORS),
    summary="区县办学效率（DEA；投入：经费、教师；产出：在校生）",
)
def county_efficiency(
    request,
    year: Year | None = None,
    inputs: str | None = None,
    outputs: str | None = None,
    rts: Literal["crs", "vrs"] = "vrs",
    orientation: Literal["input", "output"] = "input",
) -> dict[str, Any]:
    return jsonable(
        efficiency.county_efficiency(
            year=year,
            inputs=_split(inputs, DEFAULT_DEA_INPUTS),
            outputs=_split(outputs, DEFAULT_DEA_OUTPUTS),
            rts=rts,
            orientation=orientation,
        )
    )


@router.get(
    "/counties/{code}/efficiency",
    response=with_errors(dict[str, Any], LOGIN_ERRORS),
    summary="区县内学校办学效率（DEA，限本辖区）",
)
def school_efficiency(
    request,
    code: str,
    stage: Stage = "primary",
    year: Year | None = None,
    inputs: str | None = None,
    outputs: str | None = None,
    rts: Literal["crs", "vrs"] = "vrs",
    orientation: Literal["input", "output"] = "input",
) -> dict[str, Any]:
    return jsonable(
        efficiency.school_efficiency(
            scope=view_scope(request.user),
            county_code=code,
            year=year,
            stage=stage,
            inputs=_split(inputs, DEFAULT_DEA_INPUTS),
            outputs=_split(outputs, DEFAULT_DEA_OUTPUTS),
            rts=rts,
            orientation=orientation,
        )
    )


class ProblemOut(Schema):
    row: int = Field(description="表格中的行号（表头为第 1 行）")
    column: str
    problem: str


class ImportReportOut(Schema):
    filename: str
    dry_run: bool
    n_rows: int
    valid: bool
    imported: bool
    created: int
    replaced: int
    unchanged: int
    n_problems: int
    problems: list[ProblemOut]
    ignored_columns: list[str]


class ImportRejectedOut(ErrorOut):
    """400: the file as a whole was refused (``detail`` only) or rows have problems (the report too)."""

    filename: str | None = None
    dry_run: bool | None = None
    n_rows: int | None = None
    valid: bool | None = None
    imported: bool | None = None
    created: int | None = None
    replaced: int | None = None
    unchanged: int | None = None
    n_problems: int | None = None
    problems: list[ProblemOut] = []
    ignored_columns: list[str] = []


@router.post(
    "/import",
    response=with_errors({200: ImportReportOut, 400: ImportRejectedOut}, LOGIN_ERRORS, UPLOAD_ERRORS),
    summary="导入学校年度统计（CSV / xlsx；全部有效才写入；可试运行）",
    description="200：检查通过（dry_run 时未写入）；400：逐行问题列表 problems，未写入任何数据。",
)
def stats_import(
    request,
    file: UploadedFile = File(...),  # noqa: B008 (a Ninja marker, not a call at run time)
    dry_run: bool = Form(False),
):
    report = services.stats_import(
        editable_scope=edit_scope(request.user),
        filename=file.name or "upload.csv",
        content=file.read(services.MAX_IMPORT_BYTES + 1),
        dry_run=dry_run,
    )
    if report.valid:
        return Status(200, jsonable(report))
    detail = f"文件有 {report.n_problems} 处问题，未导入任何数据"
    return Status(400, {"detail": detail, "field": "file", **jsonable(report)})
