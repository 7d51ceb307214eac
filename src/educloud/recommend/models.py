"""Recommender artefacts, per-learner cached candidates, and learning paths.

Identifiers and consistency rules
---------------------------------
* ``RecommenderModel`` is one fit (``educloud recommend_fit``): the fitted ``HybridRecommender``
  with its user/item index and the serving lists (cohort popularity, fresh resources per province,
  resources per knowledge point), pickled in ``artefact``. At most one row has ``is_current`` (a DB
  constraint); a refit on the same training data (same ``data_fingerprint``) changes nothing.
  The artefact is written by this app only and read back by it (pickle of our own rows).
* ``LearnerCandidates`` is a learner's top collaborative-filtering candidates under one model
  (``items`` = ``[[resource id, score], ...]``, best first). Serving re-filters them by the library's
  visibility at request time, so a resource narrowed after the fit is never shown.
* ``PathAssignment`` is a teacher's path for a class (school, grade, class label) to a target (one
  or several knowledge-point codes of one graph). ``StudentPath`` is a path a student follows (their
  own choice or an assignment); its steps are never stored: they are re-planned from the student's
  mastery on every view (``algos.paths``), so the path moves on after each answer.

``is_synthetic`` marks demo rows. Read next: ``services`` (writes), ``selectors`` (reads).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from educloud.schools.api import School


class RecommenderModel(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=False)
    data_fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the training input")
    n_users = models.PositiveIntegerField(default=0)
    n_items = models.PositiveIntegerField(default=0)
    n_events = models.PositiveIntegerField(default=0)
    fit_seconds = models.FloatField(default=0.0)
    params = models.JSONField(default=dict, blank=True)
    artefact = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="rec_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"model #{self.pk} ({self.n_users} users × {self.n_items} items)"


class LearnerCandidates(models.Model):
    model = models.ForeignKey(RecommenderModel, on_delete=models.CASCADE, related_name="candidates")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    items = models.JSONField(default=list)
    seen = models.JSONField(default=list, help_text="resource ids the learner engaged with at fit time")

    class Meta:
        constraints = [
            # Serving: "the candidates of user U under the current model" (one index lookup).
            models.UniqueConstraint(fields=["user", "model"], name="rec_candidates_user_model")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ model {self.model_id}: {len(self.items)}"


class PathAssignment(models.Model):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    grade = models.PositiveSmallIntegerField()
    class_label = models.CharField(max_length=16)
    subject = models.CharField(max_length=16)
    stage = models.CharField(max_length=8)
    target_codes = models.JSONField(default=list, help_text="knowledge-point codes of the target")
    title = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            # A student's assigned paths: "assignments of class (school, grade, label)".
            models.Index(fields=["school", "grade", "class_label"], name="rec_assign_class"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.school_id} {self.grade}/{self.class_label}"


class StudentPath(models.Model):
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(
        PathAssignment, null=True, blank=True, on_delete=models.CASCADE, related_name="student_paths"
    )
    subject = models.CharField(max_length=16)
    stage = models.CharField(max_length=8)
    target_codes = models.JSONField(default=list)
    title = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    completed = models.DateTimeField(null=True, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "assignment"],
                condition=Q(assignment__isnull=False),
                name="rec_path_once_per_assignment",
            )
        ]
        indexes = [models.Index(fields=["student", "created"], name="rec_path_student")]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.title}"
