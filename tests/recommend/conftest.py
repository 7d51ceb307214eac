from __future__ import annotations

from educloud.accounts.api import Role, StudentProfile, User, user_create_with_role


def user(username: str) -> User:
    return User.objects.get(username=username)


def new_student(*, school, grade: int = 8, class_label: str = "9班", name: str = "rec_new") -> User:  # type: ignore[no-untyped-def]
    """A student with no history at all (cold start)."""
    u = user_create_with_role(username=name, password=None, role=Role.STUDENT, scope={"school": school})
    StudentProfile.objects.create(
        user=u, school=school, pseudonym=f"学生{name}", grade=grade, class_label=class_label
    )
    return u


def sichuan_student() -> User:
    sp = StudentProfile.objects.filter(school__county__province_id="510000").select_related("user").first()
    assert sp is not None
    return sp.user
