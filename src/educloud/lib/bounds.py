"""Integers from outside (query strings, path segments, form fields, spreadsheet cells), kept in range.

Python's integers are unbounded; the databases' are not (SQLite INTEGER and PostgreSQL ``bigint``
stop at 2^63 − 1, ``integer`` at 2^31 − 1, ``smallint`` at 32767). An unchecked
``year=1180591620717411303424`` reaches the query and fails there (``OverflowError`` on SQLite,
"out of range" on PostgreSQL): a 500. Every integer that comes in is therefore checked at the
boundary, in one of three ways, all sharing the limits defined here:

* Ninja endpoints annotate parameters with :data:`Id`, :data:`Year`, :data:`Grade`,
  :data:`Page` (pydantic ``ge``/``le``): out of range → 422 naming the parameter
  (``config/api.py``), and the bounds appear in the OpenAPI schema.
* HTML views call :func:`int_param` (``InvalidInput`` with the field and a Chinese message → 400).
* Imports call :func:`parse_int_cell` (``ValueError`` with a Chinese reason; the importer adds the
  row and column).

ADR 0011 records why 422 stays the API's answer for a parameter that does not match its schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from educloud.lib.errors import InvalidInput

INT64_MAX = 2**63 - 1  # BigAutoField primary keys (SQLite INTEGER, PostgreSQL bigint)
INT32_MAX = 2**31 - 1  # PositiveIntegerField on PostgreSQL
YEAR_MIN, YEAR_MAX = 1900, 2100
GRADE_MIN, GRADE_MAX = 1, 12
PAGE_MAX = 100_000  # far beyond any result window; the selectors give the precise limits (400, "page")

Id = Annotated[int, Field(ge=0, le=INT64_MAX, description="数据库编号（非负整数；不存在的编号答 404）")]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX, description=f"年份（{YEAR_MIN}–{YEAR_MAX}）")]
Grade = Annotated[int, Field(ge=GRADE_MIN, le=GRADE_MAX, description=f"年级（{GRADE_MIN}–{GRADE_MAX}）")]
# Upper bound only: page 0 or less is the selectors' to refuse, with their own message (400, "page").
Page = Annotated[int, Field(le=PAGE_MAX, description="页码，从 1 开始")]


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    try:  # PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement out of range")
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("时间超出范围") from None


# A date-time parameter, converted to UTC when it carries an offset (any offset pydantic accepts).
UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]

# Decimal digits (\d: ASCII, and the full-width "３" people type in Chinese spreadsheets), which int()
# reads; not str.isdigit(), which also accepts "²" and "⑤" that int() then refuses with a ValueError.
_INTEGER = re.compile(r"[+-]?\d{1,30}")


def parse_int(text: str, *, low: int, high: int) -> int:
    """``text`` as an integer in ``[low, high]``; ``ValueError`` with a Chinese reason otherwise."""
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        try:
            float(text)
        except ValueError:
            raise ValueError(f"“{text[:40]}”不是数字") from None
        raise ValueError(f"“{text[:40]}”不是整数")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{text[:40]} 超出范围（应为 {low}–{high}）")
    return value


def int_param(
    data: Mapping[str, Any], name: str, *, low: int, high: int, label: str, default: int | None = None
) -> int | None:
    """An HTML view's integer parameter (``request.GET`` / ``request.POST``), or ``default`` if absent.

    ``InvalidInput`` (400, ``field=name``) says in Chinese what is wrong with the value.
    """
    raw = data.get(name)
    if raw is None or not str(raw).strip():
        return default
    try:
        return parse_int(str(raw), low=low, high=high)
    except ValueError as exc:
        raise InvalidInput(f"{label}无效：{exc}", field=name) from None


def parse_int_cell(cell: Any, *, low: int, high: int) -> int | None:
    """A spreadsheet cell as an integer in ``[low, high]``; ``None`` when blank.

    Accepts ``int``, whole ``float`` (Excel stores every number as a float) and text of decimal digits
    (thousands separators allowed); ``ValueError`` with a Chinese reason otherwise.
    """
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError(f"“{cell}”不是整数")
    if isinstance(cell, float):
        if not math.isfinite(cell) or not cell.is_integer():
            raise ValueError(f"{cell!r} 不是整数")
        cell = int(cell)
    if isinstance(cell, int):
        if not low <= cell <= high:
            raise ValueError(f"{cell} 超出范围（应为 {low}–{high}）")
        return cell
    text = str(cell).strip().replace(",", "").replace("，", "")
    if text.endswith(".0"):
        text = text[:-2]
    return parse_int(text, low=low, high=high)
