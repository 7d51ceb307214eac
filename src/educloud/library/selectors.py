"""Reads of the library, always scoped to what the asking user may see.

Two ways to list resources, with the same scoping: ``resource_search`` (a text query: the
search app ranks, we load the rows and filter them again by visibility as a second lock) and
``resource_browse`` (no query: the database, filtered by ``policy.keys_q`` built from the same
visibility keys the search index uses). Unknown facets and bad facet values raise InvalidInput
naming the facet.

``cross_border_usage`` is the figure the two governments watch: per period, how many users of
one province used (viewed, downloaded, completed) resources of the other, and how often.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek, TruncYear

from educloud.lib.errors import InvalidInput, NotFound
from educloud.library import policy, vocab
from educloud.library.models import (
    AccessRequest,
    Collection,
    Engagement,
    HarvestSource,
    Resource,
    ResourceVersion,
)
from educloud.search import api as search_api

SOURCE = "library.resource"
FACETS: dict[str, dict[str, str] | None] = {
    "subject": vocab.SUBJECTS,
    "stage": vocab.STAGES,
    "grade": vocab.GRADES,
    "type": vocab.TYPES,
    "province_code": vocab.PROVINCES,
    "city_code": None,  # any 6-digit code
    "license": vocab.LICENSES,
}
USE_KINDS = (Engagement.Kind.VIEW, Engagement.Kind.DOWNLOAD, Engagement.Kind.COMPLETION)
MAX_PAGE_SIZE = 100


@dataclass
class ResourcePage:
    items: list[Resource]
    count: int
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    highlights: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def viewer_keys(user: Any) -> list[str]:
    return list(search_api.visibility_keys_for(user))


def clean_filters(filters: dict[str, Any]) -> dict[str, str]:
    """Check facet names and values; InvalidInput names the first bad facet."""
    out: dict[str, str] = {}
    for name, value in filters.items():
        if value in (None, ""):
            continue
        if name not in FACETS:
            raise InvalidInput(f"未知的筛选条件：{name}（可用：{'、'.join(FACETS)}）", field=name)
        value = str(value)
        allowed = FACETS[name]
        if allowed is None:
            if not (len(value) == 6 and value.isdigit()):
                raise InvalidInput(f"筛选条件 {name} 应为 6 位行政区划代码，收到 {value!r}", field=name)
        elif value not in allowed:
            raise InvalidInput(
                f"筛选条件 {name} 的取值 {value!r} 无效，可选：{'、'.join(allowed)}", field=name
            )
        out[name] = value
    return out


def visible_resources(user: Any) -> QuerySet[Resource]:
    return Resource.objects.filter(policy.keys_q(viewer_keys(user)))


def can_view(user: Any, resource: Resource) -> bool:
    if policy.is_owner(user, resource) or policy.is_reviewer(user, resource):
        return True
    if resource.status != Resource.Status.PUBLISHED:
        return False
    if resource.visibility == Resource.Visibility.PUBLIC:
        return True  # every caller, anonymous too, holds the "public" key: no query needed
    matched, granted = policy.keys_grant_without_query(viewer_keys(user), resource)
    if matched or not granted:
        return matched
    return AccessRequest.objects.filter(
        resource_id=resource.pk, requester_id__in=granted, status=AccessRequest.Status.APPROVED
    ).exists()


# One answer for "no such resource" and "not yours to see", with one status (404): ids are
# sequential, so any difference — a 403, a title, the visibility level — would let anyone walk the
# ids and learn what exists and what it is called. Nothing of a resource leaves its scope.
NOT_VISIBLE = "资源不存在或无权查看"


def resource_get(*, actor: Any, resource_id: int) -> Resource:
    """The resource if ``actor`` may see it; otherwise ``NotFound(NOT_VISIBLE)``, the same as for
    an id that does not exist."""
    # get(), not filter().first(): no ORDER BY to compile. The owner's row is not joined: access is
    # decided on owner_id, and a caller that shows the owner loads it (one query) when it needs it.
    try:
        resource = Resource.objects.select_related("school", "harvest_source").get(pk=resource_id)
    except Resource.DoesNotExist:
        raise NotFound(NOT_VISIBLE) from None
    if not can_view(actor, resource):
        raise NotFound(NOT_VISIBLE)
    return resource


def resource_title_for(*, actor: Any, resource: Resource) -> str | None:
    """The title, when ``actor`` may see the resource; ``None`` otherwise (e.g. the requester of a
    pending access request, who must not learn a title by requesting)."""
    return resource.title if can_view(actor, resource) else None


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise InvalidInput("页码从 1 开始", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数应为 1 到 {MAX_PAGE_SIZE}", field="page_size")
    return page, page_size


def resource_browse(
    *,
    actor: Any,
    filters: dict[str, Any] | None = None,
    page: int = 1,
    page_size: int = 20,
    with_facets: bool = False,
) -> ResourcePage:
    page, page_size = _page_bounds(page, page_size)
    clean = clean_filters(filters or {})
    qs = visible_resources(actor).filter(**clean)
    facets: dict[str, list[tuple[str, int]]] = {}
    if with_facets:
        for name in FACETS:
            rows = qs.order_by().values(name).annotate(n=Count("id")).order_by("-n", name)[:40]
            facets[name] = [(row[name], row["n"]) for row in rows if row[name]]
    count = qs.count()
    start = (page - 1) * page_size
    items = list(qs.select_related("school").order_by("-published_at", "-id")[start : start + page_size])
    return ResourcePage(items=items, count=count, page=page, page_size=page_size, facets=facets)


def resource_search(
    *,
    actor: Any,
    query: str,
    filters: dict[str, Any] | None = None,
    page: int = 1,
    page_size: int = 20,
    with_facets: bool = False,
) -> ResourcePage:
    page, page_size = _page_bounds(page, page_size)
    clean = clean_filters(filters or {})
    query = (query or "").strip()
    if len(query) > 100:
        raise InvalidInput("搜索词不能超过 100 字", field="q")
    keys = viewer_keys(actor)
    result = search_api.search(
        query=query,
        source=SOURCE,
        visibility_keys=keys,
        filters=clean,
        page=page,
        page_size=page_size,
        facet_fields=tuple(FACETS) if with_facets else (),
    )
    ids = [int(hit.object_id) for hit in result.items]
    # Second lock: only rows the database, too, says this user may see.
    rows = {
        r.pk: r
        for r in Resource.objects.filter(pk__in=ids).filter(policy.keys_q(keys)).select_related("school")
    }
    items = [rows[i] for i in ids if i in rows]
    highlights = {int(hit.object_id): hit.highlight_title for hit in result.items if hit.highlight_title}
    facets = {k: list(v) for k, v in (result.facets or {}).items()}
    return ResourcePage(
        items=items, count=result.count, page=page, page_size=page_size, facets=facets, highlights=highlights
    )


def resource_list(
    *,
    actor: Any,
    query: str = "",
    filters: dict[str, Any] | None = None,
    page: int = 1,
    page_size: int = 20,
    with_facets: bool = False,
) -> ResourcePage:
    """Search when there is a query, else browse; both scoped the same way."""
    if (query or "").strip():
        return resource_search(
            actor=actor, query=query, filters=filters, page=page, page_size=page_size, with_facets=with_facets
        )
    return resource_browse(
        actor=actor, filters=filters, page=page, page_size=page_size, with_facets=with_facets
    )


def resource_suggest(*, actor: Any, prefix: str, limit: int = 8) -> list[str]:
    prefix = (prefix or "").strip()[:50]
    if not prefix:
        return []
    return list(
        search_api.suggest(prefix=prefix, source=SOURCE, visibility_keys=viewer_keys(actor), limit=limit)
    )


def sees_pending(actor: Any, resource: Resource) -> bool:
    """Whether ``actor`` sees what awaits review (held changes, unapproved versions): owner, reviewers."""
    return policy.is_owner(actor, resource) or policy.is_reviewer(actor, resource)


def resource_versions(*, actor: Any, resource: Resource) -> QuerySet[ResourceVersion]:
    """The versions ``actor`` may see, newest first: approved ones only, but all for the owner
    and the reviewers (who see pending and rejected ones too)."""
    qs = resource.versions.select_related("blob", "uploaded_by").order_by("-number")
    if not sees_pending(actor, resource):
        qs = qs.filter(review=ResourceVersion.Review.APPROVED)
    return qs


def version_get(*, actor: Any, resource: Resource, number: int) -> ResourceVersion:
    version = resource_versions(actor=actor, resource=resource).filter(number=number).first()
    if version is None:
        raise NotFound(f"资源没有第 {number} 版")
    return version


def blob_duplicates(*, actor: Any, version: ResourceVersion) -> list[Resource]:
    """Other resources, visible to ``actor``, holding a version with the same content."""
    return list(
        visible_resources(actor)
        .filter(versions__blob_id=version.blob_id, versions__review=ResourceVersion.Review.APPROVED)
        .exclude(pk=version.resource_id)
        .distinct()[:10]
    )


PUBLIC_PART_SECONDS = 60


def _public_part_key(resource_id: int) -> str:
    return f"library:resource-public-part:{resource_id}"


def resource_public_part(*, resource: Resource) -> dict[str, list[SimpleNamespace]]:
    """What a resource page shows alike to every visitor who does not see pending changes: the
    approved versions (newest first), the reviews and the collections holding it, as plain values.

    The resource page is the costliest of the common reads (ADR 0012); these three queries are most
    of it, so they are cached (the shared cache: Redis in production) for ``PUBLIC_PART_SECONDS``.
    The entry carries a stamp of the resource row the caller just read with its access check —
    ``modified_at`` (every version or lifecycle change), the rating counters and ``quality`` (which
    moves with the number of collections) — and is recomputed when the stamp differs; ratings and
    collection changes also drop it at once (``resource_public_part_forget``). A reviewer's new name
    or a renamed collection shows within a minute. Access is never cached: the caller has checked it.
    """
    stamp = (
        resource.modified_at,
        resource.status,
        resource.rating_count,
        resource.rating_sum,
        resource.quality,
    )
    key = _public_part_key(resource.pk)
    hit = cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    versions = resource.versions.select_related("blob").filter(review=ResourceVersion.Review.APPROVED)
    part = {
        "versions": [
            SimpleNamespace(
                number=v.number,
                filename=v.filename,
                note=v.note,
                uploaded_at=v.uploaded_at,
                review=v.review,
                blob=SimpleNamespace(size=v.blob.size, sha256=v.blob.sha256, kind=v.blob.kind),
            )
            for v in versions.order_by("-number")
        ],
        "reviews": [
            SimpleNamespace(value=e.value, review=e.review, at=e.at, user=str(e.user) if e.user else "")
            for e in resource_reviews(resource=resource)
        ],
        "collections": [SimpleNamespace(pk=c.pk, title=c.title) for c in resource.collections.all()],
    }
    cache.set(key, (stamp, part), PUBLIC_PART_SECONDS)
    return part


def resource_public_part_forget(resource_id: int) -> None:
    """Drop the cached public part now and again after the transaction commits (a page read between
    the two would otherwise cache the state before the change)."""
    key = _public_part_key(resource_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def resource_reviews(*, resource: Resource, limit: int = 50) -> list[Engagement]:
    """The latest rating of each user, newest first (only those with a review text, or all)."""
    if not resource.rating_count:
        return []  # the counter moves with the rating events in one transaction (resource_rate)
    latest = (
        Engagement.objects.filter(kind=Engagement.Kind.RATING, resource=resource, user=OuterRef("user"))
        .order_by("-at", "-id")
        .values("id")[:1]
    )
    return list(
        Engagement.objects.filter(kind=Engagement.Kind.RATING, resource=resource, id=Subquery(latest))
        .select_related("user")
        .order_by("-at", "-id")[:limit]
    )


def engagement_state(*, actor: Any, resource: Resource) -> dict[str, Any]:
    """The actor's current favourite flag, rating and whether they completed the resource (one query:
    the latest event of each of these kinds wins)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"favourite": False, "rating": None, "completed": False}
    kinds = (Engagement.Kind.FAVOURITE, Engagement.Kind.RATING, Engagement.Kind.COMPLETION)
    latest: dict[str, int | None] = {}
    for kind, value in (
        Engagement.objects.filter(user=actor, resource=resource, kind__in=kinds)
        .order_by("-at", "-id")
        .values_list("kind", "value")
    ):
        latest.setdefault(kind, value)
    return {
        "favourite": latest.get(Engagement.Kind.FAVOURITE) == 1,
        "rating": latest.get(Engagement.Kind.RATING),
        "completed": Engagement.Kind.COMPLETION in latest,
    }


def my_resources(*, actor: Any) -> QuerySet[Resource]:
    return Resource.objects.filter(owner=actor).order_by("-modified_at", "-id")


def my_favourites(*, actor: Any) -> list[Resource]:
    latest = (
        Engagement.objects.filter(kind=Engagement.Kind.FAVOURITE, user=actor, resource=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("value")[:1]
    )
    return list(
        visible_resources(actor).annotate(fav=Subquery(latest)).filter(fav=1).order_by("-published_at")[:200]
    )


def review_queue(*, actor: Any) -> list[Resource]:
    """Resources under review, and published ones with changes held for review, that ``actor``
    may approve (school admin or bureau in scope)."""
    from educloud.accounts.api import edit_scope

    scope = edit_scope(actor)
    if scope.is_empty:
        return []
    q = Q()
    if not scope.everything:
        q = (
            Q(province_code__in=scope.province_codes)
            | Q(city_code__in=scope.city_codes)
            | Q(county_code__in=scope.county_codes)
            | Q(school_code__in=scope.school_codes)
        )
    waiting = Q(status=Resource.Status.UNDER_REVIEW) | Q(
        status=Resource.Status.PUBLISHED, change_under_review=True
    )
    rows = Resource.objects.filter(q, waiting).select_related("owner", "school")
    return [r for r in rows.order_by("modified_at")[:200] if policy.is_reviewer(actor, r)]


def access_requests_incoming(*, actor: Any) -> list[AccessRequest]:
    """Requests the actor may decide: on their own resources, or on resources they review."""
    from educloud.accounts.api import edit_scope

    scope = edit_scope(actor)
    q = Q(resource__owner=actor)
    if scope.everything:
        q = Q()
    elif not scope.is_empty:
        q |= (
            Q(resource__province_code__in=scope.province_codes)
            | Q(resource__city_code__in=scope.city_codes)
            | Q(resource__county_code__in=scope.county_codes)
            | Q(resource__school_code__in=scope.school_codes)
        )
    return list(
        AccessRequest.objects.filter(q, resource__harvest_source__isnull=True)
        .select_related("resource", "requester", "decided_by")
        .order_by(F("decided_at").desc(nulls_first=True), "-created_at")[:200]
    )


def access_requests_outgoing(*, actor: Any) -> list[AccessRequest]:
    return list(
        AccessRequest.objects.filter(requester=actor)
        .select_related("resource", "decided_by")
        .order_by("-created_at")
    )


def access_request_get(*, actor: Any, request_id: int) -> AccessRequest:
    request = AccessRequest.objects.select_related("resource").filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"访问申请 {request_id} 不存在")
    if request.requester_id != getattr(actor, "pk", None) and not (
        policy.is_owner(actor, request.resource) or policy.is_reviewer(actor, request.resource)
    ):
        raise NotFound(f"访问申请 {request_id} 不存在")
    return request


def collection_list() -> QuerySet[Collection]:
    return Collection.objects.annotate(n=Count("items")).order_by("-created_at", "-id")


def collection_get(*, collection_id: int) -> Collection:
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        raise NotFound(f"合集 {collection_id} 不存在")
    return collection


def collection_items(*, actor: Any, collection: Collection) -> list[Resource]:
    """The collection's resources that ``actor`` may see, in the curator's order."""
    return list(
        visible_resources(actor)
        .filter(collection_items__collection=collection)
        .order_by("collection_items__position", "collection_items__id")
        .select_related("school")
    )


@dataclass(frozen=True)
class CrossBorderRow:
    period: datetime
    from_province: str
    to_province: str
    users: int
    events: int
    resources: int

    @property
    def direction(self) -> str:
        users = vocab.PROVINCES.get(self.from_province, "?")
        return f"{users}用户 → {vocab.PROVINCES.get(self.to_province, '?')}资源"


_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth, "year": TruncYear}


def cross_border_usage(
    *, since: datetime | None = None, until: datetime | None = None, period: str = "month"
) -> list[CrossBorderRow]:
    """Per period and direction: distinct users of one province using the other's resources.

    "Use" is a view, download or completion. Aggregates only: no person is named. Users whose
    province is unknown (no school or regional role) are not counted.
    """
    if period not in _TRUNC:
        raise InvalidInput(f"统计周期 {period!r} 无效，可选：{'、'.join(_TRUNC)}", field="period")
    if since and until and since >= until:
        raise InvalidInput("起始时间应早于结束时间", field="since")
    qs = Engagement.objects.filter(
        kind__in=USE_KINDS,
        user_province_code__in=vocab.PROVINCES,
        resource_province_code__in=vocab.PROVINCES,
    ).exclude(user_province_code=F("resource_province_code"))
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    rows = (
        qs.annotate(p=_TRUNC[period]("at"))
        .values("p", "user_province_code", "resource_province_code")
        .annotate(
            users=Count("user", distinct=True), events=Count("id"), resources=Count("resource", distinct=True)
        )
        .order_by("p", "user_province_code")
    )
    return [
        CrossBorderRow(
            period=row["p"],
            from_province=row["user_province_code"],
            to_province=row["resource_province_code"],
            users=row["users"],
            events=row["events"],
            resources=row["resources"],
        )
        for row in rows
    ]


def cross_border_totals(*, since: datetime | None = None, until: datetime | None = None) -> dict[str, int]:
    """Distinct users over the whole window, per direction ('510000>500000': n)."""
    qs = Engagement.objects.filter(
        kind__in=USE_KINDS, user_province_code__in=vocab.PROVINCES, resource_province_code__in=vocab.PROVINCES
    ).exclude(user_province_code=F("resource_province_code"))
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return {
        f"{row['user_province_code']}>{row['resource_province_code']}": row["users"]
        for row in qs.values("user_province_code", "resource_province_code").annotate(
            users=Count("user", distinct=True)
        )
    }


def resource_counts_by_province() -> dict[str, int]:
    return {
        row["province_code"]: row["n"]
        for row in Resource.objects.filter(status=Resource.Status.PUBLISHED, harvest_source__isnull=True)
        .values("province_code")
        .annotate(n=Count("id"))
    }


def harvest_sources() -> QuerySet[HarvestSource]:
    return HarvestSource.objects.order_by("base_url", "set_spec")


def resource_counts_by_school(*, school_codes: list[str]) -> dict[str, int]:
    """Published local resources contributed by each of these schools (the pairing diagnosis)."""
    return {
        row["school_code"]: row["n"]
        for row in Resource.objects.filter(
            status=Resource.Status.PUBLISHED, harvest_source__isnull=True, school_code__in=school_codes
        )
        .values("school_code")
        .annotate(n=Count("id"))
    }


def resource_use_by_school(*, school_id: int, resource_ids: list[int]) -> dict[int, int]:
    """Use events (view, download, completion) of these resources by people of one school.

    Aggregates only: counts per resource, no person named. A user belongs to the school through a
    school-scoped role (admin, teacher, student)."""
    return {
        row["resource_id"]: row["n"]
        for row in Engagement.objects.filter(
            kind__in=USE_KINDS, resource_id__in=resource_ids, user__roles__school_id=school_id
        )
        .values("resource_id")
        .annotate(n=Count("id", distinct=True))
    }
