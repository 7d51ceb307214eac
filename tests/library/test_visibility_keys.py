"""The resource page decides "may this caller see it" from the loaded row (``policy.
keys_grant_without_query``), the lists from the database (``policy.keys_q``): both must agree for
every resource, every visibility level and every role, granted access included (ADR 0012)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from educloud.accounts.api import User
from educloud.library import policy, selectors, services
from educloud.library.models import Resource

from .conftest import user

pytestmark = pytest.mark.django_db

DEMO_ACCOUNTS = [
    "joint_office", "cq_bureau", "sc_bureau", "chengdu_bureau", "yongchuan_bureau", "jintang_bureau",
    "school_admin", "teacher", "student", "enterprise", "expert",
]  # fmt: skip
LEVELS = ["school", "county", "city", "province", "circle", "public"]


def test_the_row_check_agrees_with_the_database_filter_for_every_resource_and_role(make_resource):
    made = [make_resource(status="published", visibility=level) for level in LEVELS]
    made += [make_resource(owner="teacher", status="published", visibility=level) for level in LEVELS[:2]]
    # One resource outside the demo school's county, seen by an outsider only through a granted request.
    granted = make_resource(status="published", visibility="school", license="school_only")
    request = services.access_request_create(actor=user("jintang_bureau"), resource_id=granted.pk)
    services.access_request_decide(actor=user("teacher"), request_id=request.pk, approve=True)

    published = [*made, granted]
    callers = [AnonymousUser(), *User.objects.filter(username__in=DEMO_ACCOUNTS)]
    assert len(callers) == len(DEMO_ACCOUNTS) + 1
    checked = {True: 0, False: 0}
    for caller in callers:
        keys = selectors.viewer_keys(caller)
        visible = set(
            Resource.objects.filter(policy.keys_q(keys), pk__in=[r.pk for r in published]).values_list(
                "pk", flat=True
            )
        )
        for resource in published:
            matched, granted_ids = policy.keys_grant_without_query(keys, resource)
            by_row = matched or (resource.pk in visible and bool(granted_ids))
            assert (resource.pk in visible) == (matched or _granted(resource, granted_ids)), (
                caller,
                resource.visibility,
            )
            assert by_row == (resource.pk in visible)
            # And what the page calls, owners and reviewers aside:
            if not (policy.is_owner(caller, resource) or policy.is_reviewer(caller, resource)):
                assert selectors.can_view(caller, resource) == (resource.pk in visible)
            checked[resource.pk in visible] += 1
    # Both answers occur, and the grant was needed for the outsider.
    assert checked[True] and checked[False]
    outsider_keys = selectors.viewer_keys(user("jintang_bureau"))
    assert policy.keys_grant_without_query(outsider_keys, granted)[0] is False
    assert selectors.can_view(user("jintang_bureau"), granted)


def _granted(resource: Resource, granted_ids: list[int]) -> bool:
    from educloud.library.models import AccessRequest

    return AccessRequest.objects.filter(
        resource=resource, requester_id__in=granted_ids, status=AccessRequest.Status.APPROVED
    ).exists()
