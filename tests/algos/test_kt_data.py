"""Tests for educloud.algos.kt_data: the three-line reader and the long-format Responses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from educloud.algos.kt_data import Responses, parse_three_line, read_three_line, split_by_student

GOOD = """3
4,8,4,
0,1,1,

2
1000,7
1,0
"""


def test_parse_long_format_with_trailing_commas_and_blank_lines() -> None:
    r = parse_three_line(GOOD.splitlines())
    np.testing.assert_array_equal(r.student, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(r.skill, [4, 8, 4, 1000, 7])  # ids kept as in the file
    np.testing.assert_array_equal(r.correct, [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(r.order, [0, 1, 2, 0, 1])
    assert r.n_students == 2
    np.testing.assert_array_equal(r.skills, [4, 7, 8, 1000])
    assert all(a.dtype == np.int64 for a in (r.student, r.skill, r.correct, r.order))


def test_read_three_line_from_file(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text(GOOD + "\n\n", encoding="utf-8")
    r = read_three_line(path)
    assert len(r) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("\n\n  \n", "empty file"),
        ("3\n1,2\n0,1,1\n", "line 2: ragged sequence"),
        ("2\n1,2\n0,1,1\n", "line 3: ragged sequence"),
        ("2\n1,2\n0,2\n", "line 3: responses must be 0 or 1, found 2"),
        ("2\n1,x\n0,1\n", "line 2: skill ids must be integers"),
        ("2\n1,2.5\n0,1\n", "line 2: skill ids must be integers"),
        ("2\n1,2\n0,yes\n", "line 3: responses must be integers"),
        ("two\n1,2\n0,1\n", "line 1"),
        ("2,3\n1,2\n0,1\n", "line 1: expected a single non-negative response count"),
        ("2\n1,2\n0,1\n1\n5\n", "line 4: incomplete student record"),
    ],
)
def test_bad_files_raise_with_line_number(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_three_line(text.splitlines(), source="bad.csv")


def test_line_numbers_count_blank_lines() -> None:
    with pytest.raises(ValueError, match="line 6: ragged"):
        parse_three_line("1\n3\n1\n\n2\n3\n1,1\n".splitlines())


def test_from_arrays_defaults_order_to_position_within_student() -> None:
    r = Responses.from_arrays([5, 3, 5, 3, 5], [1, 1, 2, 2, 1], [1, 0, 1, 1, 0])
    np.testing.assert_array_equal(r.order, [0, 0, 1, 1, 2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"student": [0, 0], "skill": [1], "correct": [0, 1]}, "same length"),
        ({"student": [0, 0], "skill": [1, 1], "correct": [0, 2]}, "correct must be 0 or 1"),
        ({"student": [0, 0], "skill": [1.5, 1], "correct": [0, 1]}, "skill must hold integers"),
        ({"student": [0, 0], "skill": ["a", "b"], "correct": [0, 1]}, "skill must hold integers"),
        ({"student": [0, 0], "skill": [1, np.nan], "correct": [0, 1]}, "NaN"),
        ({"student": [[0, 0]], "skill": [1, 1], "correct": [0, 1]}, "1-dimensional"),
        ({"student": [0, 0], "skill": [1, 1], "correct": [0, 1], "order": [0, 0]}, "unique"),
        ({"student": [0, 0], "skill": [1, 1], "correct": [0, 1], "order": [-1, 0]}, "non-negative"),
        ({"student": [0, 0], "skill": [1, 1], "correct": [0, 1], "order": [0]}, "same length"),
    ],
)
def test_from_arrays_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Responses.from_arrays(**kwargs)  # type: ignore[arg-type]


def test_coerce_accepts_mappings_and_rejects_others() -> None:
    r = Responses.coerce({"student": [0, 0], "skill": [1, 2], "correct": [True, False]})
    np.testing.assert_array_equal(r.correct, [1, 0])
    with pytest.raises(ValueError, match="missing column"):
        Responses.coerce({"student": [0], "skill": [1]})
    with pytest.raises(ValueError, match="expected a Responses"):
        Responses.coerce([[0, 1, 1]])


def test_split_by_student_is_disjoint_and_complete() -> None:
    rng = np.random.default_rng(0)
    student = np.repeat(np.arange(50), 4)
    r = Responses.from_arrays(student, rng.integers(0, 5, 200), rng.integers(0, 2, 200))
    a, b = split_by_student(r, test_fraction=0.3, random_state=1)
    assert len(a) + len(b) == len(r)
    assert not set(a.student) & set(b.student)
    assert b.n_students == 15
    with pytest.raises(ValueError, match="test_fraction"):
        split_by_student(r, test_fraction=1.5)
