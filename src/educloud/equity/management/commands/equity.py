"""``educloud equity report|plan|dea|inequality|import``: the equity monitor from the command line.

* ``report [--year Y] [--county CODE] [--stage S] [--json]`` — without ``--county``: the circle's full
  report (both stages' county rankings and every indicator's CV / Gini / Theil with decompositions);
  with it: that county's dashboard per stage (schools included: the CLI runs with database access)
  and its year-on-year trend.
* ``plan --county CODE [--year Y] [--stage primary|junior] [--costs FILE] [--budget YUAN] [--json]`` —
  the cheapest plan that makes the county meet the standard, or the best within a budget (needs
  ``--stage``). ``--costs``: JSON ``{"senior_degree_teachers": 150000, ...}`` (or ``{"unit_costs": {...},
  "max_additions": {...}}``) or CSV ``resource,unit_cost[,max_per_school]``; defaults in
  ``equity/indicators.py`` (``DEFAULT_UNIT_COSTS``).
* ``dea FILE --inputs a,b --outputs c,d [--rts crs|vrs] [--orientation input|output] [--id-column NAME]``
  — DEA of the rows of a CSV / xlsx file; prints ``[{"dmu", "score", "efficiency", "efficient",
  "input_slacks", "output_slacks", "peers"}, ...]``. Default ``crs`` (CCR), input-oriented; without
  ``--id-column`` DMUs are named by the first column unless it is an input/output (then 1, 2, ...).
* ``inequality FILE --value COL [--weight COL] [--group COL]`` — prints ``n``, ``cv``, ``gini``,
  ``theil``, ``theil_between``, ``theil_within`` (weighted by ``--weight`` when given, else unweighted;
  without ``--group`` the whole file is one group, so between = 0 and within = theil).
* ``import FILE [--dry-run]`` — import the statistics template (whole circle in scope).

Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.lib.errors import DomainError


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(str(message).split()), returncode=2)


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise _fail(f"file not found: {path}") from None
    except IsADirectoryError:
        raise _fail(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _columns(option: str, name: str) -> list[str]:
    columns = [c.strip() for c in option.split(",") if c.strip()]
    if not columns:
        raise _fail(f"--{name}: give at least one column name")
    return columns


class Command(BaseCommand):
    help = "Balanced allocation: compliance report, planner, DEA and inequality of a file, import."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{report,plan,dea,inequality,import}"
        )
        report = sub.add_parser("report", help="compliance and inequality report (circle or one county)")
        report.add_argument("--year", type=int, help="default: the latest year with statistics")
        report.add_argument("--county", help="county code (6 digits)")
        report.add_argument("--stage", choices=["primary", "junior"], help="only this stage")
        report.add_argument("--json", action="store_true")
        plan = sub.add_parser("plan", help="cheapest plan to meet the standard, or the best within a budget")
        plan.add_argument("--county", required=True)
        plan.add_argument("--year", type=int)
        plan.add_argument("--stage", choices=["primary", "junior"], help="default: both stages")
        plan.add_argument("--costs", help="JSON or CSV file of unit costs (yuan)")
        plan.add_argument("--budget", type=float, help="yuan; needs --stage")
        plan.add_argument("--time-limit", type=float, default=3.0, help="seconds per plan (default 3)")
        plan.add_argument("--json", action="store_true")
        dea = sub.add_parser("dea", help="DEA efficiency of the rows of a CSV/xlsx file")
        dea.add_argument("file")
        dea.add_argument("--inputs", required=True)
        dea.add_argument("--outputs", required=True)
        dea.add_argument("--rts", choices=["crs", "vrs"], default="crs")
        dea.add_argument("--orientation", choices=["input", "output"], default="input")
        dea.add_argument("--id-column")
        dea.add_argument("--json", action="store_true")
        ineq = sub.add_parser("inequality", help="CV, Gini, Theil (+ decomposition) of a column of a file")
        ineq.add_argument("file")
        ineq.add_argument("--value", required=True)
        ineq.add_argument("--weight")
        ineq.add_argument("--group")
        ineq.add_argument("--json", action="store_true")
        imp = sub.add_parser("import", help="import yearly statistics (the template's columns)")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--json", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        handler = getattr(self, f"_{action}")
        try:
            result, text = handler(**options)
        except DomainError as exc:
            raise _fail(exc.message) from None
        if options.get("json"):
            from educloud.equity.reports import jsonable

            self.stdout.write(json.dumps(jsonable(result), ensure_ascii=False))
        else:
            self.stdout.write(text)

    # --- report -------------------------------------------------------------------------------

    def _report(
        self, *, year: int | None, county: str | None, stage: str | None, **_: Any
    ) -> tuple[Any, str]:
        from educloud.equity import selectors
        from educloud.equity.indicators import INDICATOR_LABELS, STAGE_LABELS, STAGES
        from educloud.lib.scope import Scope

        stages = [stage] if stage else list(STAGES)
        if county:
            info = selectors.county_info(county)
            year = selectors.resolve_year(year)
            details = {
                s: selectors.county_compliance(scope=Scope.all(), county_code=county, year=year, stage=s)
                for s in stages
            }
            trends = {s: selectors.county_trend(county_code=county, stage=s) for s in stages}
            result = {
                "county_code": info.code,
                "county_name": info.name,
                "year": year,
                "stages": details,
                "trend": trends,
            }
            lines = [f"{info.province_name} {info.name}（{info.code}）{year} 年"]
            for s, detail in details.items():
                summary = detail.summary
                verdict = {True: "达标", False: "未达标", None: "无数据"}[summary.passes]
                lines.append(
                    f"\n[{STAGE_LABELS[s]}] {verdict}：评估学校 {summary.n_schools} 所，"
                    f"达标 {summary.n_passing} 所，"
                    f"排除 {summary.n_excluded} 所；差异系数限值 {summary.cv_limit}"
                )
                lines.append(
                    format_table(
                        ["指标", "标准值", "县域均值", "差异系数", "达标学校"],
                        [
                            [
                                r.label,
                                r.threshold,
                                _fmt(r.county_value, 2),
                                _fmt(r.cv),
                                f"{r.schools_meeting}/{r.schools_total}",
                            ]
                            for r in detail.indicators
                        ],
                    )
                )
                failing = [school for school in detail.schools or () if not school.passes]
                if failing:
                    lines.append("未达标学校：")
                    for school in failing:
                        short = "、".join(
                            f"{INDICATOR_LABELS[k]}差 {v:.0%}" for k, v in school.shortfalls.items()
                        )
                        lines.append(f"  {school.code} {school.name}：达到 {school.n_met}/7 项；{short}")
                trend = " → ".join(
                    f"{t.year}: {t.n_passing}/{t.n_schools}" for t in trends[s] if t.passes is not None
                )
                lines.append(f"历年达标学校：{trend}")
            return result, "\n".join(lines)
        report = selectors.full_report(year=year)
        rankings = {s: report.rankings[s] for s in stages}
        result = {"year": report.year, "rankings": rankings, "inequality": report.inequality}
        lines = [
            f"成渝地区双城经济圈义务教育优质均衡监测 {report.year} 年"
            f"（{len(report.rankings['primary'])} 个区县）"
        ]
        for s, ranked in rankings.items():
            passing = sum(1 for r in ranked if r.passes)
            lines.append(f"\n[{STAGE_LABELS[s]}] 达标区县 {passing} 个")
            lines.append(
                format_table(
                    ["名次", "区县", "省（市）", "评估学校", "达标学校", "结论", "差异系数超限"],
                    [
                        [
                            r.rank or "—",
                            r.county_name,
                            r.province_name,
                            r.n_schools,
                            r.n_passing,
                            {True: "达标", False: "未达标", None: "无数据"}[r.passes],
                            "、".join(INDICATOR_LABELS[k] for k in r.failing_indicators),
                        ]
                        for r in ranked
                    ],
                )
            )
        lines.append("\n不均衡指数（全部评估学校，按在校生加权；Theil 分解：省际 / 城乡）")
        rows = []
        for item in report.inequality:
            parts = {d.grouping: d for d in item.decompositions}
            rows.append(
                [
                    item.label,
                    _fmt(item.cv),
                    _fmt(item.gini),
                    _fmt(item.theil, 4),
                    f"{parts['province'].between_share:.1%}",
                    f"{parts['location'].between_share:.1%}",
                ]
            )
        lines.append(format_table(["指标", "差异系数", "基尼系数", "泰尔指数", "省际占比", "城乡占比"], rows))
        return result, "\n".join(lines)

    # --- plan ---------------------------------------------------------------------------------

    def _plan(
        self,
        *,
        county: str,
        year: int | None,
        stage: str | None,
        costs: str | None,
        budget: float | None,
        time_limit: float,
        **_: Any,
    ) -> tuple[Any, str]:
        from educloud.equity.indicators import RESOURCE_LABELS, RESOURCE_UNITS, STAGE_LABELS, STAGES
        from educloud.equity.planning import county_plan, parse_costs
        from educloud.lib.scope import Scope

        if budget is not None and stage is None:
            raise _fail("--budget applies to one stage: add --stage primary or --stage junior")
        if not time_limit > 0:
            raise _fail("--time-limit must be positive")
        unit_costs: dict[str, float] = {}
        bounds: dict[str, float] = {}
        if costs:
            unit_costs, bounds = parse_costs(_read_file(costs), filename=costs)
        plans = [
            county_plan(
                scope=Scope.all(),
                county_code=county,
                year=year,
                stage=s,
                unit_costs=unit_costs,
                max_additions=bounds,
                budget=budget,
                time_limit=time_limit,
            )
            for s in ([stage] if stage else STAGES)
        ]
        result = {
            "county_code": plans[0].county_code,
            "county_name": plans[0].county_name,
            "year": plans[0].year,
            "plans": plans,
        }
        lines = []
        for plan in plans:
            lines.append(
                f"{plan.county_name} {plan.year} 年{STAGE_LABELS[plan.stage]}："
                f"{'预算内最优' if plan.budget is not None else '最低成本'}方案 "
                f"{plan.total_cost / 10_000:,.1f} 万元；"
                f"达标学校 {plan.schools_passing_before} → {plan.schools_passing_after} / {plan.n_schools}；"
                f"县域{'达标' if plan.county_passes_after else '仍未达标'}（与最优的差距至多 {plan.gap:.1%}）"
            )
            lines.append(
                format_table(
                    ["资源", "数量", "单位", "费用（万元）"],
                    [
                        [
                            RESOURCE_LABELS[k],
                            f"{v:,.1f}",
                            RESOURCE_UNITS[k],
                            f"{plan.cost_by_resource[k] / 10_000:,.1f}",
                        ]
                        for k, v in plan.amount_by_resource.items()
                        if v > 0
                    ],
                )
            )
            lines.append(
                format_table(
                    ["学校代码", "学校", "费用（万元）", "说明"],
                    [
                        [s.code, s.name, f"{s.cost / 10_000:,.1f}", s.explanation]
                        for s in plan.schools
                        if s.additions
                    ],
                )
            )
            lines.append("")
        return result, "\n".join(lines).rstrip()

    # --- dea ----------------------------------------------------------------------------------

    def _dea(
        self,
        *,
        file: str,
        inputs: str,
        outputs: str,
        rts: str,
        orientation: str,
        id_column: str | None,
        **_: Any,
    ) -> tuple[Any, str]:
        import numpy as np

        from educloud.equity.efficiency import RTS, scaled_dea
        from educloud.equity.tabular import TableError, numeric_column, read_table, text_column

        input_columns, output_columns = _columns(inputs, "inputs"), _columns(outputs, "outputs")
        overlap = sorted(set(input_columns) & set(output_columns))
        if overlap:
            raise _fail(f"column(s) {', '.join(overlap)} cannot be both an input and an output")
        try:
            table = read_table(_read_file(file), filename=file)
            x = np.column_stack([numeric_column(table, c, positive=True) for c in input_columns])
            y = np.column_stack([numeric_column(table, c, positive=True) for c in output_columns])
            if id_column:
                ids = text_column(table, id_column)
            elif table.header[0] not in input_columns + output_columns:
                ids = text_column(table, table.header[0])
            else:
                ids = [str(i + 1) for i in range(len(table.rows))]
        except TableError as exc:
            raise _fail(f"{file}: {exc}") from None
        duplicated = sorted({i for i in ids if ids.count(i) > 1}) if len(ids) < 5000 else []
        if duplicated:
            raise _fail(f"{file}: DMU id {duplicated[0]!r} appears more than once")
        try:
            result = scaled_dea(x, y, model=RTS[rts], orientation=orientation)
        except (ValueError, RuntimeError) as exc:
            raise _fail(f"{file}: {exc}") from None
        rows: list[dict[str, Any]] = [
            {
                "dmu": ids[i],
                "score": float(result.scores[i]),
                "efficiency": float(result.efficiency[i]),
                "efficient": bool(result.efficient[i]),
                "input_slacks": dict(zip(input_columns, result.input_slacks[i].tolist(), strict=True)),
                "output_slacks": dict(zip(output_columns, result.output_slacks[i].tolist(), strict=True)),
                "peers": [ids[p] for p in result.peers[i]],
            }
            for i in range(len(ids))
        ]
        text = f"DEA {RTS[rts]} ({rts}), {orientation}-oriented, {len(ids)} DMUs\n" + format_table(
            ["DMU", "score", "efficient", "peers"],
            [
                [
                    r["dmu"],
                    f"{r['score']:.4f}",
                    "yes" if r["efficient"] else "",
                    " ".join(r["peers"]),
                ]
                for r in rows
            ],
        )
        return rows, text

    # --- inequality ---------------------------------------------------------------------------

    def _inequality(
        self, *, file: str, value: str, weight: str | None, group: str | None, **_: Any
    ) -> tuple[Any, str]:
        from educloud.algos.inequality import difference_coefficient, gini, theil_decomposition
        from educloud.equity.tabular import TableError, numeric_column, read_table, text_column

        try:
            table = read_table(_read_file(file), filename=file)
            values = numeric_column(table, value)
            weights = numeric_column(table, weight) if weight else None
            labels = text_column(table, group) if group else ["all"] * len(values)
        except TableError as exc:
            raise _fail(f"{file}: {exc}") from None
        try:
            split = theil_decomposition(values, labels, weights=weights)
            result: dict[str, Any] = {
                "n": len(values),
                "weighting": weight or "unweighted",
                "cv": difference_coefficient(values, weights=weights),
                "gini": gini(values, weights=weights),
                "theil": split.total,
                "theil_between": split.between,
                "theil_within": split.within,
            }
        except ValueError as exc:
            raise _fail(f"{file}: {exc}") from None
        if group:
            result["groups"] = [
                {"group": str(g.label), "n": g.size, "mean": g.mean, "share": g.share, "theil": g.theil}
                for g in split.groups
            ]
        text = "\n".join(
            f"{k}: {v:.6f}" if isinstance(v, float) else f"{k}: {v}"
            for k, v in result.items()
            if k != "groups"
        )
        if group:
            text += "\n" + format_table(
                [group, "n", "mean", "share", "theil"],
                [
                    [g["group"], g["n"], f"{g['mean']:.4g}", f"{g['share']:.4f}", f"{g['theil']:.6f}"]
                    for g in result["groups"]
                ],
            )
        return result, text

    # --- import -------------------------------------------------------------------------------

    def _import(self, *, file: str, dry_run: bool, **_: Any) -> tuple[Any, str]:
        from educloud.equity.services import stats_import
        from educloud.lib.scope import Scope

        report = stats_import(
            editable_scope=Scope.all(), filename=file, content=_read_file(file), dry_run=dry_run
        )
        if not report.valid:
            first = report.problems[0]
            raise _fail(
                f"{file}: {report.n_problems} problem(s), nothing imported; first: row {first.row}, "
                f"column {first.column}: {first.problem}"
            )
        verb = "would create" if dry_run else "created"
        return (
            report,
            f"{file}: {report.n_rows} rows valid; {verb} {report.created}, "
            f"replaced {report.replaced}, unchanged {report.unchanged}",
        )
