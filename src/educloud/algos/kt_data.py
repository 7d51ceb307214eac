"""Knowledge-tracing response logs: reading the three-line format and the long format the models use.

What this module owns
---------------------
* :class:`Responses` — a *long-format* response log: four aligned 1-D integer arrays,
  ``student`` (an index, not a real identifier), ``skill`` (the skill id as it appears in the
  source), ``correct`` (0/1) and ``order`` (the position of the response within its student's
  sequence, 0-based). Every model in :mod:`educloud.algos.kt` consumes this.
* :func:`read_three_line` / :func:`parse_three_line` — the "three lines per student" text format used
  by the DKT/DKVMN benchmark files (line 1: number of responses; line 2: comma-separated skill ids;
  line 3: comma-separated 0/1 responses). Trailing commas, surrounding whitespace and blank lines
  are tolerated; anything else that is wrong raises :class:`ValueError` naming the (1-based) line.

Invariants of a :class:`Responses`
----------------------------------
* all four arrays have the same length and dtype ``int64``; ``correct`` is 0 or 1;
* ``student`` indices are ``0..n_students-1`` in order of first appearance in the file;
* ``(student, order)`` pairs are unique; a model must predict a response using only the same
  student's responses with a smaller ``order``.

Nothing about a particular dataset (number of skills, sequence lengths, skill numbering) is assumed:
it is all read from the data. Read next: :mod:`educloud.algos.kt` (the models).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Responses", "parse_three_line", "read_three_line", "split_by_student"]

IntArray = NDArray[np.int64]


def _as_int_vector(values: ArrayLike, name: str) -> IntArray:
    """Return ``values`` as a 1-D int64 array, refusing non-integer or non-finite entries."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integers, got non-integer values")
        return arr.astype(np.int64)
    raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")


@dataclass(frozen=True)
class Responses:
    """A long-format response log (see the module docstring for the invariants).

    Build one with :meth:`from_arrays` (validates) or :func:`read_three_line`.
    """

    student: IntArray
    skill: IntArray
    correct: IntArray
    order: IntArray

    @classmethod
    def from_arrays(
        cls,
        student: ArrayLike,
        skill: ArrayLike,
        correct: ArrayLike,
        order: ArrayLike | None = None,
    ) -> Responses:
        """Validate and wrap four aligned arrays.

        ``order`` defaults to the position of each row among its student's rows (row order).
        Raises :class:`ValueError` for mismatched lengths, non-integer values, responses other than
        0/1, negative ``order`` or a ``(student, order)`` pair that appears twice.
        """
        student_arr = _as_int_vector(student, "student")
        skill_arr = _as_int_vector(skill, "skill")
        correct_arr = _as_int_vector(correct, "correct")
        n = len(student_arr)
        if len(skill_arr) != n or len(correct_arr) != n:
            raise ValueError(
                f"student, skill and correct must have the same length, "
                f"got {n}, {len(skill_arr)} and {len(correct_arr)}"
            )
        if n and not np.all((correct_arr == 0) | (correct_arr == 1)):
            bad = correct_arr[(correct_arr != 0) & (correct_arr != 1)][0]
            raise ValueError(f"correct must be 0 or 1, found {bad}")
        if order is None:
            order_arr = _positions_within_groups(student_arr)
        else:
            order_arr = _as_int_vector(order, "order")
            if len(order_arr) != n:
                raise ValueError(f"order must have the same length as student ({n}), got {len(order_arr)}")
            if n and order_arr.min() < 0:
                raise ValueError("order must be non-negative")
            if n:
                idx = np.lexsort((order_arr, student_arr))
                dup = (np.diff(student_arr[idx]) == 0) & (np.diff(order_arr[idx]) == 0)
                if dup.any():
                    i = idx[int(np.argmax(dup))]
                    raise ValueError(
                        f"(student, order) pairs must be unique; student {student_arr[i]} "
                        f"has two responses with order {order_arr[i]}"
                    )
        return cls(student_arr, skill_arr, correct_arr, order_arr)

    @classmethod
    def coerce(cls, data: Any) -> Responses:
        """Accept a :class:`Responses` or a mapping with keys student, skill, correct[, order]."""
        if isinstance(data, Responses):
            return data
        if isinstance(data, Mapping):
            missing = [k for k in ("student", "skill", "correct") if k not in data]
            if missing:
                raise ValueError(f"response data is missing column(s): {', '.join(missing)}")
            return cls.from_arrays(data["student"], data["skill"], data["correct"], data.get("order"))
        raise ValueError(
            f"expected a Responses or a mapping with student/skill/correct arrays, got {type(data).__name__}"
        )

    def __len__(self) -> int:
        return len(self.student)

    @property
    def n_students(self) -> int:
        """Number of distinct students."""
        return len(np.unique(self.student))

    @property
    def skills(self) -> IntArray:
        """Sorted distinct skill ids."""
        return np.unique(self.skill)

    def subset(self, mask: NDArray[np.bool_] | IntArray) -> Responses:
        """Rows selected by a boolean mask or an index array (no re-validation needed)."""
        return Responses(self.student[mask], self.skill[mask], self.correct[mask], self.order[mask])


def _positions_within_groups(group: IntArray) -> IntArray:
    """For each row, how many earlier rows share its group (stable, vectorized)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.argsort(group, kind="stable")
    g = group[idx]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    pos = np.empty(n, dtype=np.int64)
    pos[idx] = np.arange(n) - run_start
    return pos


def _split_ints(text: str, line_no: int, what: str) -> list[int]:
    fields = [f.strip() for f in text.strip().split(",")]
    while fields and fields[-1] == "":  # trailing comma(s)
        fields.pop()
    out: list[int] = []
    for f in fields:
        try:
            out.append(int(f))
        except ValueError:
            raise ValueError(f"line {line_no}: {what} must be integers, found {f!r}") from None
    return out


def parse_three_line(lines: Iterable[str], *, source: str = "<input>") -> Responses:
    """Parse the three-lines-per-student format (see the module docstring) into :class:`Responses`.

    Blank lines anywhere are skipped. Error messages quote ``source`` and the 1-based line number.
    """
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip()]
    if not numbered:
        raise ValueError(f"{source}: empty file, no student records found")
    if len(numbered) % 3 != 0:
        last_no = numbered[len(numbered) - len(numbered) % 3][0]
        raise ValueError(
            f"{source}: line {last_no}: incomplete student record; expected three lines per student "
            f"(count, skills, responses), found {len(numbered)} non-blank lines"
        )
    students: list[IntArray] = []
    skills: list[IntArray] = []
    corrects: list[IntArray] = []
    orders: list[IntArray] = []
    for k in range(0, len(numbered), 3):
        (n_no, n_line), (s_no, s_line), (c_no, c_line) = numbered[k : k + 3]
        try:
            counts = _split_ints(n_line, n_no, "the response count")
            skill_ids = _split_ints(s_line, s_no, "skill ids")
            resp = _split_ints(c_line, c_no, "responses")
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
        if len(counts) != 1 or counts[0] < 0:
            raise ValueError(
                f"{source}: line {n_no}: expected a single non-negative response count, "
                f"found {n_line.strip()!r}"
            )
        count = counts[0]
        if len(skill_ids) != count:
            raise ValueError(
                f"{source}: line {s_no}: ragged sequence, count on line {n_no} is {count} "
                f"but {len(skill_ids)} skill ids are given"
            )
        if len(resp) != count:
            raise ValueError(
                f"{source}: line {c_no}: ragged sequence, count on line {n_no} is {count} "
                f"but {len(resp)} responses are given"
            )
        resp_arr = np.asarray(resp, dtype=np.int64)
        bad = (resp_arr != 0) & (resp_arr != 1)
        if bad.any():
            raise ValueError(
                f"{source}: line {c_no}: responses must be 0 or 1, found {resp_arr[bad][0]} "
                f"at position {int(np.argmax(bad)) + 1}"
            )
        student_index = k // 3
        students.append(np.full(count, student_index, dtype=np.int64))
        skills.append(np.asarray(skill_ids, dtype=np.int64))
        corrects.append(resp_arr)
        orders.append(np.arange(count, dtype=np.int64))
    return Responses(
        np.concatenate(students), np.concatenate(skills), np.concatenate(corrects), np.concatenate(orders)
    )


def read_three_line(path: str | PathLike[str]) -> Responses:
    """Read a three-lines-per-student file (UTF-8) into :class:`Responses`."""
    p = Path(path)
    with p.open(encoding="utf-8") as fh:
        return parse_three_line(fh, source=str(p))


def split_by_student(
    data: Responses, *, test_fraction: float = 0.2, random_state: int | None = 0
) -> tuple[Responses, Responses]:
    """Split a log into two logs with disjoint students (for tuning without touching a test file)."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    students = np.unique(data.student)
    if len(students) < 2:
        raise ValueError("need at least two students to split by student")
    rng = np.random.default_rng(random_state)
    n_test = min(max(1, round(test_fraction * len(students))), len(students) - 1)
    test_students = rng.choice(students, size=n_test, replace=False)
    is_test = np.isin(data.student, test_students)
    return data.subset(~is_test), data.subset(is_test)
