"""Bulk reads and writes on the Statement write path: ``COPY`` on PostgreSQL, the ORM elsewhere.

Django's psycopg backend binds parameters client-side (every value quoted in Python), which cost
more than the whole validation of a batch. On PostgreSQL these helpers therefore use the raw
psycopg connection of the current Django connection (same transaction): Statement ids are taken
from the table's sequence in one query, then Statement rows and key rows are streamed with
``COPY ... FROM STDIN``, the COPY text built here in one string (psycopg's ``write_row`` looks up
a dumper per value: 3-4x slower for these few known column types); lookups by many ids bind one
array server-side. On SQLite the same functions use ``bulk_create`` / ``filter(__in=...)``.

Errors of the raw cursor are Django's (``connection.wrap_database_errors``): a concurrent request
that stored the same Statement id first makes the ``COPY`` raise ``django.db.IntegrityError``, which
the service answers by the xAPI rules after a retry. Statement rows are written in ``statement_id``
order, whatever the batch order, so two batches sharing ids wait for each other on the unique index
in the same order instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection

from educloud.lrs.models import Activity, Client, Statement, StatementKey

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


@contextmanager
def _raw_cursor() -> Iterator[Any]:
    """A psycopg cursor on Django's connection (same transaction) with server-side binding, unlike
    Django's ClientCursor; database errors are raised as Django's (``IntegrityError`` ...)."""
    import psycopg

    with connection.wrap_database_errors:
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            yield cursor


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


# COPY text format: backslash, newline, carriage return and tab are escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a Statement row")
        return value.isoformat()
    if isinstance(value, int | uuid.UUID):
        return str(value)
    raise TypeError(f"no COPY text form for {type(value).__name__}")


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
        ordered = sorted(zip(ids, rows, strict=True), key=lambda pair: pair[1]["statement_id"])
        text = "".join(
            f"{seq}\t" + "\t".join([_copy_value(row[name]) for name in STATEMENT_FIELDS]) + "\n"
            for seq, row in ordered
        )
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(text.encode())
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
    text = "".join([f"{int(seq)}\t{int(kind)}\t{key}\n" for seq, kind, key in rows])
    with _raw_cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(text.encode())


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


def activity_definitions(keys: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Stored canonical definitions (JSON text) of the Activities with these keys."""
    if not keys:
        return {}
    if not _postgres():
        return dict(Activity.objects.filter(key__in=list(keys)).values_list("key", "definition"))
    with _raw_cursor() as cursor:
        cursor.execute(
            f"SELECT key, definition FROM {Activity._meta.db_table} WHERE key = ANY(%s)",  # noqa: S608
            [list(keys)],
        )
        return dict(cursor.fetchall())


def activities_write(
    create: Sequence[tuple[uuid.UUID, str, str]], update: Sequence[tuple[uuid.UUID, str]], now: datetime
) -> None:
    """Insert ``(key, activity_id, definition)`` rows (a concurrent insert of the same key wins)
    and set ``(key, definition)`` on existing ones."""
    if not _postgres():
        if create:
            Activity.objects.bulk_create(
                [Activity(key=k, activity_id=a, definition=d) for k, a, d in create], ignore_conflicts=True
            )
        for key, definition in update:
            Activity.objects.filter(key=key).update(definition=definition, updated=now)
        return
    table = Activity._meta.db_table
    with _raw_cursor() as cursor:
        if create:
            cursor.execute(
                f"INSERT INTO {table} (key, activity_id, definition, updated) "  # noqa: S608
                "SELECT k, a, d, %s FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS v(k, a, d) "
                "ON CONFLICT (key) DO NOTHING",
                [now, [c[0] for c in create], [c[1] for c in create], [c[2] for c in create]],
            )
        if update:
            cursor.execute(
                f"UPDATE {table} t SET definition = v.d, updated = %s "  # noqa: S608
                "FROM unnest(%s::uuid[], %s::text[]) AS v(k, d) WHERE t.key = v.k",
                [now, [u[0] for u in update], [u[1] for u in update]],
            )
