"""Writes to the search index: validate, analyze, hand to the backend — in a transaction.

Other apps own their objects and keep their copy in the index current by calling
``document_upsert`` (create or replace; idempotent) and ``document_delete``. ``documents_bulk_upsert``
is the fast path for seeding and the benchmark: batches of 1,000 per transaction, optionally analysing
text in worker processes.

Validation (each failure raises ``InvalidInput`` naming the field):

* ``source`` and ``object_id``: non-blank, at most 64 characters, no spaces (``object_id`` may be an int);
* ``title``: non-blank, at most 300 characters; ``body``: any length (the first 10,000 characters are
  indexed, the first 1,000 kept for snippets);
* ``tags``: at most 50 strings of at most 64 characters;
* ``facets``: names from ``models.FACETS``; values str or int (stored as str), ``None`` = no value;
* ``visibility_keys``: at least one key, each non-blank without spaces, at most 128 characters;
  ``"all"`` is reserved for searchers (the joint office) and rejected on documents;
* ``quality``: a finite number, clamped to [0, 1] (pass a 0–1 score, e.g. ``(rating − 1) / 4``);
* ``url``: empty, a path starting with ``/``, or an ``http(s)://`` address;
* ``updated_at``: an aware datetime (default: now) — the recency used when browsing.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from educloud.algos.text import AnalyzedDocument, analyze_document
from educloud.lib.errors import InvalidInput
from educloud.search.backends import IndexRow, backend
from educloud.search.models import FACETS

ALL_KEY = "all"
BODY_STORED_CHARS = 1_000
BULK_BATCH = 1_000
MAX_TAGS = 50


@dataclass(frozen=True)
class DocumentInput:
    """One document for ``documents_bulk_upsert`` (same fields as ``document_upsert``)."""

    object_id: str
    title: str
    body: str = ""
    tags: Sequence[str] = ()
    facets: Mapping[str, str | int | None] = field(default_factory=dict)
    visibility_keys: Sequence[str] = ("public",)
    quality: float = 0.0
    url: str = ""
    updated_at: datetime | None = None
    #: Terms computed beforehand (e.g. by a batch job, or the benchmark analysing once for two databases)
    #: as ``analyze_document(title=title, body=body, tags=[*tags, facets["subject"]])`` — the subject is
    #: searchable text too; ``None``: analysed here.
    analyzed: AnalyzedDocument | None = None


def _identifier(value: object, name: str, label: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(f"{label}必须是字符串", field=name)
    text = str(value).strip()
    if not text or len(text) > 64 or any(c.isspace() for c in text):
        raise InvalidInput(f"{label}不能为空、不能含空格，且不超过 64 个字符", field=name)
    return text


def check_source(source: object) -> str:
    return _identifier(source, "source", "来源（source）")


def check_facet_name(name: object, *, field_name: str) -> str:
    if name not in FACETS:
        known = "、".join(FACETS)
        raise InvalidInput(
            f"未知的筛选字段：{name}（可用：{known}）", field=str(name) if name else field_name
        )
    return str(name)


def check_facet_value(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(f"筛选字段 {name} 的值必须是字符串或整数", field=name)
    text = str(value).strip()
    if len(text) > 64:
        raise InvalidInput(f"筛选字段 {name} 的值不能超过 64 个字符", field=name)
    return text or None


def _visibility(keys: Sequence[str]) -> list[str]:
    if isinstance(keys, str) or not keys:
        raise InvalidInput(
            "至少需要一个可见范围（visibility_keys），例如 ['public']", field="visibility_keys"
        )
    checked: list[str] = []
    for key in keys:
        if not isinstance(key, str) or not key.strip() or len(key) > 128 or any(c.isspace() for c in key):
            raise InvalidInput(f"可见范围键无效：{key!r}", field="visibility_keys")
        if key == ALL_KEY:
            raise InvalidInput(
                "“all” 只用于查询方（联合办公室），不能作为文档的可见范围", field="visibility_keys"
            )
        checked.append(key)
    return list(dict.fromkeys(checked))


def _indexed_tags(tags: list[str], facets: Mapping[str, object]) -> list[str]:
    """Tags as indexed: the subject is searchable text (issue 3: "title, description, tags and subject")."""
    subject = facets.get("subject")
    return [*tags, str(subject)] if isinstance(subject, str | int) and not isinstance(subject, bool) else tags


def _row(*, source: str, doc: DocumentInput, analyzed: AnalyzedDocument | None = None) -> IndexRow:
    object_id = _identifier(doc.object_id, "object_id", "对象编号（object_id）")
    title = doc.title.strip() if isinstance(doc.title, str) else ""
    if not title:
        raise InvalidInput("标题不能为空", field="title")
    if len(title) > 300:
        raise InvalidInput("标题不能超过 300 个字符", field="title")
    body = doc.body if isinstance(doc.body, str) else ""
    if isinstance(doc.tags, str) or len(doc.tags) > MAX_TAGS:
        raise InvalidInput(f"标签必须是字符串列表，最多 {MAX_TAGS} 个", field="tags")
    tags = [t.strip() for t in doc.tags if isinstance(t, str) and t.strip()]
    if len(tags) != len(doc.tags) or any(len(t) > 64 for t in tags):
        raise InvalidInput("每个标签必须是不超过 64 个字符的非空字符串", field="tags")
    facets: dict[str, str] = {}
    for name, value in doc.facets.items():
        check_facet_name(name, field_name="facets")
        if (checked := check_facet_value(name, value)) is not None:
            facets[name] = checked
    try:
        quality = float(doc.quality)
    except (TypeError, ValueError):
        raise InvalidInput("质量分（quality）必须是数字", field="quality") from None
    if not math.isfinite(quality):
        raise InvalidInput("质量分（quality）必须是有限的数字", field="quality")
    url = doc.url or ""
    is_path = url.startswith("/") and not url.startswith("//")
    if url and not (is_path or url.startswith(("http://", "https://"))):
        raise InvalidInput("链接必须以 / 或 http(s):// 开头", field="url")
    if len(url) > 500:
        raise InvalidInput("链接不能超过 500 个字符", field="url")
    updated_at = doc.updated_at or timezone.now()
    if timezone.is_naive(updated_at):
        raise InvalidInput("updated_at 必须带时区", field="updated_at")
    return IndexRow(
        source=source,
        object_id=object_id,
        title=title,
        body=body[:BODY_STORED_CHARS],
        url=url,
        tags=tags,
        visibility=_visibility(doc.visibility_keys),
        quality=min(1.0, max(0.0, quality)),
        updated_at=updated_at,
        facets=facets,
        analyzed=analyzed
        or doc.analyzed
        or analyze_document(title=title, body=body, tags=_indexed_tags(tags, facets)),
    )


def document_upsert(
    *,
    source: str,
    object_id: str,
    title: str,
    body: str = "",
    tags: Sequence[str] = (),
    facets: Mapping[str, str | int | None] = {},  # read only
    visibility_keys: Sequence[str] = ("public",),
    quality: float = 0.0,
    url: str = "",
    updated_at: datetime | None = None,
) -> None:
    """Index one object, replacing what was indexed for the same ``(source, object_id)``."""
    doc = DocumentInput(
        object_id=object_id,
        title=title,
        body=body,
        tags=tags,
        facets=facets,
        visibility_keys=visibility_keys,
        quality=quality,
        url=url,
        updated_at=updated_at,
    )
    row = _row(source=check_source(source), doc=doc)
    with transaction.atomic():
        backend().write([row])


def document_delete(*, source: str, object_id: str) -> None:
    """Remove an object from the index (nothing happens if it was not indexed)."""
    oid = _identifier(object_id, "object_id", "对象编号（object_id）")
    with transaction.atomic():
        backend().delete(source=check_source(source), object_ids=[oid])


def _as_input(doc: DocumentInput | Mapping[str, Any]) -> DocumentInput:
    if isinstance(doc, DocumentInput):
        return doc
    try:
        return DocumentInput(**doc)
    except TypeError as exc:
        raise InvalidInput(f"文档字段有误：{exc}", field="docs") from None


def _analyze_batch(batch: list[tuple[str, str, list[str]]]) -> list[AnalyzedDocument]:
    return [analyze_document(title=t, body=b, tags=g) for t, b, g in batch]


def _batches(docs: Iterable[DocumentInput | Mapping[str, Any]]) -> Iterator[list[DocumentInput]]:
    iterator = iter(docs)
    while batch := [_as_input(d) for d in islice(iterator, BULK_BATCH)]:
        yield batch


def documents_bulk_upsert(
    *, source: str, docs: Iterable[DocumentInput | Mapping[str, Any]], workers: int = 1
) -> int:
    """Index many objects (``DocumentInput`` or dicts of its fields); returns how many were written.

    Each batch of 1,000 is one transaction, so an error in batch k leaves batches before k indexed.
    ``workers`` > 1 analyses text (the slow part: word segmentation) in that many forked processes
    while this one writes; only for command-line use (seeding, benchmarks), not inside a web request.
    """
    source = check_source(source)
    store = backend()
    written = 0

    def write(batch: list[DocumentInput], analyzed: list[AnalyzedDocument] | None) -> None:
        nonlocal written
        rows = [
            _row(source=source, doc=d, analyzed=a)
            for d, a in zip(batch, analyzed or [None] * len(batch), strict=True)
        ]
        with transaction.atomic():
            store.write(rows)
        written += len(rows)

    if workers <= 1:
        for batch in _batches(docs):
            write(batch, None)
        return written

    def texts(batch: list[DocumentInput]) -> list[tuple[str, str, list[str]]]:
        return [
            (
                d.title.strip() if isinstance(d.title, str) else "",
                d.body if isinstance(d.body, str) else "",
                _indexed_tags([t.strip() for t in d.tags if isinstance(t, str) and t.strip()], d.facets),
            )
            for d in batch
        ]

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: list[tuple[list[DocumentInput], Any]] = []
        for batch in _batches(docs):
            pending.append((batch, pool.apply_async(_analyze_batch, (texts(batch),))))
            if len(pending) > 2 * workers:
                done, result = pending.pop(0)
                write(done, result.get())
        for done, result in pending:
            write(done, result.get())
    return written


def index_optimize() -> None:
    """After a large load: merge the FTS5 segments (SQLite) and refresh planner statistics (both).
    Searching works without it; it makes queries faster. ``educloud search_optimize`` runs it.
    Outside a transaction (autocommit) PostgreSQL also gets a ``VACUUM``."""
    backend().optimize()
