"""Knowledge graph: prerequisites without cycles, CSV import/export, the demo graphs."""

from __future__ import annotations

import pytest

from educloud.learning import selectors, services
from educloud.learning.graph import cycle_if_added, find_cycle, find_path, layers
from educloud.learning.models import KnowledgePoint, Prerequisite
from educloud.learning.tabular import ImportRejected
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied

from .conftest import csv_file, user

HEADER = ["学科", "学段", "编码", "名称", "说明", "先修知识点"]


# ------------------------------------------------------------------ pure helpers


def test_path_cycle_and_layers_on_plain_graphs():
    g = {"A": ["B"], "B": ["C"], "C": [], "D": ["C"]}
    assert find_path(g, "A", "C") == ["A", "B", "C"]
    assert find_path(g, "C", "A") is None
    assert cycle_if_added(g, "C", "A") == ["C", "A", "B", "C"]
    assert cycle_if_added(g, "A", "D") is None
    assert find_cycle(g) is None
    assert find_cycle({**g, "C": ["A"]}) in (["A", "B", "C", "A"], ["B", "C", "A", "B"], ["C", "A", "B", "C"])
    assert find_cycle({"X": ["X"]}) == ["X", "X"]
    assert layers("ABCD", g) == {"A": 0, "B": 1, "C": 2, "D": 0}


# ------------------------------------------------------------------ prerequisites


@pytest.mark.django_db
def test_an_edge_closing_a_cycle_is_rejected_with_the_cycle_named(make_point):
    make_point("T-A", "甲")
    make_point("T-B", "乙")
    make_point("T-C", "丙")
    services.prerequisite_add(actor=None, prerequisite="T-A", point="T-B")
    services.prerequisite_add(actor=None, prerequisite="T-B", point="T-C")
    with pytest.raises(InvalidInput) as exc:
        services.prerequisite_add(actor=None, prerequisite="T-C", point="T-A")
    assert "丙 → 甲 → 乙 → 丙" in exc.value.message
    assert not Prerequisite.objects.filter(prerequisite__code="T-C").exists()
    with pytest.raises(InvalidInput, match="自己的先修"):
        services.prerequisite_add(actor=None, prerequisite="T-A", point="T-A")
    with pytest.raises(NotFound):
        services.prerequisite_add(actor=None, prerequisite="T-A", point="NOPE")
    # adding an existing edge again is a no-op
    services.prerequisite_add(actor=None, prerequisite="T-A", point="T-B")
    assert Prerequisite.objects.filter(prerequisite__code="T-A", point__code="T-B").count() == 1


@pytest.mark.django_db
def test_only_curriculum_bureaus_edit_the_graph(make_point):
    make_point("T-A")
    make_point("T-B")
    for username in ("teacher", "student", "school_admin", "enterprise"):
        with pytest.raises(PermissionDenied):
            services.prerequisite_add(actor=user(username), prerequisite="T-A", point="T-B")
    services.prerequisite_add(actor=user("yongchuan_bureau"), prerequisite="T-A", point="T-B")


@pytest.mark.django_db
def test_knowledge_point_validation(make_point):
    with pytest.raises(InvalidInput, match="学科"):
        services.knowledge_point_create(actor=None, subject="炼金术", stage="初中", code="X1", name="x")
    with pytest.raises(InvalidInput, match="编码"):
        services.knowledge_point_create(actor=None, subject="数学", stage="初中", code="有 空格", name="x")
    make_point("T-DUP")
    with pytest.raises(InvalidInput, match="已被使用"):
        make_point("T-DUP")


# ------------------------------------------------------------------ CSV import / export


def graph_csv(*rows: list[str]) -> bytes:
    return csv_file([HEADER, *rows])


@pytest.mark.django_db
def test_import_creates_points_and_edges_then_is_idempotent():
    data = graph_csv(
        ["数学", "小学", "P-1", "数的认识", "", ""],
        ["数学", "小学", "P-2", "加法", "两位数加法", "P-1"],
        ["数学", "小学", "P-3", "乘法", "", "P-1；P-2"],
    )
    report = services.knowledge_graph_import(actor=None, data=data)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert set(
        Prerequisite.objects.filter(point__code="P-3").values_list("prerequisite__code", flat=True)
    ) == {"P-1", "P-2"}
    again = services.knowledge_graph_import(actor=None, data=data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Prerequisite.objects.filter(point__code__startswith="P-").count() == 3


@pytest.mark.django_db
def test_a_listed_point_gets_exactly_the_prerequisites_in_the_file():
    services.knowledge_graph_import(
        actor=None,
        data=graph_csv(["数学", "小学", "P-1", "一", "", ""], ["数学", "小学", "P-2", "二", "", "P-1"]),
    )
    services.knowledge_graph_import(actor=None, data=graph_csv(["数学", "小学", "P-2", "二（改）", "", ""]))
    p2 = KnowledgePoint.objects.get(code="P-2")
    assert p2.name == "二（改）" and not Prerequisite.objects.filter(point=p2).exists()


@pytest.mark.django_db
def test_export_then_import_is_a_round_trip_with_no_changes():
    exported = selectors.graph_export(subject="数学", stage="junior")
    assert exported.startswith("\ufeff".encode())  # Excel reads the Chinese
    report = services.knowledge_graph_import(actor=None, data=exported, filename="export.csv")
    assert report.created == 0 and report.updated == 0 and report.unchanged == 30


@pytest.mark.django_db
def test_row_errors_name_row_column_and_problem_and_nothing_is_imported():
    data = graph_csv(
        ["数学", "小学", "P-1", "好的一行", "", ""],
        ["化学课", "小学", "P-2", "学科错", "", ""],
        ["数学", "大学", "P-3", "学段错", "", ""],
        ["数学", "小学", "P-1", "编码重复", "", ""],
        ["数学", "小学", "P-5", "", "", "NOPE-9"],
    )
    with pytest.raises(ImportRejected) as exc:
        services.knowledge_graph_import(actor=None, data=data)
    found = {(e.row, e.column) for e in exc.value.errors}
    assert {(3, "学科"), (4, "学段"), (5, "编码"), (6, "名称"), (6, "先修知识点")} <= found
    assert "NOPE-9" in str(exc.value.errors)
    assert not KnowledgePoint.objects.filter(code__in=["P-1", "P-2", "P-3", "P-5"]).exists()


@pytest.mark.django_db
def test_a_cycle_in_the_file_or_with_stored_edges_is_rejected_with_its_path():
    with pytest.raises(ImportRejected) as exc:
        services.knowledge_graph_import(
            actor=None,
            data=graph_csv(
                ["数学", "小学", "P-1", "甲", "", "P-3"],
                ["数学", "小学", "P-2", "乙", "", "P-1"],
                ["数学", "小学", "P-3", "丙", "", "P-2"],
            ),
        )
    assert "循环" in exc.value.errors[0].problem and " → " in exc.value.errors[0].problem
    assert not KnowledgePoint.objects.filter(code="P-1").exists()
    # against the stored demo graph: 有理数 (MJ-01) cannot require 一次函数 (MJ-21)
    with pytest.raises(ImportRejected) as exc:
        services.knowledge_graph_import(
            actor=None, data=graph_csv(["数学", "初中", "MJ-01", "有理数", "", "MJ-21"])
        )
    assert "有理数 →" in exc.value.errors[0].problem and exc.value.errors[0].row == 2


@pytest.mark.django_db
def test_bad_files():
    with pytest.raises(InvalidInput, match="文件为空"):
        services.knowledge_graph_import(actor=None, data=b"")
    with pytest.raises(InvalidInput, match="没有数据行"):
        services.knowledge_graph_import(actor=None, data=csv_file([HEADER]))
    with pytest.raises(ImportRejected) as exc:
        services.knowledge_graph_import(actor=None, data=csv_file([["subject", "code"], ["数学", "X"]]))
    assert {e.column for e in exc.value.errors} == {"学科", "学段", "编码", "名称"}
    with pytest.raises(InvalidInput, match="CSV 或 Excel"):
        services.knowledge_graph_import(actor=None, data=b"x", filename="graph.pdf")
    with pytest.raises(PermissionDenied):
        services.knowledge_graph_import(
            actor=user("teacher"), data=graph_csv(["数学", "小学", "P-1", "一", "", ""])
        )


@pytest.mark.django_db
def test_gbk_encoded_csv_from_chinese_excel_is_read():
    data = csv_file([HEADER, ["数学", "小学", "P-GBK", "分数", "", ""]], encoding="gbk")
    services.knowledge_graph_import(actor=None, data=data)
    assert KnowledgePoint.objects.get(code="P-GBK").name == "分数"


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    report = services.knowledge_graph_import(
        actor=None, data=graph_csv(["数学", "小学", "P-D", "一", "", ""]), dry_run=True
    )
    assert report.created == 1 and report.dry_run
    assert not KnowledgePoint.objects.filter(code="P-D").exists()


# ------------------------------------------------------------------ demo graphs


@pytest.mark.django_db
def test_demo_graphs_are_sensible():
    math = {p.code: p for p in KnowledgePoint.objects.filter(subject="数学", stage="junior")}
    assert len(math) >= 25
    names = {p.name for p in math.values()}
    for needed in (
        "有理数",
        "整式",
        "一元一次方程",
        "二元一次方程组",
        "平面直角坐标系",
        "一次函数",
        "勾股定理",
        "全等三角形",
        "二次根式",
        "一元二次方程",
        "二次函数",
        "相似三角形",
        "圆",
        "概率初步",
    ):
        assert needed in names
    assert any("不等式" in n for n in names)
    assert KnowledgePoint.objects.filter(subject="物理", stage="junior").count() >= 12
    edges = list(Prerequisite.objects.values_list("prerequisite__name", "point__name"))
    assert ("一次函数", "二次函数") in edges and ("一元二次方程", "二次函数") in edges
    assert ("二次根式", "勾股定理") in edges
    adj: dict[str, list[str]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
    assert find_cycle(adj) is None
    assert all(p.is_synthetic for p in math.values())
