"""Who is who in the LRS: the site's IRLs, platform learners' pseudonymous accounts, client authorities,
and where (which school / region) a Statement or document belongs for read scoping.

* ``site_base_url()`` - ``settings.EDUCLOUD_BASE_URL`` or the ``EDUCLOUD_BASE_URL`` environment
  variable. It is part of every platform learner's identity (``<base>/accounts``) and of every
  authority (``<base>``), so it must never change once Statements are stored.
* A platform user is written as ``{"objectType": "Agent", "account": {"homePage": "<base>/accounts",
  "name": <Learner.account_name>}}``: a random, stable id - never the username, a name or an email.
* A Statement's *place* is the school of the platform learner its actor maps to (students and
  teachers have one), otherwise the storing client's own scope.
* Write scope (ADR 0007, amendment 2026-12-04): a client that is not circle-wide may write
  Statements and State / Agent Profile documents only about platform learners whose school lies
  inside its scope. :func:`learner_accounts_in` lists where a Statement names a platform account.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from educloud.accounts.api import User
from educloud.lib.scope import Scope
from educloud.lrs.models import Client, Learner

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def site_base_url() -> str:
    """``settings.EDUCLOUD_BASE_URL``: identities hang on it, so set it once and never change it."""
    return (settings.EDUCLOUD_BASE_URL or DEFAULT_BASE_URL).rstrip("/")


def accounts_home_page() -> str:
    return site_base_url() + "/accounts"


def client_authority(client: Client) -> dict[str, Any]:
    """The Agent the LRS writes as ``authority`` for Statements this client stores."""
    return {
        "objectType": "Agent",
        "name": client.name,
        "account": {"homePage": site_base_url(), "name": client.key},
    }


@dataclass(frozen=True)
class Place:
    province_code: str = ""
    city_code: str = ""
    county_code: str = ""
    school_code: str = ""

    def as_fields(self) -> dict[str, str]:
        return {
            "province_code": self.province_code,
            "city_code": self.city_code,
            "county_code": self.county_code,
            "school_code": self.school_code,
        }


def client_place(client: Client) -> Place:
    """The place a client's own records belong to (empty for a circle-wide client)."""
    if client.school_id is not None:
        county = client.school.county
        return Place(county.province_id, county.city_id, county.pk, client.school.code)
    if client.county_id is not None:
        return Place(client.county.province_id, client.county.city_id, client.county_id)
    if client.city_id is not None:
        return Place(client.city.province_id, client.city_id)
    if client.province_id is not None:
        return Place(client.province_id)
    return Place()


def client_scope_label(client: Client) -> str:
    """``county 500118``, ``school S5001180001``, ``circle``: a client's scope in messages."""
    if client.school_id is not None:
        return f"school {client.school.code}"
    for kind in ("county", "city", "province"):
        code = getattr(client, f"{kind}_id")
        if code is not None:
            return f"{kind} {code}"
    return "circle"


def client_scope(client: Client) -> Scope:
    """What a client may read besides what it stored itself."""
    if client.scope_kind == Client.ScopeKind.CIRCLE:
        return Scope.all()
    if client.school_id is not None:
        return Scope(school_codes=frozenset({client.school.code}))
    if client.county_id is not None:
        return Scope(county_codes=frozenset({client.county_id}))
    if client.city_id is not None:
        return Scope(city_codes=frozenset({client.city_id}))
    if client.province_id is not None:
        return Scope(province_codes=frozenset({client.province_id}))
    return Scope.none()


def place_covered(scope: Scope, place: Place) -> bool:
    return (
        scope.everything
        or (place.province_code != "" and place.province_code in scope.province_codes)
        or (place.city_code != "" and place.city_code in scope.city_codes)
        or (place.county_code != "" and place.county_code in scope.county_codes)
        or (place.school_code != "" and place.school_code in scope.school_codes)
    )


@dataclass(frozen=True)
class LearnerInfo:
    learner_id: int
    place: Place
    student_profile_id: int | None


def _user_school(user: User) -> Any:
    for attribute in ("student_profile", "teacher_profile"):
        profile = getattr(user, attribute, None)
        if profile is not None:
            return profile.school
    return None


def platform_account_name(agent: Any, home: str | None = None) -> str | None:
    """The account name if ``agent`` is a platform account (``<base>/accounts``), else None."""
    home = home or accounts_home_page()
    account = agent.get("account") if isinstance(agent, Mapping) else None
    if not isinstance(account, Mapping) or account.get("homePage") != home:
        return None
    name = account.get("name")
    return name if isinstance(name, str) else None


def _agent_accounts(agent: Any, path: str, home: str) -> Iterable[tuple[str, str]]:
    name = platform_account_name(agent, home)
    if name is not None:
        yield path, name
    members = agent.get("member") if isinstance(agent, Mapping) else None
    if isinstance(members, list):
        for position, member in enumerate(members):
            name = platform_account_name(member, home)
            if name is not None:
                yield f"{path}.member[{position}]", name


def learner_accounts_in(statement: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``(json path, account name)`` of every platform account a Statement is about: its actor, an
    Agent/Group object, context instructor and team, Group members, and the same inside a
    SubStatement. ``authority`` is not among them (the LRS writes it)."""
    home = accounts_home_page()
    found: list[tuple[str, str]] = []

    def walk(body: Mapping[str, Any], path: str) -> None:
        def at(key: str) -> str:
            return f"{path}.{key}" if path else key

        found.extend(_agent_accounts(body.get("actor"), at("actor"), home))
        obj = body.get("object")
        if isinstance(obj, Mapping):
            if obj.get("objectType") in ("Agent", "Group"):
                found.extend(_agent_accounts(obj, at("object"), home))
            elif obj.get("objectType") == "SubStatement":
                walk(obj, at("object"))
        context = body.get("context")
        if isinstance(context, Mapping):
            for key in ("instructor", "team"):
                found.extend(_agent_accounts(context.get(key), at(f"context.{key}"), home))

    walk(statement, prefix)
    return found


def learners_by_account(names: Iterable[str]) -> dict[str, LearnerInfo]:
    """Resolve account names to learners, their place and (for students) StudentProfile id."""
    names = set(names)
    if not names:
        return {}
    rows = Learner.objects.filter(account_name__in=names).select_related(
        "user__student_profile__school__county", "user__teacher_profile__school__county"
    )
    found: dict[str, LearnerInfo] = {}
    for learner in rows:
        school = _user_school(learner.user)
        place = (
            Place(school.county.province_id, school.county.city_id, school.county_id, school.code)
            if school is not None
            else Place()
        )
        profile = getattr(learner.user, "student_profile", None)
        found[learner.account_name] = LearnerInfo(
            learner.pk, place, profile.pk if profile is not None else None
        )
    return found


def learner_for_user(user: User) -> Learner:
    """The user's pseudonymous learner identity (created on first use)."""
    learner = Learner.objects.filter(user=user).first()
    if learner is None:
        learner, _ = Learner.objects.get_or_create(
            user=user, defaults={"account_name": secrets.token_hex(12)}
        )
    return learner


def learner_agent(user: User) -> dict[str, Any]:
    """The xAPI Agent for a platform user: account only, no name, no email."""
    learner = learner_for_user(user)
    return {
        "objectType": "Agent",
        "account": {"homePage": accounts_home_page(), "name": learner.account_name},
    }
