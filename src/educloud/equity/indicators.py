"""The equity app's vocabulary: how stored statistics map onto the standard's seven indicators.

``schools.SchoolYearStats`` names its columns after the statistical forms (``teachers_above_degree``,
``sports_ground_m2``, ``multimedia_classrooms``); ``algos.standard`` names the numerators after the
indicators (``senior_degree_teachers``, ``ground_area_m2``, ``multimedia_rooms``).
:data:`NUMERATOR_FIELDS` is the one place where the two meet, in :data:`standard.INDICATORS` order.

Also here: the default unit costs of the planner (:data:`DEFAULT_UNIT_COSTS`, yuan, documented
below), the fields DEA may use, and Chinese labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from educloud.algos.allocation import RESOURCE_KEYS
from educloud.algos.standard import INDICATORS, SchoolStage

STAGES: tuple[str, ...] = (SchoolStage.PRIMARY.value, SchoolStage.JUNIOR.value)
STAGE_LABELS = {"primary": "小学", "junior": "初中", "all": "小学和初中"}

# Stored column holding the numerator of each indicator, in INDICATORS order.
NUMERATOR_FIELDS: tuple[str, ...] = (
    "teachers_above_degree",
    "key_teachers",
    "pe_art_teachers",
    "floor_area_m2",
    "sports_ground_m2",
    "equipment_value_yuan",
    "multimedia_classrooms",
)
assert len(NUMERATOR_FIELDS) == len(INDICATORS)
FIELD_OF_RESOURCE = dict(zip(RESOURCE_KEYS, NUMERATOR_FIELDS, strict=True))
RESOURCE_OF_FIELD = {field: key for key, field in FIELD_OF_RESOURCE.items()}
INDICATOR_BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
INDICATOR_LABELS = {indicator.key: indicator.label_zh for indicator in INDICATORS}
RESOURCE_LABELS = {indicator.numerator_key: indicator.numerator_label_zh for indicator in INDICATORS}
RESOURCE_UNITS = {indicator.numerator_key: indicator.numerator_unit for indicator in INDICATORS}

LOCATION_LABELS = {"urban": "城区", "town": "镇区", "rural": "乡村"}
URBAN_CLASS_LABELS = {"core": "中心城区", "urban": "其他市辖区", "county": "县域"}


@dataclass(frozen=True)
class UnitCost:
    resource: str
    yuan: float
    per: str
    basis: str


# Default unit costs of the planner (yuan). They are planning assumptions, not official prices:
# a bureau replaces them with its own (``--costs FILE``, the planner form, the API).
DEFAULT_UNIT_COSTS: tuple[UnitCost, ...] = (
    UnitCost("senior_degree_teachers", 150_000, "人·年", "一名高于规定学历教师一年的工资与社保"),
    UnitCost("key_teachers", 180_000, "人·年", "一名县级及以上骨干教师一年的工资、社保与津贴"),
    UnitCost("pe_art_teachers", 140_000, "人·年", "一名体育或艺术专任教师一年的工资与社保"),
    UnitCost("floor_area_m2", 3_000, "m²", "新建或改建一平方米教学及辅助用房"),
    UnitCost("ground_area_m2", 800, "m²", "新建一平方米体育运动场地"),
    UnitCost("equipment_value_yuan", 1, "元", "教学仪器设备按原值计，一元即一元"),
    UnitCost("multimedia_rooms", 60_000, "间", "把一间普通教室改造为网络多媒体教室"),
)
DEFAULT_COSTS: dict[str, float] = {cost.resource: float(cost.yuan) for cost in DEFAULT_UNIT_COSTS}
assert tuple(DEFAULT_COSTS) == RESOURCE_KEYS

# DEA: which stored columns may be inputs or outputs. Outputs are what a school produces; the
# platform stores no learning outcomes yet, so enrolment (students served) is the output.
DEA_INPUT_FIELDS: dict[str, str] = {
    "funding_yuan": "年度经费投入（元）",
    "teachers": "专任教师数",
    "teachers_above_degree": "高于规定学历教师数",
    "key_teachers": "骨干教师数",
    "pe_art_teachers": "体育艺术教师数",
    "floor_area_m2": "教学及辅助用房面积",
    "sports_ground_m2": "体育运动场馆面积",
    "equipment_value_yuan": "教学仪器设备值",
    "multimedia_classrooms": "网络多媒体教室数",
}
DEA_OUTPUT_FIELDS: dict[str, str] = {"enrolment": "在校生数"}
DEFAULT_DEA_INPUTS = ("funding_yuan", "teachers")
DEFAULT_DEA_OUTPUTS = ("enrolment",)
