"""The resource page's reads: a public published resource is visible without asking the database,
restricted ones are still checked there; the viewer's own state (favourite, rating, completion) is
read in one query and is the latest of each kind."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from educloud.library import selectors, services
from educloud.library.models import Resource
from tests.library.conftest import user

pytestmark = pytest.mark.django_db


def _published(visibility: str) -> Resource:
    found = Resource.objects.filter(
        status=Resource.Status.PUBLISHED, visibility=visibility, harvest_source__isnull=True
    ).first()
    assert found is not None
    return found


def test_public_published_resource_is_visible_without_a_query(django_assert_num_queries):
    resource = _published(Resource.Visibility.PUBLIC)
    with django_assert_num_queries(0):
        assert selectors.can_view(AnonymousUser(), resource)
        assert selectors.can_view(None, resource)


def test_restricted_or_unpublished_resources_are_still_refused():
    school_only = _published(Resource.Visibility.SCHOOL)
    assert not selectors.can_view(AnonymousUser(), school_only)
    withdrawn = Resource.objects.filter(
        visibility=Resource.Visibility.PUBLIC, status=Resource.Status.WITHDRAWN
    ).first()
    assert withdrawn is not None
    assert not selectors.can_view(AnonymousUser(), withdrawn)


def test_engagement_state_is_the_latest_of_each_kind_in_one_query(django_assert_num_queries):
    viewer = user("teacher")
    resource = _published(Resource.Visibility.PUBLIC)
    services.resource_favourite(actor=viewer, resource_id=resource.pk, on=True)
    services.resource_rate(actor=viewer, resource_id=resource.pk, value=2)
    services.resource_rate(actor=viewer, resource_id=resource.pk, value=5)
    services.resource_favourite(actor=viewer, resource_id=resource.pk, on=False)
    with django_assert_num_queries(1):
        state = selectors.engagement_state(actor=viewer, resource=resource)
    assert state == {"favourite": False, "rating": 5, "completed": False}

    services.resource_favourite(actor=viewer, resource_id=resource.pk, on=True)
    services.resource_complete(actor=viewer, resource=resource)
    state = selectors.engagement_state(actor=viewer, resource=resource)
    assert state == {"favourite": True, "rating": 5, "completed": True}
    assert selectors.engagement_state(actor=AnonymousUser(), resource=resource)["rating"] is None


@pytest.mark.parametrize(
    "username", ["teacher", "student", "school_admin", "yongchuan_bureau", "chengdu_bureau", "sc_bureau"]
)
def test_a_viewers_province_is_known_without_a_query(username, django_assert_num_queries):
    """A page view stores the viewer's province; it comes from the cached roles and the cached
    county table, and equals what the database says the roles' regions belong to."""
    from educloud.accounts.api import roles_of
    from educloud.library import policy
    from educloud.regions.api import County

    viewer = user(username)
    roles = roles_of(viewer)  # the roles are read (and cached) by every logged-in request anyway
    expected = set()
    for a in roles:
        county = a.county_id or (a.school.county_id if a.school_id else None)
        if a.province_id:
            expected.add(a.province_id)
        elif a.city_id:
            expected.add(a.city.province_id)
        elif county:
            expected.add(County.objects.get(pk=county).province_id)
    assert len(expected) == 1
    policy.home_province_code(viewer)  # fills the cached county table on first use
    fresh = user(username)
    roles_of(fresh)
    with django_assert_num_queries(0):
        assert policy.home_province_code(fresh) == expected.pop()


def _page(resource: Resource) -> str:
    from django.test import Client

    response = Client().get(f"/library/r/{resource.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_reads_versions_reviews_and_collections_once_and_follows_every_change(make_resource):
    """The public part of a resource page is cached; each change a visitor must see reaches the
    page at once: a re-rating with the same stars and a new text (the counters do not move), a
    collection gained or lost, an approved new version; a pending version never shows."""
    import io

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resource = make_resource(status="published", visibility="public")
    teacher, admin, curator = user("teacher"), user("school_admin"), user("cq_bureau")
    services.resource_rate(actor=teacher, resource_id=resource.pk, value=4, review="例题讲得清楚")
    assert "例题讲得清楚" in _page(resource)
    with CaptureQueriesContext(connection) as queries:
        _page(resource)
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "library_resourceversion" not in tables and "library_collection" not in tables
    assert '"library_engagement"."review"' not in tables  # the reviews come from the cache

    services.resource_rate(actor=teacher, resource_id=resource.pk, value=4, review="改为：习题偏少")
    page = _page(resource)
    assert "改为：习题偏少" in page and "例题讲得清楚" not in page

    collection = services.collection_create(actor=curator, title="缓存测试合集", kind="topic")
    services.collection_add(actor=curator, collection_id=collection.pk, resource_id=resource.pk)
    assert "缓存测试合集" in _page(resource)
    services.collection_remove(actor=curator, collection_id=collection.pk, resource_id=resource.pk)
    assert "缓存测试合集" not in _page(resource)

    services.version_upload(
        actor=teacher, resource_id=resource.pk, fileobj=io.BytesIO(b"second version\n"), filename="第二版.txt"
    )
    assert "第二版.txt" not in _page(resource)  # pending: the audience still sees version 1
    services.resource_approve(actor=admin, resource_id=resource.pk)
    assert "第二版.txt" in _page(resource)
