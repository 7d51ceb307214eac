"""Public Python interface of the accounts app."""

from __future__ import annotations

from educloud.accounts.hashers import HashingBusy
from educloud.accounts.login_limits import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    LoginRetry,
    device_cookie_value,
    login_retry_after,
)
from educloud.accounts.models import (
    PersonalDataAccess,
    Role,
    RoleAssignment,
    StudentProfile,
    TeacherProfile,
    User,
)
from educloud.accounts.scoping import edit_scope, roles_of, student_data_scope, view_scope
from educloud.accounts.selectors import access_log, student_count, student_roster
from educloud.accounts.services import personal_data_access_log, user_create_with_role
from educloud.accounts.synthetic import (
    DEMO_PASSWORD,
    DemoAccount,
    PeopleReport,
    demo_people_seed,
    synthetic_people_delete,
)

__all__ = [
    "DEMO_PASSWORD",
    "DEVICE_COOKIE",
    "DEVICE_COOKIE_MAX_AGE",
    "DemoAccount",
    "HashingBusy",
    "LoginRetry",
    "PeopleReport",
    "PersonalDataAccess",
    "Role",
    "RoleAssignment",
    "StudentProfile",
    "TeacherProfile",
    "User",
    "access_log",
    "demo_people_seed",
    "device_cookie_value",
    "edit_scope",
    "login_retry_after",
    "personal_data_access_log",
    "roles_of",
    "student_count",
    "student_data_scope",
    "student_roster",
    "synthetic_people_delete",
    "user_create_with_role",
    "view_scope",
]
