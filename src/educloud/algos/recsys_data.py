"""Implicit-feedback interaction logs for the recommender: reading JSON lines and building matrices.

What this module owns
---------------------
* :class:`Interactions` — a long-format log: aligned 1-D int64 arrays ``user``, ``item`` (indices as in
  the source) and ``order`` (position of the row within its user's rows in the file, 0-based). The
  file order is kept because the order of a learner's courses carries signal (see ADR 0015).
* :func:`read_interactions` / :func:`parse_interactions` — JSON lines ``{"user": u, "item": i}``
  (the CNPC / MOOCCube files of PolyDataLab/Explainable_Course_Recommendation); an optional
  ``"weight"`` (>= 0) per line. Blank lines are skipped; anything else that is wrong raises
  :class:`ValueError` naming the 1-based line.
* :func:`read_course_info` — the CNPC course side information (``course_idx2``, ``discipline``,
  ``course_length``) as an item-feature matrix (one-hot discipline, length bins).
* :meth:`Interactions.to_csr` — the ``(n_users, n_items)`` CSR matrix the estimators take
  (duplicates summed).

Nothing dataset-specific is assumed beyond the field names. Read next: :mod:`educloud.algos.recsys`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "Interactions",
    "parse_course_info",
    "parse_interactions",
    "read_course_info",
    "read_interactions",
]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Interactions:
    """A long-format implicit-feedback log (see the module docstring for the invariants)."""

    user: IntArray
    item: IntArray
    order: IntArray
    weight: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.user.shape[0])

    @property
    def n_users(self) -> int:
        return int(self.user.max()) + 1 if len(self) else 0

    @property
    def n_items(self) -> int:
        return int(self.item.max()) + 1 if len(self) else 0

    def to_csr(self, n_users: int | None = None, n_items: int | None = None) -> sp.csr_matrix:
        """The ``(n_users, n_items)`` matrix of summed weights (shape grown to fit the data)."""
        nu = max(self.n_users, n_users or 0)
        ni = max(self.n_items, n_items or 0)
        m = sp.csr_matrix((self.weight, (self.user, self.item)), shape=(nu, ni), dtype=np.float64)
        m.sum_duplicates()
        return m

    def sequences(self) -> dict[int, list[int]]:
        """Each user's items in file order."""
        idx = np.lexsort((self.order, self.user))
        out: dict[int, list[int]] = {}
        for u, i in zip(self.user[idx].tolist(), self.item[idx].tolist(), strict=True):
            out.setdefault(u, []).append(i)
        return out


def _int_field(obj: dict[str, Any], key: str, lineno: int) -> int:
    if key not in obj:
        raise ValueError(f"line {lineno}: missing field {key!r}")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"line {lineno}: field {key!r} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"line {lineno}: field {key!r} must be a non-negative integer, got {value}")
    return value


def parse_interactions(lines: Iterable[str]) -> Interactions:
    """Parse JSON lines ``{"user": u, "item": i[, "weight": w]}`` (1-based line numbers in errors)."""
    users: list[int] = []
    items: list[int] = []
    weights: list[float] = []
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise ValueError(f'line {lineno}: expected a JSON object like {{"user": 0, "item": 3}}')
        users.append(_int_field(obj, "user", lineno))
        items.append(_int_field(obj, "item", lineno))
        w = obj.get("weight", 1.0)
        if isinstance(w, bool) or not isinstance(w, int | float) or not np.isfinite(w) or w < 0:
            raise ValueError(f"line {lineno}: field 'weight' must be a finite number >= 0, got {w!r}")
        weights.append(float(w))
    if not users:
        raise ValueError("no interactions: the input has no JSON lines")
    user = np.asarray(users, dtype=np.int64)
    order = np.zeros_like(user)
    counts: dict[int, int] = {}
    for k, u in enumerate(users):
        order[k] = counts.get(u, 0)
        counts[u] = order[k] + 1
    return Interactions(user, np.asarray(items, dtype=np.int64), order, np.asarray(weights, dtype=np.float64))


def _read_lines(path: str | PathLike[str]) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{p}: no such file")
    if p.suffix.lower() not in {".json", ".jsonl", ".ndjson"}:
        raise ValueError(
            f"{p}: unknown format {p.suffix or '(no suffix)'!r}; expected JSON lines (.json/.jsonl)"
        )
    try:
        return p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{p}: not UTF-8 text") from None


def read_interactions(path: str | PathLike[str]) -> Interactions:
    """Read a JSON-lines interaction file; errors name the file and line."""
    try:
        return parse_interactions(_read_lines(path))
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None


LENGTH_BINS = (35.0, 50.0, 63.0, 90.0)  # course length in days: quintile-like edges on CNPC


def parse_course_info(lines: Iterable[str]) -> tuple[sp.csr_matrix, list[str]]:
    """CNPC course info (``course_idx2``, ``discipline``, ``course_length``) → (features, names).

    One-hot discipline plus one-hot length bin (:data:`LENGTH_BINS`); rows indexed by ``course_idx2``.
    """
    rows: dict[int, tuple[str, float]] = {}
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"line {lineno}: expected a JSON object")
        idx = _int_field(obj, "course_idx2", lineno)
        disc = obj.get("discipline")
        if not isinstance(disc, str) or not disc:
            raise ValueError(f"line {lineno}: field 'discipline' must be a non-empty string")
        length = obj.get("course_length")
        if isinstance(length, bool) or not isinstance(length, int | float) or length < 0:
            raise ValueError(f"line {lineno}: field 'course_length' must be a number >= 0, got {length!r}")
        rows[idx] = (disc, float(length))
    if not rows:
        raise ValueError("no course rows")
    disciplines = sorted({d for d, _ in rows.values()})
    n_items = max(rows) + 1
    names = [f"discipline={d}" for d in disciplines] + [
        f"length_bin={b}" for b in range(len(LENGTH_BINS) + 1)
    ]
    r, c = [], []
    for idx, (d, length) in rows.items():
        r += [idx, idx]
        c += [
            disciplines.index(d),
            len(disciplines) + int(np.searchsorted(LENGTH_BINS, length, side="right")),
        ]
    feats = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_items, len(names)))
    return feats, names


def read_course_info(path: str | PathLike[str]) -> tuple[sp.csr_matrix, list[str]]:
    try:
        return parse_course_info(_read_lines(path))
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None
