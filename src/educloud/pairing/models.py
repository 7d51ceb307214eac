"""The 名校+弱校 pairing programme: match runs, pairings, agreements' goals and the programme's work.

- ``MatchRun``: one run of the exact matcher (``algos.matching``) by a bureau — its parameters, the
  optimal objective and the greedy baseline's, and the diagnosis it used (provenance of every pair).
- ``Pairing``: a strong school paired with a weak school for one stage (小学/初中). ``proposed`` by a
  run or by hand, ``confirmed`` by a bureau whose scope covers both schools, ``ended`` later. A weak
  school has at most one confirmed partner per stage (database constraint). ``started_on`` is the
  treatment date of the effect analysis.
- ``Goal``: the agreement's goals with a target and a due date; ``TeacherDispatch`` (支教: who, from
  which school to which, when, subjects), ``SharedCourse`` (a library resource the strong school
  shares; its use by the weak school is read from the library's engagement events), ``JointActivity``
  (联合教研, student exchange, joint event).
- ``Outcome``: one school's yearly outcome value of a metric (the effect panel); demo rows are
  synthetic (``is_synthetic``) and labelled where shown.

Overdue (computed by ``selectors.progress``): a planned dispatch or activity whose date has passed, a
goal past its due date and not achieved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from educloud.library.models import Resource
from educloud.schools.models import School


class Stage(models.TextChoices):
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"


class MatchRun(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField(max_length=8, choices=Stage.choices)
    year = models.PositiveSmallIntegerField(help_text="统计年份（诊断所用）")
    params = models.JSONField(default=dict)
    objective = models.FloatField()
    greedy_objective = models.FloatField(null=True, help_text="贪心基线的目标值（无可行解时为空）")
    n_strong = models.PositiveIntegerField()
    n_weak = models.PositiveIntegerField()
    diagnosis = models.JSONField(default=dict, help_text="参与学校的诊断（理由）")
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.stage}, {self.year})"


class Pairing(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "待确认"
        CONFIRMED = "confirmed", "已确认"
        ENDED = "ended", "已结束"

    strong = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pairings_as_strong")
    weak = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pairings_as_weak")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    run = models.ForeignKey(
        MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings"
    )
    score = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=dict, help_text="为什么是这一对：互补项、距离、跨省")
    cross_border = models.BooleanField(default=False)
    distance_km = models.FloatField(null=True, blank=True)
    travel_minutes = models.FloatField(null=True, blank=True)
    agreement = models.TextField(blank=True, help_text="帮扶协议要点")
    started_on = models.DateField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["stage", "strong__code", "weak__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["weak", "stage"],
                condition=Q(status="confirmed"),
                name="pairing_one_confirmed_partner",
            ),
            models.CheckConstraint(condition=~Q(strong=models.F("weak")), name="pairing_two_schools"),
        ]
        indexes = [
            # Lists "pairings of school S" (both sides) and "proposed pairings of stage X".
            models.Index(fields=["strong", "status"], name="pairing_strong_status"),
            models.Index(fields=["weak", "status"], name="pairing_weak_status"),
        ]

    def __str__(self) -> str:
        return f"{self.strong} → {self.weak}"


class Goal(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(max_length=200)
    target = models.CharField(max_length=100, blank=True, help_text="目标值，如“数学掌握度 ≥ 0.6”")
    due_on = models.DateField()
    achieved = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text


class TeacherDispatch(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "计划中"
        ACTIVE = "active", "支教中"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已取消"

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="dispatches")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="dispatches"
    )
    teacher_name = models.CharField(max_length=64, help_text="教师称呼（可用化名）")
    from_school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    to_school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    start_on = models.DateField()
    end_on = models.DateField()
    subjects = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["start_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__gte=models.F("start_on")), name="dispatch_end_after_start"
            )
        ]
        # "My dispatches" (the teacher's page).
        indexes = [models.Index(fields=["teacher", "start_on"], name="dispatch_teacher_start")]

    def __str__(self) -> str:
        return f"{self.teacher_name}: {self.from_school_id} → {self.to_school_id}"


class SharedCourse(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="courses")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    added_on = models.DateField()

    class Meta:
        ordering = ["added_on", "id"]
        constraints = [models.UniqueConstraint(fields=["pairing", "resource"], name="shared_course_once")]

    def __str__(self) -> str:
        return f"{self.pairing_id}: {self.resource_id}"


class JointActivity(models.Model):
    class Kind(models.TextChoices):
        RESEARCH = "research", "联合教研"
        EXCHANGE = "exchange", "学生交流"
        EVENT = "event", "联合活动"

    class Status(models.TextChoices):
        PLANNED = "planned", "计划中"
        DONE = "done", "已完成"

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=120)
    on = models.DateField()
    participants = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return self.title


class Outcome(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=32, help_text="如 math_score（标准分）")
    value = models.FloatField()
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["school", "year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "metric"], name="outcome_one_per_school_year")
        ]
        # The effect panel: "all values of metric M".
        indexes = [models.Index(fields=["metric", "year"], name="outcome_metric_year")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.year} {self.metric}"
