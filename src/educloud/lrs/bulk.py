"""Bulk reads and writes on the Statement write path: ``COPY`` on PostgreSQL, the ORM elsewhere.

Django's psycopg backend binds parameters client-side (every value quoted in Python), which cost
more than the whole validation of a batch. On PostgreSQL these helpers therefore use the raw
psycopg connection of the current Django connection (same transaction): Statement ids are taken
from the table's sequence in one query, then Statement rows and key rows are streamed with
``COPY ... FROM STDIN``; lookups by many ids bind one array server-side. On SQLite the same
functions use ``bulk_create`` / ``filter(__in=...)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection

from educloud.lrs.models import Client, Statement, StatementKey

STATEMENT_FIELDS = (
    "statement_id",
    "stored",
    "timestamp",
    "payload",
    "verb_id",
    "registration",
    "actor_key",
    "object_activity_id",
    "object_agent_key",
    "ref_target",
    "is_voiding",
    "voided",
    "client_id",
    "learner_id",
    "province_code",
    "city_code",
    "county_code",
    "school_code",
)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _raw_cursor() -> Any:
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)  # server-side binding, unlike Django's ClientCursor


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def existing_statements(ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, int, str, int, bool]]:
    """``(statement_id, seq, payload, client_id, is_voiding)`` of the stored ones among ``ids``."""
    if not ids:
        return []
    if not _postgres():
        return list(
            Statement.objects.filter(statement_id__in=ids).values_list(
                "statement_id", "id", "payload", "client_id", "is_voiding"
            )
        )
    table = Statement._meta.db_table
    with _raw_cursor() as cursor:
        cursor.execute(
            f"SELECT statement_id, id, payload, client_id, is_voiding FROM {table} "  # noqa: S608 - table name
            "WHERE statement_id = ANY(%s)",
            [list(ids)],
        )
        return list(cursor.fetchall())


def insert_statements(rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert Statement rows (dicts of ``STATEMENT_FIELDS``); return their new ids, in order."""
    if not rows:
        return []
    if not _postgres():
        created = Statement.objects.bulk_create([Statement(**row) for row in rows])
        return [row.id for row in created]
    table = Statement._meta.db_table
    columns = ["id", *_columns(Statement, STATEMENT_FIELDS)]
    with _raw_cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",  # noqa: S608
            [len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for seq, row in zip(ids, rows, strict=True):
                copy.write_row((seq, *(row[name] for name in STATEMENT_FIELDS)))
    return ids


def insert_keys(rows: Sequence[tuple[int, int, uuid.UUID]]) -> None:
    """Insert ``(statement seq, kind, key)`` rows."""
    if not rows:
        return
    if not _postgres():
        StatementKey.objects.bulk_create(
            [StatementKey(statement_id=seq, kind=kind, key=key) for seq, kind, key in rows], batch_size=5000
        )
        return
    table = StatementKey._meta.db_table
    columns = _columns(StatementKey, ("statement", "kind", "key"))
    with _raw_cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def referrers(ids: Sequence[uuid.UUID]) -> list[tuple[int, uuid.UUID, bool, int, str]]:
    """Stored Statements whose StatementRef targets one of ``ids``:
    ``(seq, ref_target, is_voiding, client_id, client scope kind)``."""
    if not ids:
        return []
    if not _postgres():
        return list(
            Statement.objects.filter(ref_target__in=ids).values_list(
                "id", "ref_target", "is_voiding", "client_id", "client__scope_kind"
            )
        )
    table, clients = Statement._meta.db_table, Client._meta.db_table
    with _raw_cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, s.ref_target, s.is_voiding, s.client_id, c.scope_kind FROM {table} s "  # noqa: S608
            f"JOIN {clients} c ON c.id = s.client_id WHERE s.ref_target = ANY(%s)",
            [list(ids)],
        )
        return list(cursor.fetchall())
