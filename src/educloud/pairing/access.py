"""Who may do what in the pairing programme (one place, used by selectors and services).

* joint office — sees every pairing; runs matching, adjusts and confirms any pair (cross-border too);
* province / city / county bureau — sees pairings with **either** school in its region (a cross-border
  pair is seen by both provinces' bureaus); runs matching over its region; adjusts and confirms pairs
  whose **both** schools lie in its region;
* school admin — sees its school's pairings; logs dispatches, activities, goals, shared courses;
* teacher — sees its school's pairings and its own dispatches.
"""

from __future__ import annotations

from typing import Any

from educloud.accounts.api import Role, roles_of
from educloud.lib.scope import Scope
from educloud.schools.api import School, school_in_scope

BUREAU_ROLES = {Role.JOINT_OFFICE, Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU}


def bureau_scope(actor: Any) -> Scope:
    scope = Scope.none()
    for r in roles_of(actor):
        if r.role == Role.JOINT_OFFICE:
            return Scope.all()
        if r.role == Role.PROVINCE_BUREAU:
            scope = scope.union(Scope(province_codes=frozenset({r.province_id})))
        elif r.role == Role.CITY_BUREAU:
            scope = scope.union(Scope(city_codes=frozenset({r.city_id})))
        elif r.role == Role.COUNTY_BUREAU:
            scope = scope.union(Scope(county_codes=frozenset({r.county_id})))
    return scope


def school_codes(actor: Any, roles: set[str]) -> set[str]:
    return {r.school.code for r in roles_of(actor) if r.role in roles and r.school_id}


def admin_schools(actor: Any) -> set[str]:
    return school_codes(actor, {Role.SCHOOL_ADMIN})


def member_schools(actor: Any) -> set[str]:
    return school_codes(actor, {Role.SCHOOL_ADMIN, Role.TEACHER})


def may_decide(actor: Any, strong: School, weak: School) -> bool:
    """Adjust or confirm a pair: a bureau whose region covers both schools."""
    scope = bureau_scope(actor)
    return school_in_scope(scope, strong) and school_in_scope(scope, weak)


def may_log(actor: Any, strong: School, weak: School) -> bool:
    """Log the programme's work: either school's admin, or a bureau covering either school."""
    scope = bureau_scope(actor)
    return (
        bool(admin_schools(actor) & {strong.code, weak.code})
        or school_in_scope(scope, strong)
        or school_in_scope(scope, weak)
    )
