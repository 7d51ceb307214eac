"""Provinces, cities and the member county-level divisions of the circle.

Identifiers are GB/T 2260 codes (6 digits, current as shipped in ``data/counties.csv``;
see ``data/PROVENANCE.md``). 重庆 has no prefecture level: its counties hang under a
``City`` row that stands for the municipality itself (code 500000), so every county has a
city and a province and queries need no special case.

Rows are written only by ``regions.services.regions_load`` (idempotent, from the CSV).
"""

from __future__ import annotations

from django.db import models


class Province(models.Model):
    code = models.CharField(primary_key=True, max_length=6)
    name = models.CharField(max_length=32)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    code = models.CharField(primary_key=True, max_length=6)
    name = models.CharField(max_length=32)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="cities")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "cities"

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    """A county-level division (区, 县, 自治县, 县级市) that belongs to the circle."""

    class Membership(models.TextChoices):
        FULL = "full", "全域"
        PARTIAL = "partial", "部分"

    class DivisionType(models.TextChoices):
        DISTRICT = "district", "市辖区"
        COUNTY_CITY = "county_city", "县级市"
        COUNTY = "county", "县"
        AUTONOMOUS_COUNTY = "autonomous_county", "自治县"

    class UrbanClass(models.TextChoices):
        # Rule (data/PROVENANCE.md): a pole member is core; any other 市辖区 is urban;
        # 县, 自治县 and 县级市 are county (县域). Administrative type, not census data.
        CORE = "core", "中心城区"
        URBAN = "urban", "其他市辖区"
        COUNTY = "county", "县域"

    code = models.CharField(primary_key=True, max_length=6)
    name = models.CharField(max_length=32)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="counties")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="counties")
    membership = models.CharField(max_length=8, choices=Membership.choices)
    pole = models.CharField(max_length=16, blank=True, help_text="重庆中心城区, 成都, or empty")
    division_type = models.CharField(max_length=20, choices=DivisionType.choices)
    urban_class = models.CharField(max_length=8, choices=UrbanClass.choices)
    longitude = models.FloatField()
    latitude = models.FloatField()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "counties"

    def __str__(self) -> str:
        return self.name
