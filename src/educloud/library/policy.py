"""Who may see, change and review a resource — one place, used by services and selectors.

- *See a published resource*: anyone whose search visibility keys
  (``search.api.visibility_keys_for``) match the resource's keys (``visibility_keys``); the owner;
  its reviewers.
- *See a draft / under-review / withdrawn one*: the owner and its reviewers.
- *Create*: teachers and school admins, at their school.
- *Edit metadata, upload a version, submit*: the owner (local resources only; remote ones are
  read-only).
- *Changes of a published resource* that widen its audience or replace what it shows are held
  until a reviewer approves them (``services.resource_update``); until then only the owner and
  the reviewers see them (``selectors.sees_pending``). Narrowing the visibility applies at once.
- *Approve / reject / withdraw*: reviewers — the owner's school admin, or a bureau whose region
  covers the school (``accounts.api.edit_scope``); nobody reviews their own; the owner may withdraw.
- *Decide an access request*: the owner and the reviewers.
- *Curate collections*: bureaus (joint office, province, city, county).

Visibility keys of a resource (what the search index stores, and what the DB browse filters by):
public → ``public``; circle → ``circle``; province/city/county/school → the owner's key at that
level (``province:500000`` ...); always ``school:<owner school code>``; plus ``user:<id>`` for
every approved access request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from educloud.accounts.api import Role, edit_scope, roles_of
from educloud.lib.errors import NotFound
from educloud.library.models import AccessRequest, Resource
from educloud.regions.api import County, county_row

BUREAU_ROLES = {Role.JOINT_OFFICE, Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU}
AUTHOR_ROLES = {Role.TEACHER, Role.SCHOOL_ADMIN}


def visibility_keys(resource: Resource, *, granted_user_ids: Iterable[int] | None = None) -> list[str]:
    keys: list[str] = []
    level = resource.visibility
    if level == Resource.Visibility.PUBLIC:
        keys.append("public")
    elif level == Resource.Visibility.CIRCLE:
        keys.append("circle")
    else:
        code = {
            "province": resource.province_code,
            "city": resource.city_code,
            "county": resource.county_code,
            "school": resource.school_code,
        }[level]
        if code:
            keys.append(f"{level}:{code}")
    if resource.school_code and f"school:{resource.school_code}" not in keys:
        keys.append(f"school:{resource.school_code}")
    if granted_user_ids is None:
        granted_user_ids = (
            AccessRequest.objects.filter(resource=resource, status=AccessRequest.Status.APPROVED)
            .values_list("requester_id", flat=True)
            .distinct()
        )
    keys.extend(f"user:{uid}" for uid in sorted(set(granted_user_ids)))
    return keys


def keys_grant_without_query(keys: Iterable[str], resource: Resource) -> tuple[bool, list[int]]:
    """``keys_q`` for one loaded, published resource, in Python: (True, []) when a key other than a
    granted access (``user:<id>``) matches the row's own fields; else (False, the granted user ids),
    which only the access requests table can answer. The page of a resource asks this on every view:
    no query for what the row already tells (ADR 0012). ``tests/library/test_visibility_keys.py``
    holds it equal to ``keys_q`` over every resource and role."""
    granted: list[int] = []
    for key in keys:
        if key == "all":
            return True, []
        if key in ("public", "circle"):
            if resource.visibility == key:
                return True, []
            continue
        level, _, code = key.partition(":")
        if level == "user" and code.isdigit():
            granted.append(int(code))
        elif level == "school":
            if resource.school_code == code:
                return True, []
        elif level in ("province", "city", "county"):
            if resource.visibility == level and getattr(resource, f"{level}_code") == code:
                return True, []
    return False, granted


def keys_q(keys: Iterable[str]) -> Q:
    """The DB filter equivalent to matching any of the search visibility ``keys`` (published only)."""
    q = Q(pk__in=[])
    granted: list[int] = []
    for key in keys:
        if key == "all":
            return Q(status=Resource.Status.PUBLISHED)
        if key in ("public", "circle"):
            q |= Q(visibility=key)
            continue
        level, _, code = key.partition(":")
        if level == "user" and code.isdigit():
            granted.append(int(code))
        elif level == "school":
            q |= Q(school_code=code)
        elif level in ("province", "city", "county"):
            q |= Q(visibility=level, **{f"{level}_code": code})
    if granted:
        q |= Q(
            pk__in=AccessRequest.objects.filter(
                requester_id__in=granted, status=AccessRequest.Status.APPROVED
            ).values("resource_id")
        )
    return Q(status=Resource.Status.PUBLISHED) & q


def is_reviewer(user: object, resource: Resource) -> bool:
    if resource.is_remote or not resource.school_code:
        return False
    if resource.owner_id is not None and getattr(user, "pk", None) == resource.owner_id:
        # Nobody approves their own work, even a school admin who is also its author.
        return _covers_with_roles(user, resource, exclude_school_admin=True)
    return _covers_with_roles(user, resource, exclude_school_admin=False)


def _covers_with_roles(user: object, resource: Resource, *, exclude_school_admin: bool) -> bool:
    scope = edit_scope(user)  # type: ignore[arg-type]
    if exclude_school_admin:
        scope = scope.__class__(
            everything=scope.everything,
            province_codes=scope.province_codes,
            city_codes=scope.city_codes,
            county_codes=scope.county_codes,
        )
    return scope.covers_place(
        province_code=resource.province_code,
        city_code=resource.city_code,
        county_code=resource.county_code,
        school_code=resource.school_code,
    )


def is_owner(user: object, resource: Resource) -> bool:
    return resource.owner_id is not None and getattr(user, "pk", None) == resource.owner_id


def is_bureau(user: object) -> bool:
    return any(a.role in BUREAU_ROLES for a in roles_of(user))  # type: ignore[arg-type]


def authoring_schools(user: object) -> list[object]:
    """Schools where ``user`` may create resources (teacher or school admin there)."""
    return [a.school for a in roles_of(user) if a.role in AUTHOR_ROLES and a.school_id]  # type: ignore[arg-type]


def home_province_code(user: object) -> str:
    """The province (500000 or 510000) a user belongs to by their roles; "" if none or several."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    cached = getattr(user, "_library_province", None)
    if cached is not None:
        return str(cached)
    codes: set[str] = set()
    # No query per page view: the roles come cached with their school and city, and a county's
    # province from the cached county table (ADR 0012).
    for a in roles_of(user):  # type: ignore[arg-type]
        if a.province_id:
            codes.add(a.province_id)
        elif a.city_id:
            codes.add(a.city.province_id)
        elif a.county_id or a.school_id:
            county = a.county_id or a.school.county_id
            try:
                codes.add(county_row(code=county)["province_code"])
            except NotFound:  # a county outside the circle's member list
                codes.update(County.objects.filter(pk=county).values_list("province_id", flat=True))
    code = codes.pop() if len(codes) == 1 else ""
    user._library_province = code  # type: ignore[attr-defined]  # per-request cache on the instance
    return code
