"""Builders for learning tests: users of the demo, small CSV/XLSX files, a fake statement source."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from educloud.accounts.api import User


def user(username: str) -> User:
    return User.objects.get(username=username)


def csv_file(rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_file(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class FakeStatements:
    """An in-memory LRS: ``statements_since`` and ``actor_user_id`` as the lead's api will offer."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dict[str, Any]]] = []
        self.actors: dict[str, int] = {}
        self.calls: list[tuple[str, int, int]] = []

    def add(self, statement: dict[str, Any], *, user_id: int | None = None) -> None:
        seq = (self.rows[-1][0] if self.rows else 0) + 10  # sequences need not be contiguous
        if user_id is not None:
            self.actors[statement["actor"]["account"]["name"]] = user_id
        self.rows.append((seq, statement))

    def statements_since(self, *, verb: str, after_seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        self.calls.append((verb, after_seq, limit))
        return [(s, st) for s, st in self.rows if s > after_seq and st["verb"]["id"] == verb][:limit]

    def actor_user_id(self, statement: dict[str, Any]) -> int | None:
        return self.actors.get(((statement.get("actor") or {}).get("account") or {}).get("name", ""))


@pytest.fixture
def fake_lrs() -> FakeStatements:
    return FakeStatements()


@pytest.fixture
def make_point(db) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    from educloud.learning.services import knowledge_point_create

    def _make(code: str, name: str | None = None, subject: str = "数学", stage: str = "初中") -> Any:
        return knowledge_point_create(actor=None, subject=subject, stage=stage, code=code, name=name or code)

    return _make
