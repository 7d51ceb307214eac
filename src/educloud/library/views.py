"""HTML pages of the library (Chinese, HTMX), file downloads with byte ranges, and /oai.

Thin: parse the request, call selectors/services, render. Service errors become the error page
(403/404) or a message on the form (400).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from educloud.lib.bounds import INT64_MAX, PAGE_MAX, int_param
from educloud.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from educloud.lib.pages import error_page as _error_page
from educloud.library import oai, policy, selectors, services, vocab
from educloud.library.models import Collection, Resource, ResourceVersion
from educloud.library.ranges import Unsatisfiable, parse_range

PREVIEWABLE = {
    "mp4": "video",
    "mp3": "audio",
    "pdf": "pdf",
    "png": "image",
    "jpeg": "image",
    "txt": "text",
    "md": "text",
}
_FORM_FIELDS = services.EDITABLE_FIELDS  # the form edits exactly what the service accepts


def _vocab_context() -> dict[str, Any]:
    return {
        "SUBJECTS": vocab.SUBJECTS,
        "STAGES": vocab.STAGES,
        "GRADES": vocab.GRADES,
        "TYPES": vocab.TYPES,
        "EDITIONS": vocab.EDITIONS,
        "LICENSES": vocab.LICENSES,
        "LANGUAGES": vocab.LANGUAGES,
        "PROVINCES": vocab.PROVINCES,
        "VISIBILITIES": dict(Resource.Visibility.choices),
    }


_FACET_LABELS = {
    "subject": ("学科", vocab.SUBJECTS),
    "stage": ("学段", vocab.STAGES),
    "grade": ("年级", vocab.GRADES),
    "type": ("类型", vocab.TYPES),
    "province_code": ("省（市）", vocab.PROVINCES),
    "city_code": ("市（州）", {}),
    "license": ("许可", vocab.LICENSES),
}


def index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    filters = {k: v for k, v in request.GET.items() if k in selectors.FACETS and v}
    try:
        page = int_param(request.GET, "page", low=-PAGE_MAX, high=PAGE_MAX, label="页码", default=1)
        page = max(1, page or 1)
    except DomainError as exc:
        return _error_page(request, exc)
    try:
        result = selectors.resource_list(
            actor=request.user, query=q, filters=filters, page=page, page_size=20, with_facets=True
        )
    except DomainError as exc:
        return _error_page(request, exc)
    facet_groups = []
    for name, values in result.facets.items():
        label, names = _FACET_LABELS.get(name, (name, {}))
        facet_groups.append(
            {
                "name": name,
                "label": label,
                "values": [(value, names.get(value, value), n) for value, n in values],
                "active": filters.get(name, ""),
            }
        )
    context = {
        "q": q,
        "filters": filters,
        "result": result,
        "facet_groups": facet_groups,
        "highlights": result.highlights,
        **_vocab_context(),
    }
    template = "library/_results.html" if request.headers.get("HX-Request") else "library/index.html"
    return render(request, template, context)


def suggest(request: HttpRequest) -> HttpResponse:
    try:
        words = selectors.resource_suggest(actor=request.user, prefix=request.GET.get("q", ""))
    except DomainError:
        words = []
    return render(request, "library/_suggest.html", {"words": words})


def resource_detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    try:
        resource = selectors.resource_get(actor=request.user, resource_id=resource_id)
    except NotFound:
        # One page, nothing of the resource on it, for a missing id and for one outside the caller's
        # scope (selectors.resource_get); a signed-in user sent a link may still ask for access.
        return render(request, "library/restricted.html", {"resource_id": resource_id}, status=404)
    except DomainError as exc:
        return _error_page(request, exc)
    if resource.status == Resource.Status.PUBLISHED:
        services.resource_view_record(actor=request.user, resource=resource)
    sees_pending = selectors.sees_pending(request.user, resource)
    if sees_pending:  # the owner and the reviewers: every version, fresh
        versions: list[Any] = list(selectors.resource_versions(actor=request.user, resource=resource))
        reviews: list[Any] = selectors.resource_reviews(resource=resource)
        collections: Any = resource.collections.all()
    else:  # everyone else sees the same approved versions, reviews and collections (cached)
        part = selectors.resource_public_part(resource=resource)
        versions, reviews, collections = part["versions"], part["reviews"], part["collections"]
    approved = [v for v in versions if v.review == ResourceVersion.Review.APPROVED]
    # What the audience sees: the newest approved version (a draft's owner previews its newest).
    current = approved[0] if approved else (versions[0] if versions else None)
    return render(
        request,
        "library/resource.html",
        {
            "resource": resource,
            "versions": versions,
            "current": current,
            "preview": PREVIEWABLE.get(current.blob.kind) if current else None,
            "reviews": reviews,
            "state": selectors.engagement_state(actor=request.user, resource=resource),
            "is_owner": policy.is_owner(request.user, resource),
            "is_reviewer": policy.is_reviewer(request.user, resource),
            "sees_pending": sees_pending,
            "pending": _pending_rows(resource) if sees_pending else [],
            "pending_versions": [v for v in versions if v.review == ResourceVersion.Review.PENDING]
            if sees_pending and resource.status == Resource.Status.PUBLISHED
            else [],
            "collections": collections,
            "my_collections": (
                Collection.objects.filter(curated_by=request.user) if request.user.is_authenticated else []
            ),
            **_vocab_context(),
        },
    )


_FIELD_LABELS = {
    "title": "标题",
    "description": "简介",
    "type": "类型",
    "subject": "学科",
    "stage": "学段",
    "grade": "年级",
    "edition": "教材版本",
    "tags": "知识点标签",
    "language": "语言",
    "license": "许可",
    "visibility": "可见范围",
}


def _pending_rows(resource: Resource) -> list[tuple[str, str]]:
    """(label, proposed value) of each change held for review, for the owner and the reviewers."""
    names = {
        "type": vocab.TYPES,
        "subject": vocab.SUBJECTS,
        "stage": vocab.STAGES,
        "grade": vocab.GRADES,
        "edition": vocab.EDITIONS,
        "language": vocab.LANGUAGES,
        "license": vocab.LICENSES,
        "visibility": dict(Resource.Visibility.choices),
    }
    rows = []
    for name, value in (resource.pending_changes or {}).items():
        if name == "tags":
            shown = "，".join(value or [])
        else:
            shown = names.get(name, {}).get(value, value) if name in names else str(value)
        rows.append((_FIELD_LABELS.get(name, name), shown or "（空）"))
    if resource.pending_cover_id is not None:
        rows.append(("封面", "新的封面图片"))
    return rows


def _stream(version: ResourceVersion, first: int, last: int):  # type: ignore[no-untyped-def]
    return _stream_blob(version.blob.file.name, first, last)


def _stream_blob(name: str, first: int, last: int, chunk: int = 1 << 16):  # type: ignore[no-untyped-def]
    with default_storage.open(name, "rb") as handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            data = handle.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def cover(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    """The resource's cover image, for whoever may see the resource."""
    try:
        resource = selectors.resource_get(actor=request.user, resource_id=resource_id)
    except DomainError as exc:
        return _error_page(request, exc)
    if resource.cover_id is None:
        return _error_page(request, DomainError("该资源没有封面"))
    blob = resource.cover
    response = StreamingHttpResponse(
        _stream_blob(blob.file.name, 0, blob.size - 1), content_type=blob.content_type
    )
    response["Content-Length"] = str(blob.size)
    response["ETag"] = f'"{blob.sha256}"'
    response["Cache-Control"] = "private, max-age=86400"
    return response


def download(request: HttpRequest, resource_id: int, number: int) -> HttpResponseBase:
    """A version's file; honours ``Range`` (206/416). ``?inline=1`` for previews."""
    try:
        resource = selectors.resource_get(actor=request.user, resource_id=resource_id)
        version = selectors.version_get(actor=request.user, resource=resource, number=number)
    except DomainError as exc:
        return _error_page(request, exc)
    blob = version.blob
    size = blob.size
    etag = f'"{blob.sha256}"'
    header = request.headers.get("Range")
    if header and request.headers.get("If-Range") not in (None, etag):
        header = None  # the client's copy is another version: send it all
    try:
        span = parse_range(header, size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = span if span else (0, size - 1)
    if span is None and resource.status == Resource.Status.PUBLISHED and not request.GET.get("inline"):
        # A whole-file download; range requests (players seeking, resumed downloads) are not counted.
        services.resource_download_record(actor=request.user, resource=resource)
    response = StreamingHttpResponse(_stream(version, first, last), status=206 if span else 200)
    response["Content-Type"] = blob.content_type
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    if span:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not request.GET.get("inline"), filename=version.filename
    )
    if request.GET.get("inline"):
        response["X-Frame-Options"] = "SAMEORIGIN"  # the PDF/text preview is an <iframe> on our own page
        if blob.kind != "pdf":  # Chromium's PDF viewer does not run in a sandboxed frame
            response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        else:  # nor under the site's policy (object-src 'none', frame-ancestors 'none'): framing rule only
            response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


def _unparsable_upload(request: HttpRequest) -> bool:
    """Parse the form's body; True if Django refuses it (a part header over 1 KB, e.g. a
    5,000-character file name). The upload views are ``csrf_exempt`` so that this check comes
    first (the CSRF middleware would read the body and answer a bare 400 page);
    ``_csrf_refusal`` then runs the CSRF check itself."""
    try:
        request.FILES  # noqa: B018 (parses the body)
    except MultiPartParserError:
        return True
    return False


def _csrf_check_target(request: HttpRequest) -> None:  # a view that is not csrf_exempt
    return None


def _csrf_refusal(request: HttpRequest) -> HttpResponseBase | None:
    return CsrfViewMiddleware(_csrf_check_target).process_view(request, _csrf_check_target, (), {})


def _form_values(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {k: request.POST.get(k, "") for k in _FORM_FIELDS if k in request.POST}
    return values


@csrf_exempt  # checked in the view, after the body is parsed: see _unparsable_upload
@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest) -> HttpResponseBase:
    schools = policy.authoring_schools(request.user)
    if not schools:
        return _error_page(request, PermissionDenied("只有教师和学校管理员可以上传资源"))
    values: dict[str, Any] = {"visibility": "school", "license": "cc-by-nc-sa", "language": "zh"}
    if request.method == "POST" and _unparsable_upload(request):
        messages.error(request, services.UNPARSABLE_UPLOAD)
        context = {"values": values, "resource": None, **_vocab_context()}
        return render(request, "library/form.html", context, status=400)
    if request.method == "POST" and (refusal := _csrf_refusal(request)) is not None:
        return refusal
    if request.method == "POST":
        values = _form_values(request)
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("请选择要上传的文件", field="file")
            cover = request.FILES.get("cover")
            extra = {"cover": cover} if cover is not None else {}
            resource = services.resource_create_with_file(
                actor=request.user, fileobj=upload, filename=upload.name or "file", **values, **extra
            )
        except DomainError as exc:
            if exc.status_code != 400:
                return _error_page(request, exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存为草稿。确认无误后请“提交审核”。")
            return redirect("library:resource", resource_id=resource.pk)
    return render(request, "library/form.html", {"values": values, "resource": None, **_vocab_context()})


@csrf_exempt  # checked in the view, after the body is parsed: see _unparsable_upload
@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    try:
        resource = selectors.resource_get(actor=request.user, resource_id=resource_id)
        if not policy.is_owner(request.user, resource) or resource.is_remote:
            raise PermissionDenied("只有资源的上传者可以修改资源")
    except DomainError as exc:
        return _error_page(request, exc)
    # The form shows what the owner proposed: approved values with any held change on top.
    values: dict[str, Any] = {k: getattr(resource, k) for k in _FORM_FIELDS}
    values.update(resource.pending_changes or {})
    values["tags"] = "，".join(values.get("tags") or [])
    if request.method == "POST" and _unparsable_upload(request):
        messages.error(request, services.UNPARSABLE_UPLOAD)
        context = {"values": values, "resource": resource, **_vocab_context()}
        return render(request, "library/form.html", context, status=400)
    if request.method == "POST" and (refusal := _csrf_refusal(request)) is not None:
        return refusal
    if request.method == "POST":
        values = _form_values(request)
        try:
            services.resource_update(actor=request.user, resource_id=resource.pk, changes=values)
            upload = request.FILES.get("file")
            if upload is not None:
                services.version_upload(
                    actor=request.user,
                    resource_id=resource.pk,
                    fileobj=upload,
                    filename=upload.name or "file",
                    note=request.POST.get("note", ""),
                )
            cover = request.FILES.get("cover")
            if cover is not None:
                services.resource_cover_set(
                    actor=request.user, resource_id=resource.pk, fileobj=cover, filename=cover.name or "cover"
                )
        except DomainError as exc:
            if exc.status_code != 400:
                return _error_page(request, exc)
            messages.error(request, exc.message)
        else:
            resource.refresh_from_db()
            if resource.change_under_review:
                messages.success(
                    request, "已保存。已发布资源的修改需经审核，通过前访问者仍看到审核通过的版本。"
                )
            else:
                messages.success(request, "已保存")
            return redirect("library:resource", resource_id=resource.pk)
    return render(request, "library/form.html", {"values": values, "resource": resource, **_vocab_context()})


_ACTIONS = {
    "submit": (lambda r, a, note: services.resource_submit(actor=a, resource_id=r), "已提交审核"),
    "approve": (
        lambda r, a, note: services.resource_approve(actor=a, resource_id=r, note=note),
        "已审核通过并发布",
    ),
    "reject": (lambda r, a, note: services.resource_reject(actor=a, resource_id=r, note=note), "已退回修改"),
    "withdraw": (
        lambda r, a, note: services.resource_withdraw(actor=a, resource_id=r, reason=note),
        "已撤回",
    ),
    "complete": (
        lambda r, a, note: services.resource_complete(
            actor=a, resource=selectors.resource_get(actor=a, resource_id=r)
        ),
        "已记录完成学习",
    ),
    "favourite": (lambda r, a, note: services.resource_favourite(actor=a, resource_id=r, on=True), "已收藏"),
    "unfavourite": (
        lambda r, a, note: services.resource_favourite(actor=a, resource_id=r, on=False),
        "已取消收藏",
    ),
}


@login_required
@require_POST
def resource_action(request: HttpRequest, resource_id: int, action: str) -> HttpResponse:
    if action not in _ACTIONS:
        return _error_page(request, DomainError("未知操作"))
    run, done = _ACTIONS[action]
    try:
        run(resource_id, request.user, request.POST.get("note", ""))
    except DomainError as exc:
        if exc.status_code != 400:
            return _error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("library:resource", args=[resource_id])
    return redirect(back)


@login_required
@require_POST
def resource_rate(request: HttpRequest, resource_id: int) -> HttpResponse:
    try:
        value = int_param(request.POST, "value", low=-100, high=100, label="评分", default=0) or 0
    except DomainError:
        value = 0  # refused by the service below with its own message
    try:
        services.resource_rate(
            actor=request.user, resource_id=resource_id, value=value, review=request.POST.get("review", "")
        )
    except DomainError as exc:
        if exc.status_code != 400:
            return _error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "感谢评价")
    return redirect("library:resource", resource_id=resource_id)


@login_required
@require_POST
def access_request(request: HttpRequest, resource_id: int) -> HttpResponse:
    try:
        services.access_request_create(
            actor=request.user, resource_id=resource_id, message=request.POST.get("message", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "访问申请已提交，请等待资源所属学校或上传者处理")
    return redirect("library:requests")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/mine.html",
        {
            "resources": list(selectors.my_resources(actor=request.user)[:200]),
            "favourites": selectors.my_favourites(actor=request.user),
            "can_author": bool(policy.authoring_schools(request.user)),
        },
    )


@login_required
def review_inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "library/review.html", {"queue": selectors.review_queue(actor=request.user)})


@login_required
def requests_inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/requests.html",
        {
            "incoming": selectors.access_requests_incoming(actor=request.user),
            # The requester sees a title only once they may see the resource (usually: approved).
            "outgoing": [
                (a, selectors.resource_title_for(actor=request.user, resource=a.resource))
                for a in selectors.access_requests_outgoing(actor=request.user)
            ],
        },
    )


@login_required
@require_POST
def request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.access_request_decide(
            actor=request.user,
            request_id=request_id,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status_code == 404:
            return _error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录您的决定")
    return redirect("library:requests")


def collections(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/collections.html",
        {
            "collections": list(selectors.collection_list()),
            "is_bureau": policy.is_bureau(request.user),
            "kinds": Collection.Kind.choices,
        },
    )


def collection_detail(request: HttpRequest, collection_id: int) -> HttpResponse:
    try:
        collection = selectors.collection_get(collection_id=collection_id)
    except DomainError as exc:
        return _error_page(request, exc)
    return render(
        request,
        "library/collection.html",
        {
            "collection": collection,
            "items": selectors.collection_items(actor=request.user, collection=collection),
            # Only the curating bureau edits a collection (services._curated enforces it on POST).
            "can_edit": request.user.is_authenticated and collection.curated_by_id == request.user.pk,
        },
    )


@login_required
@require_POST
def collection_new(request: HttpRequest) -> HttpResponse:
    try:
        collection = services.collection_create(
            actor=request.user,
            title=request.POST.get("title", ""),
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", ""),
        )
    except DomainError as exc:
        if exc.status_code != 400:
            return _error_page(request, exc)
        messages.error(request, exc.message)
        return redirect("library:collections")
    return redirect("library:collection", collection_id=collection.pk)


@login_required
@require_POST
def collection_add(request: HttpRequest, collection_id: int) -> HttpResponse:
    try:
        resource_id = int_param(request.POST, "resource_id", low=0, high=INT64_MAX, label="资源编号") or 0
        services.collection_add(actor=request.user, collection_id=collection_id, resource_id=resource_id)
    except ValueError:
        messages.error(request, "资源编号无效")
        return redirect("library:collection", collection_id=collection_id)
    except DomainError as exc:
        if exc.status_code == 403:
            return _error_page(request, exc)
        messages.error(request, exc.message)
        return redirect("library:collection", collection_id=collection_id)
    messages.success(request, "已加入合集")
    return redirect("library:resource", resource_id=resource_id)


@login_required
@require_POST
def collection_remove(request: HttpRequest, collection_id: int, resource_id: int) -> HttpResponse:
    try:
        services.collection_remove(actor=request.user, collection_id=collection_id, resource_id=resource_id)
    except DomainError as exc:
        if exc.status_code == 403:
            return _error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已从合集中移除")
    return redirect("library:collection", collection_id=collection_id)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not policy.is_bureau(request.user):
        return _error_page(request, PermissionDenied("跨省共享统计仅向教育行政部门开放"))
    since = timezone.now() - timedelta(days=365)
    rows = selectors.cross_border_usage(since=since, period="month")
    months = sorted({r.period.strftime("%Y-%m") for r in rows})
    series: dict[str, dict[str, int]] = {"510000>500000": {}, "500000>510000": {}}
    for r in rows:
        series.setdefault(f"{r.from_province}>{r.to_province}", {})[r.period.strftime("%Y-%m")] = r.users
    chart = {
        "months": months,
        "sc_to_cq": [series["510000>500000"].get(m, 0) for m in months],
        "cq_to_sc": [series["500000>510000"].get(m, 0) for m in months],
    }
    totals = selectors.cross_border_totals(since=since)
    return render(
        request,
        "library/dashboard.html",
        {
            "chart": chart,
            "rows": rows,
            "sc_to_cq": totals.get("510000>500000", 0),
            "cq_to_sc": totals.get("500000>510000", 0),
            "by_province": [
                (vocab.PROVINCES.get(code, code), n)
                for code, n in sorted(selectors.resource_counts_by_province().items())
            ],
            "sources": list(selectors.harvest_sources()),
        },
    )


@csrf_exempt  # OAI-PMH harvesters POST without a session; the endpoint only reads
@require_http_methods(["GET", "POST"])
def oai_endpoint(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    params = {key: data.getlist(key) for key in data}
    base = request.build_absolute_uri(request.path)
    body = oai.handle(
        base,
        params,
        record_url=lambda r: request.build_absolute_uri(reverse("library:resource", args=[r.pk])),
    )
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
