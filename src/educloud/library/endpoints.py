"""REST endpoints of the library app, mounted under /api/v1/library/.

Reads are open to anonymous callers (who see public resources only); writes need a session.
Errors from services become ``{"detail", "field"}`` with 400/403/404 (config/api.py).
A web-layer module: it may ask ``accounts`` for nothing here — scoping is in the selectors.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import SessionAuth as _NinjaSessionAuth

from educloud.lib.api_errors import LOGIN_ERRORS, UPLOAD_ERRORS, with_errors
from educloud.lib.bounds import Id, Page, UtcDatetime
from educloud.lib.errors import InvalidInput
from educloud.library import selectors, services
from educloud.library.models import AccessRequest, Resource, ResourceVersion

router = Router(tags=["library"])


class SessionAuth(_NinjaSessionAuth):
    """Ninja's session auth (same OpenAPI scheme name), whose CSRF check reads the body first: a
    multipart body Django refuses to parse (a part header over 1 KB, e.g. a 5,000-character file
    name) becomes a JSON 400 naming ``file`` instead of Django's HTML 400 page."""

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        try:
            return super().__call__(request)
        except MultiPartParserError as exc:
            raise InvalidInput(services.UNPARSABLE_UPLOAD, field="file") from exc


django_auth = SessionAuth()

_LIST_PARAMS = {"q", "page", "page_size", *selectors.FACETS}


class ResourceOut(Schema):
    id: int
    uid: str
    title: str
    description: str
    type: str
    subject: str
    stage: str
    grade: str
    edition: str
    tags: list[str]
    language: str
    license: str
    visibility: str
    status: str
    province_code: str
    city_code: str
    county_code: str
    school_code: str
    school_name: str = ""
    published_at: datetime | None
    modified_at: datetime
    rating_avg: float | None
    rating_count: int
    view_count: int
    download_count: int
    quality: float
    is_synthetic: bool
    is_remote: bool
    remote_url: str
    url: str = ""
    cover_url: str | None = None
    highlight_title: str | None = None

    @staticmethod
    def resolve_uid(obj: Resource) -> str:
        return str(obj.uid)

    @staticmethod
    def resolve_school_name(obj: Resource) -> str:
        return obj.school.name if obj.school_id else obj.remote_publisher

    @staticmethod
    def resolve_url(obj: Resource) -> str:
        return reverse("library:resource", args=[obj.pk])

    @staticmethod
    def resolve_cover_url(obj: Resource) -> str | None:
        return reverse("library:cover", args=[obj.pk]) if obj.cover_id else None


class ResourceList(Schema):
    items: list[ResourceOut]
    count: int
    page: int
    page_size: int
    facets: dict[str, list[tuple[str, int]]] = {}


class VersionOut(Schema):
    number: int
    filename: str
    size: int = Field(alias="blob.size")
    sha256: str = Field(alias="blob.sha256")
    content_type: str = Field(alias="blob.content_type")
    kind: str = Field(alias="blob.kind")
    note: str
    uploaded_at: datetime
    review: str
    download_url: str = ""
    duplicate_of: list[int] = []

    @staticmethod
    def resolve_download_url(obj: ResourceVersion) -> str:
        return reverse("library:download", args=[obj.resource_id, obj.number])


class ResourceDetail(ResourceOut):
    versions: list[VersionOut] = []
    # Shown to the owner and the reviewers only (empty/false for everyone else).
    change_under_review: bool = False
    pending_changes: dict[str, Any] = {}


class ResourceIn(Schema):
    title: str
    description: str = ""
    type: str
    subject: str
    stage: str
    grade: str = ""
    edition: str = ""
    tags: list[str] = []
    language: str = "zh"
    license: str
    visibility: str = "school"
    school_code: str | None = None


class ResourcePatch(Schema):
    title: str | None = None
    description: str | None = None
    type: str | None = None
    subject: str | None = None
    stage: str | None = None
    grade: str | None = None
    edition: str | None = None
    tags: list[str] | None = None
    language: str | None = None
    license: str | None = None
    visibility: str | None = None


class NoteIn(Schema):
    note: str = ""


class AccessRequestIn(Schema):
    message: str = Field("", max_length=500)


class DecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


class AccessRequestOut(Schema):
    id: int
    resource_id: int
    resource_title: str | None = Field(
        None, description="资源标题；申请人尚无权查看该资源时（如申请待处理）为空，不泄露受限资源的信息"
    )
    requester_id: int
    message: str
    status: str
    decided_by_id: int | None
    decided_at: datetime | None
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_resource_title(obj: AccessRequest, context: dict[str, Any]) -> str | None:
        return selectors.resource_title_for(actor=context["request"].user, resource=obj.resource)


class RatingIn(Schema):
    value: int = Field(..., ge=1, le=5)
    review: str = Field("", max_length=1000)


class FavouriteIn(Schema):
    on: bool = True


class EngagementOut(Schema):
    kind: str
    value: int | None
    at: datetime


class CollectionOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    curator_label: str
    province_code: str
    is_synthetic: bool


class CollectionIn(Schema):
    title: str
    kind: Literal["quality_course", "open_class", "topic", "exemplary_lesson"]
    description: str = ""


class CollectionItemIn(Schema):
    resource_id: Id


class CrossBorderOut(Schema):
    period: datetime
    from_province: str
    to_province: str
    users: int
    events: int
    resources: int


def _detail(request: HttpRequest, resource: Resource) -> ResourceDetail:
    detail = ResourceDetail.model_validate(resource)
    versions = selectors.resource_versions(actor=request.user, resource=resource)
    detail.versions = [VersionOut.model_validate(v) for v in versions]
    if not selectors.sees_pending(request.user, resource):
        detail.change_under_review = False
        detail.pending_changes = {}
    return detail


@router.get(
    "/resources",
    response=with_errors(ResourceList),
    summary="资源列表与检索（q 为检索词）",
    description=(
        "分面：subject、stage、grade、type、province_code、city_code、license；未知或无效的分面返回 400。"
    ),
)
def resources(
    request,  # type: ignore[no-untyped-def]
    q: str = Query("", max_length=100),
    subject: str | None = None,
    stage: str | None = None,
    grade: str | None = None,
    type: str | None = None,
    province_code: str | None = None,
    city_code: str | None = None,
    license: str | None = None,
    page: Page = 1,
    page_size: int = 20,
    facets: bool = False,
):  # type: ignore[no-untyped-def]
    unknown = sorted(set(request.GET) - _LIST_PARAMS - {"facets"})
    if unknown:
        raise InvalidInput(
            f"未知的筛选条件：{unknown[0]}（可用：{'、'.join(selectors.FACETS)}）", field=unknown[0]
        )
    filters = {
        "subject": subject,
        "stage": stage,
        "grade": grade,
        "type": type,
        "province_code": province_code,
        "city_code": city_code,
        "license": license,
    }
    result = selectors.resource_list(
        actor=request.user, query=q, filters=filters, page=page, page_size=page_size, with_facets=facets
    )
    items = []
    for resource in result.items:
        out = ResourceOut.model_validate(resource)
        out.highlight_title = result.highlights.get(resource.pk)
        items.append(out)
    return {
        "items": items,
        "count": result.count,
        "page": page,
        "page_size": page_size,
        "facets": result.facets,
    }


@router.get("/suggest", response=with_errors(list[str]), summary="检索词联想")
def suggest(request, prefix: str = Query(..., max_length=50)):  # type: ignore[no-untyped-def]
    return selectors.resource_suggest(actor=request.user, prefix=prefix)


@router.get(
    "/resources/{resource_id}", response=with_errors(ResourceDetail), summary="资源详情（含全部版本）"
)
def resource(request, resource_id: Id):  # type: ignore[no-untyped-def]
    return _detail(request, selectors.resource_get(actor=request.user, resource_id=resource_id))


@router.post(
    "/resources",
    response=with_errors({201: ResourceDetail}, LOGIN_ERRORS),
    auth=django_auth,
    summary="新建资源（草稿）",
)
def resource_create(request, payload: ResourceIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    school_code = data.pop("school_code")
    created = services.resource_create(actor=request.user, school_code=school_code, **data)
    return Status(201, _detail(request, created))


@router.patch(
    "/resources/{resource_id}",
    response=with_errors(ResourceDetail, LOGIN_ERRORS),
    auth=django_auth,
    summary="修改资源信息",
)
def resource_update(request, resource_id: Id, payload: ResourcePatch):  # type: ignore[no-untyped-def]
    changes = payload.dict(exclude_unset=True)
    return _detail(
        request, services.resource_update(actor=request.user, resource_id=resource_id, changes=changes)
    )


@router.post(
    "/resources/{resource_id}/submit",
    response=with_errors(ResourceDetail, LOGIN_ERRORS),
    auth=django_auth,
    summary="提交审核",
)
def resource_submit(request, resource_id: Id):  # type: ignore[no-untyped-def]
    return _detail(request, services.resource_submit(actor=request.user, resource_id=resource_id))


@router.post(
    "/resources/{resource_id}/approve",
    response=with_errors(ResourceDetail, LOGIN_ERRORS),
    auth=django_auth,
    summary="审核通过并发布",
)
def resource_approve(request, resource_id: Id, payload: NoteIn):  # type: ignore[no-untyped-def]
    return _detail(
        request, services.resource_approve(actor=request.user, resource_id=resource_id, note=payload.note)
    )


@router.post(
    "/resources/{resource_id}/reject",
    response=with_errors(ResourceDetail, LOGIN_ERRORS),
    auth=django_auth,
    summary="退回修改",
)
def resource_reject(request, resource_id: Id, payload: NoteIn):  # type: ignore[no-untyped-def]
    return _detail(
        request, services.resource_reject(actor=request.user, resource_id=resource_id, note=payload.note)
    )


@router.post(
    "/resources/{resource_id}/withdraw",
    response=with_errors(ResourceDetail, LOGIN_ERRORS),
    auth=django_auth,
    summary="撤回资源",
)
def resource_withdraw(request, resource_id: Id, payload: NoteIn):  # type: ignore[no-untyped-def]
    return _detail(
        request, services.resource_withdraw(actor=request.user, resource_id=resource_id, reason=payload.note)
    )


@router.post(
    "/resources/{resource_id}/versions",
    response=with_errors({201: VersionOut}, LOGIN_ERRORS, UPLOAD_ERRORS),
    auth=django_auth,
    summary="上传新版本（按内容检查类型；同内容只存一份；旧版本保留）",
)
def version_upload(
    request,  # type: ignore[no-untyped-def]
    resource_id: Id,
    file: File[UploadedFile],
    note: Form[str] = "",
):  # type: ignore[no-untyped-def]
    version = services.version_upload(
        actor=request.user, resource_id=resource_id, fileobj=file, filename=file.name or "file", note=note
    )
    out = VersionOut.model_validate(version)
    out.duplicate_of = [r.pk for r in selectors.blob_duplicates(actor=request.user, version=version)]
    return Status(201, out)


@router.post(
    "/resources/{resource_id}/cover",
    response=with_errors(ResourceDetail, LOGIN_ERRORS, UPLOAD_ERRORS),
    auth=django_auth,
    summary="设置封面图片（PNG/JPEG，按内容检查）",
)
def cover_set(request, resource_id: Id, file: File[UploadedFile]):  # type: ignore[no-untyped-def]
    resource = services.resource_cover_set(
        actor=request.user, resource_id=resource_id, fileobj=file, filename=file.name or "cover"
    )
    return _detail(request, resource)


@router.post(
    "/resources/{resource_id}/access-requests",
    response=with_errors({201: AccessRequestOut}, LOGIN_ERRORS),
    auth=django_auth,
    summary="申请访问受限资源",
)
def access_request_create(request, resource_id: Id, payload: AccessRequestIn):  # type: ignore[no-untyped-def]
    created = services.access_request_create(
        actor=request.user, resource_id=resource_id, message=payload.message
    )
    return Status(201, created)


@router.get(
    "/access-requests",
    response=with_errors(list[AccessRequestOut], LOGIN_ERRORS),
    auth=django_auth,
    summary="我可处理的与我发出的访问申请",
)
def access_requests(request, box: Literal["incoming", "outgoing"] = "incoming"):  # type: ignore[no-untyped-def]
    if box == "incoming":
        return selectors.access_requests_incoming(actor=request.user)
    return selectors.access_requests_outgoing(actor=request.user)


@router.post(
    "/access-requests/{request_id}/decide",
    response=with_errors(AccessRequestOut, LOGIN_ERRORS),
    auth=django_auth,
    summary="同意或拒绝访问申请",
)
def access_request_decide(request, request_id: Id, payload: DecisionIn):  # type: ignore[no-untyped-def]
    return services.access_request_decide(
        actor=request.user, request_id=request_id, approve=payload.approve, reason=payload.reason
    )


@router.post(
    "/resources/{resource_id}/rating",
    response=with_errors(EngagementOut, LOGIN_ERRORS),
    auth=django_auth,
    summary="评分（1–5）与评价",
)
def rate(request, resource_id: Id, payload: RatingIn):  # type: ignore[no-untyped-def]
    return services.resource_rate(
        actor=request.user, resource_id=resource_id, value=payload.value, review=payload.review
    )


@router.post(
    "/resources/{resource_id}/favourite",
    response=with_errors(EngagementOut, LOGIN_ERRORS),
    auth=django_auth,
    summary="收藏或取消收藏",
)
def favourite(request, resource_id: Id, payload: FavouriteIn):  # type: ignore[no-untyped-def]
    return services.resource_favourite(actor=request.user, resource_id=resource_id, on=payload.on)


@router.post(
    "/resources/{resource_id}/complete",
    response=with_errors(EngagementOut, LOGIN_ERRORS),
    auth=django_auth,
    summary="标记已完成学习",
)
def complete(request, resource_id: Id):  # type: ignore[no-untyped-def]
    resource = selectors.resource_get(actor=request.user, resource_id=resource_id)
    return services.resource_complete(actor=request.user, resource=resource)


@router.get("/collections", response=with_errors(list[CollectionOut]), summary="精选合集")
def collections(request):  # type: ignore[no-untyped-def]
    return list(selectors.collection_list())


@router.get(
    "/collections/{collection_id}/resources",
    response=with_errors(list[ResourceOut]),
    summary="合集中我可见的资源",
)
def collection_resources(request, collection_id: Id):  # type: ignore[no-untyped-def]
    collection = selectors.collection_get(collection_id=collection_id)
    return selectors.collection_items(actor=request.user, collection=collection)


@router.post(
    "/collections",
    response=with_errors({201: CollectionOut}, LOGIN_ERRORS),
    auth=django_auth,
    summary="新建合集（教育行政部门）",
)
def collection_create(request, payload: CollectionIn):  # type: ignore[no-untyped-def]
    return Status(
        201,
        services.collection_create(
            actor=request.user, title=payload.title, kind=payload.kind, description=payload.description
        ),
    )


@router.post(
    "/collections/{collection_id}/items",
    response=with_errors({201: CollectionOut}, LOGIN_ERRORS),
    auth=django_auth,
    summary="向合集添加资源",
)
def collection_add(request, collection_id: Id, payload: CollectionItemIn):  # type: ignore[no-untyped-def]
    item = services.collection_add(
        actor=request.user, collection_id=collection_id, resource_id=payload.resource_id
    )
    return Status(201, item.collection)


@router.delete(
    "/collections/{collection_id}/items/{resource_id}",
    response=with_errors({204: None}, LOGIN_ERRORS),
    auth=django_auth,
    summary="从合集移除资源",
)
def collection_remove(request, collection_id: Id, resource_id: Id):  # type: ignore[no-untyped-def]
    services.collection_remove(actor=request.user, collection_id=collection_id, resource_id=resource_id)
    return Status(204, None)


@router.get(
    "/stats/cross-border",
    response=with_errors(list[CrossBorderOut]),
    summary="跨省使用统计：四川用户使用重庆资源及反向（按周期，人数为去重用户数）",
)
def cross_border(
    request,  # type: ignore[no-untyped-def]
    period: Literal["day", "week", "month", "year"] = "month",
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
):  # type: ignore[no-untyped-def]
    return selectors.cross_border_usage(since=since, until=until, period=period)
