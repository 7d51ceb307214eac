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
    _weighted_mean(x, w, measure="Theil index")  # validates: a positive weighted mean
    code_of: dict[Hashable, int] = {}
    codes = np.fromiter((code_of.setdefault(label, len(code_of)) for label in labels), np.int64, x.size)
    split = theil_split(x, w, codes, len(code_of))
    group_weight = np.bincount(codes, w, len(code_of))
    parts = tuple(
        GroupTheil(
            label=label,
            size=int(split["size"][code]),
            total_weight=float(group_weight[code]),
            mean=float(split["mean"][code]) if group_weight[code] > 0 else float("nan"),
            share=float(split["share"][code]),
            theil=float(split["theil"][code]),
            within_contribution=float(split["within"][code]),
            between_contribution=float(split["between"][code]),
        )
        for label, code in code_of.items()
    )
    between_total = float(split["between"].sum())
    within_total = float(split["within"].sum())
    return TheilDecomposition(total=_theil_of(x, w), between=between_total, within=within_total, groups=parts)


def theil_split(
    x: NDArray[np.float64], w: NDArray[np.float64], codes: NDArray[np.int64], n_groups: int
) -> dict[str, NDArray[np.float64]]:
    """The Theil T split for integer group codes ``0..n_groups-1``: the kernel of :func:`theil_decomposition`.

    Per group: size, mean, share of the total, Theil T, within- and between-contributions, as arrays
    indexed by code (a group with zero total has Theil 0, between-contribution 0 and mean 0).
    ``np.bincount`` throughout, so reports can run many groupings over ~20,000 schools cheaply.
    Inputs must already be valid (finite, non-negative, positive weighted mean): callers with raw data
    use :func:`theil_decomposition`, which validates and then calls this.
    """
    weight = np.bincount(codes, w, n_groups)
    weighted_total = np.bincount(codes, w * x, n_groups)
    grand = float(np.dot(w, x))
    mean = grand / float(w.sum())
    share = weighted_total / grand
    positive = weighted_total > 0
    group_mean = np.where(positive, weighted_total / np.where(weight > 0, weight, 1.0), 0.0)
    row_mean = group_mean[codes]
    ratio = np.divide(x, row_mean, out=np.zeros_like(x), where=row_mean > 0)
    terms = np.zeros_like(ratio)
    np.multiply(ratio, np.log(ratio, out=np.zeros_like(ratio), where=ratio > 0), out=terms, where=ratio > 0)
    theil = np.where(
        positive, np.bincount(codes, w * terms, n_groups) / np.where(weight > 0, weight, 1.0), 0.0
    )
    between = np.where(positive, share * np.log(np.where(positive, group_mean, 1.0) / mean), 0.0)
    return {
        "size": np.bincount(codes, minlength=n_groups).astype(np.float64),
        "mean": group_mean,
        "share": share,
        "theil": theil,
        "within": share * theil,
        "between": between,
    }
