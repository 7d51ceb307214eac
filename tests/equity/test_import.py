"""Import of yearly statistics: templates, row-level report, all-or-nothing, dry run, idempotence."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from educloud.equity.importing import COLUMNS
from educloud.equity.services import stats_import
from educloud.lib.errors import InvalidInput, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import SchoolYearStats

pytestmark = pytest.mark.django_db

YONGCHUAN = Scope(county_codes=frozenset({"500118"}))
HEADER = [label for _, label in COLUMNS]
GOOD = ["S5001180001", "永川区第1小学", 2026, "小学部", 600, 40, 30, 8, 6, 3000.5, 5000, 1500000, 15, 9000000]


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(content: bytes, *, filename: str = "stats.csv", dry_run: bool = False, scope: Scope = YONGCHUAN):
    return stats_import(editable_scope=scope, filename=filename, content=content, dry_run=dry_run)


def with_(index: int, value: object, base: list[object] = GOOD) -> list[object]:
    row = list(base)
    row[index] = value
    return row


def test_valid_csv_dry_run_then_import_then_idempotent():
    nine_year = ["S5001180009", "", 2026, "初中部", 300, 20, 18, 3, 3, 1800, 3200, 800000, 8, 4000000]
    content = csv_bytes([GOOD, nine_year])
    before = SchoolYearStats.objects.count()
    dry = run(content, dry_run=True)
    assert dry.valid and not dry.imported and (dry.created, dry.replaced) == (2, 0)
    assert SchoolYearStats.objects.count() == before  # a dry run writes nothing
    done = run(content)
    assert done.imported and done.created == 2 and SchoolYearStats.objects.count() == before + 2
    stored = SchoolYearStats.objects.get(school__code="S5001180009", year=2026, section="junior")
    assert stored.enrolment == 300 and stored.floor_area_m2 == 1800 and not stored.is_synthetic
    again = run(content)
    assert (again.created, again.replaced, again.unchanged) == (0, 0, 2)
    changed = run(csv_bytes([with_(4, 650)]))
    assert (changed.created, changed.replaced) == (0, 1)
    assert SchoolYearStats.objects.get(school__code="S5001180001", year=2026).enrolment == 650


def test_xlsx_and_gbk_csv_are_read():
    assert run(xlsx([GOOD]), filename="统计.xlsx", dry_run=True).valid
    assert run(csv_bytes([GOOD], encoding="gb18030"), dry_run=True).valid


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written():
    rows = [
        GOOD,
        with_(0, "NOPE"),  # row 3: unknown school
        with_(0, "S5101210001"),  # row 4: 金堂县, outside the importer's scope
        with_(3, "初中部"),  # row 5: a primary school has no junior section
        with_(4, 0),  # row 6: zero enrolment
        with_(5, -3),  # row 7: negative
        with_(9, ""),  # row 8: missing
        with_(10, "很多"),  # row 9: not a number
        with_(7, 2.5),  # row 10: counts are whole
        with_(2, 1990),  # row 11: year out of range
        GOOD,  # row 12: duplicate of row 2
        with_(6, 41),  # row 13: more degree teachers than teachers
    ]
    before = SchoolYearStats.objects.count()
    report = run(csv_bytes(rows))
    assert not report.valid and not report.imported
    assert SchoolYearStats.objects.count() == before
    found = {(p.row, p.column): p.problem for p in report.problems}
    assert "不存在" in found[(3, "学校代码")]
    assert "不在您可修改的范围内" in found[(4, "学校代码")]
    assert "没有初中部" in found[(5, "学部")]
    assert "在校生数为 0" in found[(6, "在校生数")]
    assert "负数" in found[(7, "专任教师数")]
    assert "缺少数值" in found[(8, "教学及辅助用房面积（平方米）")]
    assert "不是数值" in found[(9, "体育运动场馆面积（平方米）")]
    assert "整数" in found[(10, "县级及以上骨干教师数")]
    assert "年份" in found[(11, "年份")]
    assert "与第 2 行重复" in found[(12, "学校代码")]
    assert "超过专任教师数" in found[(13, "高于规定学历教师数")]
    # Rows 6–10 and 13 also repeat row 2's (school, year, section): 11 problems + 6 duplicates.
    assert report.n_problems == 17
    assert {row for row, column in found if found[(row, column)].startswith("与第 2 行重复")} == {
        6,
        7,
        8,
        9,
        10,
        12,
        13,
    }


def test_missing_columns_and_unreadable_files():
    report = run(csv_bytes([GOOD[:4]], header=HEADER[:4]))
    assert not report.valid and {p.column for p in report.problems} >= {"在校生数", "年度经费投入（元）"}
    assert all(p.row == 1 for p in report.problems)
    extra = run(csv_bytes([[*GOOD, "备注"]], header=[*HEADER, "备注"]), dry_run=True)
    assert extra.valid and extra.ignored_columns == ("备注",)
    with pytest.raises(InvalidInput, match="空"):
        run(b"")
    with pytest.raises(InvalidInput, match=r"\.xls"):
        run(b"\xd0\xcf\x11\xe0", filename="old.xls")
    with pytest.raises(InvalidInput, match="Excel"):
        run(b"PK\x03\x04 not really a zip", filename="broken.xlsx")
    assert not run(csv_bytes([]), dry_run=True).valid  # header only: "no data rows"


def test_english_field_names_are_accepted_as_headers():
    header = [field for field, _ in COLUMNS]
    assert run(csv_bytes([GOOD], header=header), dry_run=True).valid


def test_no_edit_scope_no_import():
    with pytest.raises(PermissionDenied):
        run(csv_bytes([GOOD]), scope=Scope.none())


def test_template_round_trip_through_the_pages(login):
    client = login("yongchuan_bureau")
    template = client.get("/equity/import/template.xlsx?year=2025")
    assert "attachment" in template["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(template.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert {r[0][:7] for r in rows[1:]} == {"S500118"}  # only the bureau's own schools
    nine_year = [r for r in rows[1:] if r[0] == "S5001180009"]
    assert sorted(r[3] for r in nine_year) == ["初中部", "小学部"]
    compulsory = [r for r in rows[1:] if r[3] in ("小学部", "初中部")]
    assert all(r[4] for r in compulsory)  # prefilled from the stored 2025 statistics
    # Uploading the template unchanged is valid and changes nothing (apart from the synthetic flag).
    upload = io.BytesIO(template.content)
    upload.name = "template.xlsx"
    page = client.post("/equity/import/", {"file": upload, "dry_run": "1"}).content.decode()
    assert "检查通过" in page and "新增 0 条" in page
    csv_template = client.get("/equity/import/template.csv?year=2031").content
    assert csv_template.startswith("\ufeff".encode()) and "学校代码".encode() in csv_template


def test_import_page_and_api_report_problems(login):
    client = login("yongchuan_bureau")
    upload = io.BytesIO(csv_bytes([with_(0, "NOPE")]))
    upload.name = "bad.csv"
    page = client.post("/equity/import/", {"file": upload}, HTTP_HX_REQUEST="true").content.decode()
    assert "未导入任何数据" in page and "学校代码 NOPE 不存在" in page and "<html" not in page
    upload = io.BytesIO(csv_bytes([GOOD]))
    upload.name = "good.csv"
    response = client.post("/api/v1/equity/import", {"file": upload, "dry_run": "true"})
    assert response.status_code == 200 and response.json()["valid"] and response.json()["created"] == 1
    upload = io.BytesIO(csv_bytes([with_(4, -1)]))
    upload.name = "bad.csv"
    bad = client.post("/api/v1/equity/import", {"file": upload})
    assert bad.status_code == 400 and bad.json()["problems"][0]["column"] == "在校生数"


HUGE = 2**63  # past SQLite's INTEGER and PostgreSQL's bigint; PositiveIntegerField is 32-bit on PostgreSQL


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("index", "value"),
    [(4, HUGE), (4, str(2**70)), (5, 2**31), (12, HUGE), (2, HUGE), (2, "2" * 30), (9, "1e300")],
)
def test_huge_numbers_are_problems_of_their_cell_not_a_crash(login, fmt, index, value):
    """Cells of 2^63 (and more) reached the database and answered 500; now the row and column say why."""
    rows = [with_(index, value)]
    content = csv_bytes(rows) if fmt == "csv" else xlsx(rows)
    report = run(content, filename=f"stats.{fmt}")
    assert not report.valid and not report.imported
    assert [(p.row, p.column) for p in report.problems] == [(2, HEADER[index])], report.problems
    client = login("yongchuan_bureau")
    upload = io.BytesIO(content)
    upload.name = f"stats.{fmt}"
    response = client.post("/api/v1/equity/import", {"file": upload})
    assert response.status_code == 400
    assert response.json()["problems"][0]["column"] == HEADER[index]
