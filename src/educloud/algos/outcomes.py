"""Learning outcome evaluation (学习成效评估): growth and value-added between two test occasions.

What it owns
    Students measured twice on one ability scale (the occasions already linked, e.g. by
    ``algos.irt.link_mean_sigma`` on anchor items): ``prior`` (θ at occasion 1) and ``post`` (θ at
    occasion 2), and a grouping label per student (class, school or county).

    * :func:`growth_by_group` — mean growth ``post − prior`` per group with its standard error
      ``sd / √n`` and a normal-theory interval. Where per-student measurement SEs are given they are
      reported in ``measurement_se`` (the part of the uncertainty that comes from the tests).
    * :class:`ValueAdded` — growth beyond what the prior score predicts. A pooled regression::

          post_i = β0 + β1 · prior_i + e_i            (ordinary least squares)

      gives each student's expected post score; a group's value-added is its mean residual
      ``VA_g = mean_{i∈g}(post_i − β0 − β1 prior_i)``, with::

          SE(VA_g)² = σ̂² / n_g + x̄_gᵀ Cov(β̂) x̄_g,      x̄_g = (1, mean prior of g)

      (the residual noise of the group's mean, plus the uncertainty of the regression line where the
      group sits). Intervals are ``VA_g ± z · SE``. Because small groups' estimates are noisy, an
      empirical-Bayes estimate is reported beside the raw one: ``τ²`` (the between-group variance of
      true effects) by the method of moments, ``shrunk_g = VA_g · τ² / (τ² + SE_g²)``.

Invariants
    ``prior``, ``post`` are finite 1-d float arrays of the same length (≥ 3), ``groups`` the same
    length; otherwise ``ValueError`` naming the argument. Groups with fewer than ``min_group``
    students are *suppressed*: counted and named, with no estimate (privacy of small groups, as the
    learning app's aggregates). They still inform the pooled regression.

Read next
    ``educloud.assessment.services`` (turns stored test sessions into these arrays),
    ``educloud.algos.irt`` (the scale and its linking).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["GroupEstimate", "ValueAdded", "growth_by_group"]

Labels = Sequence[Hashable] | NDArray[Any]  # one group label per student (any hashable: a tuple is one label)

MIN_GROUP = 5


@dataclass(frozen=True)
class GroupEstimate:
    """One group's estimate (``None`` fields when suppressed)."""

    group: Hashable
    n: int
    suppressed: bool
    estimate: float | None = None
    se: float | None = None
    low: float | None = None
    high: float | None = None
    shrunk: float | None = None
    measurement_se: float | None = None
    mean_prior: float | None = None


def _vector(name: str, values: ArrayLike, n: int | None = None) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values, expected {n}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} must be finite; row {int(bad[0])} is {arr[bad[0]]}")
    return arr


def _inputs(
    prior: ArrayLike, post: ArrayLike, groups: Labels
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[Hashable], NDArray[np.int64]]:
    x = _vector("prior", prior)
    if x.shape[0] < 3:
        raise ValueError(f"prior needs at least 3 students, got {x.shape[0]}")
    y = _vector("post", post, x.shape[0])
    # Not through np.asarray: tuple labels (school, grade, class) would become a 2-D array.
    labels: list[Hashable] = groups.tolist() if isinstance(groups, np.ndarray) else list(groups)
    if len(labels) != x.shape[0]:
        raise ValueError(f"groups has {len(labels)} labels, expected {x.shape[0]}")
    order: dict[Hashable, int] = {}
    codes = np.fromiter((order.setdefault(g, len(order)) for g in labels), dtype=np.int64, count=len(labels))
    return x, y, list(order), codes


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    return float(stats.norm.ppf(0.5 + level / 2.0))


def growth_by_group(
    prior: ArrayLike,
    post: ArrayLike,
    groups: Labels,
    *,
    prior_se: ArrayLike | None = None,
    post_se: ArrayLike | None = None,
    min_group: int = MIN_GROUP,
    level: float = 0.95,
) -> list[GroupEstimate]:
    """Mean growth per group (first-seen order), ``sd/√n`` standard error, normal interval."""
    x, y, labels, codes = _inputs(prior, post, groups)
    z = _z(level)
    growth = y - x
    meas = None
    if prior_se is not None and post_se is not None:
        meas = _vector("prior_se", prior_se, x.shape[0]) ** 2 + _vector("post_se", post_se, x.shape[0]) ** 2
    out = []
    for g, label in enumerate(labels):
        mask = codes == g
        n = int(mask.sum())
        if n < min_group:
            out.append(GroupEstimate(group=label, n=n, suppressed=True))
            continue
        mean = float(growth[mask].mean())
        se = float(growth[mask].std(ddof=1) / np.sqrt(n))
        out.append(
            GroupEstimate(
                group=label,
                n=n,
                suppressed=False,
                estimate=mean,
                se=se,
                low=mean - z * se,
                high=mean + z * se,
                measurement_se=None if meas is None else float(np.sqrt(meas[mask].sum()) / n),
                mean_prior=float(x[mask].mean()),
            )
        )
    return out


class ValueAdded:
    """Value-added per group: observed post score minus the score expected from the prior score.

    Parameters
    ----------
    min_group : groups smaller than this are suppressed (no estimate).
    level : confidence level of the intervals.

    Learned attributes
    ------------------
    coef_ : (β0, β1); coef_cov_ : their 2×2 covariance; residual_sd_ : σ̂; r2_ : R² of the regression;
    tau2_ : between-group variance of the true effects (method of moments, ≥ 0);
    groups_ : list of :class:`GroupEstimate` in first-seen order; n_suppressed_ : suppressed groups.
    """

    def __init__(self, *, min_group: int = MIN_GROUP, level: float = 0.95) -> None:
        self.min_group = min_group
        self.level = level

    def fit(self, prior: ArrayLike, post: ArrayLike, groups: Labels) -> ValueAdded:
        if self.min_group < 1:
            raise ValueError(f"min_group must be at least 1, got {self.min_group}")
        z = _z(self.level)
        x, y, labels, codes = _inputs(prior, post, groups)
        n = x.shape[0]
        if np.ptp(x) == 0:
            raise ValueError("prior has no spread: the expected growth cannot be estimated")
        design = np.column_stack([np.ones(n), x])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ beta
        dof = n - 2
        sigma2 = float(resid @ resid / dof) if dof > 0 else 0.0
        cov = sigma2 * np.linalg.inv(design.T @ design)
        self.coef_ = beta
        self.coef_cov_ = cov
        self.residual_sd_ = float(np.sqrt(sigma2))
        total = float(((y - y.mean()) ** 2).sum())
        self.r2_ = 1.0 - float(resid @ resid) / total if total > 0 else 0.0

        raw: list[tuple[int, Hashable, int, float, float, float]] = []  # (g, label, n, va, se, mean prior)
        sizes = np.bincount(codes, minlength=len(labels))
        for g, label in enumerate(labels):
            if sizes[g] < self.min_group:
                continue
            mask = codes == g
            xbar = np.array([1.0, float(x[mask].mean())])
            se = float(np.sqrt(sigma2 / sizes[g] + xbar @ cov @ xbar))
            raw.append((g, label, int(sizes[g]), float(resid[mask].mean()), se, float(xbar[1])))
        if len(raw) >= 2:
            effects = np.array([r[3] for r in raw])
            ses = np.array([r[4] for r in raw])
            self.tau2_ = max(0.0, float(effects.var(ddof=1) - np.mean(ses**2)))
        else:
            self.tau2_ = 0.0
        by_group = {r[0]: r for r in raw}
        estimates = []
        for g, label in enumerate(labels):
            if g not in by_group:
                estimates.append(GroupEstimate(group=label, n=int(sizes[g]), suppressed=True))
                continue
            _, _, size, va, se, mean_prior = by_group[g]
            weight = self.tau2_ / (self.tau2_ + se**2) if self.tau2_ + se**2 > 0 else 0.0
            estimates.append(
                GroupEstimate(
                    group=label,
                    n=size,
                    suppressed=False,
                    estimate=va,
                    se=se,
                    low=va - z * se,
                    high=va + z * se,
                    shrunk=va * weight,
                    mean_prior=mean_prior,
                )
            )
        self.groups_ = estimates
        self.n_suppressed_ = sum(e.suppressed for e in estimates)
        return self

    def expected(self, prior: ArrayLike) -> NDArray[np.float64]:
        """The post score expected from a prior score (the fitted line)."""
        x = _vector("prior", prior)
        return np.asarray(self.coef_[0] + self.coef_[1] * x, dtype=np.float64)
