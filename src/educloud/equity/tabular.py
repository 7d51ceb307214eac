"""Reading and writing the tables people exchange: CSV (UTF-8 or GB18030) and Excel .xlsx.

:func:`read_table` returns the header (stripped strings) and the data rows as raw cells (``str``
from CSV, numbers / strings / ``None`` from Excel), with the spreadsheet row number of each row (the
header is row 1). Blank rows are skipped. :func:`numeric_column` turns one column into floats with a
precise error for the first bad cell (missing, not a number, negative). :func:`xlsx_bytes` writes
sheets with openpyxl.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAX_ROWS = 200_000


class TableError(ValueError):
    """The file cannot be read as a table; the message says why (in Chinese)."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Any]]
    line_numbers: list[int]

    def column_index(self, name: str) -> int:
        try:
            return self.header.index(name)
        except ValueError:
            raise TableError(f"缺少列 {name!r}；文件中的列：{', '.join(self.header)}") from None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def read_table(content: bytes, *, filename: str) -> Table:
    """Parse ``content`` by its extension (``.csv`` / ``.xlsx``) or, failing that, its magic bytes."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xls":
        raise TableError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    if suffix == ".xlsx" or content[:2] == b"PK":
        return _read_xlsx(content)
    if suffix not in ("", ".csv", ".txt"):
        raise TableError(f"不支持的文件类型 {suffix}，请上传 .csv 或 .xlsx")
    return _read_csv(content)


def _finish(raw_rows: Sequence[tuple[int, list[Any]]]) -> Table:
    if not raw_rows:
        raise TableError("文件是空的")
    _, header_cells = raw_rows[0]
    header = ["" if c is None else str(c).strip() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise TableError("第一行应为列名")
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise TableError(f"列名重复：{', '.join(duplicated)}")
    rows: list[list[Any]] = []
    lines: list[int] = []
    for line, cells in raw_rows[1:]:
        if all(_blank(c) for c in cells):
            continue
        cells = list(cells[: len(header)]) + [None] * max(0, len(header) - len(cells))
        rows.append(cells)
        lines.append(line)
        if len(rows) > MAX_ROWS:
            raise TableError(f"行数超过上限 {MAX_ROWS}")
    return Table(header=header, rows=rows, line_numbers=lines)


def _read_csv(content: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise TableError("无法识别文件编码，请保存为 UTF-8 CSV")
    if "\x00" in text:
        raise TableError("文件不是文本格式的 CSV")
    try:
        parsed = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise TableError(f"CSV 格式错误：{exc}") from None
    return _finish([(i + 1, row) for i, row in enumerate(parsed)])


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableError(f"无法读取 Excel 文件：{type(exc).__name__}") from None
    try:
        sheet = book.worksheets[0]
        raw = []
        for i, row in enumerate(sheet.iter_rows(values_only=True)):
            raw.append((i + 1, list(row)))
            if i > MAX_ROWS + 10:
                raise TableError(f"行数超过上限 {MAX_ROWS}")
    finally:
        book.close()
    return _finish(raw)


def parse_number(cell: Any) -> float | None:
    """A cell as a float; ``None`` when blank; ``ValueError`` when it is not a number."""
    if _blank(cell):
        return None
    if isinstance(cell, bool):
        raise ValueError("not a number")
    if isinstance(cell, int | float):
        return float(cell)
    text = str(cell).strip().replace(",", "").replace("，", "")
    number = float(text)  # ValueError for words
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def numeric_column(table: Table, name: str, *, positive: bool = False) -> NDArray[np.float64]:
    """Column ``name`` as floats; ``TableError`` naming the row of a missing, non-numeric or negative cell."""
    index = table.column_index(name)
    values = np.empty(len(table.rows))
    for i, (row, line) in enumerate(zip(table.rows, table.line_numbers, strict=True)):
        cell = row[index]
        try:
            number = parse_number(cell)
        except ValueError:
            raise TableError(f"第 {line} 行列 {name!r}：{cell!r} 不是数值") from None
        if number is None:
            raise TableError(f"第 {line} 行列 {name!r}：缺少数值")
        if number < 0:
            raise TableError(f"第 {line} 行列 {name!r}：不能为负数（{cell!r}）")
        if positive and number == 0:
            raise TableError(f"第 {line} 行列 {name!r}：必须大于 0")
        values[i] = number
    if not values.size:
        raise TableError("文件没有数据行")
    return values


def text_column(table: Table, name: str) -> list[str]:
    index = table.column_index(name)
    out = []
    for row, line in zip(table.rows, table.line_numbers, strict=True):
        cell = row[index]
        if _blank(cell):
            raise TableError(f"第 {line} 行列 {name!r}：缺少值")
        out.append(str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell).strip())
    return out


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """An .xlsx file with one sheet per ``(title, header, rows)``; header bold, first row frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
        for column, name in enumerate(header, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = max(
                10, 2 * len(str(name)) + 2
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
