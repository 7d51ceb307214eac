"""Inequality measures across schools: difference coefficient (CV), Gini, Theil T with decomposition.

What it owns
    The arithmetic of dispersion for one indicator observed at ``n`` units (schools, counties):

    * :func:`difference_coefficient` — the 差异系数 of the 义务教育均衡 evaluation. With values
      ``x_i``, weights ``p_i`` (normally enrolment), ``P = Σ p_i`` and ``x̄ = Σ p_i x_i / P``::

          CV = sqrt( Σ (p_i / P) (x_i − x̄)² ) / x̄

      (the 2012 basic-balance formula; FACTS §2). ``weights=None`` gives the unweighted
      *population* CV (ddof = 0), i.e. every ``p_i = 1``. The weighting is a required keyword so
      every caller states which one it means.
    * :func:`gini` — Gini coefficient, optionally weighted::

          G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ),   W = Σ w_i,  μ = Σ w_i x_i / W

      With unit weights this is PySAL's ``inequality.gini.Gini`` (no small-sample correction).
      Integer weights give the same value as replicating each unit ``w_i`` times.
    * :func:`theil_t` / :func:`theil_decomposition` — Theil's *T* (GE(1), the "Theil L" is
      *not* computed here), optionally weighted::

          T = Σ_i (w_i / W) (x_i / μ) ln(x_i / μ)           (0·ln 0 := 0)

      With unit weights this is ``Σ s_i ln(n s_i)`` with ``s_i = x_i / Σ x``, PySAL's
      ``inequality.theil.Theil``. Decomposition by any grouping labels ``g``::

          T = Σ_g S_g ln(μ_g / μ)   +   Σ_g S_g T_g
              (between)                 (within)

      where ``S_g = Σ_{i∈g} w_i x_i / Σ_i w_i x_i`` is the group's share of the total, ``μ_g``
      its (weighted) mean and ``T_g`` the Theil T computed inside the group. This matches
      PySAL's ``TheilD(y, partition).bg`` / ``.wg`` for unit weights.

Invariants
    Values and weights are finite and non-negative, have the same length, are not empty, and the
    total weight is positive; otherwise a ``ValueError`` names the field and the first bad row.
    Measures that divide by the mean (CV, Gini, Theil) also require a positive mean.

Read next
    ``standard.py`` applies the CV per indicator with the national thresholds;
    ``allocation.py`` plans additions that bring the CV under its limit.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GroupTheil",
    "TheilDecomposition",
    "as_nonnegative_vector",
    "difference_coefficient",
    "gini",
    "theil_decomposition",
    "theil_t",
]


def as_nonnegative_vector(values: ArrayLike, *, name: str) -> NDArray[np.float64]:
    """Return ``values`` as a 1-d float array; ``ValueError`` naming ``name`` and the bad row otherwise.

    Rejects: not 1-d, empty, NaN/inf, negative entries.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be read as numbers ({exc})") from exc
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-d array, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: empty input")
    not_finite = np.flatnonzero(~np.isfinite(array))
    if not_finite.size:
        raise ValueError(f"{name}: missing or non-finite value at row {int(not_finite[0])}")
    negative = np.flatnonzero(array < 0)
    if negative.size:
        row = int(negative[0])
        raise ValueError(f"{name}: negative value {array[row]!r} at row {row}")
    return array


def _values_and_weights(
    values: ArrayLike, weights: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = as_nonnegative_vector(values, name="values")
    if weights is None:
        return x, np.ones_like(x)
    w = as_nonnegative_vector(weights, name="weights")
    if w.shape != x.shape:
        raise ValueError(f"weights: length {w.size} does not match values length {x.size}")
    if not w.sum() > 0:
        raise ValueError("weights: total weight is zero")
    return x, w


def _weighted_mean(x: NDArray[np.float64], w: NDArray[np.float64], *, measure: str) -> float:
    mean = float(np.dot(w, x) / w.sum())
    if not mean > 0:
        raise ValueError(f"values: the (weighted) mean is zero, so the {measure} is undefined")
    return mean


def difference_coefficient(values: ArrayLike, *, weights: ArrayLike | None) -> float:
    """The 差异系数 ``sqrt(Σ (p_i/P)(x_i − x̄)²) / x̄`` with ``x̄ = Σ p_i x_i / P``.

    ``weights`` is required as a keyword: pass enrolment for the evaluation's enrolment-weighted
    formula (FACTS §2, the default the standard uses), or ``None`` for the unweighted population
    coefficient of variation (ddof = 0). Units with zero weight are ignored.
    """
    x, w = _values_and_weights(values, weights)
    mean = _weighted_mean(x, w, measure="difference coefficient")
    variance = float(np.dot(w, (x - mean) ** 2) / w.sum())
    return float(np.sqrt(max(variance, 0.0)) / mean)


def gini(values: ArrayLike, *, weights: ArrayLike | None = None) -> float:
    """Gini coefficient ``Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ)``; unit weights when ``weights=None``.

    Computed in O(n log n) from the sorted values: ``Σ_i w_i x_i (2 C_i − w_i − W) / (W Σ w x)``
    with ``C_i`` the cumulative weight up to and including the i-th smallest value.
    """
    x, w = _values_and_weights(values, weights)
    _weighted_mean(x, w, measure="Gini coefficient")
    order = np.argsort(x, kind="stable")
    x_sorted, w_sorted = x[order], w[order]
    total_weight = w_sorted.sum()
    cumulative = np.cumsum(w_sorted)
    numerator = np.dot(w_sorted * x_sorted, 2.0 * cumulative - w_sorted - total_weight)
    return float(numerator / (total_weight * np.dot(w_sorted, x_sorted)))


def _theil_of(x: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    """Theil T of validated arrays with positive total ``Σ w x``; ``0·ln 0`` taken as 0."""
    mean = float(np.dot(w, x) / w.sum())
    ratio = x / mean
    positive = ratio > 0
    terms = np.zeros_like(ratio)
    terms[positive] = ratio[positive] * np.log(ratio[positive])
    return float(np.dot(w, terms) / w.sum())


def theil_t(values: ArrayLike, *, weights: ArrayLike | None = None) -> float:
    """Theil's T ``Σ (w_i/W)(x_i/μ) ln(x_i/μ)``; with unit weights ``Σ s_i ln(n s_i)``, ``s_i = x_i/Σx``."""
    x, w = _values_and_weights(values, weights)
    _weighted_mean(x, w, measure="Theil index")
    return _theil_of(x, w)


@dataclass(frozen=True)
class GroupTheil:
    """One group's part of a Theil decomposition.

    ``share`` is ``S_g`` (the group's share of the weighted total ``Σ w x``), ``theil`` its internal
    ``T_g`` (0.0 for a group whose values are all zero), ``within_contribution = S_g T_g`` and
    ``between_contribution = S_g ln(μ_g/μ)`` (negative for groups below the overall mean;
    0 for a group with zero total).
    """

    label: Hashable
    size: int
    total_weight: float
    mean: float
    share: float
    theil: float
    within_contribution: float
    between_contribution: float


@dataclass(frozen=True)
class TheilDecomposition:
    """``total = between + within``; ``groups`` in order of first appearance of their label."""

    total: float
    between: float
    within: float
    groups: tuple[GroupTheil, ...]


def theil_decomposition(
    values: ArrayLike, groups: Sequence[Hashable] | ArrayLike, *, weights: ArrayLike | None = None
) -> TheilDecomposition:
    """Theil T split into between-group and within-group parts for any grouping labels.

    ``groups[i]`` is the label of unit ``i`` (e.g. 城区/乡镇, a district code, a school type).
    Formulae in the module docstring; with unit weights ``between`` equals PySAL's
    ``TheilD(values, groups).bg`` and ``within`` its ``.wg``.
    """
    x, w = _values_and_weights(values, weights)
    labels: list[Hashable] = list(groups.ravel()) if isinstance(groups, np.ndarray) else list(groups)  # type: ignore[arg-type]
    if len(labels) != x.size:
        raise ValueError(f"groups: length {len(labels)} does not match values length {x.size}")
    for row, label in enumerate(labels):
        if label is None or (isinstance(label, float) and np.isnan(label)):
            raise ValueError(f"groups: missing label at row {row}")
    mean = _weighted_mean(x, w, measure="Theil index")
    grand_total = float(np.dot(w, x))

    rows_by_label: dict[Hashable, list[int]] = {}
    for row, label in enumerate(labels):
        rows_by_label.setdefault(label, []).append(row)

    parts: list[GroupTheil] = []
    for label, rows in rows_by_label.items():
        index = np.asarray(rows)
        xg, wg = x[index], w[index]
        group_weight = float(wg.sum())
        group_total = float(np.dot(wg, xg))
        share = group_total / grand_total
        if group_total > 0:
            group_mean = group_total / group_weight
            group_theil = _theil_of(xg, wg)
            between = share * float(np.log(group_mean / mean))
        else:
            group_mean = 0.0 if group_weight > 0 else float("nan")
            group_theil = 0.0
            between = 0.0
        parts.append(
            GroupTheil(
                label=label,
                size=int(index.size),
                total_weight=group_weight,
                mean=group_mean,
                share=share,
                theil=group_theil,
                within_contribution=share * group_theil,
                between_contribution=between,
            )
        )
    between_total = float(sum(part.between_contribution for part in parts))
    within_total = float(sum(part.within_contribution for part in parts))
    return TheilDecomposition(
        total=_theil_of(x, w), between=between_total, within=within_total, groups=tuple(parts)
    )
