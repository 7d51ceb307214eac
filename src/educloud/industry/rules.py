"""Who may do what in 产教融合, as ``rules`` predicates (registered as ``industry.*`` permissions).

| actor | demand | supply | order class / base / apprenticeship | competition |
|---|---|---|---|---|
| enterprise member | publishes and closes its own enterprise's | — | proposes / advances its own | — |
| school admin (vocational) | — | publishes its school's | proposes / advances its school's | registers |
| teacher | — | — | — | registers entries of their school |
| joint office | — | — | sees all | creates, starts judging, publishes; edits the skills vocabulary |
| bureau | — | — | sees its region's (school's or enterprise's county) | — |
| expert (a judge of the competition) | — | — | — | scores entries |

Demands, supplies, the gap and published results are the platform's public information: every
logged-in user reads them. Reads roles through ``accounts.api``; no writes.
"""

from __future__ import annotations

from typing import Any

import rules

from educloud.accounts.api import Role, roles_of


def is_joint_office(user: Any) -> bool:
    return any(r.role == Role.JOINT_OFFICE for r in roles_of(user))


def is_enterprise_user(user: Any) -> bool:
    return any(r.role == Role.ENTERPRISE for r in roles_of(user))


def admin_school_ids(user: Any) -> set[int]:
    return {r.school_id for r in roles_of(user) if r.role == Role.SCHOOL_ADMIN and r.school_id}


def staff_school_ids(user: Any) -> set[int]:
    return {
        r.school_id for r in roles_of(user) if r.role in (Role.SCHOOL_ADMIN, Role.TEACHER) and r.school_id
    }


def enterprise_ids(user: Any) -> set[int]:
    """Enterprises ``user`` acts for (an ``enterprise`` role and membership of the enterprise)."""
    if not getattr(user, "is_authenticated", False) or not is_enterprise_user(user):
        return set()
    return set(user.industry_enterprises.values_list("pk", flat=True))


@rules.predicate
def is_demand_owner(user: Any, demand: Any) -> bool:
    return demand is not None and demand.enterprise_id in enterprise_ids(user)


@rules.predicate
def is_supply_owner(user: Any, supply: Any) -> bool:
    return supply is not None and supply.school_id in admin_school_ids(user)


@rules.predicate
def is_party(user: Any, agreement: Any) -> bool:
    """A member of the agreement's enterprise or an admin of its school (order class, base,
    apprenticeship)."""
    return agreement is not None and (
        agreement.enterprise_id in enterprise_ids(user) or agreement.school_id in admin_school_ids(user)
    )


@rules.predicate
def is_judge(user: Any, competition: Any) -> bool:
    return (
        competition is not None
        and any(r.role == Role.EXPERT for r in roles_of(user))
        and competition.judges.filter(pk=user.pk).exists()
    )


joint_office = rules.predicate(lambda user: is_joint_office(user), name="joint_office")

rules.add_perm("industry.change_demand", is_demand_owner)
rules.add_perm("industry.change_supply", is_supply_owner)
rules.add_perm("industry.change_orderclass", is_party)
rules.add_perm("industry.score_competition", is_judge)
rules.add_perm("industry.change_skill", joint_office)
