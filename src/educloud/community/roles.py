"""Who may do what in the community, as ``rules`` predicates over (user, group).

Community members are teachers, school admins and bureau staff (county, city, province, joint
office). Students are kept out, except from a class space of their own class. Roles are read through
``accounts.api`` (cached per user version); group roles from ``Membership``.
"""

from __future__ import annotations

from typing import Any

import rules

from educloud.accounts.api import Role, StudentProfile, roles_of
from educloud.community.models import Group, Membership

STAFF_ROLES = {
    Role.TEACHER,
    Role.SCHOOL_ADMIN,
    Role.COUNTY_BUREAU,
    Role.CITY_BUREAU,
    Role.PROVINCE_BUREAU,
    Role.JOINT_OFFICE,
}


def is_staff_member(user: Any) -> bool:
    """A teacher, school admin or bureau member: may join public groups and be invited."""
    return any(r.role in STAFF_ROLES for r in roles_of(user))


def teacher_school_ids(user: Any) -> set[int]:
    return {r.school_id for r in roles_of(user) if r.role == Role.TEACHER and r.school_id}


def in_class(user: Any, group: Group) -> bool:
    """``user`` is a student of the class space's class."""
    if group.kind != Group.Kind.CLASS_SPACE or not any(r.role == Role.STUDENT for r in roles_of(user)):
        return False
    return StudentProfile.objects.filter(
        user_id=user.pk, school_id=group.school_id, grade=group.grade, class_label=group.class_label
    ).exists()


def may_belong(user: Any, group: Group) -> bool:
    """Who a group may hold: staff in any group; a student only in a class space of their class."""
    if group.kind == Group.Kind.CLASS_SPACE:
        return in_class(user, group) or (
            is_staff_member(user) and any(r.school_id == group.school_id for r in roles_of(user))
        )
    return is_staff_member(user)


def membership(user: Any, group: Group) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache: dict[int, Membership | None] = user.__dict__.setdefault("_community_memberships", {})
    if group.pk not in cache:
        cache[group.pk] = Membership.objects.filter(group_id=group.pk, user_id=user.pk).first()
    found = cache[group.pk]
    # A member who may no longer belong (a teacher who left, a student moved class) is no member.
    return found if found is not None and may_belong(user, group) else None


def forget_memberships(user: Any) -> None:
    user.__dict__.pop("_community_memberships", None)


@rules.predicate
def is_group_member(user: Any, group: Group) -> bool:
    return membership(user, group) is not None


@rules.predicate
def is_group_moderator(user: Any, group: Group) -> bool:
    m = membership(user, group)
    return m is not None and m.role in (Membership.Role.OWNER, Membership.Role.MODERATOR)


@rules.predicate
def is_group_owner(user: Any, group: Group) -> bool:
    m = membership(user, group)
    return m is not None and m.role == Membership.Role.OWNER


@rules.predicate
def may_join(user: Any, group: Group) -> bool:
    return (
        group.kind == Group.Kind.TEACHING
        and group.visibility == Group.Visibility.PUBLIC
        and is_staff_member(user)
    ) or in_class(user, group)


rules.add_perm("community.view_group", is_group_member)
rules.add_perm("community.post", is_group_member)
rules.add_perm("community.join", may_join)
rules.add_perm("community.invite", is_group_moderator)
rules.add_perm("community.moderate", is_group_moderator)
rules.add_perm("community.set_role", is_group_owner)
