"""The search index's documents: one row per (source, object_id), what a hit needs to be shown.

A ``Document`` is a *copy* made for searching by the app that owns the thing (``source``, e.g.
``library.resource``); that app stays the source of truth and calls ``search.api.document_upsert``
/ ``document_delete`` when it changes. Identity is ``(source, object_id)`` (unique).

Besides this table the full-text index lives in vendor-specific structures that the ORM does not
see (created in migration 0001, written only by ``educloud.search.backends``):

* SQLite: the FTS5 virtual table ``search_fts(title, tags, pinyin, body, keys)`` (``detail=none``)
  whose ``rowid`` is ``Document.rank_key``;
* PostgreSQL: the narrow table ``search_match(rank_key, tsv, f_…)`` (tsvector, 'simple' configuration,
  weights A title, B tags, C pinyin, D body, keys and marked title terms; a copy of the facet columns
  for facet counts), range-partitioned by ``rank_key`` into quality tiers (migration 0004), with the
  partitioned GIN index ``search_match_tsv_gin``.

``keys`` are the filter terms of a document — its source, its visibility keys (scoped by source) and
its facet values — hashed into letter-only tokens (``backends.key_token``), so that filtering is part
of the same index lookup as the text match.

``rank_key`` orders documents by quality, then recency, then write order (see
``backends.rank_key``): browsing walks it, and full-text candidates are taken in its order, so a query
can stop early instead of sorting every match.

Facets are fixed columns (``FACETS``), ``""`` when a document has no value: fast to filter and count.
Adding a facet is a column and a migration.
"""

from __future__ import annotations

from django.db import models

#: Facet name → column. The only names ``filters`` / ``facet_fields`` / ``facets`` accept.
FACETS: dict[str, str] = {
    "subject": "f_subject",
    "stage": "f_stage",
    "grade": "f_grade",
    "type": "f_type",
    "edition": "f_edition",
    "language": "f_language",
    "license": "f_license",
    "province_code": "f_province_code",
    "city_code": "f_city_code",
    "county_code": "f_county_code",
}


class Document(models.Model):
    source = models.CharField(max_length=64, help_text="who owns the object, e.g. library.resource")
    object_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="the start of the text, for snippets (not all of it)")
    url = models.CharField(max_length=500, blank=True)
    tags = models.JSONField(default=list)
    visibility = models.TextField(help_text="the keys that may see it, space-separated, e.g. ' public '")
    quality = models.FloatField(default=0.0, help_text="0–1 quality signal (ratings, curation)")
    updated_at = models.DateTimeField(help_text="recency for browsing: when the object was published/changed")
    rank_key = models.BigIntegerField(unique=True, help_text="static order: quality, recency, write sequence")
    f_subject = models.CharField(max_length=64, blank=True, default="")
    f_stage = models.CharField(max_length=64, blank=True, default="")
    f_grade = models.CharField(max_length=64, blank=True, default="")
    f_type = models.CharField(max_length=64, blank=True, default="")
    f_edition = models.CharField(max_length=64, blank=True, default="")
    f_language = models.CharField(max_length=64, blank=True, default="")
    f_license = models.CharField(max_length=64, blank=True, default="")
    f_province_code = models.CharField(max_length=64, blank=True, default="")
    f_city_code = models.CharField(max_length=64, blank=True, default="")
    f_county_code = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "object_id"], name="search_doc_source_object"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id} {self.title}"

    @property
    def visibility_keys(self) -> list[str]:
        return self.visibility.split()

    def facet_values(self) -> dict[str, str]:
        return {name: v for name, column in FACETS.items() if (v := getattr(self, column))}
