"""产教融合 (industry–education integration, seed §3.3.3): skills, talent demand and supply, order classes,
training bases, apprenticeships and skills competitions.

* ``Skill`` / ``SkillSynonym`` — the skills vocabulary, keyed where known to an occupation code of
  《中华人民共和国职业分类大典》 (``occupation_code`` blank when not known: never guessed). Shipped as
  ``data/skills.csv``, loaded idempotently (``services.skills_load``) by migration 0002 and the seed;
  the joint office adds skills and synonyms.
* ``Enterprise`` (members: users with the ``enterprise`` role) → ``Demand`` (a position: skills with
  levels, headcount, county, industry, deadline).
* ``Supply`` — a vocational school's programme (major): graduates per year, skills taught with levels.
* ``OrderClass`` (订单班) — proposed → agreed → enrolling → training → completed (or cancelled), transitions
  in ``services.ORDER_TRANSITIONS``; ``TrainingBase`` (实训基地); ``Apprenticeship`` (学徒制).
* ``Competition`` (技能竞赛) → ``Entry`` (a school's team or individual, labelled — no student's name)
  → ``JudgeScore`` (one per judge and entry); ``Entry.final_score`` / ``rank`` are written on publishing.

No row here holds personal data of a student: order classes and apprenticeships hold counts, entries a
label. Synthetic demo rows carry ``is_synthetic``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from educloud.regions.models import County
from educloud.schools.models import School


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", "装备制造"
    AUTOMOTIVE = "automotive", "汽车"
    ELECTRONICS = "electronics", "电子信息"
    SOFTWARE = "software", "软件和信息服务"
    CHEMICAL = "chemical", "化工医药"
    FOOD = "food", "食品轻工"
    LOGISTICS = "logistics", "现代物流"
    TOURISM = "tourism", "文化旅游"
    HEALTH = "health", "医疗康养"
    AGRICULTURE = "agriculture", "现代农业"


class Skill(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="技能编码，如 SK-CNC-TURN")
    name = models.CharField(max_length=40, unique=True)
    category = models.CharField(max_length=20)
    occupation_code = models.CharField(
        max_length=12, blank=True, help_text="《职业分类大典》职业编码（已知时），如 6-18-01-01"
    )
    occupation_name = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class SkillSynonym(models.Model):
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return f"{self.name} → {self.skill}"


class Enterprise(models.Model):
    name = models.CharField(max_length=64, unique=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    industry = models.CharField(max_length=16, choices=Industry.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="industry_enterprises"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Demand(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "招聘中"
        CLOSED = "closed", "已结束"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="demands")
    position = models.CharField(max_length=60)
    industry = models.CharField(max_length=16, choices=Industry.choices)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    headcount = models.PositiveIntegerField()
    deadline = models.DateField()
    description = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                name="demand_headcount_range", condition=Q(headcount__gte=1) & Q(headcount__lte=100_000)
            )
        ]
        # open demands by region and industry: the gap table and the allocation
        indexes = [models.Index(fields=["status", "county", "industry"], name="ind_demand_open")]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.position}"


class DemandSkill(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(help_text="要求等级 1–5")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["demand", "skill"], name="demand_skill_once"),
            models.CheckConstraint(name="demand_skill_level", condition=Q(level__gte=1) & Q(level__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}:{self.level}"


class Supply(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    major = models.CharField(max_length=60)
    industry = models.CharField(max_length=16, choices=Industry.choices)
    graduates_per_year = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["school_id", "major"]
        constraints = [
            models.UniqueConstraint(fields=["school", "major"], name="supply_major_once_per_school"),
            models.CheckConstraint(
                name="supply_graduates_range",
                condition=Q(graduates_per_year__gte=1) & Q(graduates_per_year__lte=100_000),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.major}"


class SupplySkill(models.Model):
    supply = models.ForeignKey(Supply, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(help_text="培养等级 1–5")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supply", "skill"], name="supply_skill_once"),
            models.CheckConstraint(name="supply_skill_level", condition=Q(level__gte=1) & Q(level__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}:{self.level}"


class OrderClass(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "已提议"
        AGREED = "agreed", "已签约"
        ENROLLING = "enrolling", "招生中"
        TRAINING = "training", "培养中"
        COMPLETED = "completed", "已结业"
        CANCELLED = "cancelled", "已取消"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="order_classes")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=80)
    major = models.CharField(max_length=60)
    planned_size = models.PositiveIntegerField()
    enrolled = models.PositiveIntegerField(default=0)
    employed = models.PositiveIntegerField(default=0, help_text="结业后被订单企业录用人数")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(name="order_class_size_positive", condition=Q(planned_size__gte=1)),
            models.CheckConstraint(
                name="order_class_employed_le_enrolled", condition=Q(employed__lte=F("enrolled"))
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingBase(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="bases")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    capacity = models.PositiveIntegerField(help_text="同时容纳实训学生数")
    majors = models.CharField(max_length=200, help_text="服务专业，用“、”分隔")
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(name="base_capacity_positive", condition=Q(capacity__gte=1))]

    def __str__(self) -> str:
        return self.name


class Apprenticeship(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="apprenticeships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    major = models.CharField(max_length=60)
    apprentices = models.PositiveIntegerField()
    mentors = models.PositiveIntegerField(help_text="企业师傅人数")
    starts_on = models.DateField()
    ends_on = models.DateField()
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(name="apprenticeship_dates", condition=Q(ends_on__gt=F("starts_on"))),
            models.CheckConstraint(
                name="apprenticeship_people", condition=Q(apprentices__gte=1) & Q(mentors__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} × {self.school} · {self.major}"


class Competition(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "个人赛"
        TEAM = "team", "团体赛"

    class Status(models.TextChoices):
        REGISTRATION = "registration", "报名中"
        JUDGING = "judging", "评审中"
        PUBLISHED = "published", "已发布结果"

    title = models.CharField(max_length=80)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    team_min = models.PositiveSmallIntegerField(default=1)
    team_max = models.PositiveSmallIntegerField(default=1)
    score_max = models.PositiveSmallIntegerField(default=100)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTRATION)
    judges = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="industry_judging", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                name="competition_team_range", condition=Q(team_min__gte=1) & Q(team_max__gte=F("team_min"))
            )
        ]

    def __str__(self) -> str:
        return self.title


class Entry(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="entries")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=60, help_text="参赛队名或选手化名（不填真实姓名）")
    size = models.PositiveSmallIntegerField()
    final_score = models.FloatField(null=True, blank=True, help_text="按评委标准化后的平均分")
    rank = models.PositiveIntegerField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["rank", "pk"]
        constraints = [models.UniqueConstraint(fields=["competition", "label"], name="entry_label_once")]

    def __str__(self) -> str:
        return self.label


class JudgeScore(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "judge"], name="judge_score_once"),
            models.CheckConstraint(name="judge_score_nonnegative", condition=Q(score__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} ← {self.judge_id}: {self.score}"


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=40)
    target = models.CharField(max_length=80)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.verb} {self.target}"
