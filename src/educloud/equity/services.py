"""Writes of the equity app: importing yearly statistics (through ``schools.api``).

The equity app never writes the schools tables itself: it parses and checks the file
(:mod:`educloud.equity.importing`) and hands the valid rows to ``schools.api.school_stats_replace``
(atomic, scope-checked, idempotent). A dry run performs the same write inside a transaction and
rolls it back, so it reports exactly what a real import would create and replace.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from educloud.equity.importing import MAX_PROBLEMS_SHOWN, Problem, check_rows
from educloud.equity.tabular import TableError, read_table
from educloud.lib.errors import DomainError, InvalidInput, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import school_stats_replace

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ImportReport:
    filename: str
    dry_run: bool
    n_rows: int
    valid: bool
    imported: bool
    created: int
    replaced: int
    unchanged: int
    n_problems: int
    problems: tuple[Problem, ...]
    ignored_columns: tuple[str, ...]


def stats_import(*, editable_scope: Scope, filename: str, content: bytes, dry_run: bool) -> ImportReport:
    """Check a statistics file and, if every row is valid and not ``dry_run``, write it."""
    if editable_scope.is_empty:
        raise PermissionDenied("您没有修改学校统计数据的权限")
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput("文件超过 20 MB", field="file")
    try:
        table = read_table(content, filename=filename)
    except TableError as exc:
        raise InvalidInput(f"{filename}：{exc}", field="file") from None
    checked = check_rows(table, editable_scope=editable_scope)
    problems = checked.problems
    counts = (0, 0, 0)
    if not problems:
        try:
            with transaction.atomic():
                written = school_stats_replace(editable_scope=editable_scope, rows=checked.rows)
                counts = (written.created, written.replaced, written.unchanged)
                if dry_run:
                    transaction.set_rollback(True)
        except DomainError as exc:  # a race with another writer; the checks above mirror the service's
            problems = [Problem(0, exc.field or "", exc.message)]
    valid = not problems
    return ImportReport(
        filename=filename,
        dry_run=dry_run,
        n_rows=len(table.rows),
        valid=valid,
        imported=valid and not dry_run,
        created=counts[0],
        replaced=counts[1],
        unchanged=counts[2],
        n_problems=len(problems),
        problems=tuple(problems[:MAX_PROBLEMS_SHOWN]),
        ignored_columns=tuple(checked.ignored_columns),
    )
