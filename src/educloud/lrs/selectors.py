"""Reads of the LRS, always scoped to the asking client.

Read rule (ADR 0007): a client reads the Statements (and Agent documents) it stored itself, plus
those whose *place* lies inside its scope - the place being the school of the platform learner the
actor maps to, else the storing client's own scope. A circle-wide client reads everything. So a
四川 client never sees a 重庆 client's records, and a county's dashboard client sees every record
of its schools' learners whichever system sent them.

Queries use ``StatementKey`` joins for agent/verb/activity/registration (one join per filter),
order by ``(stored, id)`` and page with a signed cursor (the ``more`` link) carrying the last
``(stored, id)`` seen, so pages are stable while Statements keep arriving.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet

from educloud.lrs.identity import client_scope
from educloud.lrs.models import Activity, Attachment, Client, Statement, StatementKey
from educloud.lrs.services import activity_key, agent_key, registration_key, verb_key
from educloud.lrs.xapi import AttachmentPart, agent_ifi

Kind = StatementKey.Kind
MAX_LIMIT = 500
_MORE_SALT = "educloud.lrs.more"


def readable_q(client: Client, prefix: str = "") -> Q:
    """Q restricting Statements (or Agent documents) to what ``client`` may read."""
    scope = client_scope(client)
    if scope.everything:
        return Q()
    q = Q(**{f"{prefix}client_id": client.pk})
    for codes, column in (
        (scope.province_codes, "province_code"),
        (scope.city_codes, "city_code"),
        (scope.county_codes, "county_code"),
        (scope.school_codes, "school_code"),
    ):
        if codes:
            q |= Q(**{f"{prefix}{column}__in": sorted(codes)})
    return q


def statement_get(*, client: Client, statement_id: str, voided: bool) -> Statement | None:
    """The Statement with this id if the client may read it and its voided state matches."""
    return (
        Statement.objects.filter(readable_q(client), statement_id=uuid.UUID(statement_id), voided=voided)
        .only("id", "statement_id", "payload", "stored", "learner_id")
        .first()
    )


@dataclass(frozen=True)
class StatementQuery:
    """The filters of GET Statements, already validated; serialisable into a ``more`` token."""

    agent: Mapping[str, Any] | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    format: str = "exact"
    attachments: bool = False

    def to_token(self, cursor: tuple[datetime, int], consistent: datetime) -> str:
        data = {
            "agent": self.agent,
            "verb": self.verb,
            "activity": self.activity,
            "registration": self.registration,
            "ra": self.related_activities,
            "rg": self.related_agents,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "limit": self.limit,
            "asc": self.ascending,
            "format": self.format,
            "att": self.attachments,
            "cursor": [cursor[0].isoformat(), cursor[1]],
        }
        return signing.dumps(data, salt=_MORE_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> tuple[StatementQuery, tuple[datetime, int]]:
        """Raises ``signing.BadSignature`` for a token this LRS did not issue."""
        data = signing.loads(token, salt=_MORE_SALT)
        query = cls(
            agent=data["agent"],
            verb=data["verb"],
            activity=data["activity"],
            registration=data["registration"],
            related_activities=data["ra"],
            related_agents=data["rg"],
            since=datetime.fromisoformat(data["since"]) if data["since"] else None,
            until=datetime.fromisoformat(data["until"]) if data["until"] else None,
            limit=data["limit"],
            ascending=data["asc"],
            format=data["format"],
            attachments=data["att"],
        )
        return query, (datetime.fromisoformat(data["cursor"][0]), int(data["cursor"][1]))


@dataclass(frozen=True)
class StatementPage:
    rows: list[Statement]
    more_token: str | None


def _filtered(client: Client, query: StatementQuery) -> QuerySet[Statement]:
    qs = Statement.objects.filter(voided=False).filter(readable_q(client))
    if query.agent is not None:
        kinds = [Kind.AGENT, Kind.RELATED_AGENT] if query.related_agents else [Kind.AGENT]
        qs = qs.filter(keys__kind__in=kinds, keys__key=agent_key(agent_ifi(query.agent)))
    if query.verb is not None:
        qs = qs.filter(keys__kind=Kind.VERB, keys__key=verb_key(query.verb))
    if query.activity is not None:
        kinds = [Kind.ACTIVITY, Kind.RELATED_ACTIVITY] if query.related_activities else [Kind.ACTIVITY]
        qs = qs.filter(keys__kind__in=kinds, keys__key=activity_key(query.activity))
    if query.registration is not None:
        qs = qs.filter(keys__kind=Kind.REGISTRATION, keys__key=registration_key(query.registration))
    if query.since is not None:
        qs = qs.filter(stored__gt=query.since)
    if query.until is not None:
        qs = qs.filter(stored__lte=query.until)
    return qs


def statements_query(
    *,
    client: Client,
    query: StatementQuery,
    cursor: tuple[datetime, int] | None = None,
    consistent: datetime | None = None,
) -> StatementPage:
    """One page of Statements matching ``query``, ordered by stored (newest first unless ascending)."""
    limit = MAX_LIMIT if query.limit <= 0 else min(query.limit, MAX_LIMIT)
    qs = _filtered(client, query)
    if cursor is not None:
        stored, seq = cursor
        if query.ascending:
            qs = qs.filter(Q(stored__gt=stored) | Q(stored=stored, id__gt=seq))
        else:
            qs = qs.filter(Q(stored__lt=stored) | Q(stored=stored, id__lt=seq))
    order = ("stored", "id") if query.ascending else ("-stored", "-id")
    rows = list(
        qs.order_by(*order).only("id", "statement_id", "payload", "stored", "learner_id")[: limit + 1]
    )
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        more = query.to_token((last.stored, last.id), consistent or last.stored)
    return StatementPage(rows=rows, more_token=more)


def activity_definitions(activity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Canonical definitions by Activity id (for format=canonical and the Activities resource)."""
    keys = {activity_key(a): a for a in activity_ids}
    if not keys:
        return {}
    return {
        row.activity_id: json.loads(row.definition)
        for row in Activity.objects.filter(key__in=list(keys)).only("activity_id", "definition")
    }


def activity_get(activity_id: str) -> dict[str, Any] | None:
    definitions = activity_definitions([activity_id])
    if activity_id not in definitions:
        return None
    return definitions[activity_id]


def attachments_for(statements: Sequence[Mapping[str, Any]]) -> list[AttachmentPart]:
    """Stored attachment data referenced by these Statements (and their SubStatements)."""
    wanted: set[str] = set()
    for statement in statements:
        bodies = [statement]
        obj = statement.get("object")
        if isinstance(obj, Mapping) and obj.get("objectType") == "SubStatement":
            bodies.append(obj)
        for body in bodies:
            for attachment in body.get("attachments") or []:
                wanted.add(str(attachment.get("sha2", "")).lower())
    if not wanted:
        return []
    return [
        AttachmentPart(sha2=row.sha2, data=bytes(row.content), content_type=row.content_type)
        for row in Attachment.objects.filter(sha2__in=sorted(wanted))
    ]


def learner_statements(*, user: Any, verb: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """A platform user's own non-voided Statements (newest first), as stored.

    For the platform's apps (assessment, recommendation); they read through this, not the tables.
    """
    from educloud.lrs.models import Learner

    learner = Learner.objects.filter(user=user).first()
    if learner is None:
        return []
    qs = Statement.objects.filter(learner=learner, voided=False)
    if verb is not None:
        qs = qs.filter(verb_id=verb)
    return [json.loads(p) for p in qs.order_by("-stored", "-id").values_list("payload", flat=True)[:limit]]


def statements_since(*, verb: str, after_seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """Non-voided Statements with ``verb`` stored after sequence number ``after_seq``, oldest first,
    as ``(seq, statement)``: a cursor-friendly feed for the platform's own processing (all clients'
    Statements, e.g. answers sent by Moodle). ``seq`` only grows; resume from the last one seen.
    """
    rows = (
        Statement.objects.filter(
            keys__kind=Kind.VERB, keys__key=verb_key(verb), id__gt=after_seq, voided=False
        )
        .order_by("id")
        .values_list("id", "payload")[: max(0, limit)]
    )
    return [(seq, json.loads(payload)) for seq, payload in rows]


def actor_user_id(statement: Mapping[str, Any]) -> int | None:
    """The platform user a Statement's actor is (by their pseudonymous account), else None."""
    from educloud.lrs.identity import accounts_home_page
    from educloud.lrs.models import Learner

    account = (statement.get("actor") or {}).get("account")
    if not isinstance(account, Mapping) or account.get("homePage") != accounts_home_page():
        return None
    return Learner.objects.filter(account_name=account.get("name")).values_list("user_id", flat=True).first()
