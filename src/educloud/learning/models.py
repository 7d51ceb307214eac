"""Knowledge graph, item bank, responses and mastery.

Identifiers and consistency rules
---------------------------------
* ``KnowledgePoint.code`` is the point's identifier everywhere (CSV files, the API, xAPI context):
  unique, stable, e.g. ``MJ-07`` (初中数学 · 一次函数). ``subject`` and ``stage`` place it in a graph.
* ``Prerequisite(prerequisite → point)`` means "learn ``prerequisite`` before ``point``". The graph
  is a DAG: services reject an edge that closes a cycle (``services.prerequisite_add``); the database
  forbids self-loops and duplicate edges.
* ``Item.code`` identifies an item in import files (re-importing updates it); ``Item.iri`` is an
  optional external activity IRI (an item that lives in another system). The platform's own activity
  IRI for an item is ``<site>/learning/items/<pk>`` (``services.item_iri``).
* ``Response`` is one graded answer of one student to one item, with the knowledge points the item
  had when it was answered (``knowledge_points``, a snapshot). ``statement_id`` is the xAPI Statement
  it came from or produced (unique: a Statement is never counted twice). Order = (``at``, ``pk``).
* ``SkillParams`` are the BKT parameters of a knowledge point from the last ``kt refit``; a point
  without a row uses ``services.DEFAULT_PARAMS``.
* ``StudentMastery`` is P(mastered) of (student, point) after the student's responses so far: updated
  by one BKT step per response, recomputed for everyone by ``kt refit``. Only practised pairs have a
  row; an unpractised point's mastery is its prior. ``school`` is the student's school (for aggregates).

``is_synthetic`` marks generated demo rows. Read next: ``services`` (writes), ``selectors`` (reads).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from educloud.schools.api import School


class Stage(models.TextChoices):
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"


class KnowledgePoint(models.Model):
    subject = models.CharField(max_length=16, help_text="学科，如“数学”")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["subject", "stage", "code"]
        indexes = [
            # One graph at a time: "the points of 初中数学".
            models.Index(fields=["subject", "stage"], name="kp_subject_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Prerequisite(models.Model):
    prerequisite = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, related_name="enables")
    point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, related_name="requires")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prerequisite", "point"], name="prerequisite_unique"),
            models.CheckConstraint(condition=~Q(prerequisite=F("point")), name="prerequisite_no_self_loop"),
        ]

    def __str__(self) -> str:
        return f"{self.prerequisite_id} → {self.point_id}"


class Item(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", "单选"
        MULTI = "multi", "多选"
        FILL = "fill", "填空"
        TRUE_FALSE = "true_false", "判断"

    code = models.CharField(max_length=64, unique=True, help_text="题目编号（导入时据此更新）")
    stem = models.TextField()
    type = models.CharField(max_length=12, choices=Type.choices)
    options = models.JSONField(default=list, blank=True, help_text="选项文本，按 A、B、C… 顺序")
    answer = models.CharField(
        max_length=255,
        help_text="单选“B”；多选“ACD”；判断“true”/“false”；填空：可接受的答案，用“|”分隔",
    )
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True, help_text="难度 1（易）–5（难）")
    iri = models.URLField(max_length=500, null=True, blank=True, unique=True, help_text="外部活动 IRI")
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="items")
    is_synthetic = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__isnull=True) | (Q(difficulty__gte=1) & Q(difficulty__lte=5)),
                name="item_difficulty_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.stem[:20]}"


class Response(models.Model):
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="responses")
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="+")
    correct = models.BooleanField()
    answer = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField()
    statement_id = models.UUIDField(null=True, blank=True, unique=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # A student's history in order (practice: which item was answered least recently).
            models.Index(fields=["student", "at"], name="response_student_at"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.item_id} · {'对' if self.correct else '错'}"


class SkillParams(models.Model):
    knowledge_point = models.OneToOneField(KnowledgePoint, on_delete=models.CASCADE, related_name="bkt")
    prior = models.FloatField()
    learn = models.FloatField()
    guess = models.FloatField()
    slip = models.FloatField()
    n_responses = models.PositiveIntegerField(default=0)
    fitted = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(prior__gte=0, prior__lte=1)
                & Q(learn__gte=0, learn__lte=1)
                & Q(guess__gte=0, guess__lte=0.5)
                & Q(slip__gte=0, slip__lte=0.5),
                name="skill_params_are_probabilities",
            )
        ]

    def __str__(self) -> str:
        p = (self.prior, self.learn, self.guess, self.slip)
        return f"{self.knowledge_point_id}: L0={p[0]:.2f} T={p[1]:.2f} G={p[2]:.2f} S={p[3]:.2f}"


class StudentMastery(models.Model):
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    p_mastery = models.FloatField()
    n_responses = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "knowledge_point"], name="mastery_student_point"),
            models.CheckConstraint(
                condition=Q(p_mastery__gte=0, p_mastery__lte=1), name="mastery_probability"
            ),
        ]
        indexes = [
            # Aggregates: "share of students of school S mastering point K".
            models.Index(fields=["school", "knowledge_point"], name="mastery_school_point"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.knowledge_point_id}: {self.p_mastery:.2f}"


class IngestCursor(models.Model):
    """Where reading Statements from the LRS stopped (the LRS's stored sequence)."""

    name = models.CharField(max_length=32, unique=True)
    last_seq = models.BigIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seq}"
