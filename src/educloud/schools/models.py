"""Schools and their yearly statistics.

``School.code`` is the school's identifier (the national 学校标识码 is 10 digits; synthetic
schools use ``S`` + county code + a serial so they can never collide with a real one).

``SchoolYearStats`` holds one row per (school, year, section): a nine-year school has a
``primary`` and a ``junior`` row, because the national standard (教督〔2017〕6号) evaluates the
two parts separately. The counts are the numerators of the standard's seven indicators;
``enrolment`` is the denominator. Values are never negative (database constraints).

``is_synthetic`` marks generated demo data; the UI shows a banner whenever it is present.
"""

from __future__ import annotations

from django.db import models

from educloud.regions.models import County


class School(models.Model):
    class Stage(models.TextChoices):
        PRIMARY = "primary", "小学"
        JUNIOR = "junior", "初中"
        NINE_YEAR = "nine_year", "九年一贯制"
        SENIOR = "senior", "普通高中"
        VOCATIONAL = "vocational", "中等职业学校"
        HIGHER = "higher", "高等学校"

    class Ownership(models.TextChoices):
        PUBLIC = "public", "公办"
        PRIVATE = "private", "民办"

    class LocationClass(models.TextChoices):
        URBAN = "urban", "城区"
        TOWN = "town", "镇区"
        RURAL = "rural", "乡村"

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=64)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="schools")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    ownership = models.CharField(max_length=8, choices=Ownership.choices, default=Ownership.PUBLIC)
    location_class = models.CharField(max_length=8, choices=LocationClass.choices)
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    is_special_education = models.BooleanField(default=False)
    is_teaching_point = models.BooleanField(default=False, help_text="教学点")
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        indexes = [
            # County pages and scoped lists: "the schools of county X (of stage Y)".
            models.Index(fields=["county", "stage"], name="school_county_stage"),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolYearStats(models.Model):
    class Section(models.TextChoices):
        PRIMARY = "primary", "小学部"
        JUNIOR = "junior", "初中部"
        SENIOR = "senior", "高中部"
        VOCATIONAL = "vocational", "中职"
        HIGHER = "higher", "高校"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="stats")
    year = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=12, choices=Section.choices)
    enrolment = models.PositiveIntegerField(help_text="在校生数")
    teachers = models.PositiveIntegerField(help_text="专任教师数")
    teachers_above_degree = models.PositiveIntegerField(help_text="高于规定学历的教师数")
    key_teachers = models.PositiveIntegerField(help_text="县级及以上骨干教师数")
    pe_art_teachers = models.PositiveIntegerField(help_text="体育、艺术（音乐、美术）专任教师数")
    floor_area_m2 = models.FloatField(help_text="教学及辅助用房面积（平方米）")
    sports_ground_m2 = models.FloatField(help_text="体育运动场馆面积（平方米）")
    equipment_value_yuan = models.FloatField(help_text="教学仪器设备值（元）")
    multimedia_classrooms = models.PositiveIntegerField(help_text="网络多媒体教室数")
    funding_yuan = models.FloatField(default=0, help_text="年度经费投入（元）")
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["school", "year", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "section"], name="stats_one_per_school_year_section"
            ),
            models.CheckConstraint(
                condition=models.Q(floor_area_m2__gte=0)
                & models.Q(sports_ground_m2__gte=0)
                & models.Q(equipment_value_yuan__gte=0)
                & models.Q(funding_yuan__gte=0),
                name="stats_areas_and_money_non_negative",
            ),
        ]
        indexes = [
            # Equity reports: "all stats of year Y (for section S)".
            models.Index(fields=["year", "section"], name="stats_year_section"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.year} {self.get_section_display()}"
