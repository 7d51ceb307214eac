"""The three document resources (Communication 2.3 State, 2.6 Agent Profile, 2.7 Activity Profile):
reads and writes, with ETag concurrency and JSON merge on POST.

A document is addressed by its natural key (:class:`DocumentAddress`); the columns holding it are
hashed into fixed-size unique keys (``models.key_hash``). Writes lock the row (``SELECT ... FOR
UPDATE`` on PostgreSQL, the database-wide write lock on SQLite) before checking ``If-Match`` /
``If-None-Match`` so two writers cannot both pass a precondition. The Activity and Agent Profile
resources refuse an unconditional PUT over an existing document (409); the State resource allows it.

Scope: State and Agent Profile documents are about an Agent, so they follow the Statements' read
rule (``selectors.readable_q``); Activity Profiles describe an Activity and are shared by all clients.
A document a client may not read is invisible to it (404 on GET) and may not be overwritten (403).
Writes (PUT, POST, DELETE) about an agent that is a platform learner outside the client's scope, or
an unknown platform account, are refused (403) like Statements about them (ADR 0007, amendment
2026-12-04); agents outside the platform's account namespace are not restricted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from educloud.lrs.errors import Conflict, Forbidden, PreconditionFailed
from educloud.lrs.identity import LearnerInfo, Place, client_place, platform_account_name
from educloud.lrs.models import ActivityProfile, AgentProfile, Client, State, key_hash
from educloud.lrs.selectors import readable_q
from educloud.lrs.services import activity_key, agent_key, write_scope_check
from educloud.lrs.xapi import (
    CONFLICT_MESSAGE,
    DocumentError,
    agent_ifi,
    apply_post,
    compute_etag,
    evaluate_preconditions,
)

STATE, ACTIVITY_PROFILE, AGENT_PROFILE = "state", "activity_profile", "agent_profile"
_MODELS: dict[str, type[models.Model]] = {
    STATE: State,
    ACTIVITY_PROFILE: ActivityProfile,
    AGENT_PROFILE: AgentProfile,
}


@dataclass(frozen=True)
class DocumentAddress:
    """Where a document lives. ``document_id`` is the stateId / profileId (None: the collection)."""

    resource: str
    activity_id: str | None = None
    agent: Mapping[str, Any] | None = None
    registration: str | None = None
    document_id: str | None = None

    def collection_filter(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.activity_id is not None:
            fields["activity_key"] = activity_key(self.activity_id)
        if self.agent is not None:
            fields["agent_key"] = agent_key(agent_ifi(self.agent))
        if self.resource == STATE and self.registration is not None:
            fields["registration"] = self.registration.lower()
        return fields

    def document_filter(self) -> dict[str, Any]:
        fields = self.collection_filter()
        assert self.document_id is not None
        if self.resource == STATE:
            fields.setdefault("registration", "")
            fields["state_key"] = key_hash("state", self.document_id)
        else:
            fields["profile_key"] = key_hash("profile", self.document_id)
        return fields

    def new_row_fields(self) -> dict[str, Any]:
        fields = self.document_filter()
        assert self.document_id is not None
        if self.activity_id is not None:
            fields["activity_id"] = self.activity_id
        if self.agent is not None:
            fields["agent"] = json.dumps(self.agent, ensure_ascii=False, separators=(",", ":"))
        if self.resource == STATE:
            fields["state_id"] = self.document_id
        else:
            fields["profile_id"] = self.document_id
        return fields


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    content_type: str
    etag: str
    updated: datetime


def _model(address: DocumentAddress) -> Any:
    return _MODELS[address.resource]


def _is_placed(address: DocumentAddress) -> bool:
    return address.resource in (STATE, AGENT_PROFILE)


def _visible(client: Client, address: DocumentAddress) -> Any:
    qs = _model(address).objects.all()
    return qs.filter(readable_q(client)) if _is_placed(address) else qs


def document_get(*, client: Client, address: DocumentAddress) -> StoredDocument | None:
    row = _visible(client, address).filter(**address.document_filter()).first()
    if row is None:
        return None
    return StoredDocument(bytes(row.content), row.content_type, row.etag, row.updated)


def document_ids(
    *, client: Client, address: DocumentAddress, since: datetime | None
) -> tuple[list[str], datetime | None]:
    """Ids of the documents in a collection (updated after ``since``) and the latest update time."""
    qs = _visible(client, address).filter(**address.collection_filter())
    if since is not None:
        qs = qs.filter(updated__gt=since)
    field = "state_id" if address.resource == STATE else "profile_id"
    rows = list(qs.order_by(field).values_list(field, "updated"))
    latest = max((updated for _, updated in rows), default=None)
    return [document_id for document_id, _ in rows], latest


def _write_scope(client: Client, address: DocumentAddress) -> LearnerInfo | None:
    """The platform learner a State / Agent Profile document is about, if any; ``Forbidden`` (403)
    if that learner is outside a (not circle-wide) client's scope or unknown."""
    if not _is_placed(address) or address.agent is None:
        return None
    name = platform_account_name(address.agent)
    if name is None:
        return None
    return write_scope_check(client, [("agent", name)]).get(name)


def _place(client: Client, learner: LearnerInfo | None) -> Place:
    if learner is not None and learner.place != Place():
        return learner.place
    return client_place(client)


def document_write(
    *,
    client: Client,
    address: DocumentAddress,
    method: str,
    content: bytes,
    content_type: str | None,
    if_match: str | None,
    if_none_match: str | None,
) -> str:
    """PUT (replace) or POST (JSON merge) a document; return its new ETag.

    Raises ``PreconditionFailed`` (412), ``Conflict`` (409), ``Forbidden`` (403) or
    ``DocumentError`` (400, e.g. merging non-JSON).
    """
    model = _model(address)
    learner = _write_scope(client, address)
    for attempt in range(2):
        try:
            with transaction.atomic():
                row = model.objects.select_for_update().filter(**address.document_filter()).first()
                if (
                    row is not None
                    and _is_placed(address)
                    and not _visible(client, address).filter(pk=row.pk).exists()
                ):
                    raise Forbidden("this document belongs to a record outside this client's scope")
                status = evaluate_preconditions(
                    method=method,
                    current_etag=row.etag if row is not None else None,
                    if_match=if_match,
                    if_none_match=if_none_match,
                    require_precondition=address.resource != STATE,
                )
                if status == 409:
                    raise Conflict(CONFLICT_MESSAGE)
                if status in (412, 304):
                    raise PreconditionFailed(
                        "the document's current ETag does not satisfy If-Match/If-None-Match"
                    )
                if method == "POST":
                    data, stored_type = apply_post(
                        existing=bytes(row.content) if row is not None else None,
                        existing_content_type=row.content_type if row is not None else None,
                        posted=content,
                        posted_content_type=content_type,
                    )
                else:
                    data, stored_type = content, content_type
                etag = compute_etag(data)
                now = timezone.now()
                values = {
                    "content": data,
                    "content_type": stored_type or "application/octet-stream",
                    "etag": etag,
                    "updated": now,
                }
                if row is None:
                    extra: dict[str, Any] = {}
                    if _is_placed(address):
                        extra = _place(client, learner).as_fields()
                    model.objects.create(client=client, **address.new_row_fields(), **values, **extra)
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.save(update_fields=list(values))
                return etag
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def document_delete(
    *, client: Client, address: DocumentAddress, if_match: str | None, if_none_match: str | None
) -> None:
    """DELETE one document (or, for State without stateId, all matching documents)."""
    _write_scope(client, address)
    with transaction.atomic():
        if address.document_id is None:
            _visible(client, address).filter(**address.collection_filter()).delete()
            return
        row = _visible(client, address).select_for_update().filter(**address.document_filter()).first()
        status = evaluate_preconditions(
            method="DELETE",
            current_etag=row.etag if row is not None else None,
            if_match=if_match,
            if_none_match=if_none_match,
        )
        if status != 204:
            raise PreconditionFailed("the document's current ETag does not satisfy If-Match/If-None-Match")
        if row is not None:
            row.delete()


__all__ = [
    "ACTIVITY_PROFILE",
    "AGENT_PROFILE",
    "STATE",
    "DocumentAddress",
    "DocumentError",
    "StoredDocument",
    "document_delete",
    "document_get",
    "document_ids",
    "document_write",
]
