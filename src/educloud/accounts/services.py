"""Writes of the accounts app: users with roles, and the personal-data access log."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from educloud.accounts.models import PersonalDataAccess, Role, RoleAssignment, User
from educloud.lib.errors import InvalidInput

_AUDIT_ID_CAP = 1000


@transaction.atomic
def user_create_with_role(
    *,
    username: str,
    password: str | None,
    role: Role,
    display_name: str = "",
    scope: dict[str, object] | None = None,
    is_synthetic: bool = False,
    password_hash: str | None = None,
) -> User:
    """Create a user holding one role over one scope (``{"county_id": "500103"}`` and the like).

    ``password_hash`` lets bulk seeding reuse one Argon2 hash instead of hashing per user.
    """
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名 {username} 已存在", field="username")
    user = User(username=username, display_name=display_name, is_synthetic=is_synthetic)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=role, **(scope or {}))
    return user


def personal_data_access_log(
    *, actor: User | None, school_id: int | None, student_ids: Sequence[int], purpose: str
) -> None:
    """Record that ``actor`` read these students' records (kept even if the request later fails)."""
    PersonalDataAccess.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        school_id=school_id,
        subject_count=len(student_ids),
        subject_ids=list(student_ids)[:_AUDIT_ID_CAP],
        purpose=purpose,
    )
