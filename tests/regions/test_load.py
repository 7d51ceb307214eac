from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from educloud.lib.errors import InvalidInput
from educloud.regions.api import County, regions_load
from educloud.regions.services import COUNTIES_CSV

pytestmark = pytest.mark.django_db

EXPECTED_PER_CITY = {
    "重庆市": 29,
    "成都市": 20,
    "自贡市": 6,
    "泸州市": 7,
    "德阳市": 6,
    "绵阳市": 7,
    "遂宁市": 5,
    "内江市": 5,
    "乐山市": 11,
    "南充市": 9,
    "眉山市": 6,
    "宜宾市": 10,
    "广安市": 6,
    "达州市": 6,
    "雅安市": 6,
    "资阳市": 3,
}
EXCLUDED = {"510726": "北川", "510727": "平武", "511781": "万源", "511825": "天全", "511827": "宝兴"}


def test_the_142_members_per_city():
    assert County.objects.count() == 142
    assert Counter(County.objects.values_list("city__name", flat=True)) == EXPECTED_PER_CITY


def test_partial_members_are_kaizhou_and_yunyang_only():
    partial = set(County.objects.filter(membership="partial").values_list("name", flat=True))
    assert partial == {"开州区", "云阳县"}


def test_excluded_counties_are_absent():
    assert not County.objects.filter(code__in=EXCLUDED).exists()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("500155", "梁平区"),
        ("510117", "郫都区"),
        ("510118", "新津区"),
        ("510185", "简阳市"),
        ("510981", "射洪市"),
        ("511083", "隆昌市"),
        ("511504", "叙州区"),
        ("510705", "安州区"),
        ("510604", "罗江区"),
        ("511403", "彭山区"),
    ],
)
def test_renamed_counties_carry_current_codes(code, name):
    county = County.objects.get(code=code)
    assert county.name == name


def test_poles_and_urban_class_rule():
    core = set(County.objects.filter(urban_class="core").values_list("pole", flat=True))
    assert core == {"重庆中心城区", "成都"}
    assert County.objects.filter(pole="重庆中心城区").count() == 9
    # A 县 inside the 成都 pole is still 县域, by the documented rule.
    assert County.objects.get(name="金堂县").urban_class == "county"
    assert (
        not County.objects.filter(division_type="district")
        .exclude(urban_class__in=["core", "urban"])
        .exists()
    )


def test_load_is_idempotent():
    before = list(County.objects.order_by("code").values())
    report = regions_load()
    assert report.counties == 142 and report.removed == 0
    assert list(County.objects.order_by("code").values()) == before


def test_bad_csv_is_rejected_with_the_line_and_changes_nothing(tmp_path: Path):
    rows = COUNTIES_CSV.read_text(encoding="utf-8").splitlines()
    rows[5] = rows[5].replace(rows[5].split(",")[0], "5001X", 1)
    bad = tmp_path / "counties.csv"
    bad.write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(InvalidInput, match="第 6 行"):
        regions_load(path=bad)
    assert County.objects.count() == 142


def test_missing_column_is_named(tmp_path: Path):
    bad = tmp_path / "counties.csv"
    bad.write_text("code,name\n500103,渝中区\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="缺少列"):
        regions_load(path=bad)
