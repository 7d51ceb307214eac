"""Efficiency (DEA) of counties and of one county's schools, on stored statistics.

Choice of variables (stated on the page and in the API): by default **inputs** are annual funding
(``funding_yuan``) and full-time teachers (``teachers``), the **output** is enrolment — "how many
pupils a county or school serves for what it spends". The platform stores no learning outcomes
yet; when it does they belong in :data:`indicators.DEA_OUTPUT_FIELDS`. Default model: BCC (variable
returns to scale, because counties and schools differ greatly in size), input-oriented.

Counties are aggregated over the evaluated primary and junior sections of the year; a school is
one (school, section) row of the chosen stage. DEA needs strictly positive data: units with a zero
input or output (e.g. funding not reported) are left out and listed with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from educloud.algos.dea import DEAResult, dea
from educloud.equity.dataset import StatsTable, region_lookup
from educloud.equity.indicators import (
    DEA_INPUT_FIELDS,
    DEA_OUTPUT_FIELDS,
    DEFAULT_DEA_INPUTS,
    DEFAULT_DEA_OUTPUTS,
    NUMERATOR_FIELDS,
)
from educloud.equity.selectors import check_stage, county_info, load_year, require_county_scope, resolve_year
from educloud.lib.errors import InvalidInput
from educloud.lib.scope import Scope

RTS = {"crs": "CCR", "vrs": "BCC"}
MAX_SCHOOL_DMUS = 3000


@dataclass(frozen=True)
class DmuScore:
    dmu: str
    name: str
    score: float
    efficiency: float
    efficient: bool
    input_slacks: dict[str, float]
    output_slacks: dict[str, float]
    peers: tuple[str, ...]
    inputs: dict[str, float]
    outputs: dict[str, float]


@dataclass(frozen=True)
class EfficiencyReport:
    level: str
    year: int
    stage: str
    model: str
    rts: str
    orientation: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    scores: tuple[DmuScore, ...]
    left_out: tuple[tuple[str, str, str], ...]


def scaled_dea(x: NDArray[np.float64], y: NDArray[np.float64], *, model: str, orientation: str) -> DEAResult:
    """``algos.dea.dea`` on columns divided by their mean, slacks scaled back to the data's units.

    Radial scores, peers and λ do not depend on the units of a column; the LP solver does (funding
    in yuan is ~10⁹, enrolment ~10³, and HiGHS then reports the stage-2 problem infeasible).
    """
    x_unit, y_unit = x.mean(axis=0), y.mean(axis=0)
    result = dea(x / x_unit, y / y_unit, model=model, orientation=orientation)  # type: ignore[arg-type]
    return replace(
        result, input_slacks=result.input_slacks * x_unit, output_slacks=result.output_slacks * y_unit
    )


def _check_fields(inputs: Sequence[str], outputs: Sequence[str], rts: str, orientation: str) -> None:
    for name in inputs:
        if name not in DEA_INPUT_FIELDS:
            raise InvalidInput(f"投入指标 {name!r} 无效，可选：{', '.join(DEA_INPUT_FIELDS)}", field="inputs")
    for name in outputs:
        if name not in DEA_OUTPUT_FIELDS:
            raise InvalidInput(
                f"产出指标 {name!r} 无效，可选：{', '.join(DEA_OUTPUT_FIELDS)}", field="outputs"
            )
    if not inputs or not outputs:
        raise InvalidInput("至少需要一个投入指标和一个产出指标", field="inputs")
    if rts not in RTS:
        raise InvalidInput("规模报酬只能是 crs 或 vrs", field="rts")
    if orientation not in ("input", "output"):
        raise InvalidInput("导向只能是 input 或 output", field="orientation")


def _column(table: StatsTable, name: str) -> NDArray[np.float64]:
    if name == "enrolment":
        return table.enrolment
    if name == "teachers":
        return table.teachers
    if name == "funding_yuan":
        return table.funding
    return table.numerators[:, NUMERATOR_FIELDS.index(name)]


def _run(
    ids: list[str],
    names: list[str],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    level: str,
    year: int,
    stage: str,
    inputs: Sequence[str],
    outputs: Sequence[str],
    rts: str,
    orientation: str,
) -> EfficiencyReport:
    positive = np.all(x > 0, axis=1) & np.all(y > 0, axis=1)
    left_out = tuple(
        (ids[i], names[i], "投入或产出为 0（DEA 要求全部为正）") for i in np.flatnonzero(~positive)
    )
    keep = np.flatnonzero(positive)
    scores: list[DmuScore] = []
    if keep.size:
        result = scaled_dea(x[keep], y[keep], model=RTS[rts], orientation=orientation)
        kept_ids = [ids[i] for i in keep]
        for j, i in enumerate(keep):
            scores.append(
                DmuScore(
                    dmu=ids[i],
                    name=names[i],
                    score=float(result.scores[j]),
                    efficiency=float(result.efficiency[j]),
                    efficient=bool(result.efficient[j]),
                    input_slacks=dict(zip(inputs, result.input_slacks[j].tolist(), strict=True)),
                    output_slacks=dict(zip(outputs, result.output_slacks[j].tolist(), strict=True)),
                    peers=tuple(kept_ids[p] for p in result.peers[j]),
                    inputs=dict(zip(inputs, x[i].tolist(), strict=True)),
                    outputs=dict(zip(outputs, y[i].tolist(), strict=True)),
                )
            )
    scores.sort(key=lambda s: (-s.efficiency, s.dmu))
    return EfficiencyReport(
        level, year, stage, RTS[rts], rts, orientation, tuple(inputs), tuple(outputs), tuple(scores), left_out
    )


def county_efficiency(
    *,
    year: int | None,
    inputs: Sequence[str] = DEFAULT_DEA_INPUTS,
    outputs: Sequence[str] = DEFAULT_DEA_OUTPUTS,
    rts: str = "vrs",
    orientation: str = "input",
) -> EfficiencyReport:
    """DEA of the member counties (public aggregate: county totals only)."""
    _check_fields(inputs, outputs, rts, orientation)
    year = resolve_year(year)
    table = load_year(year)
    table = table.take(table.evaluated)
    regions = region_lookup()
    codes = sorted(set(table.county.tolist()) & set(regions))
    index = {code: i for i, code in enumerate(codes)}
    rows = np.array([index.get(c, -1) for c in table.county.tolist()], dtype=np.int64)
    mask = rows >= 0

    def totals(names: Sequence[str]) -> NDArray[np.float64]:
        out = np.zeros((len(codes), len(names)))
        for k, name in enumerate(names):
            np.add.at(out[:, k], rows[mask], _column(table, name)[mask])
        return out

    return _run(
        codes,
        [regions[c].name for c in codes],
        totals(inputs),
        totals(outputs),
        level="county",
        year=year,
        stage="all",
        inputs=inputs,
        outputs=outputs,
        rts=rts,
        orientation=orientation,
    )


def school_efficiency(
    *,
    scope: Scope,
    county_code: str,
    year: int | None,
    stage: str,
    inputs: Sequence[str] = DEFAULT_DEA_INPUTS,
    outputs: Sequence[str] = DEFAULT_DEA_OUTPUTS,
    rts: str = "vrs",
    orientation: str = "input",
) -> EfficiencyReport:
    """DEA of one county's evaluated schools of ``stage`` (school-level: needs view scope)."""
    _check_fields(inputs, outputs, rts, orientation)
    check_stage(stage)
    info = county_info(county_code)
    require_county_scope(scope, info)
    year = resolve_year(year)
    table = load_year(year, county_codes=[county_code], sections=(stage,))
    table = table.take(table.evaluated)
    if len(table) > MAX_SCHOOL_DMUS:
        raise InvalidInput(f"学校过多（{len(table)} > {MAX_SCHOOL_DMUS}）", field="county")
    x = np.column_stack([_column(table, n) for n in inputs]) if len(table) else np.zeros((0, len(inputs)))
    y = np.column_stack([_column(table, n) for n in outputs]) if len(table) else np.zeros((0, len(outputs)))
    return _run(
        table.code.tolist(),
        table.name.tolist(),
        x,
        y,
        level="school",
        year=year,
        stage=stage,
        inputs=inputs,
        outputs=outputs,
        rts=rts,
        orientation=orientation,
    )
