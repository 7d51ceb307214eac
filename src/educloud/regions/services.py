"""Writes to the regions tables: loading the shipped county table, idempotently."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

from educloud.lib.errors import InvalidInput
from educloud.regions.models import City, County, Province
from educloud.regions.selectors import COUNTY_TABLE_CACHE_KEY

COUNTIES_CSV = Path(__file__).resolve().parent / "data" / "counties.csv"
REQUIRED_COLUMNS = (
    "code name province_code province_name city_code city_name membership pole "
    "division_type urban_class longitude latitude"
).split()


@dataclass(frozen=True)
class LoadReport:
    provinces: int
    cities: int
    counties: int
    removed: int


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(f"区划表 {path.name} 缺少列：{', '.join(missing)}")
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if len(row["code"]) != 6 or not row["code"].isdigit():
            raise InvalidInput(f"区划表第 {line} 行：代码 {row['code']!r} 不是 6 位数字")
        if row["membership"] not in County.Membership.values:
            raise InvalidInput(f"区划表第 {line} 行：membership {row['membership']!r} 无效")
    return rows


@transaction.atomic
def regions_load(*, path: Path = COUNTIES_CSV) -> LoadReport:
    """Make the tables equal to the CSV: insert or update every row; drop counties not listed.

    Running it twice changes nothing the second time. A county that left the table is deleted
    only if nothing refers to it (PROTECT), otherwise the load fails and nothing changes.
    """
    rows = _read_rows(path)
    provinces = {r["province_code"]: r["province_name"] for r in rows}
    cities = {r["city_code"]: (r["city_name"], r["province_code"]) for r in rows}
    for code, name in provinces.items():
        Province.objects.update_or_create(code=code, defaults={"name": name})
    for code, (name, province_code) in cities.items():
        City.objects.update_or_create(code=code, defaults={"name": name, "province_id": province_code})
    for r in rows:
        County.objects.update_or_create(
            code=r["code"],
            defaults={
                "name": r["name"],
                "city_id": r["city_code"],
                "province_id": r["province_code"],
                "membership": r["membership"],
                "pole": r["pole"],
                "division_type": r["division_type"],
                "urban_class": r["urban_class"],
                "longitude": float(r["longitude"]),
                "latitude": float(r["latitude"]),
            },
        )
    removed, _ = County.objects.exclude(code__in=[r["code"] for r in rows]).delete()
    transaction.on_commit(lambda: cache.delete(COUNTY_TABLE_CACHE_KEY))
    return LoadReport(provinces=len(provinces), cities=len(cities), counties=len(rows), removed=removed)
