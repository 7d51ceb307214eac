"""Which visibility keys a user holds: what ``search`` compares with the keys stored on documents.

A document is visible to a user iff they share a key. The keys a user holds:

| who | keys |
|---|---|
| anyone, also anonymous | ``public`` |
| any logged-in user | ``circle`` (both provinces), ``user:<id>`` |
| school admin, teacher, student of school S in county C | ``school:S``, ``county:C``, its city and province |
| county bureau of C | ``county:C``, ``city:…``, ``province:…`` and ``manage:county:C`` |
| city bureau of X | ``city:X``, ``province:…`` and ``manage:city:X`` |
| province bureau of P | ``province:P`` and ``manage:province:P`` |
| school admin of S | also ``manage:school:S`` |
| joint office | ``all``: matches every document |

So a document restricted to a county (``county:500118``) is seen by that county's bureau, schools,
teachers and students, not by its city's or province's bureau (they are not *in* the county). An app
that wants the supervising bureaus to see restricted material too (for review) adds their
``manage:<level>:<code>`` keys to the document. 重庆's counties have city 500000 (ADR 0001 §5).
"""

from __future__ import annotations

from typing import Any

from educloud.accounts.api import Role, roles_of
from educloud.regions.api import county_row

_SCHOOL_ROLES = {Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT}


def _county_keys(code: str) -> list[str]:
    county = county_row(code=code)  # the cached county table: no query per request
    return [f"county:{code}", f"city:{county['city_code']}", f"province:{county['province_code']}"]


def visibility_keys_for(user: Any) -> list[str]:
    """The keys ``user`` (a ``User``, ``AnonymousUser`` or ``None``) holds; see the module docstring."""
    keys = ["public"]
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return keys
    keys += ["circle", f"user:{user.pk}"]
    for assignment in roles_of(user):
        role = assignment.role
        if role == Role.JOINT_OFFICE:
            keys.append("all")
        elif role == Role.PROVINCE_BUREAU:
            keys += [f"province:{assignment.province_id}", f"manage:province:{assignment.province_id}"]
        elif role == Role.CITY_BUREAU:
            city = assignment.city
            keys += [f"city:{city.code}", f"province:{city.province_id}", f"manage:city:{city.code}"]
        elif role == Role.COUNTY_BUREAU:
            keys += [*_county_keys(assignment.county_id), f"manage:county:{assignment.county_id}"]
        elif role in _SCHOOL_ROLES and assignment.school is not None:
            school = assignment.school
            keys += [f"school:{school.code}", *_county_keys(school.county_id)]
            if role == Role.SCHOOL_ADMIN:
                keys.append(f"manage:school:{school.code}")
    return list(dict.fromkeys(keys))
