"""Staggered difference-in-differences for the pairing programme: did pairing move the outcomes?

What it owns
    :class:`StaggeredDiD`, the Callaway & Sant'Anna (2021) group-time estimator without covariates,
    on a balanced panel ``y[unit, period]`` where ``cohort[unit]`` is the first treated period
    (0 = never treated). Heterogeneous and dynamic effects do not bias it (unlike a two-way fixed
    effects regression under staggered adoption, Goodman-Bacon 2021), because every comparison is a
    clean 2×2:

    ``ATT(g, t) = E[Y_t − Y_b | G = g] − E[Y_t − Y_b | C]``, with the **universal base period**
    ``b = g − 1`` (the last period before the cohort's treatment) for every ``t``, and controls ``C``
    the never-treated units (``control="never"``) or the never- and not-yet-treated units
    (``control="notyet"``: ``G > max(t, b)`` other than cohort g itself, never treated included).

    Aggregations (cohort-size weights, as ``did``'s ``aggte``):

    * event study ``θ(e) = Σ_g w_g ATT(g, g + e)`` over the cohorts observed at ``g + e``;
      ``θ(−1) = 0`` by construction; ``e ≤ −2`` are the **leads** (pre-trend check);
    * overall ``ATT = Σ_{g, t ≥ g} w_g ATT(g, t) / Σ w_g`` ("simple" aggregation).

Inference
    Unit-clustered **weighted (Bayesian) bootstrap**: every replication draws one Exp(1) weight per
    unit and recomputes every weighted mean (a whole unit's history moves together, so serial
    correlation within a school is respected). Standard errors are bootstrap standard deviations;
    pointwise 95 % intervals are ±1.96 SE. The **pre-trend test** is a Wald test of all leads being 0
    with their bootstrap covariance (χ² with as many degrees of freedom as leads). The **minimum
    detectable effect** is ``(z_{1−α/2} + z_{power}) · SE(ATT)`` (α = 0.05, power = 0.8: 2.80 SE).

Also here: :func:`synthetic_panel`, a generator with a planted effect and an optional planted
pre-trend (tests, the demo, ``educloud pairing effect --synthetic``).

Read next: ``educloud.pairing.effect`` builds the panel from stored outcomes and draws the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["DiDResult", "StaggeredDiD", "minimum_detectable_effect", "synthetic_panel"]


def minimum_detectable_effect(se: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true effect a two-sided test at ``alpha`` detects with probability ``power``."""
    if not (0 < alpha < 1 and 0 < power < 1) or not se >= 0:
        raise ValueError("alpha and power must lie in (0, 1), se must be non-negative")
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


@dataclass(frozen=True)
class DiDResult:
    """Estimates, their bootstrap SEs and the checks; periods and event times as given."""

    att: float
    att_se: float
    att_ci: tuple[float, float]
    mde: float
    event_times: NDArray[np.int64]
    event_att: NDArray[np.float64]
    event_se: NDArray[np.float64]
    pretrend_chi2: float | None
    pretrend_df: int
    pretrend_p: float | None
    cohorts: NDArray[np.int64]
    cohort_sizes: NDArray[np.int64]
    n_units: int
    n_never: int

    @property
    def pretrend_flagged(self) -> bool:
        return self.pretrend_p is not None and self.pretrend_p < 0.05

    @property
    def significant(self) -> bool:
        return not (self.att_ci[0] <= 0.0 <= self.att_ci[1])


class StaggeredDiD:
    """Callaway–Sant'Anna group-time ATTs, event study, pre-trend test and MDE (see module docstring).

    Parameters
    ----------
    control : "never" or "notyet"
    n_boot : bootstrap replications (unit-clustered weighted bootstrap)
    alpha, power : for the intervals and the minimum detectable effect
    random_state : seed of the bootstrap weights
    """

    def __init__(
        self,
        *,
        control: str = "notyet",
        n_boot: int = 499,
        alpha: float = 0.05,
        power: float = 0.8,
        random_state: int | None = 0,
    ) -> None:
        self.control = control
        self.n_boot = n_boot
        self.alpha = alpha
        self.power = power
        self.random_state = random_state

    # --- validation ---------------------------------------------------------------------------

    def _check(
        self, y: ArrayLike, cohort: ArrayLike, periods: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
        if self.control not in ("never", "notyet"):
            raise ValueError(f"control must be 'never' or 'notyet', got {self.control!r}")
        if not (isinstance(self.n_boot, int) and self.n_boot >= 50):
            raise ValueError("n_boot must be an integer ≥ 50")
        Y = np.asarray(y, dtype=np.float64)
        G = np.asarray(cohort, dtype=np.int64)
        T = np.asarray(periods, dtype=np.int64)
        if Y.ndim != 2:
            raise ValueError("y must be a balanced panel: an (n_units × n_periods) matrix")
        if G.shape != (Y.shape[0],):
            raise ValueError(f"cohort must have one entry per unit ({Y.shape[0]}), got shape {G.shape}")
        if T.shape != (Y.shape[1],) or np.any(np.diff(T) != 1):
            raise ValueError("periods must be consecutive integers, one per column of y")
        if not np.all(np.isfinite(Y)):
            raise ValueError("y has missing or infinite values: the panel must be balanced")
        treated = G != 0
        if np.any(treated & ((G <= T[0]) | (G > T[-1]))):
            raise ValueError(
                "a cohort must start after the first period (it needs a pre-period) and within the panel"
            )
        if not treated.any():
            raise ValueError("no treated unit")
        if self.control == "never" and treated.all():
            raise ValueError("no never-treated unit to compare with (use control='notyet')")
        return Y, G, T

    # --- estimation ---------------------------------------------------------------------------

    def fit(self, y: ArrayLike, cohort: ArrayLike, periods: ArrayLike) -> StaggeredDiD:
        """``y`` (units × periods), ``cohort`` (first treated period, 0 = never), ``periods`` (ints)."""
        Y, G, T = self._check(y, cohort, periods)
        n = Y.shape[0]
        rng = np.random.default_rng(self.random_state)
        weights = np.vstack([np.ones(n), rng.exponential(1.0, size=(self.n_boot, n))])  # row 0: the estimate
        cohorts = np.array(sorted(set(G[G != 0].tolist())), dtype=np.int64)
        column = {int(t): k for k, t in enumerate(T)}
        # gt[(g, t)] = vector over weight rows (estimate + bootstraps)
        gt: dict[tuple[int, int], NDArray[np.float64]] = {}
        size: dict[int, NDArray[np.float64]] = {}
        for g in cohorts.tolist():
            member = G == g
            size[g] = weights[:, member].sum(axis=1)
            b = column[g - 1]
            for t in T.tolist():
                if t == g - 1:
                    continue
                if self.control == "never":
                    ctrl = G == 0
                else:  # untreated at both t and the base period, and not cohort g itself
                    ctrl = ((G == 0) | (G > max(t, g - 1))) & (G != g)
                if not ctrl.any():
                    continue
                diff = Y[:, column[t]] - Y[:, b]
                treated_mean = (weights[:, member] @ diff[member]) / size[g]
                control_mean = (weights[:, ctrl] @ diff[ctrl]) / weights[:, ctrl].sum(axis=1)
                gt[(g, t)] = treated_mean - control_mean
        if not any(t >= g for g, t in gt):
            raise ValueError("no post-treatment period has a control group")
        # event study
        events = sorted({t - g for g, t in gt} | {-1})
        event_est = []
        for e in events:
            parts = [(g, g + e) for g in cohorts.tolist() if (g, g + e) in gt]
            if e == -1 or not parts:
                event_est.append(np.zeros(weights.shape[0]))
                continue
            w = np.vstack([size[g] for g, _ in parts])
            v = np.vstack([gt[p] for p in parts])
            event_est.append((w * v).sum(axis=0) / w.sum(axis=0))
        E = np.vstack(event_est)  # (events, 1 + boot)
        post = [(g, t) for g, t in gt if t >= g]
        w = np.vstack([size[g] for g, _ in post])
        v = np.vstack([gt[p] for p in post])
        overall = (w * v).sum(axis=0) / w.sum(axis=0)
        z = stats.norm.ppf(1 - self.alpha / 2)
        att, att_se = float(overall[0]), float(overall[1:].std(ddof=1))
        event_times = np.array(events, dtype=np.int64)
        leads = event_times <= -2
        chi2: float | None = None
        p: float | None = None
        if leads.any():
            est = E[leads, 0]
            cov = np.atleast_2d(np.cov(E[leads, 1:]))
            chi2 = float(est @ np.linalg.pinv(cov) @ est)
            p = float(stats.chi2.sf(chi2, df=int(leads.sum())))
        self.group_time_ = {k: float(val[0]) for k, val in gt.items()}
        self.group_time_se_ = {k: float(val[1:].std(ddof=1)) for k, val in gt.items()}
        self.result_ = DiDResult(
            att=att,
            att_se=att_se,
            att_ci=(att - z * att_se, att + z * att_se),
            mde=minimum_detectable_effect(att_se, alpha=self.alpha, power=self.power),
            event_times=event_times,
            event_att=E[:, 0].copy(),
            event_se=np.where(event_times == -1, 0.0, E[:, 1:].std(axis=1, ddof=1)),
            pretrend_chi2=chi2,
            pretrend_df=int(leads.sum()),
            pretrend_p=p,
            cohorts=cohorts,
            cohort_sizes=np.array([int((G == g).sum()) for g in cohorts], dtype=np.int64),
            n_units=n,
            n_never=int((G == 0).sum()),
        )
        return self


def synthetic_panel(
    *,
    n_units: int = 200,
    periods: tuple[int, int] = (2019, 2026),
    cohorts: tuple[int, ...] = (2022, 2023, 2024),
    treated_share: float = 0.5,
    effect: float = 0.3,
    pretrend: float = 0.0,
    noise: float = 0.3,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """``(y, cohort, periods)``: unit and period effects, AR-free noise, a planted effect.

    Outcomes are in standard-deviation units of the unit effects (sd 1). Treated units get
    ``effect`` from their cohort's first period on; ``pretrend`` adds ``pretrend · (t − g)`` to
    treated units *before* treatment (a violation the lead test should flag).
    """
    if n_units < 4 or not 0 < treated_share < 1:
        raise ValueError("need at least 4 units and a treated share in (0, 1)")
    rng = np.random.default_rng(seed)
    T = np.arange(periods[0], periods[1] + 1, dtype=np.int64)
    G = np.zeros(n_units, dtype=np.int64)
    treated = rng.random(n_units) < treated_share
    G[treated] = rng.choice(np.asarray(cohorts, dtype=np.int64), size=int(treated.sum()))
    unit = rng.normal(0.0, 1.0, n_units) + 0.2 * treated  # treated schools differ in level: DiD allows it
    period = np.linspace(0.0, 0.4, T.size)
    Y = unit[:, None] + period[None, :] + rng.normal(0.0, noise, (n_units, T.size))
    since = T[None, :] - G[:, None]
    Y += effect * (treated[:, None] & (since >= 0))
    Y += pretrend * since * (treated[:, None] & (since < 0))
    return Y, G, T
