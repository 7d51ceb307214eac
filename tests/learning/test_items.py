"""Item bank import from CSV and Excel: row-level errors, all-or-nothing, dry run, template."""

from __future__ import annotations

import io

import pytest

from educloud.learning import selectors, services
from educloud.learning.models import Item
from educloud.learning.tabular import ImportRejected
from educloud.lib.errors import InvalidInput, PermissionDenied

from .conftest import csv_file, user, xlsx_file

H = ["编号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "难度", "知识点", "外部IRI"]
GOOD = [
    ["T-1", "单选", "1 + 1 =（　）", "1", "2", "3", "4", "b", "1", "MJ-02", ""],
    ["T-2", "多选", "哪些是负数", "−1", "0", "−2", "", "A、C", "", "MJ-01", ""],
    ["T-3", "填空", "2 × 3 = ___", "", "", "", "", "6", "2", "MJ-02；MJ-01", "https://h5p.example.cn/a/3"],
    ["T-4", "判断", "0 是正数。", "", "", "", "", "错", "", "MJ-01", ""],
]


def load(data: bytes, name: str = "items.csv", **kw):  # type: ignore[no-untyped-def]
    return services.items_import(actor=user("teacher"), data=data, filename=name, **kw)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_csv_and_excel_normalizes_answers_and_tags_points(fmt):
    data = csv_file([H, *GOOD]) if fmt == "csv" else xlsx_file([H, *GOOD])
    report = load(data, f"items.{fmt}")
    assert (report.created, report.updated) == (4, 0)
    items = {i.code: i for i in Item.objects.filter(code__startswith="T-")}
    assert (
        items["T-1"].answer == "B"
        and items["T-1"].options == ["1", "2", "3", "4"]
        and items["T-1"].difficulty == 1
    )
    assert items["T-2"].answer == "AC" and items["T-2"].options == ["−1", "0", "−2"]
    assert items["T-4"].answer == "false" and items["T-4"].options == []
    assert items["T-3"].iri == "https://h5p.example.cn/a/3"
    assert sorted(items["T-3"].knowledge_points.values_list("code", flat=True)) == ["MJ-01", "MJ-02"]
    again = load(data, f"items.{fmt}")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


@pytest.mark.django_db
def test_reimport_with_changes_updates():
    load(csv_file([H, *GOOD]))
    changed = [row[:] for row in GOOD]
    changed[0][7] = "C"
    changed[0][9] = "MJ-01"
    report = load(csv_file([H, *changed]))
    assert (report.updated, report.unchanged) == (1, 3)
    item = Item.objects.get(code="T-1")
    assert item.answer == "C" and list(item.knowledge_points.values_list("code", flat=True)) == ["MJ-01"]


BAD_ROWS = {
    "no code": (["", "单选", "x", "1", "2", "", "", "A", "", "MJ-01", ""], "编号"),
    "bad type": (["B-2", "问答", "x", "", "", "", "", "x", "", "MJ-01", ""], "题型"),
    "empty stem": (["B-3", "填空", "", "", "", "", "", "1", "", "MJ-01", ""], "题干"),
    "answer not an option": (["B-4", "单选", "x", "1", "2", "", "", "D", "", "MJ-01", ""], "答案"),
    "two answers to single": (["B-5", "单选", "x", "1", "2", "", "", "AB", "", "MJ-01", ""], "答案"),
    "one answer to multi": (["B-6", "多选", "x", "1", "2", "3", "", "A", "", "MJ-01", ""], "答案"),
    "one option": (["B-7", "单选", "x", "1", "", "", "", "A", "", "MJ-01", ""], "选项A"),
    "gap in options": (["B-8", "单选", "x", "1", "", "3", "", "A", "", "MJ-01", ""], "选项B"),
    "options on fill": (["B-9", "填空", "x", "1", "", "", "", "1", "", "MJ-01", ""], "选项A"),
    "true/false answer": (["B-10", "判断", "x", "", "", "", "", "也许", "", "MJ-01", ""], "答案"),
    "difficulty": (["B-11", "填空", "x", "", "", "", "", "1", "9", "MJ-01", ""], "难度"),
    "difficulty text": (["B-12", "填空", "x", "", "", "", "", "1", "难", "MJ-01", ""], "难度"),
    "no point": (["B-13", "填空", "x", "", "", "", "", "1", "", "", ""], "知识点"),
    "unknown point": (["B-14", "填空", "x", "", "", "", "", "1", "", "ZZ-99", ""], "知识点"),
    "bad iri": (["B-15", "填空", "x", "", "", "", "", "1", "", "MJ-01", "not an iri"], "外部IRI"),
    "empty answer": (["B-16", "填空", "x", "", "", "", "", "", "", "MJ-01", ""], "答案"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_each_bad_row_is_reported_with_row_and_column_and_nothing_is_imported(case):
    row, column = BAD_ROWS[case]
    with pytest.raises(ImportRejected) as exc:
        load(csv_file([H, *GOOD, row]))
    errors = exc.value.errors
    assert any(e.row == 6 and e.column == column for e in errors), errors
    assert all(e.problem for e in errors)
    assert not Item.objects.filter(code__startswith="T-").exists()  # the good rows were not imported either


@pytest.mark.django_db
def test_duplicate_codes_and_iris_in_the_file_or_the_bank():
    dup = [GOOD[0], GOOD[0][:]]
    with pytest.raises(ImportRejected) as exc:
        load(csv_file([H, *dup]))
    assert (3, "编号") in {(e.row, e.column) for e in exc.value.errors}
    load(csv_file([H, GOOD[2]]))
    other = ["T-9", "填空", "y", "", "", "", "", "1", "", "MJ-01", "https://h5p.example.cn/a/3"]
    with pytest.raises(ImportRejected) as exc:
        load(csv_file([H, other]))
    assert "T-3" in exc.value.errors[0].problem


@pytest.mark.django_db
def test_excel_rows_are_numbered_as_in_the_spreadsheet_and_numbers_are_read_as_text():
    rows = [
        H,
        GOOD[0],
        [],
        ["X-1", "填空", "x", None, None, None, None, 12, 3.0, "MJ-01", None],
        ["X-2", "填空", "x", None, None, None, None, 1, 7, "MJ-01", None],
    ]
    with pytest.raises(ImportRejected) as exc:
        load(xlsx_file(rows), "bank.xlsx")
    assert [(e.row, e.column) for e in exc.value.errors] == [(5, "难度")]


@pytest.mark.django_db
def test_dry_run_validates_and_counts_but_writes_nothing():
    report = load(csv_file([H, *GOOD]), dry_run=True)
    assert report.created == 4 and report.dry_run
    assert not Item.objects.filter(code__startswith="T-").exists()


@pytest.mark.django_db
def test_unreadable_files_are_refused_with_a_reason():
    with pytest.raises(InvalidInput, match="xlsx"):
        load(b"PK\x03\x04 not really a zip", "bank.xlsx")
    with pytest.raises(InvalidInput, match=r"\.xls"):
        load(b"\xd0\xcf\x11\xe0", "bank.xls")
    with pytest.raises(InvalidInput, match="文件为空"):
        load(b"   \n", "bank.csv")
    with pytest.raises(InvalidInput, match="没有数据行"):
        load(csv_file([H]))
    with pytest.raises(ImportRejected):
        load(csv_file([["题号", "问题"], ["1", "x"]]))


@pytest.mark.django_db
def test_students_cannot_import_or_list_items():
    with pytest.raises(PermissionDenied):
        services.items_import(actor=user("student"), data=csv_file([H, *GOOD]), filename="x.csv")
    with pytest.raises(PermissionDenied):
        selectors.item_list(actor=user("student"))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_downloadable_template_imports_cleanly(fmt):
    data, filename, _ = selectors.items_template(fmt=fmt)
    assert filename.endswith(fmt)
    report = load(data, filename, dry_run=True)
    assert report.created == 4
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data))
        assert wb.sheetnames == ["题目", "说明"]
        assert [c.value for c in wb["题目"][1]] == list(services.ITEM_COLUMNS)


@pytest.mark.django_db
def test_grading():
    single = Item(type="single", options=["a", "b"], answer="B")
    assert services.answer_is_correct(
        single, services.normalize_answer(type="single", options=["a", "b"], raw=" b ")
    )
    multi = Item(type="multi", options=["a", "b", "c"], answer="AC")
    assert services.answer_is_correct(
        multi, services.normalize_answer(type="multi", options=multi.options, raw="C,A")
    )
    assert not services.answer_is_correct(
        multi, services.normalize_answer(type="multi", options=multi.options, raw="A")
    )
    fill = Item(type="fill", options=[], answer="(x+3)(x-3)|(x-3)(x+3)")
    assert services.answer_is_correct(fill, "（X + 3）（x − 3）")
    assert not services.answer_is_correct(fill, "x+3")
    tf = Item(type="true_false", options=[], answer="false")
    assert services.answer_is_correct(tf, services.normalize_answer(type="true_false", options=[], raw="×"))
    with pytest.raises(InvalidInput):
        services.normalize_answer(type="single", options=["a", "b"], raw="Z")


@pytest.mark.django_db
@pytest.mark.parametrize("difficulty", ["²", "⑤", str(2**63), "6"])
def test_difficulty_that_looks_like_digits_is_a_row_error_not_a_crash(difficulty):
    """``"²".isdigit()`` is true and ``int("²")`` raises: the import answered 500 for such a cell."""
    row = ["B-20", "填空", "x", "", "", "", "", "1", difficulty, "MJ-01", ""]
    with pytest.raises(ImportRejected) as exc:
        load(csv_file([H, *GOOD, row]))
    assert any(e.row == 6 and e.column == "难度" for e in exc.value.errors), exc.value.errors
