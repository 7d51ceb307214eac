"""Harvesting another node's OAI-PMH feed into linked, read-only remote resources.

``harvest_run`` is incremental, idempotent and resumable:

- *Incremental*: a complete run remembers the newest datestamp it saw
  (``HarvestSource.last_datestamp``); the next run asks ``from`` that second (inclusive, so a
  record changed in the same second is not missed).
- *Idempotent*: a record is keyed by (source, OAI identifier); one whose datestamp we already
  hold is skipped, so re-running adds and changes nothing.
- *Resumable*: each page is imported in one transaction together with the resumption token
  that follows it. If the run stops (network, crash, ``max_pages``), the next run continues from
  the saved token; if the other node no longer accepts it (``badResumptionToken``), the list is
  restarted from the saved ``from`` — safe, because importing is idempotent.

Deleted records withdraw our copy (and take it out of search). The OAI client is ``sickle``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from educloud.lib.errors import InvalidInput
from educloud.library import vocab
from educloud.library.models import HarvestSource, Resource
from educloud.library.oai import INFO, datestamp

_LABEL_TO_SUBJECT = {label: code for code, label in vocab.SUBJECTS.items()}
_LABEL_TO_TYPE = {label: code for code, label in vocab.TYPES.items()}
_URI_TO_LICENSE = {uri: code for code, uri in vocab.LICENSE_URIS.items()}


@dataclass
class HarvestReport:
    pages: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    complete: bool = False
    resumed: bool = False

    def __str__(self) -> str:
        state = "完成" if self.complete else "未完成（下次运行将从断点继续）"
        return (
            f"页数 {self.pages}，新增 {self.created}，更新 {self.updated}，撤回 {self.deleted}，"
            f"未变 {self.unchanged}；{state}"
        )


def _parse_datestamp(value: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InvalidInput(f"远程记录的日期戳格式无效：{value!r}")


def _codes(values: list[str], facet: str) -> list[str]:
    prefix = f"{INFO}{facet}/"
    return [v[len(prefix) :] for v in values if v.startswith(prefix)]


def record_fields(metadata: dict[str, list[str]]) -> dict[str, Any]:
    """Resource fields from an ``oai_dc`` record (educloud's ``info:`` codes when present)."""
    subjects = metadata.get("subject", [])
    types = metadata.get("type", [])
    rights = metadata.get("rights", [])
    coverage = metadata.get("coverage", [])

    def first(values: list[str], allowed: dict[str, str], fallback: str = "") -> str:
        return next((v for v in values if v in allowed), fallback)

    subject = first(_codes(subjects, "subject"), vocab.SUBJECTS) or first(
        [_LABEL_TO_SUBJECT.get(s, "") for s in subjects], vocab.SUBJECTS
    )
    rtype = first(_codes(types, "type"), vocab.TYPES) or first(
        [_LABEL_TO_TYPE.get(t, "") for t in types], vocab.TYPES, "document"
    )
    license_code = first(_codes(rights, "license"), vocab.LICENSES) or first(
        [_URI_TO_LICENSE.get(r, "") for r in rights], vocab.LICENSES, "cc-by"
    )
    visibility = first(_codes(rights, "visibility"), {"public": "", "circle": ""}, "public")
    tags = [s for s in subjects if not s.startswith(INFO) and s not in _LABEL_TO_SUBJECT and len(s) <= 30][
        :20
    ]
    identifiers = [i for i in metadata.get("identifier", []) if i.startswith(("http://", "https://"))]
    return {
        "title": (metadata.get("title") or ["（无标题）"])[0][:200],
        "description": "\n".join(metadata.get("description", []))[:5000],
        "subject": subject,
        "stage": first(_codes(types, "stage"), vocab.STAGES),
        "grade": first(_codes(types, "grade"), vocab.GRADES),
        "type": rtype,
        "license": license_code,
        "visibility": visibility,
        "tags": tags,
        "language": first(metadata.get("language", []), vocab.LANGUAGES, "zh"),
        "province_code": first(_codes(coverage, "province"), vocab.PROVINCES),
        "city_code": next(iter(_codes(coverage, "city")), "")[:6],
        "remote_url": identifiers[0][:500] if identifiers else "",
        "remote_publisher": (metadata.get("publisher") or [""])[0][:200],
    }


def _import_record(
    source: HarvestSource, record: Any, report: HarvestReport, changed: list[Resource]
) -> datetime:
    """Create, update or withdraw our copy of one record; ``changed`` collects rows to (re)index."""
    header = record.header
    stamp = _parse_datestamp(header.datestamp)
    existing = Resource.objects.filter(harvest_source=source, remote_identifier=header.identifier).first()
    if header.deleted:
        if existing is None or existing.status == Resource.Status.WITHDRAWN:
            report.unchanged += 1
            return stamp
        existing.status = Resource.Status.WITHDRAWN
        existing.remote_datestamp = stamp
        existing.modified_at = timezone.now()
        existing.save(update_fields=["status", "remote_datestamp", "modified_at"])
        changed.append(existing)
        report.deleted += 1
        return stamp
    if (
        existing is not None
        and existing.remote_datestamp is not None
        and existing.remote_datestamp >= stamp
        and existing.status == Resource.Status.PUBLISHED
    ):
        report.unchanged += 1
        return stamp
    fields = record_fields(record.metadata)
    now = timezone.now()
    if existing is None:
        resource = Resource(
            harvest_source=source,
            remote_identifier=header.identifier,
            status=Resource.Status.PUBLISHED,
            created_at=now,
            published_at=now,
            **fields,
        )
        report.created += 1
    else:
        resource = existing
        for name, value in fields.items():
            setattr(resource, name, value)
        resource.status = Resource.Status.PUBLISHED
        report.updated += 1
    resource.remote_datestamp = stamp
    resource.modified_at = now
    resource.save()
    changed.append(resource)
    return stamp


def _sickle(base_url: str) -> Any:
    from sickle import Sickle
    from sickle.iterator import OAIResponseIterator

    return Sickle(base_url, iterator=OAIResponseIterator, max_retries=2, timeout=60)


def harvest_run(
    *,
    base_url: str,
    set_spec: str = "",
    max_pages: int | None = None,
    client_factory: Callable[[str], Any] = _sickle,
    on_page: Callable[[int], None] | None = None,
) -> HarvestReport:
    """Harvest ``base_url`` (optionally one set) into remote resources. See the module doc."""
    from sickle import oaiexceptions
    from sickle.models import Record

    if not base_url.startswith(("http://", "https://")):
        raise InvalidInput("OAI-PMH 地址应以 http:// 或 https:// 开头", field="url")
    source, _ = HarvestSource.objects.get_or_create(base_url=base_url, set_spec=set_spec)
    report = HarvestReport()
    client = client_factory(base_url)
    if source.resumption_token:
        report.resumed = True
        params: dict[str, str] = {"resumptionToken": source.resumption_token}
    else:
        params = {"metadataPrefix": "oai_dc"}
        if set_spec:
            params["set"] = set_spec
        if source.last_datestamp:
            params["from"] = datestamp(source.last_datestamp)
        source.pending_from = source.last_datestamp
        source.pending_max_datestamp = None
    source.last_run_at = timezone.now()
    source.last_error = ""
    source.save()
    try:
        pages = client.ListRecords(**params)
    except oaiexceptions.NoRecordsMatch:
        _complete(source, None)
        report.complete = True
        return report
    except oaiexceptions.BadResumptionToken:
        # The other node forgot our place: restart this list from its 'from' (import is idempotent).
        HarvestSource.objects.filter(pk=source.pk).update(resumption_token="")
        source.last_datestamp = source.pending_from
        source.save(update_fields=["last_datestamp"])
        return harvest_run(
            base_url=base_url,
            set_spec=set_spec,
            max_pages=max_pages,
            client_factory=client_factory,
            on_page=on_page,
        )
    for response in pages:
        with transaction.atomic():
            newest = source.pending_max_datestamp
            changed: list[Resource] = []
            for element in response.xml.iterfind(f".//{client.oai_namespace}record"):
                stamp = _import_record(source, Record(element), report, changed)
                newest = stamp if newest is None or stamp > newest else newest
                source.records_seen += 1
            _reindex(changed)
            token = pages.resumption_token.token if pages.resumption_token else ""
            source.pending_max_datestamp = newest
            source.resumption_token = token or ""
            if token:
                source.save()
            else:
                _complete(source, newest)
                report.complete = True
        report.pages += 1
        if on_page is not None:
            on_page(report.pages)
        if not token or (max_pages is not None and report.pages >= max_pages):
            break
    return report


def _reindex(changed: list[Resource]) -> None:
    """One bulk index write per page for new/updated copies; deletions for withdrawn ones."""
    from educloud.library.services import SOURCE, resources_reindex
    from educloud.search import api as search_api

    resources_reindex(resources=[r for r in changed if r.status == Resource.Status.PUBLISHED])
    for r in changed:
        if r.status != Resource.Status.PUBLISHED:
            search_api.document_delete(source=SOURCE, object_id=str(r.pk))


def _complete(source: HarvestSource, newest: datetime | None) -> None:
    if newest is not None and (source.last_datestamp is None or newest > source.last_datestamp):
        source.last_datestamp = newest
    source.resumption_token = ""
    source.pending_from = None
    source.pending_max_datestamp = None
    source.last_complete_at = timezone.now()
    source.save()


def harvest_fail(*, base_url: str, set_spec: str, error: str) -> None:
    """Record why a run stopped (the saved token stays, so the next run resumes)."""
    HarvestSource.objects.filter(base_url=base_url, set_spec=set_spec).update(last_error=error[:2000])
