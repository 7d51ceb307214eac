"""Diagnosis: each school's strengths and gaps, from what the platform already knows, with reasons.

Sources, each read through its app's ``api`` (nothing here touches another app's tables):

* ``equity.api.school_standings`` — the seven 优质均衡 indicators of every evaluated school section
  against the national thresholds (``ratio`` = value / threshold), enrolment and teachers;
* ``learning.api.school_aggregates`` — per school, the share of students who mastered each knowledge
  point of the stage's graphs (schools under the learning app's minimum group size are absent);
* ``library.api.resource_counts_by_school`` — published resources each school contributed.

Dimensions (``DIMENSIONS``) are what a strong school can pass on through the programme: the three
teacher indicators (a dispatched teacher raises them where they are short), the student–teacher ratio
(reference: the unified county/urban staffing standard, 小学 19 : 1, 初中 13.5 : 1, 中央编办发〔2014〕
72号), mastery of each subject graph (compared with the mean of the schools diagnosed), and library
contributions (shared courses). Facility indicators (floor area, sports ground, equipment, multimedia
rooms) enter the school's overall index and its reasons but not the complementarity: pairing does not
move buildings.

For dimension k, ``strength[k] ∈ [0, 1]`` is how far a school is above the reference and ``gap[k] ∈
[0, 1]`` how far below (relative; mastery differences ×5, so 0.2 below the mean is a full gap).
Library: strength = contributions / the most any school contributed; every weak school has the same
gap 0.2 (all benefit from shared courses). The **index** is the mean of ``strength − gap`` over all
dimensions with data plus the four facility indicators' ``clip(ratio − 1, −1, 1)``.

Classification: **weak** — fails the standard, or index in the lowest quintile; **strong** — passes and
index in the highest quintile. Reasons are Chinese sentences built from the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from educloud.algos.standard import INDICATORS
from educloud.equity.api import school_standings
from educloud.learning.api import graph_list, school_aggregates
from educloud.lib.errors import DomainError
from educloud.lib.scope import Scope
from educloud.library.api import resource_counts_by_school

TEACHER_KEYS = ("senior_degree_teachers_per_100", "key_teachers_per_100", "pe_art_teachers_per_100")
FACILITY_KEYS = tuple(i.key for i in INDICATORS if i.key not in TEACHER_KEYS)
LABELS = {i.key: i.label_zh for i in INDICATORS}
THRESHOLD = {
    "primary": {i.key: i.primary_threshold for i in INDICATORS},
    "junior": {i.key: i.junior_threshold for i in INDICATORS},
}
PUPILS_PER_TEACHER = {"primary": 19.0, "junior": 13.5}
MASTERY_SCALE = 5.0
LIBRARY_GAP = 0.2


@dataclass
class SchoolDiagnosis:
    code: str
    name: str
    county_code: str
    stage: str
    passes: bool
    index: float = 0.0
    role: str = "middle"  # strong / weak / middle
    strength: dict[str, float] = field(default_factory=dict)
    gap: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    facts: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "county": self.county_code,
            "stage": self.stage,
            "passes": self.passes,
            "index": round(self.index, 4),
            "role": self.role,
            "reasons": self.reasons,
        }


@dataclass
class Diagnosis:
    year: int
    stage: str
    dimensions: list[tuple[str, str]]  # (key, Chinese label)
    schools: list[SchoolDiagnosis]

    def by_role(self, role: str) -> list[SchoolDiagnosis]:
        return [s for s in self.schools if s.role == role]

    def matrix(self, rows: list[SchoolDiagnosis], kind: str) -> np.ndarray:
        keys = [k for k, _ in self.dimensions]
        return np.array(
            [[getattr(s, kind).get(k, 0.0) for k in keys] for s in rows], dtype=np.float64
        ).reshape(len(rows), len(keys))


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def diagnose(*, actor: Any, scope: Scope, year: int | None, stage: str) -> Diagnosis:
    """Every evaluated school section of ``stage`` in ``scope``, classified, with reasons."""
    year, standings = school_standings(scope=scope, year=year, stage=stage)
    dims: list[tuple[str, str]] = [(k, LABELS[k]) for k in TEACHER_KEYS] + [("pupils_per_teacher", "生师比")]
    schools = {
        s.code: SchoolDiagnosis(
            code=s.code, name=s.name, county_code=s.county_code, stage=stage, passes=s.passes
        )
        for s in standings
    }
    ref_ratio = PUPILS_PER_TEACHER[stage]
    facility: dict[str, list[float]] = {}
    for s in standings:
        d = schools[s.code]
        for key in TEACHER_KEYS:
            r = s.ratio[key]
            d.strength[key], d.gap[key] = _clip01(r - 1.0), _clip01(1.0 - r)
            if r < 1.0:
                d.reasons.append(f"{LABELS[key]} {s.values[key]:.2f} 低于标准 {THRESHOLD[stage][key]:g}")
            elif r >= 1.5:
                d.reasons.append(f"{LABELS[key]} {s.values[key]:.2f}，为标准的 {r:.1f} 倍")
        ptr = s.enrolment / s.teachers if s.teachers else float("inf")
        d.facts["pupils_per_teacher"] = ptr
        d.strength["pupils_per_teacher"] = _clip01((ref_ratio - ptr) / ref_ratio)
        d.gap["pupils_per_teacher"] = _clip01((ptr - ref_ratio) / ref_ratio)
        if ptr > ref_ratio:
            d.reasons.append(f"生师比 {ptr:.1f} 高于标准 {ref_ratio:g}")
        facility[s.code] = [max(-1.0, min(1.0, s.ratio[k] - 1.0)) for k in FACILITY_KEYS]
        for k in FACILITY_KEYS:
            if s.ratio[k] < 1.0:
                d.reasons.append(f"{LABELS[k]} {s.values[k]:.2f} 低于标准 {THRESHOLD[stage][k]:g}")
        if not s.passes:
            d.reasons.insert(0, f"未达到优质均衡学校标准（达标 {s.n_met}/7 项）")
    # Mastery by subject (the learning app's aggregates; absent where too few students have data).
    for graph in graph_list():
        if graph.stage != stage:
            continue
        try:
            agg = school_aggregates(actor=actor, subject=graph.subject, stage=stage, limit=100_000)
        except DomainError:
            continue
        rows = [(r.school.code, float(np.mean(r.shares)) if r.shares else 0.0) for r in agg.schools]
        rows = [(c, v) for c, v in rows if c in schools]
        if len(rows) < 2:
            continue
        key = f"mastery:{graph.subject}"
        dims.append((key, f"{graph.subject}掌握度"))
        mean = float(np.mean([v for _, v in rows]))
        for code, value in rows:
            d = schools[code]
            diff = value - mean
            d.facts[key] = value
            d.strength[key] = _clip01(diff * MASTERY_SCALE)
            d.gap[key] = _clip01(-diff * MASTERY_SCALE)
            if abs(diff) >= 0.05:
                side = "高于" if diff > 0 else "低于"
                d.reasons.append(f"{graph.subject}掌握度{side}区域均值 {abs(diff):.2f}")
    # Library contributions.
    counts = resource_counts_by_school(school_codes=list(schools))
    top = max(counts.values(), default=0)
    dims.append(("library", "资源共享"))
    for code, d in schools.items():
        n = counts.get(code, 0)
        d.facts["library"] = n
        d.strength["library"] = n / top if top else 0.0
        if n:
            d.reasons.append(f"向资源库贡献 {n} 条已发布资源")
    # Index and roles.
    keys = [k for k, _ in dims]
    for code, d in schools.items():
        parts = [d.strength[k] - d.gap.get(k, 0.0) for k in keys if k in d.strength] + facility[code]
        d.index = float(np.mean(parts)) if parts else 0.0
    if schools:
        values = np.array([d.index for d in schools.values()])
        low, high = np.quantile(values, [0.2, 0.8])
        for d in schools.values():
            if not d.passes or d.index <= low:
                d.role = "weak"
                d.gap["library"] = LIBRARY_GAP
            elif d.passes and d.index >= high:
                d.role = "strong"
    ordered = sorted(schools.values(), key=lambda d: (d.index, d.code))
    return Diagnosis(year=year, stage=stage, dimensions=dims, schools=ordered)
