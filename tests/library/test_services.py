"""Lifecycle, permissions, visibility, access requests and engagement, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library import selectors, services
from educloud.library.models import AccessRequest, Engagement, Resource
from educloud.search import api as search_api

from .conftest import user

pytestmark = pytest.mark.django_db


def _searchable(resource: Resource, username: str | None) -> bool:
    actor = user(username) if username else AnonymousUser()
    result = selectors.resource_search(actor=actor, query="勾股定理", filters={"grade": "g8"}, page_size=100)
    return resource.pk in [r.pk for r in result.items]


def test_lifecycle_from_draft_to_published_to_withdrawn(make_resource):
    resource = make_resource(status="draft")
    assert resource.status == "draft" and resource.school_code and resource.province_code == "500000"
    assert not _searchable(resource, None)
    services.resource_submit(actor=user("teacher"), resource_id=resource.pk)
    with pytest.raises(PermissionDenied):
        services.resource_approve(actor=user("teacher"), resource_id=resource.pk)  # not a reviewer
    with pytest.raises(PermissionDenied):
        services.resource_approve(actor=user("jintang_bureau"), resource_id=resource.pk)  # other county
    approved = services.resource_approve(actor=user("school_admin"), resource_id=resource.pk, note="好")
    assert approved.status == "published" and approved.reviewed_by.username == "school_admin"
    assert _searchable(resource, None) and resource.oai_exposed is False  # refreshed below
    resource.refresh_from_db()
    assert resource.oai_exposed is True
    services.resource_withdraw(actor=user("teacher"), resource_id=resource.pk, reason="有误")
    resource.refresh_from_db()
    assert resource.status == "withdrawn" and not _searchable(resource, None)
    with pytest.raises(InvalidInput):
        services.resource_withdraw(actor=user("teacher"), resource_id=resource.pk)


def test_bureaus_in_scope_review_and_rejection_needs_a_reason(make_resource):
    resource = make_resource(status="under_review")
    with pytest.raises(InvalidInput) as exc:
        services.resource_reject(actor=user("yongchuan_bureau"), resource_id=resource.pk, note=" ")
    assert exc.value.field == "note"
    rejected = services.resource_reject(
        actor=user("cq_bureau"), resource_id=resource.pk, note="请补充练习答案"
    )
    assert rejected.status == "draft" and rejected.review_note == "请补充练习答案"
    services.resource_submit(actor=user("teacher"), resource_id=resource.pk)
    assert (
        services.resource_approve(actor=user("yongchuan_bureau"), resource_id=resource.pk).status
        == "published"
    )


def test_nobody_approves_their_own_resource(make_resource):
    resource = make_resource("school_admin", status="under_review")
    with pytest.raises(PermissionDenied):
        services.resource_approve(actor=user("school_admin"), resource_id=resource.pk)
    assert (
        services.resource_approve(actor=user("yongchuan_bureau"), resource_id=resource.pk).status
        == "published"
    )


def test_submit_needs_a_file_and_only_drafts_can_be_submitted(make_resource):
    resource = make_resource(data=None)
    with pytest.raises(InvalidInput) as exc:
        services.resource_submit(actor=user("teacher"), resource_id=resource.pk)
    assert exc.value.field == "file"
    published = make_resource(status="published")
    with pytest.raises(InvalidInput):
        services.resource_submit(actor=user("teacher"), resource_id=published.pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "alchemy"}, "subject"),
        ({"grade": "g11"}, "grade"),  # a senior grade on a junior resource
        ({"stage": "primary", "subject": "v_nursing", "grade": ""}, "subject"),
        ({"license": "school_only", "visibility": "public"}, "visibility"),
        ({"title": "x"}, "title"),
        ({"tags": ["t"] * 21}, "tags"),
        ({"visibility": "galaxy"}, "visibility"),
    ],
)
def test_bad_metadata_is_refused_naming_the_field(make_resource, fields, field):
    with pytest.raises(InvalidInput) as exc:
        make_resource(**fields)
    assert exc.value.field == field


def test_only_teachers_and_school_admins_create_and_only_owners_edit(make_resource):
    with pytest.raises(PermissionDenied):
        make_resource("student")
    with pytest.raises(PermissionDenied):
        make_resource("cq_bureau")
    resource = make_resource()
    with pytest.raises(PermissionDenied):
        services.resource_update(
            actor=user("school_admin"), resource_id=resource.pk, changes={"title": "改名了"}
        )
    with pytest.raises(InvalidInput) as exc:
        services.resource_update(actor=user("teacher"), resource_id=resource.pk, changes={"owner": 1})
    assert exc.value.field == "owner"
    updated = services.resource_update(
        actor=user("teacher"), resource_id=resource.pk, changes={"title": "新标题"}
    )
    assert updated.title == "新标题"


@pytest.mark.parametrize(
    ("visibility", "can_see", "cannot_see"),
    [
        ("public", [None, "jintang_bureau", "student", "enterprise"], []),
        ("circle", ["jintang_bureau", "enterprise", "student"], [None]),
        ("province", ["cq_bureau", "yongchuan_bureau", "student"], [None, "sc_bureau", "jintang_bureau"]),
        ("county", ["yongchuan_bureau", "student"], [None, "chengdu_bureau", "jintang_bureau", "enterprise"]),
        ("school", ["student", "school_admin"], [None, "chengdu_bureau", "jintang_bureau", "enterprise"]),
    ],
)
def test_visibility_scopes_browse_search_and_detail_alike(make_resource, visibility, can_see, cannot_see):
    license_code = "school_only" if visibility == "school" else "cc-by"
    resource = make_resource(status="published", visibility=visibility, license=license_code)
    for username in can_see:
        actor = user(username) if username else AnonymousUser()
        assert selectors.can_view(actor, resource), username
        assert selectors.resource_browse(actor=actor, filters={"grade": "g8"}, page_size=100).items
        assert resource.pk in [
            r.pk for r in selectors.resource_browse(actor=actor, filters={"grade": "g8"}, page_size=100).items
        ]
        assert _searchable(resource, username), username
    for username in cannot_see:
        actor = user(username) if username else AnonymousUser()
        assert not selectors.can_view(actor, resource), username
        assert resource.pk not in [
            r.pk for r in selectors.resource_browse(actor=actor, filters={"grade": "g8"}, page_size=100).items
        ]
        assert not _searchable(resource, username), username
        with pytest.raises(NotFound, match=r"^资源不存在或无权查看$"):  # the answer for a missing id
            selectors.resource_get(actor=actor, resource_id=resource.pk)


def test_reviewers_open_restricted_resources_they_supervise_but_do_not_get_them_in_lists(make_resource):
    resource = make_resource(status="published", visibility="school", license="school_only")
    assert selectors.resource_get(actor=user("cq_bureau"), resource_id=resource.pk)
    listed = selectors.resource_browse(actor=user("cq_bureau"), filters={"grade": "g8"}, page_size=100).items
    assert resource.pk not in [r.pk for r in listed]


def test_drafts_are_seen_by_owner_and_reviewers_only(make_resource):
    resource = make_resource(status="under_review")
    assert selectors.resource_get(actor=user("teacher"), resource_id=resource.pk)
    assert selectors.resource_get(actor=user("yongchuan_bureau"), resource_id=resource.pk)
    with pytest.raises(NotFound):
        selectors.resource_get(actor=user("student"), resource_id=resource.pk)
    assert resource in selectors.review_queue(actor=user("school_admin"))
    assert resource not in selectors.review_queue(actor=user("jintang_bureau"))


def test_access_request_approved_grants_access_and_every_decision_is_recorded(make_resource):
    resource = make_resource(status="published", visibility="school", license="school_only")
    outsider = user("jintang_bureau")
    assert not selectors.can_view(outsider, resource)
    request = services.access_request_create(actor=outsider, resource_id=resource.pk, message="教研参考")
    with pytest.raises(InvalidInput):
        services.access_request_create(actor=outsider, resource_id=resource.pk)  # one pending at a time
    with pytest.raises(PermissionDenied):
        services.access_request_decide(actor=user("student"), request_id=request.pk, approve=True)
    decided = services.access_request_decide(actor=user("teacher"), request_id=request.pk, approve=True)
    assert decided.status == "approved" and decided.decided_by.username == "teacher" and decided.decided_at
    assert selectors.can_view(outsider, resource)
    assert _searchable(resource, "jintang_bureau")  # the index got the user key too
    with pytest.raises(InvalidInput):
        services.access_request_decide(
            actor=user("teacher"), request_id=request.pk, approve=False, reason="x"
        )
    with pytest.raises(InvalidInput):
        services.access_request_create(actor=outsider, resource_id=resource.pk)  # already has access


def test_refusal_needs_a_reason_and_keeps_the_resource_closed(make_resource):
    resource = make_resource(status="published", visibility="county")
    request = services.access_request_create(actor=user("sc_bureau"), resource_id=resource.pk)
    with pytest.raises(InvalidInput) as exc:
        services.access_request_decide(actor=user("school_admin"), request_id=request.pk, approve=False)
    assert exc.value.field == "reason"
    services.access_request_decide(
        actor=user("yongchuan_bureau"), request_id=request.pk, approve=False, reason="含学生信息"
    )
    request.refresh_from_db()
    assert (
        request.status == AccessRequest.Status.REFUSED and request.decided_by.username == "yongchuan_bureau"
    )
    assert not selectors.can_view(user("sc_bureau"), resource)
    assert request in selectors.access_requests_incoming(actor=user("yongchuan_bureau"))
    assert request in selectors.access_requests_outgoing(actor=user("sc_bureau"))


def test_rating_replaces_the_users_previous_rating_and_moves_quality(make_resource):
    resource = make_resource(status="published")
    base = resource.quality
    services.resource_rate(actor=user("student"), resource_id=resource.pk, value=2, review="一般")
    services.resource_rate(actor=user("student"), resource_id=resource.pk, value=5, review="改完很好")
    services.resource_rate(actor=user("jintang_bureau"), resource_id=resource.pk, value=5)
    resource.refresh_from_db()
    assert (resource.rating_count, resource.rating_sum) == (2, 10)
    assert resource.quality > base
    reviews = selectors.resource_reviews(resource=resource)
    assert [(e.user.username, e.value) for e in reviews] == [("jintang_bureau", 5), ("student", 5)]
    for bad in (0, 6, True):
        with pytest.raises(InvalidInput):
            services.resource_rate(actor=user("student"), resource_id=resource.pk, value=bad)


def test_quality_formula():
    assert services.resource_quality(rating_sum=0, rating_count=0, collections=0) == pytest.approx(0.4375)
    assert services.resource_quality(
        rating_sum=50, rating_count=10, collections=0
    ) > services.resource_quality(rating_sum=5, rating_count=1, collections=0)
    assert services.resource_quality(rating_sum=0, rating_count=0, collections=5) == pytest.approx(0.7375)


def test_cannot_rate_or_favourite_what_one_cannot_see(make_resource):
    resource = make_resource(status="published", visibility="school", license="school_only")
    with pytest.raises(NotFound):
        services.resource_rate(actor=user("jintang_bureau"), resource_id=resource.pk, value=5)
    with pytest.raises(NotFound):
        services.resource_favourite(actor=user("jintang_bureau"), resource_id=resource.pk)


def test_favourite_state_follows_the_latest_event(make_resource):
    resource = make_resource(status="published")
    student = user("student")
    services.resource_favourite(actor=student, resource_id=resource.pk, on=True)
    assert selectors.engagement_state(actor=student, resource=resource)["favourite"]
    assert resource.pk in [r.pk for r in selectors.my_favourites(actor=student)]
    services.resource_favourite(actor=student, resource_id=resource.pk, on=False)
    assert not selectors.engagement_state(actor=student, resource=resource)["favourite"]
    assert resource.pk not in [r.pk for r in selectors.my_favourites(actor=student)]


def test_completion_is_recorded_and_written_to_the_lrs_as_xapi(make_resource):
    from educloud.lrs import api as lrs_api

    resource = make_resource(status="published")
    student = user("student")
    event = services.resource_complete(actor=student, resource=resource)
    assert event.kind == "completion" and event.user_province_code == "500000"
    statements = lrs_api.learner_statements(user=student, verb="http://adlnet.gov/expapi/verbs/completed")
    assert statements[0]["object"]["id"] == services.resource_activity_id(resource)
    assert statements[0]["result"]["completion"] is True
    assert "name" not in statements[0]["actor"] and "mbox" not in statements[0]["actor"]  # pseudonymous


def test_completion_without_the_lrs_hook_still_records_the_engagement(make_resource, monkeypatch):
    from educloud.lrs import api as lrs_api

    resource = make_resource(status="published")
    monkeypatch.delattr(lrs_api, "statement_record_internal")
    services.resource_complete(actor=user("student"), resource=resource)
    assert Engagement.objects.filter(resource=resource, kind="completion").count() == 1


def test_cross_border_usage_counts_distinct_users_per_direction_and_period(make_resource):
    cq = make_resource(status="published")  # a 重庆 resource (永川)
    since = timezone.now() - timedelta(minutes=1)
    services.resource_view_record(actor=user("jintang_bureau"), resource=cq)  # 四川 → 重庆
    services.resource_view_record(actor=user("jintang_bureau"), resource=cq)
    services.resource_download_record(actor=user("sc_bureau"), resource=cq)  # 四川 → 重庆
    services.resource_view_record(actor=user("student"), resource=cq)  # 重庆 → 重庆: not cross-border
    services.resource_view_record(actor=AnonymousUser(), resource=cq)  # unknown: not counted
    services.resource_favourite(actor=user("chengdu_bureau"), resource_id=cq.pk)  # a favourite is not "use"
    rows = selectors.cross_border_usage(since=since, period="day")
    assert [(r.from_province, r.to_province, r.users, r.events, r.resources) for r in rows] == [
        ("510000", "500000", 2, 3, 1)
    ]
    assert selectors.cross_border_totals(since=since) == {"510000>500000": 2}
    with pytest.raises(InvalidInput):
        selectors.cross_border_usage(period="fortnight")


def test_search_index_documents_carry_facets_and_keys(make_resource):
    resource = make_resource(status="published", visibility="county")
    doc = services.search_document(resource)
    assert doc["visibility_keys"] == ("county:500118", f"school:{resource.school_code}")
    assert doc["facets"]["subject"] == "math" and doc["facets"]["province_code"] == "500000"
    result = search_api.search(
        query="勾股", source="library.resource", visibility_keys=["county:500118"], facet_fields=["subject"]
    )
    assert str(resource.pk) in [h.object_id for h in result.items]
