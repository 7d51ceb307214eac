"""Item calibrations, adaptive tests, test sessions and their answers.

Identifiers and consistency rules
---------------------------------
* A *bank* is the items of one knowledge graph (``subject``, ``stage`` of the learning app's points).
  ``Calibration`` is one run of ``educloud irt calibrate`` over a bank: the IRT model, the year of
  responses used, counts, convergence; ``CalibratedItem`` holds one item's parameters from that run
  (``a``, ``d`` = intercept of the logit ``a·θ + d``, ``c`` = lower asymptote; ``b = -d/a``), its fit
  statistic and flag, and its drift against the previous calibration of the same bank after linking.
  A calibration is never edited after it is stored; a new run is a new row.
* ``AdaptiveTest`` draws items from one calibration. Its audience is a region or a school
  (``audience_level`` + ``audience_code``; ``circle`` = both provinces, a 联考), optionally one grade
  and class; students may take it between ``opens`` and ``closes``. ``content`` is the knowledge-point
  balance: ``{code: weight}`` (empty = no balancing).
* ``TestSession`` is one student's attempt at one test (unique per test and student). Its state is its
  ``SessionItem`` rows: position 1, 2, … in order; the last row without ``answered`` is the item on
  screen. An answer and the choice of the next item are one transaction on the locked session row,
  so a double submission finds the item answered and changes nothing. ``finished`` is set when the
  test stops; ``theta``/``se`` are the ability estimate after the last answer.
* ``is_synthetic`` marks demo rows. Read next: ``services`` (writes), ``selectors`` (reads), ADR 0014.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from educloud.learning.api import Item
from educloud.schools.api import School


class Calibration(models.Model):
    class Model(models.TextChoices):
        ONE_PL = "1PL", "1PL（Rasch）"
        TWO_PL = "2PL", "2PL"
        THREE_PL = "3PL", "3PL"

    subject = models.CharField(max_length=16)
    stage = models.CharField(max_length=8)
    model = models.CharField(max_length=4, choices=Model.choices)
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="作答年份；空 = 全部")
    created = models.DateTimeField(auto_now_add=True)
    n_responses = models.PositiveIntegerField()
    n_persons = models.PositiveIntegerField()
    n_items = models.PositiveIntegerField()
    converged = models.BooleanField()
    loglik = models.FloatField(null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the calibration drift was measured against",
    )
    link_a = models.FloatField(null=True, blank=True, help_text="θ_previous = A·θ + B (mean–sigma)")
    link_b = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            # The current calibration of a bank: latest of (subject, stage).
            models.Index(fields=["subject", "stage", "-created"], name="calibration_bank_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}/{self.stage} {self.model} #{self.pk}"


class CalibratedItem(models.Model):
    calibration = models.ForeignKey(Calibration, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    a = models.FloatField()
    d = models.FloatField()
    c = models.FloatField(default=0.0)
    n_responses = models.PositiveIntegerField()
    p_correct = models.FloatField()
    fit_statistic = models.FloatField(null=True, blank=True)
    fit_p = models.FloatField(null=True, blank=True)
    misfit = models.BooleanField(default=False, help_text="fit p-value below the threshold")
    drift = models.FloatField(null=True, blank=True, help_text="|Δb| after linking, vs the previous run")
    drifted = models.BooleanField(default=False)

    class Meta:
        ordering = ["calibration", "item"]
        constraints = [
            models.UniqueConstraint(fields=["calibration", "item"], name="calibrated_item_once"),
            models.CheckConstraint(condition=Q(c__gte=0, c__lt=1), name="calibrated_item_c_probability"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: a={self.a:.2f} b={self.b:.2f}"

    @property
    def b(self) -> float:
        return -self.d / self.a if self.a else float("nan")


class AdaptiveTest(models.Model):
    class Level(models.TextChoices):
        CIRCLE = "circle", "川渝全域（联考）"
        PROVINCE = "province", "省（市）"
        CITY = "city", "市（州）"
        COUNTY = "county", "区（县）"
        SCHOOL = "school", "学校"

    title = models.CharField(max_length=64)
    calibration = models.ForeignKey(Calibration, on_delete=models.PROTECT, related_name="tests")
    content = models.JSONField(default=dict, blank=True, help_text="知识点编码 → 权重")
    max_items = models.PositiveSmallIntegerField(default=20)
    se_stop = models.FloatField(default=0.3)
    audience_level = models.CharField(max_length=8, choices=Level.choices)
    audience_code = models.CharField(max_length=16, blank=True, help_text="区划代码或学校代码；全域为空")
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    class_label = models.CharField(max_length=16, blank=True)
    opens = models.DateTimeField()
    closes = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-opens", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="test_window_ordered"),
            models.CheckConstraint(condition=Q(max_items__gte=1, max_items__lte=100), name="test_max_items"),
            models.CheckConstraint(condition=Q(se_stop__gt=0, se_stop__lte=2), name="test_se_stop"),
        ]

    def __str__(self) -> str:
        return self.title


class TestSession(models.Model):
    __test__ = False  # a model, not a pytest test class
    test = models.ForeignKey(AdaptiveTest, on_delete=models.CASCADE, related_name="sessions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, null=True, on_delete=models.SET_NULL, related_name="+")
    grade = models.PositiveSmallIntegerField(null=True)
    class_label = models.CharField(max_length=16, blank=True)
    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    theta = models.FloatField(null=True, blank=True)
    se = models.FloatField(null=True, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["test", "student"], name="session_once_per_student")]
        indexes = [
            # Reports: "finished sessions of test T in school S".
            models.Index(fields=["test", "school"], name="session_test_school"),
        ]

    def __str__(self) -> str:
        return f"{self.test_id} · {self.student_id}"


class SessionItem(models.Model):
    session = models.ForeignKey(TestSession, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=255, blank=True)
    correct = models.BooleanField(null=True)
    answered = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="session_item_position"),
            models.UniqueConstraint(fields=["session", "item"], name="session_item_once"),
            models.CheckConstraint(
                condition=Q(answered__isnull=True, correct__isnull=True)
                | Q(answered__isnull=False, correct__isnull=False),
                name="session_item_answered_graded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.position}: {self.item_id}"
