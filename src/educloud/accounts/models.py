"""Users, roles with scopes, minimal student/teacher profiles, personal-data access audit.

A ``RoleAssignment`` gives one user one role over one scope: the joint office has no scope
field (circle-wide); a provincial bureau has ``province``; a city bureau ``city``; a county
bureau ``county``; school admins, teachers and students ``school``; enterprises and experts
none yet. The database enforces that the scope field set matches the role.

Students are mostly minors. We keep the least data: a pseudonym, school, grade and class —
no real name, birth date, ID number or contact. Every read of a student's record by someone
other than the student is written to ``PersonalDataAccess``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from educloud.regions.models import City, County, Province
from educloud.schools.models import School


class User(AbstractUser):
    display_name = models.CharField(max_length=64, blank=True)
    is_synthetic = models.BooleanField(default=False)
    # Raised in the same transaction as any change of the user's roles (accounts/scoping.py): the
    # cached roles are keyed by it, so a role change is honoured by the next request (ADR 0012).
    roles_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A full save of an instance loaded before a role change must not write its old
        # ``roles_version`` back (the cache would serve the roles from before the change).
        full = kwargs.get("update_fields") is None and not kwargs.get("force_insert")
        if full and not self._state.adding and self.pk is not None:
            deferred = self.get_deferred_fields()  # as Django's own save: only the loaded fields
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "roles_version" and f.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    JOINT_OFFICE = "joint_office", "川渝联合办公室"
    PROVINCE_BUREAU = "province_bureau", "省（市）教育厅（委）"
    CITY_BUREAU = "city_bureau", "市（州）教育局"
    COUNTY_BUREAU = "county_bureau", "区（县）教育局"
    SCHOOL_ADMIN = "school_admin", "学校管理员"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "学生"
    ENTERPRISE = "enterprise", "企业"
    EXPERT = "expert", "评审专家"


SCHOOL_ROLES = (Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)


def _only(field: str | None) -> Q:
    """Q: exactly ``field`` among the four scope fields is set (none when ``field`` is None)."""
    q = Q()
    for name in ("province", "city", "county", "school"):
        q &= Q(**{f"{name}__isnull": name != field})
    return q


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.CASCADE)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.CASCADE)
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.CASCADE)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    (Q(role__in=[Role.JOINT_OFFICE, Role.ENTERPRISE, Role.EXPERT]) & _only(None))
                    | (Q(role=Role.PROVINCE_BUREAU) & _only("province"))
                    | (Q(role=Role.CITY_BUREAU) & _only("city"))
                    | (Q(role=Role.COUNTY_BUREAU) & _only("county"))
                    | (Q(role__in=SCHOOL_ROLES) & _only("school"))
                ),
            )
        ]

    def __str__(self) -> str:
        where = self.province or self.city or self.county or self.school or "全域"
        return f"{self.get_role_display()} · {where}"


class StudentProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="student_profile")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    pseudonym = models.CharField(max_length=32, help_text="化名，如“学生A017”；不存真实姓名")
    grade = models.PositiveSmallIntegerField(help_text="年级 1–12")
    class_label = models.CharField(max_length=16, help_text="班级，如“3班”")
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1) & Q(grade__lte=12), name="student_grade_1_to_12")
        ]
        indexes = [models.Index(fields=["school", "grade", "class_label"], name="student_class")]

    def __str__(self) -> str:
        return self.pseudonym


class TeacherProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="teacher_profile")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teacher_profiles")
    subject = models.CharField(max_length=16)
    is_synthetic = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} · {self.subject}"


class PersonalDataAccess(models.Model):
    """One read of students' personal data by someone other than the student."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="data_accesses")
    school = models.ForeignKey(School, null=True, on_delete=models.SET_NULL)
    subject_count = models.PositiveIntegerField(help_text="how many students' records were read")
    subject_ids = models.JSONField(default=list, help_text="StudentProfile ids read (capped at 1,000)")
    purpose = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.actor} read {self.subject_count} student record(s) at {self.at:%Y-%m-%d %H:%M}"
