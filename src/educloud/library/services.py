"""Writes of the library: resources and their lifecycle, file versions, access requests,
engagement events, collections, and the search index entries they imply.

Every service is keyword-only, validates before writing, checks permission (``policy``), and
runs in one transaction. Uploads are the exception: the file is checked, hashed and stored
before that transaction opens (``storage.blob_prepare``), so the transaction only writes rows.

Review of changes: a published resource's changes that widen its audience or replace what it
shows (metadata other than a narrower visibility, a new file version, a new cover) are held
(``pending_changes``, ``pending_cover``, versions in review ``pending``) until a reviewer approves
them; until then everyone but the owner and the reviewers sees the approved state. Narrowing
the visibility applies at once. See ADR 0003 (2026-12-04).

The search index lives in the same database, so index entries are
written inside that transaction too (``_index``): a rolled-back change leaves no stale entry.

Quality (the ranking signal handed to search, 0–1), ``resource_quality``:

    bayes   = (3.5 × 5 + Σ ratings) / (5 + n ratings)          # Bayesian mean, prior 3.5 from 5 votes
    quality = 0.7 × (bayes − 1) / 4 + 0.3 × min(collections, 2) / 2

so a resource with a few 5-star votes does not outrank a well-rated one with many, and a
resource curated into a bureau's collection (精品课程 ...) gets up to +0.3.

Read next: ``policy.py`` (permissions), ``storage.py`` (files), ``selectors.py`` (reads).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, BinaryIO

from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library import policy, selectors, vocab
from educloud.library.models import (
    AccessRequest,
    Collection,
    CollectionItem,
    Engagement,
    Resource,
    ResourceVersion,
)
from educloud.library.storage import Prepared, blob_discard, blob_prepare, blob_row
from educloud.schools.api import School
from educloud.search import api as search_api

SOURCE = "library.resource"
FACET_FIELDS = (
    "subject",
    "stage",
    "grade",
    "type",
    "edition",
    "language",
    "license",
    "province_code",
    "city_code",
    "county_code",
)
EDITABLE_FIELDS = (
    "title",
    "description",
    "type",
    "subject",
    "stage",
    "grade",
    "edition",
    "tags",
    "language",
    "license",
    "visibility",
)
_MAX_TAGS = 20
# Narrowest first: a change to a later level widens the audience and needs review when published.
VISIBILITY_ORDER = ("school", "county", "city", "province", "circle", "public")
MAX_FILENAME = 200
UNPARSABLE_UPLOAD = (
    f"上传的表单无法解析：文件名过长或表单格式有误。请把文件名改短（不超过 {MAX_FILENAME} 个字符）后重新上传"
)


# ---------------------------------------------------------------- quality and the search index


def resource_quality(*, rating_sum: int, rating_count: int, collections: int) -> float:
    bayes = (3.5 * 5 + rating_sum) / (5 + rating_count)
    return round(0.7 * (bayes - 1) / 4 + 0.3 * min(collections, 2) / 2, 4)


def search_document(resource: Resource, *, granted_user_ids: Iterable[int] | None = None) -> dict[str, Any]:
    """The search document of a published resource (kwargs for ``search.api.document_upsert``)."""
    body = "\n".join(
        part
        for part in (
            resource.description,
            vocab.SUBJECTS.get(resource.subject, ""),
            vocab.STAGES.get(resource.stage, ""),
            vocab.GRADES.get(resource.grade, ""),
            vocab.EDITIONS.get(resource.edition, "") if resource.edition else "",
            vocab.TYPES.get(resource.type, ""),
        )
        if part
    )
    return {
        "object_id": str(resource.pk),
        "title": resource.title,
        "body": body,
        "tags": tuple(resource.tags or ()),
        "facets": {name: getattr(resource, name) or None for name in FACET_FIELDS},
        "visibility_keys": tuple(policy.visibility_keys(resource, granted_user_ids=granted_user_ids)),
        "quality": resource.quality,
        "url": reverse("library:resource", args=[resource.pk]),
        "updated_at": resource.published_at or resource.modified_at,
    }


def _mark_exposed(resource: Resource) -> None:
    """Remember that OAI published this resource (see ``Resource.oai_exposed``)."""
    if (
        not resource.oai_exposed
        and resource.status == Resource.Status.PUBLISHED
        and resource.visibility in (Resource.Visibility.PUBLIC, Resource.Visibility.CIRCLE)
        and not resource.is_remote
    ):
        resource.oai_exposed = True
        Resource.objects.filter(pk=resource.pk).update(oai_exposed=True)


def _index(resource: Resource) -> None:
    """Put a published resource in the search index, or take any other one out."""
    _mark_exposed(resource)
    if resource.status == Resource.Status.PUBLISHED:
        search_api.document_upsert(source=SOURCE, **search_document(resource))
    else:
        search_api.document_delete(source=SOURCE, object_id=str(resource.pk))


def resources_reindex(*, resources: Iterable[Resource] | None = None) -> int:
    """(Re)index published resources in bulk (all of them by default); returns how many."""
    qs = resources if resources is not None else Resource.objects.filter(status=Resource.Status.PUBLISHED)
    rows = [r for r in qs if r.status == Resource.Status.PUBLISHED]
    grants: dict[int, list[int]] = {}
    for resource_id, user_id in AccessRequest.objects.filter(
        status=AccessRequest.Status.APPROVED, resource_id__in=[r.pk for r in rows]
    ).values_list("resource_id", "requester_id"):
        grants.setdefault(resource_id, []).append(user_id)
    docs = [search_document(r, granted_user_ids=grants.get(r.pk, [])) for r in rows]
    total = 0
    for start in range(0, len(docs), 1000):
        total += search_api.documents_bulk_upsert(source=SOURCE, docs=docs[start : start + 1000])
    return total


def _refresh_quality(resource: Resource) -> None:
    """Recompute ``quality`` after a rating or a collection change (and forget the cached public
    part of its page, which shows both)."""
    selectors.resource_public_part_forget(resource.pk)
    resource.refresh_from_db(fields=["rating_sum", "rating_count"])
    resource.quality = resource_quality(
        rating_sum=resource.rating_sum,
        rating_count=resource.rating_count,
        collections=resource.collection_items.count(),
    )
    resource.save(update_fields=["quality"])


# ---------------------------------------------------------------- validation helpers


def _locked(resource_id: int) -> Resource:
    resource = Resource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None:
        raise NotFound(f"资源 {resource_id} 不存在")
    return resource


def _require_login(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")


def _require_local(resource: Resource) -> None:
    if resource.is_remote:
        raise PermissionDenied("这是从其他节点汇聚的远程资源，只读，不能在本节点修改")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate metadata fields; returns cleaned values. Raises InvalidInput naming the field."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"不能修改字段：{name}", field=name)
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("title", "description"):
            text = str(value or "").strip()
            if name == "title" and not 2 <= len(text) <= 200:
                raise InvalidInput("标题应为 2 到 200 个字", field="title")
            if name == "description" and len(text) > 5000:
                raise InvalidInput("简介不能超过 5000 字", field="description")
            out[name] = text
        elif name == "tags":
            if isinstance(value, str):
                value = [t for t in value.replace("，", ",").split(",")]
            tags = [str(t).strip() for t in (value or []) if str(t).strip()]
            if len(tags) > _MAX_TAGS or any(len(t) > 30 for t in tags):
                raise InvalidInput(f"知识点标签最多 {_MAX_TAGS} 个，每个不超过 30 字", field="tags")
            out[name] = list(dict.fromkeys(tags))
        else:
            vocabulary = {
                "type": vocab.TYPES,
                "subject": vocab.SUBJECTS,
                "stage": vocab.STAGES,
                "grade": {**vocab.GRADES, "": ""},
                "edition": vocab.EDITIONS,
                "language": vocab.LANGUAGES,
                "license": vocab.LICENSES,
                "visibility": dict(Resource.Visibility.choices),
            }[name]
            value = "" if value is None else str(value)
            if value not in vocabulary:
                allowed = "、".join(k for k in vocabulary if k)
                raise InvalidInput(f"{name} 的取值 {value!r} 无效，可选：{allowed}", field=name)
            out[name] = value
    return out


def _check_consistency(resource: Resource) -> None:
    if resource.grade and resource.grade not in vocab.GRADES_OF_STAGE.get(resource.stage, ()):
        raise InvalidInput(
            f"年级“{vocab.GRADES[resource.grade]}”不属于学段“{vocab.STAGES[resource.stage]}”", field="grade"
        )
    if resource.stage != "vocational" and resource.subject in vocab.VOCATIONAL_SUBJECTS:
        raise InvalidInput("职业教育专业类科目只能用于“中职”学段", field="subject")
    if resource.license == "school_only" and resource.visibility != Resource.Visibility.SCHOOL:
        raise InvalidInput("“校内使用”许可的资源只能设为本校可见", field="visibility")


# ---------------------------------------------------------------- resources and their lifecycle


def _new_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The cleaned metadata of a new resource; InvalidInput names the first bad field."""
    missing = [n for n in ("title", "type", "subject", "stage", "license") if not fields.get(n)]
    if missing:
        raise InvalidInput(f"缺少必填项：{missing[0]}", field=missing[0])
    values = _clean({"visibility": Resource.Visibility.SCHOOL, **fields})
    _check_consistency(Resource(**values))
    return values


@transaction.atomic
def resource_create(*, actor: Any, school_code: str | None = None, **fields: Any) -> Resource:
    """A new draft owned by ``actor`` at one of the schools where they teach or administer."""
    _require_login(actor)
    schools = policy.authoring_schools(actor)
    if not schools:
        raise PermissionDenied("只有教师和学校管理员可以上传资源")
    if school_code:
        matching = [s for s in schools if s.code == school_code]  # type: ignore[attr-defined]
        if not matching:
            raise PermissionDenied("您不在该学校任职，不能以该校名义发布资源")
        school_obj = matching[0]
    else:
        school_obj = schools[0]
    school = School.objects.select_related("county").get(pk=school_obj.pk)  # type: ignore[attr-defined]
    values = _new_values(fields)
    now = timezone.now()
    resource = Resource(
        owner=actor,
        school=school,
        province_code=school.county.province_id,
        city_code=school.county.city_id,
        county_code=school.county_id,
        school_code=school.code,
        created_at=now,
        modified_at=now,
        quality=resource_quality(rating_sum=0, rating_count=0, collections=0),
        **values,
    )
    _check_consistency(resource)
    resource.save()
    return resource


@transaction.atomic
def resource_update(*, actor: Any, resource_id: int, changes: dict[str, Any]) -> Resource:
    """Change metadata. On a published resource only narrowing the visibility applies at once;
    every other change is held in ``pending_changes`` for a reviewer (``resource_approve``) and
    the approved values stay what everyone else sees. Setting a field back to its approved value
    drops the held change."""
    _require_login(actor)
    resource = _locked(resource_id)
    _require_local(resource)
    if not policy.is_owner(actor, resource):
        raise PermissionDenied("只有资源的上传者可以修改资源信息")
    if resource.status == Resource.Status.WITHDRAWN:
        raise InvalidInput("已撤回的资源不能修改")
    values = _clean(changes)
    if resource.status != Resource.Status.PUBLISHED:
        for name, value in values.items():
            setattr(resource, name, value)
        _check_consistency(resource)
        resource.modified_at = timezone.now()
        resource.save()
        _index(resource)
        return resource
    pending = dict(resource.pending_changes or {})
    immediate: dict[str, Any] = {}
    for name, value in values.items():
        narrower = name == "visibility" and _wider(resource.visibility, than=value)
        if narrower:
            immediate[name] = value
            pending.pop(name, None)
        elif value == getattr(resource, name):
            pending.pop(name, None)
        else:
            pending[name] = value
    proposed = copy.copy(resource)
    for name, value in {**immediate, **pending}.items():
        setattr(proposed, name, value)
    _check_consistency(proposed)
    for name, value in immediate.items():
        setattr(resource, name, value)
    _check_consistency(resource)
    resource.pending_changes = pending
    _flag_change(resource)
    if immediate:
        resource.modified_at = timezone.now()  # harvesters must see the narrower audience
    resource.save()
    _index(resource)
    return resource


def _wider(level: str, *, than: str) -> bool:
    return VISIBILITY_ORDER.index(level) > VISIBILITY_ORDER.index(than)


def _flag_change(resource: Resource) -> None:
    """Set ``change_under_review`` from what is held (metadata, cover, pending file versions)."""
    resource.change_under_review = resource.status == Resource.Status.PUBLISHED and (
        bool(resource.pending_changes)
        or resource.pending_cover_id is not None
        or resource.versions.filter(review=ResourceVersion.Review.PENDING).exists()
    )


@transaction.atomic
def resource_submit(*, actor: Any, resource_id: int) -> Resource:
    _require_login(actor)
    resource = _locked(resource_id)
    _require_local(resource)
    if not policy.is_owner(actor, resource):
        raise PermissionDenied("只有资源的上传者可以提交审核")
    if resource.status != Resource.Status.DRAFT:
        raise InvalidInput(
            f"只有草稿可以提交审核（当前状态：{resource.get_status_display()}）", field="status"
        )
    if not resource.versions.exists():
        raise InvalidInput("请先上传资源文件再提交审核", field="file")
    resource.status = Resource.Status.UNDER_REVIEW
    resource.modified_at = timezone.now()
    resource.save(update_fields=["status", "modified_at"])
    return resource


def _review(actor: Any, resource_id: int) -> Resource:
    _require_login(actor)
    resource = _locked(resource_id)
    _require_local(resource)
    if not policy.is_reviewer(actor, resource):
        raise PermissionDenied("只有资源所属学校的管理员或辖区教育行政部门可以审核（不能审核自己的资源）")
    changed = resource.status == Resource.Status.PUBLISHED and resource.change_under_review
    if resource.status != Resource.Status.UNDER_REVIEW and not changed:
        raise InvalidInput(
            f"该资源不在审核中，也没有待审核的修改（当前状态：{resource.get_status_display()}）",
            field="status",
        )
    return resource


@transaction.atomic
def resource_approve(*, actor: Any, resource_id: int, note: str = "") -> Resource:
    """Publish a resource under review, or make a published resource's held changes live."""
    resource = _review(actor, resource_id)
    now = timezone.now()
    if resource.status == Resource.Status.PUBLISHED:
        for name, value in (resource.pending_changes or {}).items():
            setattr(resource, name, value)
        if resource.pending_cover_id is not None:
            resource.cover_id = resource.pending_cover_id
        _check_consistency(resource)
        resource.pending_changes = {}
        resource.pending_cover = None
        resource.change_under_review = False
    resource.status = Resource.Status.PUBLISHED
    resource.published_at = resource.published_at or now
    resource.modified_at = now
    resource.reviewed_by = actor
    resource.review_note = note.strip()[:500]
    resource.save()
    resource.versions.filter(review=ResourceVersion.Review.PENDING).update(
        review=ResourceVersion.Review.APPROVED
    )
    _index(resource)
    return resource


@transaction.atomic
def resource_reject(*, actor: Any, resource_id: int, note: str) -> Resource:
    """Send a resource under review back to draft, or drop a published resource's held changes
    (its new file versions stay, marked "rejected", hidden from its audience)."""
    if not (note or "").strip():
        raise InvalidInput("退回修改时请写明原因", field="note")
    resource = _review(actor, resource_id)
    if resource.status == Resource.Status.PUBLISHED:
        resource.pending_changes = {}
        resource.pending_cover = None
        resource.change_under_review = False
        resource.versions.filter(review=ResourceVersion.Review.PENDING).update(
            review=ResourceVersion.Review.REJECTED
        )
    else:
        resource.status = Resource.Status.DRAFT
        resource.modified_at = timezone.now()
    resource.reviewed_by = actor
    resource.review_note = note.strip()[:500]
    resource.save()
    return resource


@transaction.atomic
def resource_withdraw(*, actor: Any, resource_id: int, reason: str = "") -> Resource:
    """Take a published (or under-review) resource out of circulation; OAI announces it deleted."""
    _require_login(actor)
    resource = _locked(resource_id)
    _require_local(resource)
    if not (policy.is_owner(actor, resource) or policy.is_reviewer(actor, resource)):
        raise PermissionDenied("只有上传者或其审核方可以撤回资源")
    if resource.status not in (Resource.Status.PUBLISHED, Resource.Status.UNDER_REVIEW):
        raise InvalidInput(f"当前状态（{resource.get_status_display()}）不能撤回", field="status")
    resource.status = Resource.Status.WITHDRAWN
    resource.change_under_review = False
    resource.modified_at = timezone.now()
    if reason.strip():
        resource.review_note = reason.strip()[:500]
    resource.save(update_fields=["status", "change_under_review", "modified_at", "review_note"])
    _index(resource)
    return resource


# ---------------------------------------------------------------- files


def upload_name(filename: str | None, *, default: str = "file") -> str:
    """The base name of an uploaded file; InvalidInput (field ``file``) if it is too long."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or default
    if len(name) > MAX_FILENAME:
        raise InvalidInput(
            f"文件名过长（{len(name)} 个字符，上限 {MAX_FILENAME} 个），请改短后重新上传", field="file"
        )
    return name


def _owned(actor: Any, resource: Resource, refusal: str) -> None:
    _require_local(resource)
    if not policy.is_owner(actor, resource):
        raise PermissionDenied(refusal)


def _precheck(actor: Any, resource_id: int, refusal: str) -> None:
    """The permission checks of an upload, read-only, before its file is read (fail fast)."""
    _require_login(actor)
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise NotFound(f"资源 {resource_id} 不存在")
    _owned(actor, resource, refusal)
    if resource.status == Resource.Status.WITHDRAWN:
        raise InvalidInput("已撤回的资源不能修改")


def version_upload(
    *, actor: Any, resource_id: int, fileobj: BinaryIO, filename: str, note: str = ""
) -> ResourceVersion:
    """Add a file version. Checked by content and size; the same bytes are stored once.

    The file is checked, hashed and stored *before* the transaction opens (``blob_prepare``);
    the transaction only writes rows. A new version of a published resource waits for review
    (its audience keeps the approved version). A rejected upload raises InvalidInput with the
    reason and leaves no file and no row.
    """
    _precheck(actor, resource_id, "只有资源的上传者可以上传新版本")
    name = upload_name(filename)
    prepared = blob_prepare(fileobj, name=name)
    try:
        return _version_add(actor=actor, resource_id=resource_id, prepared=prepared, name=name, note=note)
    except BaseException:
        blob_discard(prepared)
        raise


@transaction.atomic
def _version_add(
    *, actor: Any, resource_id: int, prepared: Prepared, name: str, note: str
) -> ResourceVersion:
    resource = _locked(resource_id)
    _owned(actor, resource, "只有资源的上传者可以上传新版本")
    if resource.status == Resource.Status.WITHDRAWN:
        raise InvalidInput("已撤回的资源不能上传新版本")
    latest = resource.versions.select_related("blob").order_by("-number").first()
    if latest is not None and latest.blob.sha256 == prepared.sha256:
        raise InvalidInput("该文件与当前版本内容完全相同（SHA-256 一致），无需重复上传", field="file")
    blob, _created = blob_row(prepared)
    version = ResourceVersion.objects.create(
        resource=resource,
        number=(latest.number + 1) if latest else 1,
        blob=blob,
        filename=name,
        note=(note or "").strip()[:200],
        uploaded_by=actor,
        review=ResourceVersion.Review.PENDING,
    )
    if resource.status == Resource.Status.PUBLISHED:
        resource.change_under_review = True
        resource.save(update_fields=["change_under_review"])
    else:
        resource.modified_at = timezone.now()
        resource.save(update_fields=["modified_at"])
    return version


COVER_KINDS = ("png", "jpeg")


def _cover_prepare(fileobj: BinaryIO, filename: str | None) -> Prepared:
    prepared = blob_prepare(fileobj, name=upload_name(filename, default="cover"))
    if prepared.kind not in COVER_KINDS:
        blob_discard(prepared)
        raise InvalidInput(f"封面必须是 PNG 或 JPEG 图片（该文件内容是 {prepared.kind}）", field="cover")
    return prepared


def resource_cover_set(*, actor: Any, resource_id: int, fileobj: BinaryIO, filename: str) -> Resource:
    """Set the cover image (PNG or JPEG by content); the same checks and dedupe as versions.

    On a published resource the new cover waits for review (``pending_cover``).
    """
    _precheck(actor, resource_id, "只有资源的上传者可以设置封面")
    prepared = _cover_prepare(fileobj, filename)
    try:
        return _cover_apply(actor=actor, resource_id=resource_id, prepared=prepared)
    except BaseException:
        blob_discard(prepared)
        raise


@transaction.atomic
def _cover_apply(*, actor: Any, resource_id: int, prepared: Prepared) -> Resource:
    resource = _locked(resource_id)
    _owned(actor, resource, "只有资源的上传者可以设置封面")
    blob, _created = blob_row(prepared)
    if resource.status == Resource.Status.PUBLISHED:
        resource.pending_cover = blob
        resource.change_under_review = True
        resource.save(update_fields=["pending_cover", "change_under_review"])
    else:
        resource.cover = blob
        resource.modified_at = timezone.now()
        resource.save(update_fields=["cover", "modified_at"])
    return resource


def resource_create_with_file(*, actor: Any, fileobj: BinaryIO, filename: str, **fields: Any) -> Resource:
    """A new draft and its first version together: if the file is refused, no draft remains.

    The files are checked and stored first, outside any transaction; then one transaction
    writes the draft, its version and its cover.
    """
    cover = fields.pop("cover", None)
    _require_login(actor)
    if not policy.authoring_schools(actor):
        raise PermissionDenied("只有教师和学校管理员可以上传资源")
    _new_values({k: v for k, v in fields.items() if k != "school_code"})  # metadata first: fail fast
    name = upload_name(filename)
    prepared: list[Prepared] = []
    try:
        prepared.append(blob_prepare(fileobj, name=name))
        if cover is not None:
            prepared.append(_cover_prepare(cover, getattr(cover, "name", None)))
        with transaction.atomic():
            resource = resource_create(actor=actor, **fields)
            _version_add(actor=actor, resource_id=resource.pk, prepared=prepared[0], name=name, note="")
            if len(prepared) > 1:
                resource = _cover_apply(actor=actor, resource_id=resource.pk, prepared=prepared[1])
    except BaseException:
        for item in prepared:
            blob_discard(item)
        raise
    return resource


# ---------------------------------------------------------------- access requests


@transaction.atomic
def access_request_create(*, actor: Any, resource_id: int, message: str = "") -> AccessRequest:
    from educloud.library.selectors import NOT_VISIBLE, can_view

    _require_login(actor)
    try:
        resource = _locked(resource_id)
    except NotFound:
        raise NotFound(NOT_VISIBLE) from None
    visible = can_view(actor, resource)
    if resource.status != Resource.Status.PUBLISHED:
        # Someone else's draft is "not there" for the requester (selectors.resource_get's answer).
        if not visible:
            raise NotFound(NOT_VISIBLE)
        raise InvalidInput("只能申请访问已发布的资源")
    if visible:
        raise InvalidInput("您已经可以访问该资源，无需申请")
    if AccessRequest.objects.filter(
        requester=actor, resource=resource, status=AccessRequest.Status.PENDING
    ).exists():
        raise InvalidInput("您已提交过申请，请等待处理")
    return AccessRequest.objects.create(requester=actor, resource=resource, message=(message or "")[:500])


@transaction.atomic
def access_request_decide(*, actor: Any, request_id: int, approve: bool, reason: str = "") -> AccessRequest:
    """Approve or refuse, once; the decision, who made it and when are kept on the request."""
    _require_login(actor)
    request = AccessRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"访问申请 {request_id} 不存在")
    resource = request.resource
    if not (policy.is_owner(actor, resource) or policy.is_reviewer(actor, resource)):
        raise PermissionDenied("只有资源的上传者、所属学校管理员或辖区教育行政部门可以处理访问申请")
    if request.status != AccessRequest.Status.PENDING:
        raise InvalidInput(f"该申请已处理（{request.get_status_display()}），不能再次决定")
    if not approve and not (reason or "").strip():
        raise InvalidInput("拒绝申请时请写明理由", field="reason")
    request.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.reason = (reason or "").strip()[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    if approve:
        _index(resource)
    return request


# ---------------------------------------------------------------- engagement


def _event(
    actor: Any, resource: Resource, kind: str, *, value: int | None = None, review: str = ""
) -> Engagement:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return Engagement.objects.create(
        kind=kind,
        user=user,
        resource=resource,
        at=timezone.now(),
        value=value,
        review=review,
        user_province_code=policy.home_province_code(user),
        resource_province_code=resource.province_code,
    )


def _visible(actor: Any, resource_id: int) -> Resource:
    from educloud.library.selectors import resource_get

    return resource_get(actor=actor, resource_id=resource_id)


def resource_view_record(*, actor: Any, resource: Resource) -> None:
    """A page view (anonymous viewers count, without a user): the event and the counter, in one
    transaction, so the counter always equals the view events.

    On PostgreSQL: one round trip, not five (BEGIN, SET, INSERT, UPDATE, COMMIT; ADR 0012,
    2026-12-05). The counter's UPDATE and the event's INSERT are one statement (the event is
    inserted from the updated row), sent with ``SET LOCAL synchronous_commit = off`` as one simple
    query, which PostgreSQL runs as one transaction. That transaction commits without waiting for its
    WAL flush: a page view does not wait for the disk. A server crash may lose the last moments of
    views (event and counter together, never one without the other); nothing else is affected.
    Called inside a larger transaction the setting would apply to all of it, so callers record a
    view outside one (the resource page does).
    """
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if connection.vendor != "postgresql":
        with transaction.atomic():
            _event(actor, resource, Engagement.Kind.VIEW)
            Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL synchronous_commit = off; "
            "WITH counted AS (UPDATE library_resource SET view_count = view_count + 1 "
            "WHERE id = %s RETURNING id, province_code) "
            "INSERT INTO library_engagement (kind, user_id, resource_id, at, value, review, "
            "user_province_code, resource_province_code, is_synthetic) "
            "SELECT %s, %s, id, %s, NULL, '', %s, province_code, false FROM counted",
            [
                resource.pk,
                Engagement.Kind.VIEW.value,
                user.pk if user is not None else None,
                timezone.now(),
                policy.home_province_code(user),
            ],
        )


@transaction.atomic
def resource_download_record(*, actor: Any, resource: Resource) -> None:
    _event(actor, resource, Engagement.Kind.DOWNLOAD)
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)


@transaction.atomic
def resource_rate(*, actor: Any, resource_id: int, value: int, review: str = "") -> Engagement:
    """Rate 1–5 with an optional review; a user's new rating replaces their previous one."""
    _require_login(actor)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise InvalidInput("评分应为 1 到 5 的整数", field="value")
    if len(review or "") > 1000:
        raise InvalidInput("评价不能超过 1000 字", field="review")
    _visible(actor, resource_id)
    # Lock the resource row: concurrent ratings of one resource run one after another, so each
    # sees the previous one's event and counter (a user's second rating replaces the first).
    resource = _locked(resource_id)
    if resource.status != Resource.Status.PUBLISHED:
        raise InvalidInput("只能评价已发布的资源")
    previous = (
        Engagement.objects.filter(user=actor, resource=resource, kind=Engagement.Kind.RATING)
        .order_by("-at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    event = _event(actor, resource, Engagement.Kind.RATING, value=value, review=(review or "").strip())
    if previous is None:
        Resource.objects.filter(pk=resource.pk).update(
            rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + value
        )
    else:
        Resource.objects.filter(pk=resource.pk).update(rating_sum=F("rating_sum") + value - previous)
    _refresh_quality(resource)
    _index(resource)
    return event


@transaction.atomic
def resource_favourite(*, actor: Any, resource_id: int, on: bool = True) -> Engagement:
    _require_login(actor)
    resource = _visible(actor, resource_id)
    return _event(actor, resource, Engagement.Kind.FAVOURITE, value=1 if on else 0)


COMPLETED_VERB = {
    "id": "http://adlnet.gov/expapi/verbs/completed",
    "display": {"zh-CN": "完成", "en-US": "completed"},
}
MEDIA_ACTIVITY = "http://adlnet.gov/expapi/activities/media"


def resource_activity_id(resource: Resource) -> str:
    """The xAPI activity IRI of a resource: stable across nodes and renames (its uid)."""
    from educloud.library import conf

    return f"https://{conf.node_id()}/library/resources/{resource.uid}"


@transaction.atomic
def resource_complete(*, actor: Any, resource: Resource) -> Engagement:
    """Record that ``actor`` completed ``resource`` and write it to the LRS as an xAPI Statement.

    The Statement (verb ``completed``, object the resource's activity IRI) goes through
    ``educloud.lrs.api.statement_record_internal`` when the LRS offers it (same transaction: both
    or neither); without it, the engagement alone is recorded.
    """
    _require_login(actor)
    resource = _visible(actor, resource.pk)
    event = _event(actor, resource, Engagement.Kind.COMPLETION)
    from educloud.lrs import api as lrs_api

    record = getattr(lrs_api, "statement_record_internal", None)
    if record is not None:
        record(
            actor_user=actor,
            verb=COMPLETED_VERB,
            object_id=resource_activity_id(resource),
            object_name=resource.title,
            object_type=MEDIA_ACTIVITY,
            result={"completion": True},
        )
    return event


# ---------------------------------------------------------------- collections


def _require_bureau(actor: Any) -> None:
    _require_login(actor)
    if not policy.is_bureau(actor):
        raise PermissionDenied("只有教育行政部门可以编辑精选合集")


@transaction.atomic
def collection_create(
    *, actor: Any, title: str, kind: str, description: str = "", curator_label: str = ""
) -> Collection:
    _require_bureau(actor)
    title = (title or "").strip()
    if not 2 <= len(title) <= 120:
        raise InvalidInput("合集名称应为 2 到 120 个字", field="title")
    if kind not in Collection.Kind.values:
        raise InvalidInput(f"合集类型 {kind!r} 无效，可选：{'、'.join(Collection.Kind.values)}", field="kind")
    provinces = {policy.home_province_code(actor)} - {""}
    return Collection.objects.create(
        title=title,
        kind=kind,
        description=(description or "").strip(),
        curated_by=actor,
        curator_label=(curator_label or str(actor))[:64],
        province_code=next(iter(provinces), ""),
    )


def _curated(actor: Any, collection_id: int) -> Collection:
    _require_bureau(actor)
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        raise NotFound(f"合集 {collection_id} 不存在")
    if collection.curated_by_id != actor.pk:
        raise PermissionDenied("只能编辑本单位创建的合集")
    return collection


@transaction.atomic
def collection_add(*, actor: Any, collection_id: int, resource_id: int) -> CollectionItem:
    collection = _curated(actor, collection_id)
    resource = _visible(actor, resource_id)
    if resource.status != Resource.Status.PUBLISHED:
        raise InvalidInput("只能把已发布的资源加入合集")
    if collection.items.filter(resource=resource).exists():
        raise InvalidInput("该资源已在合集中")
    position = collection.items.count()
    item = CollectionItem.objects.create(collection=collection, resource=resource, position=position)
    _refresh_quality(resource)
    _index(resource)
    return item


@transaction.atomic
def collection_remove(*, actor: Any, collection_id: int, resource_id: int) -> None:
    collection = _curated(actor, collection_id)
    deleted, _ = collection.items.filter(resource_id=resource_id).delete()
    if not deleted:
        raise NotFound("该资源不在合集中")
    resource = Resource.objects.get(pk=resource_id)
    _refresh_quality(resource)
    _index(resource)
