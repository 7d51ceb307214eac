"""The shared resource library: resources, their file versions, curated collections, access
requests, engagement events, and OAI-PMH harvest state.

Identifiers and consistency rules:

- ``Resource.uid`` (UUID) is the stable public identifier: the OAI identifier is
  ``oai:<node id>:<uid>`` (see ``oai.py``). Local rows have a ``school``; harvested (remote)
  rows have ``harvest_source`` + ``remote_identifier`` instead, no owner and no school, and are
  read-only (services refuse to change them).
- ``province_code``/``city_code``/``county_code``/``school_code`` are copied from the owner's
  school when the resource is created (denormalised so that visibility filters, facets and the
  cross-border figures need no joins; a school never moves county).
- ``modified_at`` changes on every change that a harvester must see (metadata, lifecycle,
  visibility); it is the OAI datestamp.
- Lifecycle: draft → under_review → published → withdrawn (rejection sends under_review back to
  draft). A published resource's changes that widen its audience or replace what it shows
  (metadata other than a narrower visibility, a new file, a new cover) are held for review
  (``pending_changes``/``pending_cover``/versions in review ``pending``, ``change_under_review``)
  while the approved state stays live; narrowing visibility applies at once. Only ``published``
  rows are indexed for search and listed; withdrawn rows stay so that
  OAI can announce them as deleted (``deletedRecord=persistent``).
- ``Blob`` holds one file's bytes, found by SHA-256: two uploads with the same content share
  one stored file. A ``ResourceVersion`` points at a blob; versions are never deleted, so an old
  version stays reachable after a new upload.
- ``Engagement`` is the one table of usage events (view, download, favourite, rating,
  completion) that the recommender reads; its indexes are named after the queries they serve.
  ``user_province_code``/``resource_province_code`` are copied at write time so the
  cross-border figure (四川 users using 重庆 resources and back) is one grouped query.

Read next: ``services.py`` (who may do what), ``selectors.py`` (who may see what).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from educloud.library import vocab
from educloud.schools.models import School


class Resource(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        UNDER_REVIEW = "under_review", "审核中"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    class Visibility(models.TextChoices):
        SCHOOL = "school", "本校"
        COUNTY = "county", "本区县"
        CITY = "city", "本市（州）"
        PROVINCE = "province", "本省（市）"
        CIRCLE = "circle", "成渝地区"
        PUBLIC = "public", "公开"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=16, choices=vocab.choices(vocab.TYPES))
    # Blank only for harvested records whose node did not say (services require them locally).
    subject = models.CharField(max_length=20, choices=vocab.choices(vocab.SUBJECTS), blank=True)
    stage = models.CharField(max_length=12, choices=vocab.choices(vocab.STAGES), blank=True)
    grade = models.CharField(max_length=4, choices=vocab.choices(vocab.GRADES), blank=True)
    edition = models.CharField(max_length=16, choices=vocab.choices(vocab.EDITIONS), blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="知识点标签（字符串列表）")
    language = models.CharField(max_length=8, choices=vocab.choices(vocab.LANGUAGES), default="zh")
    license = models.CharField(max_length=16, choices=vocab.choices(vocab.LICENSES))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a teacher leaving does not take the school's resources away
        related_name="library_resources",
    )
    # A school's resources go with the school (real schools are not deleted; synthetic re-seeds are).
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="library_resources"
    )
    province_code = models.CharField(max_length=6, blank=True)
    city_code = models.CharField(max_length=6, blank=True)
    county_code = models.CharField(max_length=6, blank=True)
    school_code = models.CharField(max_length=16, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.SCHOOL)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT)
    cover = models.ForeignKey(
        "Blob",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="封面图片 (png/jpeg)",
    )
    # Once published as public or circle, a local resource stays in the OAI feed for good (later
    # as a deleted record if withdrawn or narrowed), so harvesters learn to drop their copy.
    oai_exposed = models.BooleanField(default=False)
    review_note = models.CharField(max_length=500, blank=True)
    # Changes of a published resource held until a reviewer approves them (the row keeps the
    # approved values, which is what everyone else sees): metadata here, a new cover in
    # ``pending_cover``, new files as versions in review state "pending".
    pending_changes = models.JSONField(default=dict, blank=True)
    pending_cover = models.ForeignKey(
        "Blob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_under_review = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField(help_text="OAI datestamp: every change a harvester must see")
    published_at = models.DateTimeField(null=True, blank=True)
    # Cached engagement aggregates (kept by services; the events table is the truth).
    view_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    quality = models.FloatField(default=0.0, help_text="0–1, see services.resource_quality")
    is_synthetic = models.BooleanField(default=False)
    # Harvested records (read-only copies of another node's resources).
    harvest_source = models.ForeignKey(
        "HarvestSource", null=True, blank=True, on_delete=models.CASCADE, related_name="resources"
    )
    remote_identifier = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    remote_datestamp = models.DateTimeField(null=True, blank=True)
    remote_publisher = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["harvest_source", "remote_identifier"],
                condition=Q(harvest_source__isnull=False),
                name="library_remote_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(harvest_source__isnull=True) | Q(owner__isnull=True, school__isnull=True),
                name="library_remote_has_no_owner",
            ),
            models.CheckConstraint(
                condition=Q(rating_sum__lte=5 * models.F("rating_count")), name="library_rating_sum_bounded"
            ),
        ]
        indexes = [
            # Browse without a query: "published resources visible to me, newest first".
            models.Index(fields=["status", "visibility", "-published_at"], name="lib_res_browse"),
            # Scoped visibility: "published county/city/province resources of region X".
            models.Index(fields=["province_code", "city_code", "county_code"], name="lib_res_region"),
            models.Index(fields=["school_code", "status"], name="lib_res_school_status"),
            # "My resources" and the review inbox.
            models.Index(fields=["owner", "status"], name="lib_res_owner_status"),
            models.Index(
                fields=["status"], condition=Q(change_under_review=True), name="lib_res_change_review"
            ),
            # OAI-PMH: "records changed in [from, until], in datestamp order" (keyset pagination).
            models.Index(fields=["modified_at", "id"], name="lib_res_oai_datestamp"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_remote(self) -> bool:
        return self.harvest_source_id is not None

    @property
    def rating_avg(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def subject_label(self) -> str:
        return vocab.SUBJECTS.get(self.subject, self.subject)

    @property
    def province_label(self) -> str:
        return vocab.PROVINCES.get(self.province_code, "")


def _blob_path(blob: Blob, filename: str) -> str:
    return f"library/blobs/{blob.sha256[:2]}/{blob.sha256}"


class Blob(models.Model):
    """One stored file, identified by its SHA-256 (content-addressed: stored once)."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, help_text="sniffed kind: pdf, docx, mp4, png ...")
    file = models.FileField(upload_to=_blob_path, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class ResourceVersion(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已审核"
        REJECTED = "rejected", "未通过"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="versions")
    filename = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Only approved versions are shown to the resource's audience (owner and reviewers see all).
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="library_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


class Collection(models.Model):
    """A bureau's curated list (精品课程, 名校公开课 ...), scoped to the bureau's region."""

    class Kind(models.TextChoices):
        QUALITY_COURSE = "quality_course", "精品课程"
        OPEN_CLASS = "open_class", "名校公开课"
        TOPIC = "topic", "专题资源"
        EXEMPLARY_LESSON = "exemplary_lesson", "优质课例"

    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    curator_label = models.CharField(max_length=64, help_text="如“重庆市教委”")
    province_code = models.CharField(max_length=6, blank=True, help_text="empty: circle-wide")
    resources = models.ManyToManyField(Resource, through="CollectionItem", related_name="collections")
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="collection_items")
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "resource"], name="library_collection_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}#{self.position}: {self.resource_id}"


class AccessRequest(models.Model):
    """A user outside a resource's visibility asks for it; the owner's side decides, once."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "已拒绝"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_access_requests"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="access_requests")
    message = models.CharField(max_length=500, blank=True, help_text="申请理由")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="决定理由")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "resource"],
                condition=Q(status="pending"),
                name="library_one_pending_request",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="library_decision_has_time",
            ),
        ]
        indexes = [
            # Visibility keys: "resources this user was granted"; inbox: "pending requests on resource X".
            models.Index(fields=["requester", "status"], name="lib_req_requester_status"),
            models.Index(fields=["resource", "status"], name="lib_req_resource_status"),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} → {self.resource_id}: {self.status}"


class Engagement(models.Model):
    """One usage event. ``value``: rating 1–5; favourite 1 (add) / 0 (remove); else null."""

    class Kind(models.TextChoices):
        VIEW = "view", "浏览"
        DOWNLOAD = "download", "下载"
        FAVOURITE = "favourite", "收藏"
        RATING = "rating", "评分"
        COMPLETION = "completion", "完成学习"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="engagements")
    at = models.DateTimeField(db_index=False)
    value = models.SmallIntegerField(null=True, blank=True)
    review = models.CharField(max_length=1000, blank=True)
    user_province_code = models.CharField(max_length=6, blank=True)
    resource_province_code = models.CharField(max_length=6, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="rating") | Q(value__gte=1, value__lte=5), name="library_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(kind="favourite") | Q(value__in=[0, 1]), name="library_favourite_0_or_1"
            ),
        ]
        indexes = [
            # Recommender: "a user's history, newest first" (user profile, seen-item filter).
            models.Index(fields=["user", "at"], name="eng_user_history"),
            # Recommender: "a resource's events of a kind" (popularity, reviews, co-occurrence).
            models.Index(fields=["resource", "kind", "at"], name="eng_item_kind_at"),
            # Recommender training export and cross-border figures: "all events of kind K in [t0, t1)".
            models.Index(fields=["kind", "at"], name="eng_kind_period"),
            # Current state: "did user U favourite / rate resource R (latest event)".
            models.Index(fields=["user", "resource", "kind", "at"], name="eng_user_item_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.resource_id}"


class HarvestSource(models.Model):
    """Another node's OAI-PMH endpoint and how far we harvested it (saved after every page)."""

    base_url = models.URLField(max_length=300)
    set_spec = models.CharField(max_length=100, blank=True)
    repository_name = models.CharField(max_length=200, blank=True)
    last_datestamp = models.DateTimeField(
        null=True, blank=True, help_text="the newest record datestamp seen by the last complete harvest"
    )
    # An unfinished list: the token to continue with and the 'from' it was started with.
    resumption_token = models.TextField(blank=True)
    pending_from = models.DateTimeField(null=True, blank=True)
    pending_max_datestamp = models.DateTimeField(null=True, blank=True)
    records_seen = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_complete_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["base_url", "set_spec"], name="library_harvest_source_unique")
        ]

    def __str__(self) -> str:
        return f"{self.base_url} [{self.set_spec or '*'}]"
