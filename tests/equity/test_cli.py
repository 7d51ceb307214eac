"""``educloud equity ...``: JSON for machines, tables for people, one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from inequality.gini import Gini
from inequality.theil import TheilD
from openpyxl import Workbook

pytestmark = pytest.mark.django_db

# FACTS §4: Cooper, Seiford & Tone, Table 1.5 (12 hospitals), input-oriented CCR and BCC scores.
HOSPITALS = """dmu,doctors,nurses,outpatients,inpatients,ccr,bcc
A,20,151,100,90,1,1
B,19,131,150,50,1,1
C,25,160,160,55,0.8827,0.8958
D,27,168,180,72,1,1
E,22,158,94,66,0.7635,0.8818
F,55,255,230,90,0.8348,0.9389
G,33,235,220,88,0.9020,1
H,31,206,152,80,0.7963,0.7988
I,30,244,190,100,0.9604,0.9893
J,50,268,250,100,0.8706,1
K,53,306,260,147,0.9551,1
L,38,284,250,120,0.9582,1
"""


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("equity", *args, stdout=out)
    return out.getvalue()


def fails(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture
def hospitals(tmp_path: Path) -> Path:
    path = tmp_path / "hospitals.csv"
    path.write_text(HOSPITALS)
    return path


@pytest.mark.parametrize(("rts", "column"), [("crs", 5), ("vrs", 6)])
def test_dea_reproduces_the_textbook_table(hospitals, rts, column):
    result = json.loads(
        run(
            "dea",
            str(hospitals),
            "--inputs",
            "doctors,nurses",
            "--outputs",
            "outpatients,inpatients",
            "--rts",
            rts,
            "--json",
        )
    )
    expected = {
        line.split(",")[0]: float(line.split(",")[column]) for line in HOSPITALS.strip().splitlines()[1:]
    }
    assert [r["dmu"] for r in result] == list(expected)
    for row in result:
        assert row["score"] == pytest.approx(expected[row["dmu"]], abs=6e-5)
        assert set(row["input_slacks"]) == {"doctors", "nurses"} and set(row["output_slacks"]) == {
            "outpatients",
            "inpatients",
        }
        assert row["efficient"] == (row["dmu"] in row["peers"])
    table = run("dea", str(hospitals), "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients")
    assert "CCR" in table and "0.8827" in table


def test_dea_xlsx_output_orientation_and_id_column(tmp_path):
    book = Workbook()
    sheet = book.active
    rows = [line.split(",") for line in HOSPITALS.strip().splitlines()]
    sheet.append(["doctors", "nurses", "outpatients", "inpatients", "name"])
    for r in rows[1:]:
        sheet.append([int(r[1]), int(r[2]), int(r[3]), int(r[4]), "医院" + r[0]])
    path = tmp_path / "h.xlsx"
    book.save(path)
    result = json.loads(
        run(
            "dea",
            str(path),
            "--inputs",
            "doctors,nurses",
            "--outputs",
            "outpatients,inpatients",
            "--orientation",
            "output",
            "--id-column",
            "name",
            "--json",
        )
    )
    scores = {r["dmu"]: r["score"] for r in result}
    assert scores["医院C"] == pytest.approx(1 / 0.8827, abs=2e-4)  # CCR: output score = 1 / input score
    no_names = json.loads(
        run("dea", str(path), "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients", "--json")
    )
    assert [r["dmu"] for r in no_names][:2] == ["1", "2"]  # first column is an input: rows are numbered


@pytest.mark.parametrize(
    ("content", "args", "text"),
    [
        ("dmu,x,y\nA,1,2\nB,0,3\n", ["--inputs", "x", "--outputs", "y"], "row 3"),
        ("dmu,x,y\nA,1,2\nB,-1,3\n", ["--inputs", "x", "--outputs", "y"], "负数"),
        ("dmu,x,y\nA,1,2\nB,abc,3\n", ["--inputs", "x", "--outputs", "y"], "不是数值"),
        ("dmu,x,y\nA,1,2\nB,,3\n", ["--inputs", "x", "--outputs", "y"], "缺少数值"),
        ("dmu,x,y\nA,1,2\n", ["--inputs", "x,z", "--outputs", "y"], "缺少列 'z'"),
        ("dmu,x,y\nA,1,2\nA,2,2\n", ["--inputs", "x", "--outputs", "y"], "more than once"),
        ("dmu,x,y\nA,1,2\n", ["--inputs", "x", "--outputs", "x"], "both an input and an output"),
        ("", ["--inputs", "x", "--outputs", "y"], "空"),
    ],
)
def test_dea_bad_input(tmp_path, content, args, text):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    message = fails("dea", str(path), *args, "--json")
    assert text.replace("row 3", "第 3 行") in message or text in message


def test_missing_file_and_unknown_extension(tmp_path):
    assert "not found" in fails("dea", str(tmp_path / "nope.csv"), "--inputs", "a", "--outputs", "b")
    other = tmp_path / "data.pdf"
    other.write_bytes(b"%PDF")
    assert "不支持的文件类型" in fails("inequality", str(other), "--value", "v")


def test_inequality_file_matches_pysal(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.lognormal(1, 0.5, 60).round(3)
    groups = np.array(["城区", "镇区", "乡村"])[rng.integers(0, 3, 60)]
    path = tmp_path / "v.csv"
    path.write_text(
        "value,pupils,group\n"
        + "\n".join(f"{v},{int(p)},{g}" for v, p, g in zip(x, rng.integers(50, 900, 60), groups, strict=True))
    )
    result = json.loads(run("inequality", str(path), "--value", "value", "--group", "group", "--json"))
    assert set(result) >= {"cv", "gini", "theil", "theil_between", "theil_within"}
    assert result["gini"] == pytest.approx(Gini(x).g, rel=1e-9)
    codes = np.unique(groups, return_inverse=True)[1]
    oracle = TheilD(x, codes)
    assert result["theil_between"] == pytest.approx(float(np.squeeze(oracle.bg)), rel=1e-8)
    assert result["theil_within"] == pytest.approx(float(np.squeeze(oracle.wg)), rel=1e-8)
    assert result["cv"] == pytest.approx(x.std() / x.mean(), rel=1e-9)
    weighted = json.loads(run("inequality", str(path), "--value", "value", "--weight", "pupils", "--json"))
    assert weighted["weighting"] == "pupils" and weighted["theil_between"] == 0
    assert weighted["theil_within"] == pytest.approx(weighted["theil"])
    assert "gini:" in run("inequality", str(path), "--value", "value")


@pytest.mark.parametrize(
    ("content", "args", "text"),
    [
        ("v\n1\n-2\n", ["--value", "v"], "负数"),
        ("v\n1\nx\n", ["--value", "v"], "不是数值"),
        ("v\n0\n0\n", ["--value", "v"], "mean is zero"),
        ("v,w\n1,0\n2,0\n", ["--value", "v", "--weight", "w"], "total weight is zero"),
        ("v\n1\n", ["--value", "nope"], "缺少列"),
        ("v,g\n1,\n2,a\n", ["--value", "v", "--group", "g"], "缺少值"),
    ],
)
def test_inequality_bad_input(tmp_path, content, args, text):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert text in fails("inequality", str(path), *args, "--json")


def test_report_circle_and_county():
    circle = json.loads(run("report", "--year", "2025", "--json"))
    assert circle["year"] == 2025 and len(circle["rankings"]["primary"]) == 142
    assert len(circle["inequality"]) == 7
    county = json.loads(run("report", "--year", "2025", "--county", "500118", "--json"))
    assert set(county["stages"]) == {"primary", "junior"} and county["stages"]["primary"]["schools"]
    assert [t["year"] for t in county["trend"]["junior"]] == [2023, 2024, 2025]
    text = run("report", "--county", "500118", "--stage", "primary")
    assert "永川区" in text and "差异系数" in text
    assert "名次" in run("report", "--stage", "junior")


def test_plan_json_costs_file_and_errors(tmp_path):
    result = json.loads(run("plan", "--county", "500118", "--year", "2025", "--json"))
    assert [p["stage"] for p in result["plans"]] == ["primary", "junior"]
    assert all(p["county_passes_after"] for p in result["plans"])
    costs = tmp_path / "costs.csv"
    costs.write_text("resource,unit_cost\nsports_ground_m2,1600\n")
    dearer = json.loads(
        run("plan", "--county", "500118", "--stage", "junior", "--costs", str(costs), "--json")
    )
    assert dearer["plans"][0]["unit_costs"]["ground_area_m2"] == 1600
    assert dearer["plans"][0]["total_cost"] > result["plans"][1]["total_cost"]
    budget = json.loads(
        run("plan", "--county", "500118", "--stage", "junior", "--budget", "1000000", "--json")
    )
    assert budget["plans"][0]["total_cost"] <= 1_000_000
    assert "万元" in run("plan", "--county", "500118", "--stage", "primary")
    bounds = tmp_path / "bounds.json"
    bounds.write_text(
        json.dumps({"max_additions": {"key_teachers": 0, "pe_art_teachers": 0, "senior_degree_teachers": 0}})
    )
    assert "学校达标约束不可满足" in fails(
        "plan", "--county", "500118", "--stage", "primary", "--costs", str(bounds)
    )
    assert "不在成渝" in fails("plan", "--county", "999999", "--json")
    assert "--stage" in fails("plan", "--county", "500118", "--budget", "5")
    assert "没有统计数据" in fails("plan", "--county", "500118", "--year", "1999")
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    assert "JSON" in fails("plan", "--county", "500118", "--costs", str(bad))


def test_import_command(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "学校代码,年份,学部,在校生数,专任教师数,高于规定学历教师数,县级及以上骨干教师数,体育艺术专任教师数,"
        "教学及辅助用房面积（平方米）,体育运动场馆面积（平方米）,教学仪器设备值（元）,网络多媒体教室数,年度经费投入（元）\n"
        "S5001180001,2030,小学部,500,30,25,6,5,2500,4000,1100000,12,7000000\n"
    )
    assert "would create 1" in run("import", str(path), "--dry-run")
    assert "created 1" in run("import", str(path))
    path.write_text(path.read_text().replace(",500,", ",0,"))
    assert "在校生数为 0" in fails("import", str(path))
