"""The ``educloud kt evaluate`` contract: one JSON object, or one line on stderr and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import ManagementUtility

ASSIST = Path("/work/shared/datasets/kt/assist2009")
EDUCLOUD = str(Path(sys.executable).parent / "educloud")


def three_line(students: list[tuple[list[int], list[int]]]) -> str:
    return "".join(f"{len(s)}\n{','.join(map(str, s))}\n{','.join(map(str, c))}\n" for s, c in students)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def small(tmp_path: Path) -> tuple[str, str]:
    """A train file where skill 1 is learned quickly and skill 2 stays hard; a test file like it."""
    train = [
        ([1, 1, 1, 2, 2, 2], [0, 1, 1, 0, 0, 1]),
        ([1, 1, 2, 2], [1, 1, 0, 0]),
        ([2, 1, 2, 1], [0, 0, 1, 1]),
    ] * 5
    test = [([1, 1, 2, 2, 1], [0, 1, 0, 1, 1]), ([2, 2, 1], [0, 0, 1])]
    return write(tmp_path, "train.txt", three_line(train)), write(tmp_path, "test.txt", three_line(test))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``educloud <argv>`` in-process, as the console script does."""
    code = 0
    try:
        ManagementUtility(["educloud", *argv]).execute()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("model", ["bkt", "best"])
def test_evaluate_prints_one_json_object_with_the_contract_keys(small, capsys, model):
    code, out, err = run(
        ["kt", "evaluate", "--train", small[0], "--test", small[1], "--model", model, "--json"], capsys
    )
    assert code == 0, err
    result = json.loads(out)  # exactly one JSON document, nothing else on stdout
    assert {"model", "auc", "rmse", "n_test", "fit_seconds"} <= set(result)
    assert result["model"] == model
    assert result["n_test"] == 8
    assert 0.0 <= result["auc"] <= 1.0 and 0.0 <= result["rmse"] <= 1.0
    assert result["fit_seconds"] >= 0
    assert result["n_skills"] == 2 and result["n_test_unknown_skill"] == 0


def test_unknown_skills_in_test_fall_back_to_defaults_and_are_counted(tmp_path, small, capsys):
    test = write(tmp_path, "unknown.txt", three_line([([1, 7, 7, 9], [1, 0, 1, 1]), ([9, 1], [0, 1])]))
    code, out, err = run(
        ["kt", "evaluate", "--train", small[0], "--test", test, "--model", "bkt", "--json"], capsys
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["n_test"] == 6 and result["n_test_unknown_skill"] == 4


def test_a_test_file_with_one_class_reports_auc_null(tmp_path, small, capsys):
    test = write(tmp_path, "ones.txt", three_line([([1, 2], [1, 1])]))
    code, out, _ = run(
        ["kt", "evaluate", "--train", small[0], "--test", test, "--model", "bkt", "--json"], capsys
    )
    assert code == 0 and json.loads(out)["auc"] is None


def test_human_readable_output_without_json(small, capsys):
    code, out, _ = run(["kt", "evaluate", "--train", small[0], "--test", small[1], "--model", "bkt"], capsys)
    assert code == 0 and out.startswith("bkt (BKT): AUC ")


BAD = {
    "ragged": ("3\n1,2\n1,0,1\n", "ragged sequence"),
    "non_binary": ("3\n1,2,3\n1,2,1\n", "responses must be 0 or 1"),
    "empty": ("", "empty file"),
    "blank_lines_only": ("\n\n  \n", "empty file"),
    "not_integers": ("2\n1,x\n1,0\n", "must be integers"),
    "incomplete_record": ("2\n1,2\n1,0\n2\n", "incomplete student record"),
    "zero_length_records": ("0\n\n\n", None),  # blank lines are skipped: an incomplete record
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("role", ["train", "test"])
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(tmp_path, small, capsys, case, role):
    text, needle = BAD[case]
    bad = write(tmp_path, f"{case}.txt", text)
    train, test = (bad, small[1]) if role == "train" else (small[0], bad)
    code, out, err = run(
        ["kt", "evaluate", "--train", train, "--test", test, "--model", "bkt", "--json"], capsys
    )
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert role in lines[0]
    if needle:
        assert needle in lines[0]


def test_missing_file_directory_and_binary_file(tmp_path, small, capsys):
    code, _, err = run(["kt", "evaluate", "--train", str(tmp_path / "nope.txt"), "--test", small[1]], capsys)
    assert code == 2 and "train file not found" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["kt", "evaluate", "--train", small[0], "--test", str(tmp_path)], capsys)
    assert code == 2 and "directory" in err
    binary = tmp_path / "bin.dat"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    code, _, err = run(["kt", "evaluate", "--train", str(binary), "--test", small[1]], capsys)
    assert code == 2 and "UTF-8" in err


def test_a_training_file_with_a_single_class_cannot_fit_the_logistic_model(tmp_path, small, capsys):
    train = write(tmp_path, "all-right.txt", three_line([([1, 2, 1], [1, 1, 1])] * 3))
    code, _, err = run(["kt", "evaluate", "--train", train, "--test", small[1], "--model", "best"], capsys)
    assert code == 2 and "cannot fit best" in err and "Traceback" not in err


def test_unknown_model_is_a_usage_error(small, capsys):
    code, _, err = run(["kt", "evaluate", "--train", small[0], "--test", small[1], "--model", "dkt"], capsys)
    assert code == 2 and "invalid choice" in err


def test_the_console_script_itself_exits_2_without_a_traceback(tmp_path, small):
    """The real command line, in a subprocess, as a user runs it."""
    ragged = write(tmp_path, "ragged.txt", "3\n1,2\n1,0,1\n")
    proc = subprocess.run(
        [EDUCLOUD, "kt", "evaluate", "--train", ragged, "--test", small[1], "--model", "bkt", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and "ragged sequence" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not (ASSIST / "train.csv").exists(), reason="the shared ASSISTments 2009 split is absent")
def test_bkt_on_the_shared_assistments_2009_split(capsys):
    code, out, err = run(
        [
            "kt",
            "evaluate",
            "--train",
            str(ASSIST / "train.csv"),
            "--test",
            str(ASSIST / "test.csv"),
            "--model",
            "bkt",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["n_test"] == 101_419
    assert result["auc"] >= 0.70
