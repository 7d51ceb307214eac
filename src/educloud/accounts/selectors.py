"""Reads of the accounts app. Reading students' records is scoped and always audited."""

from __future__ import annotations

from educloud.accounts.models import PersonalDataAccess, StudentProfile, User
from educloud.accounts.scoping import student_data_scope
from educloud.accounts.services import personal_data_access_log
from educloud.lib.errors import PermissionDenied
from educloud.schools.api import School, school_in_scope


def student_roster(*, actor: User, school: School, purpose: str = "班级名册") -> list[StudentProfile]:
    """The students of ``school`` (pseudonym, grade, class), for its teachers and admins only.

    Raises PermissionDenied for anyone else — bureaus see aggregates, never rosters. The read is
    logged in ``PersonalDataAccess`` with the ids returned.
    """
    if not school_in_scope(student_data_scope(actor), school):
        raise PermissionDenied("只有本校教师和学校管理员可以查看学生名册")
    students = list(
        StudentProfile.objects.filter(school=school).order_by("grade", "class_label", "pseudonym")
    )
    personal_data_access_log(
        actor=actor, school_id=school.pk, student_ids=[s.pk for s in students], purpose=purpose
    )
    return students


def student_count(*, school: School) -> int:
    """An aggregate, not personal data: no audit needed."""
    return StudentProfile.objects.filter(school=school).count()


def access_log(*, actor: User, limit: int = 50) -> list[PersonalDataAccess]:
    return list(PersonalDataAccess.objects.filter(actor=actor)[:limit])
