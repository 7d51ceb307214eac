"""Writes of the LRS: clients, Statements (one path for external clients and the platform's own
events), and the three document resources.

The Statement write path (:func:`statements_store`) is built for batches: the core validates and
prepares every Statement in Python, then one transaction reads what it must (existing ids, voiding
targets, learners, activity definitions) with one query each, and writes Statements, key rows,
attachments and activity definitions with one bulk insert each. A batch is stored all-or-nothing.

Rules enforced here (xAPI 1.0.3):
* re-sending an existing id: nothing happens if the Statement is equivalent (Data 2.3.1.s9), else
  409 Conflict (Communication 2.1.1/2.1.2) and nothing of the batch is stored;
* voiding (Data 2.3.2): a voiding Statement may not target another voiding Statement (400); a
  client may void only Statements it stored itself unless it is circle-wide (403); a target not
  yet stored is voided when it arrives; voided Statements stay stored and readable by
  ``voidedStatementId``;
* StatementRef filter rule (Communication 2.1.3): a Statement targeting another inherits the
  target's filter keys, recursively, whichever of the two is stored first;
* ``stored``, ``timestamp``, ``authority``, ``version``, ``id`` are filled by ``prepare_statement``;
* write scope (ADR 0007, amendment 2026-12-04): a client that is not circle-wide may store
  Statements only about platform learners (actor, Agent/Group object, instructor, team, Group
  members, inside SubStatements too) whose school lies inside its scope; any other platform
  account, unknown ones included, makes the whole batch a 403. Agents outside the platform's
  account namespace (mbox, openid, other systems' accounts) are the client's own business.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from educloud.accounts.api import User
from educloud.lib.errors import InvalidInput, NotFound
from educloud.lrs import bulk
from educloud.lrs.errors import Conflict, Forbidden
from educloud.lrs.identity import (
    LearnerInfo,
    Place,
    accounts_home_page,
    client_authority,
    client_place,
    client_scope,
    client_scope_label,
    learner_accounts_in,
    learner_agent,
    learners_by_account,
    place_covered,
    platform_account_name,
)
from educloud.lrs.models import Attachment, Client, Statement, StatementKey, key_hash
from educloud.lrs.xapi import (
    VOIDED_VERB,
    AttachmentPart,
    StatementRequest,
    XAPIValidationError,
    format_timestamp,
    index_statement,
    parse_timestamp,
    prepare_statement,
    statements_equivalent,
    validate_statements,
)
from educloud.regions.api import City, County, Province
from educloud.schools.api import School

Kind = StatementKey.Kind
INTERNAL_CLIENT_KEY = "educloud-internal"
_STORE_ATTEMPTS = 5

# --------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class NewClient:
    client: Client
    secret: str


def client_create(
    *,
    name: str,
    school_code: str | None = None,
    county_code: str | None = None,
    city_code: str | None = None,
    province_code: str | None = None,
    circle: bool = False,
) -> NewClient:
    """Create a client scoped to exactly one of: a school, a county, a city, a province, the circle.

    Returns the client and its secret (shown once; only a hash is stored).
    """
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("客户端名称应为 1 到 100 个字", field="name")
    given = {
        k: v
        for k, v in {
            "school": school_code,
            "county": county_code,
            "city": city_code,
            "province": province_code,
        }.items()
        if v
    }
    if len(given) + int(circle) != 1:
        raise InvalidInput("请指定且只指定一个范围：学校、区县、市、省或全域", field="scope")
    fields: dict[str, Any] = {}
    if circle:
        kind = Client.ScopeKind.CIRCLE
    else:
        ((kind_name, code),) = given.items()
        kind = Client.ScopeKind(kind_name)
        model: Any = {"school": School, "county": County, "city": City, "province": Province}[kind_name]
        lookup = {"code": code}
        target = model.objects.filter(**lookup).first()
        if target is None:
            raise NotFound(f"找不到代码为 {code} 的{kind.label}", field=kind_name)
        fields[kind_name] = target
    secret = secrets.token_urlsafe(32)
    client = Client.objects.create(
        name=name, key=secrets.token_hex(10), secret_hash=make_password(secret), scope_kind=kind, **fields
    )
    return NewClient(client=client, secret=secret)


def client_deactivate(*, key: str) -> Client:
    client = Client.objects.filter(key=key).first()
    if client is None:
        raise NotFound(f"找不到客户端 {key}", field="key")
    client.is_active = False
    client.save(update_fields=["is_active"])
    return client


def internal_client() -> Client:
    """The platform's own client (circle-wide, no usable secret): authority of our own events."""
    client = Client.objects.filter(key=INTERNAL_CLIENT_KEY).first()
    if client is None:
        client, _ = Client.objects.get_or_create(
            key=INTERNAL_CLIENT_KEY,
            defaults={
                "name": "成渝智慧教育云",
                "secret_hash": make_password(None),
                "scope_kind": Client.ScopeKind.CIRCLE,
                "is_internal": True,
            },
        )
    return client


# --------------------------------------------------------------------------- filter keys


@dataclass
class KeySet:
    """Filter keys of one Statement, as full sets (RELATED_* include AGENT/ACTIVITY)."""

    sets: dict[int, set[uuid.UUID]] = field(default_factory=lambda: defaultdict(set))

    def update(self, other: KeySet) -> bool:
        changed = False
        for kind, values in other.sets.items():
            before = len(self.sets[kind])
            self.sets[kind] |= values
            changed = changed or len(self.sets[kind]) != before
        return changed

    def rows(self) -> Iterable[tuple[int, uuid.UUID]]:
        agents, activities = self.sets[Kind.AGENT], self.sets[Kind.ACTIVITY]
        for kind in (Kind.VERB, Kind.REGISTRATION, Kind.AGENT, Kind.ACTIVITY):
            for value in self.sets[kind]:
                yield kind, value
        for value in self.sets[Kind.RELATED_AGENT] - agents:
            yield Kind.RELATED_AGENT, value
        for value in self.sets[Kind.RELATED_ACTIVITY] - activities:
            yield Kind.RELATED_ACTIVITY, value

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, uuid.UUID]]) -> KeySet:
        keys = cls()
        for kind, value in rows:
            keys.sets[kind].add(value)
            if kind == Kind.AGENT:
                keys.sets[Kind.RELATED_AGENT].add(value)
            elif kind == Kind.ACTIVITY:
                keys.sets[Kind.RELATED_ACTIVITY].add(value)
        return keys


def agent_key(ifi: str) -> uuid.UUID:
    return key_hash("agent", ifi)


def activity_key(activity_id: str) -> uuid.UUID:
    return key_hash("activity", activity_id)


def verb_key(verb_id: str) -> uuid.UUID:
    return key_hash("verb", verb_id)


def registration_key(registration: str) -> uuid.UUID:
    return key_hash("registration", registration.lower())


def _own_keys(index: Any) -> KeySet:
    keys = KeySet()
    keys.sets[Kind.VERB].add(verb_key(index.verb_id))
    if index.registration:
        keys.sets[Kind.REGISTRATION].add(registration_key(index.registration))
    agents = {agent_key(k) for k in index.actor_keys | index.object_agent_keys}
    keys.sets[Kind.AGENT] |= agents
    keys.sets[Kind.RELATED_AGENT] |= agents | {agent_key(k) for k in index.related_agent_keys}
    if index.object_activity_id:
        keys.sets[Kind.ACTIVITY].add(activity_key(index.object_activity_id))
    keys.sets[Kind.RELATED_ACTIVITY] |= keys.sets[Kind.ACTIVITY] | {
        activity_key(a) for a in index.related_activity_ids
    }
    return keys


_VERB, _REGISTRATION, _AGENT = int(Kind.VERB), int(Kind.REGISTRATION), int(Kind.AGENT)
_RELATED_AGENT, _ACTIVITY = int(Kind.RELATED_AGENT), int(Kind.ACTIVITY)
_RELATED_ACTIVITY = int(Kind.RELATED_ACTIVITY)


def _own_rows(index: Any) -> list[tuple[int, uuid.UUID]]:
    """``_own_keys(index).rows()`` without the intermediate sets: the key rows of a Statement that
    inherits nothing (no StatementRef), i.e. nearly every Statement of a batch."""
    rows = [(_VERB, verb_key(index.verb_id))]
    if index.registration:
        rows.append((_REGISTRATION, registration_key(index.registration)))
    agents = {agent_key(k) for k in index.actor_keys | index.object_agent_keys}
    rows.extend((_AGENT, k) for k in agents)
    activities: set[uuid.UUID] = set()
    if index.object_activity_id:
        activity = activity_key(index.object_activity_id)
        activities.add(activity)
        rows.append((_ACTIVITY, activity))
    rows.extend((_RELATED_AGENT, k) for k in {agent_key(a) for a in index.related_agent_keys} - agents)
    rows.extend(
        (_RELATED_ACTIVITY, k) for k in {activity_key(a) for a in index.related_activity_ids} - activities
    )
    return rows


def _stored_keys(statement_seqs: Iterable[int]) -> dict[int, KeySet]:
    grouped: dict[int, list[tuple[int, uuid.UUID]]] = defaultdict(list)
    for seq, kind, value in StatementKey.objects.filter(statement_id__in=list(statement_seqs)).values_list(
        "statement_id", "kind", "key"
    ):
        grouped[seq].append((kind, value))
    return {seq: KeySet.from_rows(rows) for seq, rows in grouped.items()}


# --------------------------------------------------------------------------- activity definitions


def _merge_definition(old: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key in ("name", "description") and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        elif key == "extensions" and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _activities_with_definitions(statement: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    def from_body(body: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        obj = body.get("object") or {}
        if obj.get("objectType", "Activity") == "Activity":
            yield obj
        elif obj.get("objectType") == "SubStatement":
            yield from from_body(obj)
        for items in ((body.get("context") or {}).get("contextActivities") or {}).values():
            yield from items if isinstance(items, list) else [items]

    for activity in from_body(statement):
        if isinstance(activity.get("definition"), dict) and activity["definition"]:
            yield activity


# Definitions this process has merged into the canonical ones and seen committed, with expiry:
# the same item sends the same definition with every answer, so most batches need no Activity query.
_APPLIED_SECONDS = 300.0
_APPLIED_LIMIT = 50_000
_applied: dict[tuple[uuid.UUID, str], float] = {}


def _store_activity_definitions(statements: Sequence[Mapping[str, Any]]) -> None:
    """Merge the definitions sent with these Statements into the canonical ones (best effort,
    Data 2.4.4.1: the LRS may keep its canonical version; here later definitions win per property)."""
    pending: dict[uuid.UUID, tuple[str, dict[str, Any]]] = {}
    for statement in statements:
        for activity in _activities_with_definitions(statement):
            key = activity_key(activity["id"])
            _, current = pending.get(key, (activity["id"], {}))
            pending[key] = (activity["id"], _merge_definition(current, activity["definition"]))
    now = time.monotonic()
    fingerprints = {key: (key, _fingerprint(definition)) for key, (_, definition) in pending.items()}
    pending = {key: value for key, value in pending.items() if _applied.get(fingerprints[key], 0.0) <= now}
    if not pending:
        return

    def remember() -> None:
        if len(_applied) > _APPLIED_LIMIT:
            _applied.clear()
        expiry = time.monotonic() + _APPLIED_SECONDS
        for key in pending:
            _applied[fingerprints[key]] = expiry

    transaction.on_commit(remember)
    existing = bulk.activity_definitions(list(pending))
    to_create, to_update = [], []
    # Sorted: concurrent batches then lock the same rows in the same order (no deadlocks).
    for key, (activity_id, definition) in sorted(pending.items()):
        stored = existing.get(key)
        if stored is None:
            to_create.append((key, activity_id, _dumps(definition)))
            continue
        text = _dumps(_merge_definition(json.loads(stored), definition))
        if text != stored:
            to_update.append((key, text))
    bulk.activities_write(to_create, to_update, timezone.now())


# --------------------------------------------------------------------------- statements


def _dumps(value: Any) -> str:
    """Compact JSON text with non-ASCII kept. orjson (the payload of every stored Statement is
    encoded here: ~3x faster than json); json for what orjson refuses (integers beyond 64 bits,
    lone surrogates), which JSON parsing can produce."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fingerprint(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def may_void(voiding_client: Client, target_client_id: int) -> bool:
    """A client may void Statements it stored; circle-wide clients (and the platform) any."""
    return voiding_client.pk == target_client_id or voiding_client.scope_kind == Client.ScopeKind.CIRCLE


@dataclass(frozen=True)
class _Existing:
    seq: int
    payload: str
    client_id: int
    is_voiding: bool


def _parse_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def statements_store(
    *,
    client: Client,
    statements: Sequence[Mapping[str, Any]],
    attachments: Mapping[str, AttachmentPart] | None = None,
    stored_at: datetime | None = None,
) -> list[str]:
    """Store validated Statements for ``client``, all or nothing; return their ids in order.

    ``statements`` come from ``parse_statement_request`` / ``validate_statements`` (already valid).
    Raises ``Conflict`` (409), ``Forbidden`` (403) or ``XAPIValidationError`` (400).
    """
    stored_at = stored_at or timezone.now()
    learners = _learners_for_write(client, statements)
    for attempt in range(_STORE_ATTEMPTS):
        try:
            return _statements_store(client, statements, attachments or {}, stored_at, learners)
        except IntegrityError:
            # A concurrent request committed one of these ids after our existence check (on
            # PostgreSQL our insert waited for it on the unique index). The batch was rolled back
            # whole; the retry sees that Statement and answers by the comparison rules (same: no-op,
            # different: 409). Each failure means another id of the batch got stored meanwhile, so
            # a few attempts suffice; beyond that it is not a race but a real error.
            if attempt == _STORE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def write_scope_check(client: Client, mentions: Iterable[tuple[str, str]]) -> dict[str, LearnerInfo]:
    """Resolve the platform learners named at ``(json path, account name)``; for a client that is
    not circle-wide raise ``Forbidden`` (403, naming the path) for the first one outside its scope
    or unknown to the platform. Returns the resolved learners by account name."""
    mentions = list(mentions)
    learners = learners_by_account({name for _, name in mentions})
    scope = client_scope(client)
    if scope.everything:
        return learners
    for path, name in mentions:
        learner = learners.get(name)
        if learner is None or not place_covered(scope, learner.place):
            # One answer for "outside the scope" and "no such learner": no oracle on who exists where.
            raise Forbidden(
                f"{path}: the platform learner account {name!r} is outside this client's scope "
                f"({client_scope_label(client)}) or unknown; a client may write only about learners "
                "of schools in its scope",
                path=path,
            )
    return learners


def _learners_for_write(client: Client, statements: Sequence[Mapping[str, Any]]) -> dict[str, LearnerInfo]:
    batch = len(statements) > 1
    return write_scope_check(
        client,
        (
            mention
            for position, statement in enumerate(statements)
            for mention in learner_accounts_in(statement, f"[{position}]" if batch else "")
        ),
    )


def _statements_store(
    client: Client,
    statements: Sequence[Mapping[str, Any]],
    attachments: Mapping[str, AttachmentPart],
    stored_at: datetime,
    learners: Mapping[str, LearnerInfo],
) -> list[str]:
    authority = client_authority(client)
    stored_text = format_timestamp(stored_at)  # once per batch, not per Statement
    prepared = [prepare_statement(s, authority=authority, stored_at=stored_text) for s in statements]
    ids = [_parse_uuid(p["id"]) for p in prepared]
    indexes = [index_statement(p) for p in prepared]
    batch_position = {sid: position for position, sid in enumerate(ids)}
    with transaction.atomic():
        existing = {row[0]: _Existing(*row[1:]) for row in bulk.existing_statements(ids)}
        new_positions: list[int] = []
        for position, sid in enumerate(ids):
            found = existing.get(sid)
            if found is None:
                new_positions.append(position)
            elif not statements_equivalent(statements[position], json.loads(found.payload)):
                where = f"[{position}].id" if len(ids) > 1 else "id"
                raise Conflict(
                    f"{where}: a different Statement with id {sid} is already stored "
                    "(Statements are immutable)"
                )
        if not new_positions:
            return [p["id"] for p in prepared]
        _check_voiding(
            client,
            [(position, indexes[position]) for position in new_positions],
            ids,
            indexes,
            batch_position,
            existing,
        )
        new_ids = [ids[position] for position in new_positions]
        earlier_referrers = bulk.referrers(new_ids)  # Statements stored before their targets arrive
        voided_on_arrival = {
            target
            for _, target, is_voiding, voiding_client, scope_kind in earlier_referrers
            if is_voiding and (voiding_client == client.pk or scope_kind == Client.ScopeKind.CIRCLE)
        }
        own_place = client_place(client).as_fields()
        home = accounts_home_page()
        timestamps: dict[str, datetime] = {}  # clients often send one timestamp for many Statements
        rows = []
        for position in new_positions:
            statement, index = prepared[position], indexes[position]
            learner = _actor_learner(statement, learners, home)
            place = (
                learner.place.as_fields() if learner is not None and learner.place != Place() else own_place
            )
            actor = statement.get("actor") or {}
            rows.append(
                {
                    "statement_id": ids[position],
                    "stored": stored_at,
                    "timestamp": _timestamp(statement["timestamp"], stored_at, timestamps),
                    "payload": _dumps(statement),
                    "verb_id": index.verb_id,
                    "registration": _parse_uuid(index.registration) if index.registration else None,
                    "actor_key": "" if "member" in actor or not index.actor_keys else min(index.actor_keys),
                    "object_activity_id": index.object_activity_id or "",
                    "object_agent_key": min(index.object_agent_keys) if index.object_agent_keys else "",
                    "ref_target": _parse_uuid(index.statement_ref) if index.statement_ref else None,
                    "is_voiding": index.voids is not None,
                    "voided": index.voids is None and ids[position] in voided_on_arrival,
                    "client_id": client.pk,
                    "learner_id": learner.learner_id if learner is not None else None,
                    **place,
                }
            )
        seqs = bulk.insert_statements(rows)
        seq_by_id = {ids[position]: seq for position, seq in zip(new_positions, seqs, strict=True)}
        keysets = _batch_keysets(new_positions, ids, indexes, batch_position, seq_by_id, existing)
        bulk.insert_keys(
            [
                (seq_by_id[ids[position]], kind, value)
                for position in new_positions
                for kind, value in keysets[position]
            ]
        )
        if earlier_referrers:
            _propagate_keys_to_referrers([(seq, target) for seq, target, *_ in earlier_referrers], seq_by_id)
        void_targets = [_parse_uuid(indexes[p].voids) for p in new_positions if indexes[p].voids]
        if void_targets:
            Statement.objects.filter(statement_id__in=void_targets, is_voiding=False).update(voided=True)
        _store_attachments(attachments)
        _store_activity_definitions([prepared[p] for p in new_positions])
    return [p["id"] for p in prepared]


def _timestamp(text: str, default: datetime, cache: dict[str, datetime]) -> datetime:
    found = cache.get(text)
    if found is None:
        try:
            found = parse_timestamp(text)
        except ValueError:
            found = default
        cache[text] = found
    return found


def _actor_learner(
    statement: Mapping[str, Any], learners: Mapping[str, LearnerInfo], home: str
) -> LearnerInfo | None:
    name = platform_account_name(statement.get("actor"), home)
    return learners.get(name) if name is not None else None


def _check_voiding(
    client: Client,
    candidates: Sequence[tuple[int, Any]],
    ids: Sequence[uuid.UUID],
    indexes: Sequence[Any],
    batch_position: Mapping[uuid.UUID, int],
    existing: Mapping[uuid.UUID, _Existing],
) -> None:
    targets = {
        position: _parse_uuid(index.voids) for position, index in candidates if index.voids is not None
    }
    if not targets:
        return
    stored = {
        row[0]: row[1:]
        for row in Statement.objects.filter(statement_id__in=list(targets.values())).values_list(
            "statement_id", "is_voiding", "client_id"
        )
    }
    for position, target in targets.items():
        where = f"[{position}].object.id" if len(ids) > 1 else "object.id"
        if target in batch_position:
            if indexes[batch_position[target]].voids is not None:
                raise XAPIValidationError(
                    where, "a voiding Statement cannot target another voiding Statement"
                )
            continue
        if target in stored:
            is_voiding, target_client = stored[target]
            if is_voiding:
                raise XAPIValidationError(
                    where, "a voiding Statement cannot target another voiding Statement"
                )
            if not may_void(client, target_client):
                raise Forbidden(f"{where}: this client may void only Statements it stored itself")


def _batch_keysets(
    new_positions: Sequence[int],
    ids: Sequence[uuid.UUID],
    indexes: Sequence[Any],
    batch_position: Mapping[uuid.UUID, int],
    seq_by_id: Mapping[uuid.UUID, int],
    existing: Mapping[uuid.UUID, _Existing],
) -> dict[int, list[tuple[int, uuid.UUID]]]:
    """Key rows: own keys plus those inherited through StatementRef targets (in the batch or stored)."""
    refs = {p: _parse_uuid(indexes[p].statement_ref) for p in new_positions if indexes[p].statement_ref}
    if not refs:
        return {position: _own_rows(indexes[position]) for position in new_positions}
    own = {position: _own_keys(indexes[position]) for position in range(len(ids))}
    outside = {t for t in refs.values() if t not in batch_position or t in existing}
    stored_seq = dict(
        Statement.objects.filter(statement_id__in=list(outside)).values_list("statement_id", "id")
    )
    stored_keys = _stored_keys(stored_seq.values())
    resolved: dict[int, KeySet] = {}

    def resolve(position: int, trail: frozenset[int]) -> KeySet:
        if position in resolved:
            return resolved[position]
        keys = KeySet()
        keys.update(own[position])
        target = refs.get(position)
        if target is not None:
            if target in batch_position and batch_position[target] not in trail and target not in existing:
                keys.update(resolve(batch_position[target], trail | {position}))
            elif target in stored_seq:
                keys.update(stored_keys.get(stored_seq[target], KeySet()))
        resolved[position] = keys
        return keys

    return {position: list(resolve(position, frozenset()).rows()) for position in new_positions}


def _propagate_keys_to_referrers(
    referrers: Sequence[tuple[int, uuid.UUID]], seq_by_id: Mapping[uuid.UUID, int]
) -> None:
    """Statements stored earlier that target ones just stored inherit their keys, recursively
    (rare: a StatementRef sent before its target)."""
    frontier = dict(seq_by_id)  # statement_id -> seq whose keys may have grown
    seen: set[int] = set(seq_by_id.values())
    pending = list(referrers)
    while pending:
        sources = _stored_keys(frontier[target] for _, target in pending)
        current = _stored_keys(seq for seq, _ in pending)
        next_frontier: dict[uuid.UUID, int] = {}
        for seq, target in pending:
            seen.add(seq)
            keys = current.get(seq, KeySet())
            if keys.update(sources.get(frontier[target], KeySet())):
                StatementKey.objects.filter(statement_id=seq).delete()
                bulk.insert_keys([(seq, kind, value) for kind, value in keys.rows()])
                statement_id = Statement.objects.filter(id=seq).values_list("statement_id", flat=True).get()
                next_frontier[statement_id] = seq
        frontier = next_frontier
        pending = [(seq, target) for seq, target, *_ in bulk.referrers(list(frontier)) if seq not in seen]


def _store_attachments(attachments: Mapping[str, AttachmentPart]) -> None:
    if not attachments:
        return
    Attachment.objects.bulk_create(
        [
            Attachment(
                sha2=sha2.lower(),
                content=part.data,
                content_type=part.content_type or "application/octet-stream",
                length=len(part.data),
            )
            for sha2, part in attachments.items()
        ],
        ignore_conflicts=True,
    )


def statement_put(*, client: Client, request: StatementRequest, statement_id: str) -> None:
    """PUT Statements?statementId=...: exactly one Statement whose id (if any) matches the parameter."""
    if request.is_batch or len(request.statements) != 1:
        raise XAPIValidationError("", "PUT takes exactly one Statement object, not an array")
    statement = dict(request.statements[0])
    if "id" in statement and statement["id"].lower() != statement_id.lower():
        raise XAPIValidationError("id", "does not match the statementId parameter")
    statement["id"] = statement.get("id", statement_id)
    statements_store(client=client, statements=[statement], attachments=request.attachments)


# --------------------------------------------------------------------------- our own events


def statement_record_internal(
    *,
    actor_user: User,
    verb: str | Mapping[str, Any],
    object_id: str,
    object_name: str | Mapping[str, str] | None,
    result: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    object_type: str | None = None,
) -> str:
    """Write one of the platform's own learning events as an xAPI Statement; return its id.

    ``actor_user`` becomes a pseudonymous account Agent (never a name or email). ``verb`` is an
    IRI or a full Verb object; ``object_name`` a string (stored as ``zh-CN``) or a language map.
    The Statement goes through the same validation and storage as any client's, with the
    platform's internal client as authority. Raises ``InvalidInput`` for an invalid Statement.
    """
    verb_object = {"id": verb} if isinstance(verb, str) else dict(verb)
    activity: dict[str, Any] = {"objectType": "Activity", "id": object_id}
    definition: dict[str, Any] = {}
    if object_name:
        definition["name"] = {"zh-CN": object_name} if isinstance(object_name, str) else dict(object_name)
    if object_type:
        definition["type"] = object_type
    if definition:
        activity["definition"] = definition
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": learner_agent(actor_user),
        "verb": verb_object,
        "object": activity,
        "timestamp": timezone.now().isoformat(timespec="milliseconds"),
    }
    if result:
        statement["result"] = dict(result)
    if context:
        statement["context"] = dict(context)
    try:
        (valid,) = validate_statements(statement)
    except XAPIValidationError as exc:
        raise InvalidInput(f"学习记录无效：{exc.message}", field=exc.path or None) from None
    return statements_store(client=internal_client(), statements=[valid])[0]


def void_statement_internal(*, statement_id: str) -> str:
    """Void one of the platform's Statements (e.g. a deleted answer); return the voiding id."""
    client = internal_client()
    statement = {
        "actor": {"objectType": "Agent", "account": client_authority(client)["account"]},
        "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": statement_id},
    }
    (valid,) = validate_statements(statement)
    return statements_store(client=client, statements=[valid])[0]
