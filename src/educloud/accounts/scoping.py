"""How a user's roles become the scopes they may view and edit.

| role | views schools of | edits schools of | reads students' records |
|---|---|---|---|
| joint office | the whole circle | the whole circle | no (aggregates only) |
| provincial / city / county bureau | its region | its region | no (aggregates only) |
| school admin | its school | its school | its school |
| teacher | its school | — | its school |
| student | its school | — | only their own |
| enterprise, expert | — | — | no |

Circle-wide aggregates (counts, indicators by county) are public and need no scope.

A user's roles are read once and then kept in the cache (Redis in production, process memory in
the demo) under the user's ``roles_version`` (ADR 0012): every change of a ``RoleAssignment``
raises that version in the same transaction (``on_role_changed``, or ``roles_changed`` after bulk
writes that send no signals), and the user row, read by every request anyway, carries the version,
so the next request after a role change reads the new roles. Deactivating a user (``is_active``,
on the same row) ends their roles at once, cached or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import F

from educloud.accounts.models import Role, RoleAssignment, User
from educloud.lib.scope import Scope

_EDITORS = {Role.JOINT_OFFICE, Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU, Role.SCHOOL_ADMIN}
_VIEWERS = _EDITORS | {Role.TEACHER, Role.STUDENT}
_STUDENT_READERS = {Role.SCHOOL_ADMIN, Role.TEACHER}


def _scope_of(assignment: RoleAssignment) -> Scope:
    if assignment.role == Role.JOINT_OFFICE:
        return Scope.all()
    if assignment.province_id:
        return Scope(province_codes=frozenset({assignment.province_id}))
    if assignment.city_id:
        return Scope(city_codes=frozenset({assignment.city_id}))
    if assignment.county_id:
        return Scope(county_codes=frozenset({assignment.county_id}))
    if assignment.school_id:
        return Scope(school_codes=frozenset({assignment.school.code}))
    return Scope.none()


ROLES_SECONDS = 300  # a bound, not the invalidation: a role change raises the key's version


def roles_cache_key(user: User) -> str:
    # date_joined: a key never outlives its user (a reused id, after a database is emptied).
    joined = user.date_joined.timestamp() if user.date_joined else 0
    return f"accounts:roles:v1:{user.pk}:{joined}:{user.roles_version}"


def _roles(user: User | None) -> list[RoleAssignment]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_educloud_roles", None)
    if cached is None:
        key = roles_cache_key(user)
        cached = cache.get(key)
        if cached is None:
            cached = list(user.roles.select_related("school", "city"))  # city: search's visibility keys
            cache.set(key, cached, ROLES_SECONDS)
        user._educloud_roles = cached  # type: ignore[attr-defined]  # per-request cache on the instance
    return cached


def roles_changed(user_ids: Iterable[int]) -> None:
    """Raise these users' ``roles_version`` (call inside the transaction that changed their roles)."""
    ids = sorted(set(user_ids))
    if ids:
        User.objects.filter(pk__in=ids).update(roles_version=F("roles_version") + 1)


def on_role_changed(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of a ``RoleAssignment`` (connected in ``apps.py``)."""
    if kwargs.get("raw"):
        return  # loaddata: rows as given
    roles_changed([instance.user_id])


def _scope_for(user: User | None, roles: set[Role]) -> Scope:
    scope = Scope.none()
    for assignment in _roles(user):
        if assignment.role in roles:
            scope = scope.union(_scope_of(assignment))
    return scope


def view_scope(user: User | None) -> Scope:
    """Schools whose records ``user`` may see."""
    return _scope_for(user, _VIEWERS)


def edit_scope(user: User | None) -> Scope:
    """Schools whose records ``user`` may change."""
    return _scope_for(user, _EDITORS)


def student_data_scope(user: User | None) -> Scope:
    """Schools whose students' personal records ``user`` may read (audited)."""
    return _scope_for(user, _STUDENT_READERS)


def roles_of(user: User | None) -> list[RoleAssignment]:
    return _roles(user)
