"""Reading and writing the learning app's import files (CSV and Excel .xlsx), and row-level errors.

* :func:`read_table` turns an uploaded file into ``(header, rows)``: every row a dict keyed by the
  header, with its spreadsheet row number (the header is row 1, so the first data row is row 2, in
  CSV and Excel alike). CSV may be UTF-8 (with or without the BOM Excel writes) or GB18030 (what
  Chinese Windows Excel saves). Blank rows are skipped. Unreadable files raise ``InvalidInput``.
* :class:`RowError` (row, column, problem) and :class:`ImportRejected`, raised by an import with the
  full list when any row is invalid — imports are all-or-nothing.
* :func:`csv_bytes` / :func:`xlsx_bytes` write files (CSV with a BOM so Excel reads the Chinese).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from educloud.lib.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.problem}"


class ImportRejected(InvalidInput):
    """Some rows are invalid; nothing was imported. ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        more = f"等 {len(self.errors)} 处问题" if len(self.errors) > 1 else ""
        super().__init__(f"文件有误，未导入任何数据：{first}{more}", field=first.column if first else None)


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, values by column)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV")


def _rows_from_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise InvalidInput("这不是一个文本 CSV 文件")
    try:
        return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise InvalidInput(f"CSV 格式有误：{exc}") from None


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (zip, XML, KeyError) for a damaged file
        raise InvalidInput("无法读取该 Excel 文件：请使用 .xlsx 格式（Excel 2007 及以后）") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(*, data: bytes, filename: str, required: Sequence[str]) -> Table:
    """Parse an uploaded CSV or .xlsx file; check that the ``required`` columns are present."""
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"文件过大（上限 {MAX_BYTES // (1024 * 1024)} MB）")
    if not data.strip():
        raise InvalidInput("文件为空")
    if name.endswith(".xls"):
        raise InvalidInput("不支持旧版 .xls 文件：请另存为 .xlsx 或 CSV")
    if name.endswith(".xlsx") or data[:2] == b"PK":
        raw = _rows_from_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        raw = _rows_from_csv(data)
    else:
        raise InvalidInput("只接受 CSV 或 Excel（.xlsx）文件")
    numbered = [(i + 1, row) for i, row in enumerate(raw) if any(c for c in row)]
    if not numbered:
        raise InvalidInput("文件为空")
    header_no, header_row = numbered[0]
    header = [h.strip().lstrip("\ufeff") for h in header_row]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportRejected([RowError(header_no, c, "缺少此列（请使用模板的表头）") for c in missing])
    dup = sorted({h for h in header if h and header.count(h) > 1})
    if dup:
        raise ImportRejected([RowError(header_no, h, "表头中出现了两次") for h in dup])
    body = numbered[1:]
    if len(body) > MAX_ROWS:
        raise InvalidInput(f"行数过多（{len(body)} 行，上限 {MAX_ROWS} 行）：请分批导入")
    rows = []
    for no, row in body:
        values = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}
        rows.append((no, values))
    return Table(header=header, rows=rows)


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, title: str, notes: Sequence[str] = ()
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    if notes:
        help_sheet = workbook.create_sheet("说明")
        for line in notes:
            help_sheet.append([line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
