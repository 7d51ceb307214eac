"""Who the actor is to governance: joint office, applicant (school admin / teacher), expert, bureau.

Reads roles through ``accounts.api`` (cached per user version); no writes.
"""

from __future__ import annotations

from typing import Any

from educloud.accounts.api import Role, roles_of

BUREAUS = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU)


def is_joint_office(user: Any) -> bool:
    return any(r.role == Role.JOINT_OFFICE for r in roles_of(user))


def is_expert(user: Any) -> bool:
    return any(r.role == Role.EXPERT for r in roles_of(user))


def applicant_school_ids(user: Any) -> set[int]:
    """Schools ``user`` may apply for (school admin or teacher there)."""
    return {
        r.school_id for r in roles_of(user) if r.role in (Role.SCHOOL_ADMIN, Role.TEACHER) and r.school_id
    }


def admin_school_ids(user: Any) -> set[int]:
    return {r.school_id for r in roles_of(user) if r.role == Role.SCHOOL_ADMIN and r.school_id}


def bureau_province_codes(user: Any) -> set[str]:
    """The provinces (重庆市 500000 / 四川省 510000) whose bureaus ``user`` belongs to, at any level."""
    codes: set[str] = set()
    for r in roles_of(user):
        if r.role == Role.PROVINCE_BUREAU and r.province_id:
            codes.add(r.province_id)
        elif r.role == Role.CITY_BUREAU and r.city_id:
            codes.add(r.city.province_id)
        elif r.role == Role.COUNTY_BUREAU and r.county_id:
            codes.add(r.county_id[:2] + "0000")  # GB/T 2260: a county's first two digits are its province
    return codes


def is_province_bureau(user: Any, province_code: str) -> bool:
    return any(r.role == Role.PROVINCE_BUREAU and r.province_id == province_code for r in roles_of(user))
