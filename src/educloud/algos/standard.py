"""The national 义务教育优质均衡 standard: seven indicators, the school pass rule and the county verdict.

What it owns
    The 2017 《县域义务教育优质均衡发展督导评估办法》 (教督〔2017〕6号) resource-allocation part, as data
    (:data:`INDICATORS`, :data:`CV_LIMITS`) and pure functions on arrays (FACTS §2):

    * indicator values from raw per-school counts: ``value = scale · numerator / enrolment`` with
      ``scale = 100`` for the "per 100 students" indicators and 1 for the per-student ones;
    * the school rule: at least 6 of the 7 thresholds met **and** the remaining one at least 85 % of
      its threshold (:func:`assess_schools`);
    * the county verdict: every school passes and every indicator's inter-school difference
      coefficient (差异系数, enrolment-weighted by default, see ``inequality.difference_coefficient``)
      is within the stage's limit — with the reasons (:func:`assess_county`);
    * the exclusion rule (special-education schools; 教学点 with fewer than 50 students).

Array conventions
    ``numerators`` is ``(n_schools, 7)`` in the order of :data:`INDICATORS` (raw counts: teachers,
    m², yuan, classrooms), ``enrolment`` is ``(n_schools,)`` and positive. One call covers schools of
    one stage (primary *or* junior); nine-year schools are split into their two parts before.

Invariants
    Comparisons with a threshold allow a relative tolerance of :data:`MEETS_RTOL` (1e-9) so that
    e.g. 21 teachers for 500 pupils meet 4.2 per 100 despite binary floating point.

Confidence (FACTS §2): thresholds of indicators 1–3 are quoted by provincial rules; indicators 4–7,
the 85 % rule and the CV limits applying to each indicator are "widely cited, verify" and are marked
``verify`` below. The enrolment weighting comes from the 2012 basic-balance method; no source found
says 2017 changed it.

Read next: ``allocation.py`` plans the cheapest additions that make a county pass this standard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from educloud.algos.inequality import as_nonnegative_vector, difference_coefficient

__all__ = [
    "CV_LIMITS",
    "INDICATORS",
    "INDICATOR_KEYS",
    "MEETS_RTOL",
    "PARTIAL_FRACTION",
    "PASS_MIN_MET",
    "CountyVerdict",
    "Indicator",
    "IndicatorDispersion",
    "SchoolAssessment",
    "SchoolStage",
    "StageStandard",
    "assess_county",
    "assess_schools",
    "evaluated_schools_mask",
    "indicator_values",
    "numerators_from_columns",
    "stage_standard",
    "validate_school_counts",
]


class SchoolStage(StrEnum):
    PRIMARY = "primary"  # 小学
    JUNIOR = "junior"  # 初中


@dataclass(frozen=True)
class Indicator:
    """One of the seven resource-allocation indicators.

    ``numerator_key`` names the raw per-school count; ``per_students`` is 100 for "per 100 students"
    indicators and 1 for per-student ones; ``integer_resource`` says whether the count is whole
    (people, rooms); ``verify`` marks thresholds FACTS §2 calls "widely cited, verify".
    """

    key: str
    label_zh: str
    unit: str
    numerator_key: str
    numerator_label_zh: str
    numerator_unit: str
    per_students: int
    primary_threshold: float
    junior_threshold: float
    integer_resource: bool
    verify: bool


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "senior_degree_teachers_per_100",
        "每百名学生拥有高于规定学历教师数",
        "人/百生",
        "senior_degree_teachers",
        "高于规定学历教师",
        "人",
        100,
        4.2,
        5.3,
        True,
        False,
    ),
    Indicator(
        "key_teachers_per_100",
        "每百名学生拥有县级及以上骨干教师数",
        "人/百生",
        "key_teachers",
        "县级及以上骨干教师",
        "人",
        100,
        1.0,
        1.0,
        True,
        False,
    ),
    Indicator(
        "pe_art_teachers_per_100",
        "每百名学生拥有体育、艺术（美术、音乐）专任教师数",
        "人/百生",
        "pe_art_teachers",
        "体育、艺术专任教师",
        "人",
        100,
        0.9,
        0.9,
        True,
        False,
    ),
    # verify: 4.5 / 5.8 m² are widely cited, not yet checked against the 2017 text
    Indicator(
        "floor_area_per_student",
        "生均教学及辅助用房面积",
        "m²/生",
        "floor_area_m2",
        "教学及辅助用房面积",
        "m²",
        1,
        4.5,
        5.8,
        False,
        True,
    ),
    # verify: 7.5 / 10.2 m²
    Indicator(
        "ground_area_per_student",
        "生均体育运动场馆面积",
        "m²/生",
        "ground_area_m2",
        "体育运动场馆面积",
        "m²",
        1,
        7.5,
        10.2,
        False,
        True,
    ),
    # verify: 2000 / 2500 yuan
    Indicator(
        "equipment_value_per_student",
        "生均教学仪器设备值",
        "元/生",
        "equipment_value_yuan",
        "教学仪器设备值",
        "元",
        1,
        2000.0,
        2500.0,
        False,
        True,
    ),
    # verify: 2.3 / 2.4
    Indicator(
        "multimedia_rooms_per_100",
        "每百名学生拥有网络多媒体教室数",
        "间/百生",
        "multimedia_rooms",
        "网络多媒体教室",
        "间",
        100,
        2.3,
        2.4,
        True,
        True,
    ),
)
INDICATOR_KEYS: tuple[str, ...] = tuple(indicator.key for indicator in INDICATORS)
N_INDICATORS = len(INDICATORS)

# verify: "widely cited" limits; that they apply to each indicator separately is also to verify.
CV_LIMITS: dict[SchoolStage, float] = {SchoolStage.PRIMARY: 0.50, SchoolStage.JUNIOR: 0.45}
PASS_MIN_MET = 6  # of 7 indicators
PARTIAL_FRACTION = 0.85  # verify: the remaining indicator must reach 85 % of its threshold
MEETS_RTOL = 1e-9
TEACHING_POINT_MIN_ENROLMENT = 50

CvWeighting = Literal["enrolment", "unweighted"]


@dataclass(frozen=True)
class StageStandard:
    """Thresholds (in :data:`INDICATORS` order) and CV limit for one stage; custom values allowed."""

    thresholds: NDArray[np.float64]
    cv_limit: float
    stage: SchoolStage | None = None

    def __post_init__(self) -> None:
        thresholds = np.asarray(self.thresholds, dtype=np.float64)
        if thresholds.shape != (N_INDICATORS,):
            raise ValueError(f"thresholds: expected {N_INDICATORS} values, got shape {thresholds.shape}")
        if not np.all(np.isfinite(thresholds)) or np.any(thresholds <= 0):
            raise ValueError("thresholds: every threshold must be a positive number")
        if not (np.isfinite(self.cv_limit) and self.cv_limit > 0):
            raise ValueError(f"cv_limit: must be positive, got {self.cv_limit!r}")
        object.__setattr__(self, "thresholds", thresholds)


def stage_standard(stage: SchoolStage | str) -> StageStandard:
    """The national thresholds and CV limit for ``"primary"`` or ``"junior"``."""
    stage = SchoolStage(stage)
    thresholds = np.array(
        [i.primary_threshold if stage is SchoolStage.PRIMARY else i.junior_threshold for i in INDICATORS]
    )
    return StageStandard(thresholds=thresholds, cv_limit=CV_LIMITS[stage], stage=stage)


def per_students_scale() -> NDArray[np.float64]:
    """``(7,)`` array of 100 / 1 multipliers turning ``numerator / enrolment`` into the indicator."""
    return np.array([float(indicator.per_students) for indicator in INDICATORS])


def validate_school_counts(
    numerators: ArrayLike, enrolment: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check and convert ``(n, 7)`` raw counts and ``(n,)`` positive enrolment; ``ValueError`` otherwise."""
    pupils = as_nonnegative_vector(enrolment, name="enrolment")
    zero = np.flatnonzero(pupils <= 0)
    if zero.size:
        raise ValueError(f"enrolment: zero enrolment at school row {int(zero[0])}")
    try:
        counts = np.asarray(numerators, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"numerators: cannot be read as numbers ({exc})") from exc
    if counts.ndim != 2 or counts.shape[1] != N_INDICATORS:
        raise ValueError(f"numerators: expected shape (n_schools, {N_INDICATORS}), got {counts.shape}")
    if counts.shape[0] != pupils.size:
        raise ValueError(
            f"numerators: {counts.shape[0]} school rows do not match {pupils.size} enrolment values"
        )
    for check, what in ((~np.isfinite(counts), "missing or non-finite"), (counts < 0, "negative")):
        bad = np.argwhere(check)
        if bad.size:
            row, column = (int(v) for v in bad[0])
            raise ValueError(
                f"numerators: {what} value at school row {row}, indicator {INDICATOR_KEYS[column]}"
            )
    return counts, pupils


def numerators_from_columns(columns: Mapping[str, ArrayLike]) -> NDArray[np.float64]:
    """Stack raw counts given by ``numerator_key`` (e.g. ``{"key_teachers": [...], ...}``) into ``(n, 7)``."""
    missing = [indicator.numerator_key for indicator in INDICATORS if indicator.numerator_key not in columns]
    if missing:
        raise ValueError(f"numerators: missing column(s) {', '.join(missing)}")
    unknown = sorted(set(columns) - {indicator.numerator_key for indicator in INDICATORS})
    if unknown:
        raise ValueError(f"numerators: unknown column(s) {', '.join(unknown)}")
    stacked = [np.asarray(columns[indicator.numerator_key], dtype=np.float64) for indicator in INDICATORS]
    lengths = {array.shape for array in stacked}
    if len(lengths) != 1 or stacked[0].ndim != 1:
        raise ValueError(f"numerators: columns must be 1-d arrays of one length, got shapes {lengths}")
    return np.column_stack(stacked)


def indicator_values(numerators: ArrayLike, enrolment: ArrayLike) -> NDArray[np.float64]:
    """``(n, 7)`` indicator values ``scale · numerator / enrolment``."""
    counts, pupils = validate_school_counts(numerators, enrolment)
    return counts * per_students_scale() / pupils[:, None]


@dataclass(frozen=True)
class SchoolAssessment:
    """Per-school outcome of the 6-of-7 + 85 % rule; arrays are ``(n, 7)`` or ``(n,)``."""

    values: NDArray[np.float64]
    ratio_to_threshold: NDArray[np.float64]
    met: NDArray[np.bool_]
    at_least_partial: NDArray[np.bool_]
    n_met: NDArray[np.int64]
    passes: NDArray[np.bool_]


def assess_schools(values: ArrayLike, standard: StageStandard) -> SchoolAssessment:
    """Apply the school rule to ``(n, 7)`` indicator values.

    A school passes when it meets at least :data:`PASS_MIN_MET` thresholds and every indicator
    reaches :data:`PARTIAL_FRACTION` of its threshold (with 6 met that concerns only the 7th).
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != N_INDICATORS:
        raise ValueError(f"values: expected shape (n_schools, {N_INDICATORS}), got {array.shape}")
    ratio = array / standard.thresholds
    met = ratio >= 1.0 - MEETS_RTOL
    partial = ratio >= PARTIAL_FRACTION * (1.0 - MEETS_RTOL)
    n_met = met.sum(axis=1)
    passes = (n_met >= PASS_MIN_MET) & partial.all(axis=1)
    return SchoolAssessment(
        values=array, ratio_to_threshold=ratio, met=met, at_least_partial=partial, n_met=n_met, passes=passes
    )


@dataclass(frozen=True)
class IndicatorDispersion:
    """Difference coefficient of one indicator across the county, and who drives it.

    ``variance_share[i]`` is school i's share of the weighted variance ``Σ w_i (x_i − x̄)²``;
    ``drivers`` are school rows ordered by that share (largest first, only shares > 0), so the
    schools "pulling the CV up" come first; ``below_mean`` tells for each driver whether it lies
    below the county mean (a poor school) or above it (an unusually rich one).
    """

    key: str
    cv: float
    limit: float
    within_limit: bool
    county_value: float
    variance_share: NDArray[np.float64]
    drivers: tuple[int, ...]
    below_mean: tuple[bool, ...]


@dataclass(frozen=True)
class CountyVerdict:
    """The county verdict and its reasons.

    ``failing_schools`` lists school rows that do not pass; ``shortfalls[row]`` maps each indicator
    below threshold at that school to the fraction of the threshold still missing
    (``1 − value / threshold``). ``failing_indicators`` are the keys whose CV exceeds the limit.
    """

    passes: bool
    schools: SchoolAssessment
    dispersion: tuple[IndicatorDispersion, ...]
    failing_schools: tuple[int, ...]
    failing_indicators: tuple[str, ...]
    shortfalls: dict[int, dict[str, float]]
    cv_weighting: CvWeighting

    @property
    def cv(self) -> NDArray[np.float64]:
        return np.array([d.cv for d in self.dispersion])


def county_difference_coefficients(
    values: NDArray[np.float64], enrolment: NDArray[np.float64], *, cv_weighting: CvWeighting = "enrolment"
) -> NDArray[np.float64]:
    """``(7,)`` CVs of the columns of ``values``; an all-zero column has CV ``inf`` (undefined, fails)."""
    weights = enrolment if cv_weighting == "enrolment" else None
    result = np.empty(values.shape[1])
    for column in range(values.shape[1]):
        if not np.any(values[:, column] > 0):
            result[column] = np.inf
        else:
            result[column] = difference_coefficient(values[:, column], weights=weights)
    return result


def assess_county(
    numerators: ArrayLike,
    enrolment: ArrayLike,
    standard: StageStandard,
    *,
    cv_weighting: CvWeighting = "enrolment",
) -> CountyVerdict:
    """County verdict: every school passes and every indicator's CV ≤ ``standard.cv_limit``."""
    if cv_weighting not in ("enrolment", "unweighted"):
        raise ValueError(f"cv_weighting: expected 'enrolment' or 'unweighted', got {cv_weighting!r}")
    counts, pupils = validate_school_counts(numerators, enrolment)
    values = counts * per_students_scale() / pupils[:, None]
    schools = assess_schools(values, standard)
    cvs = county_difference_coefficients(values, pupils, cv_weighting=cv_weighting)
    weights = pupils / pupils.sum() if cv_weighting == "enrolment" else np.full(pupils.size, 1 / pupils.size)

    dispersion: list[IndicatorDispersion] = []
    for column, indicator in enumerate(INDICATORS):
        column_values = values[:, column]
        mean = float(np.dot(weights, column_values))
        squared = weights * (column_values - mean) ** 2
        total = float(squared.sum())
        share = squared / total if total > 0 else np.zeros_like(squared)
        order = [int(i) for i in np.argsort(-share, kind="stable") if share[i] > 0]
        dispersion.append(
            IndicatorDispersion(
                key=indicator.key,
                cv=float(cvs[column]),
                limit=standard.cv_limit,
                within_limit=bool(cvs[column] <= standard.cv_limit),
                county_value=mean,
                variance_share=share,
                drivers=tuple(order),
                below_mean=tuple(bool(column_values[i] < mean) for i in order),
            )
        )
    failing_schools = tuple(int(i) for i in np.flatnonzero(~schools.passes))
    shortfalls = {
        row: {
            INDICATOR_KEYS[column]: float(1.0 - schools.ratio_to_threshold[row, column])
            for column in np.flatnonzero(~schools.met[row])
        }
        for row in failing_schools
    }
    failing_indicators = tuple(d.key for d in dispersion if not d.within_limit)
    return CountyVerdict(
        passes=not failing_schools and not failing_indicators,
        schools=schools,
        dispersion=tuple(dispersion),
        failing_schools=failing_schools,
        failing_indicators=failing_indicators,
        shortfalls=shortfalls,
        cv_weighting=cv_weighting,
    )


def evaluated_schools_mask(
    enrolment: ArrayLike, *, is_special_education: ArrayLike, is_teaching_point: ArrayLike
) -> NDArray[np.bool_]:
    """``True`` for schools that enter the evaluation.

    Excluded: special-education schools, and teaching points (教学点) with fewer than
    :data:`TEACHING_POINT_MIN_ENROLMENT` (50) students (FACTS §2).
    """
    pupils = as_nonnegative_vector(enrolment, name="enrolment")
    flags = {}
    for name, data in (
        ("is_special_education", is_special_education),
        ("is_teaching_point", is_teaching_point),
    ):
        array = np.asarray(data)
        if array.shape != pupils.shape:
            raise ValueError(f"{name}: length {array.size} does not match enrolment length {pupils.size}")
        if array.dtype != np.bool_:
            raise ValueError(f"{name}: expected booleans, got dtype {array.dtype}")
        flags[name] = array
    small_teaching_point = flags["is_teaching_point"] & (pupils < TEACHING_POINT_MIN_ENROLMENT)
    return ~flags["is_special_education"] & ~small_teaching_point
