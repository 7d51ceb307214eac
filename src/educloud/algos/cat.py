"""Computerized adaptive testing (CAT) on an :class:`~educloud.algos.irt.ItemParams` bank.

What this module owns
---------------------
:class:`AdaptiveTest` — one adaptive test design: the bank, each item's content area (knowledge
point), the stopping rules and the exposure control. Its step API is stateless so that a web
request can call it with the state it stored:

* ``next_item(administered, responses) -> int | None`` — the bank index of the next item, or ``None``
  when a stopping rule is met (SE of theta at most ``se_stop`` after ``min_items``; ``max_items``
  reached). Raises :class:`NoEligibleItemError` (a ``ValueError``) when the test should go on but no
  item is left to give.
* ``estimate(administered, responses) -> (theta, se)`` — the interim/final ability (EAP by default
  under N(prior_mean, prior_sd)).
* ``simulate(true_thetas, rng) -> SimulationResult`` — whole tests for simulees, vectorised across
  simulees, through the same selection code as ``next_item``.

Selection: maximum Fisher information at the current estimate, among the eligible items of the
content area chosen by Kingsbury & Zara's (1989) constrained CAT rule (the area whose administered
proportion falls furthest below its target proportion). Exposure control:

* ``"randomesque"`` (Kingsbury & Zara 1989): a uniform draw among the ``randomesque_k`` most
  informative eligible items;
* ``"sympson-hetter"`` (Sympson & Hetter 1985): items are offered in decreasing information; item
  ``i`` is administered with probability ``K_i`` (its exposure-control parameter), else the next is
  offered. ``calibrate_exposure`` sets ``K`` by the classical iterative simulation so that no item's
  administration rate exceeds ``max_exposure``: ``K_i <- min(1, r / P(selected_i))``. A passed-over
  item is not set aside for the rest of the test (the step API keeps no per-examinee memory beyond
  the administered items), so it may be offered again later; the calibration simulates exactly this
  procedure, so the bound it reaches is the bound of the procedure the app runs.
* ``None``: pure maximum information.

Invariants: an item is never given twice; a returned index is always in the bank; ``estimate`` of
no responses is (prior_mean, prior_sd). No Django here. Read next: :mod:`educloud.algos.irt`,
``bench/cat.py`` (against catsim), ``docs/decisions/0013-irt-and-cat.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from educloud.algos.irt import (
    ItemParams,
    category_probabilities,
    estimate_ability,
    item_information,
)

__all__ = ["AdaptiveTest", "NoEligibleItemError", "SimulationResult"]

FloatArray = NDArray[np.float64]
Exposure = Literal["randomesque", "sympson-hetter"] | None


class NoEligibleItemError(ValueError):
    """The test has not met a stopping rule but no item of the bank can be given."""


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :meth:`AdaptiveTest.simulate` for ``n`` simulees.

    ``theta`` (n,) final estimates, ``se`` (n,), ``true_theta`` (n,), ``n_items`` (n,) test lengths,
    ``administered`` list of item-index arrays, ``exposure`` (n_bank,) share of simulees given each
    item, ``content_counts`` (n, n_areas) items given per content area (area order:
    ``AdaptiveTest.areas_``).
    """

    theta: FloatArray
    se: FloatArray
    true_theta: FloatArray
    n_items: NDArray[np.int64]
    administered: list[NDArray[np.int64]]
    exposure: FloatArray
    content_counts: NDArray[np.int64]

    @property
    def rmse(self) -> float:
        return float(np.sqrt(np.mean((self.theta - self.true_theta) ** 2)))

    @property
    def bias(self) -> float:
        return float(np.mean(self.theta - self.true_theta))

    @property
    def correlation(self) -> float:
        return float(np.corrcoef(self.theta, self.true_theta)[0, 1])

    @property
    def mean_length(self) -> float:
        return float(self.n_items.mean())

    @property
    def max_exposure(self) -> float:
        return float(self.exposure.max())

    def summary(self) -> dict[str, float]:
        return {
            "rmse": self.rmse,
            "bias": self.bias,
            "r": self.correlation,
            "mean_length": self.mean_length,
            "max_exposure": self.max_exposure,
        }


class AdaptiveTest:
    """An adaptive test design over ``bank`` (see the module docstring).

    Parameters
    ----------
    bank : the calibrated items. content : (n_items,) content area (knowledge point) of each item, any
        hashable labels; None = one area. content_targets : mapping area -> target proportion of the
        test (normalised to sum 1; areas left out get 0); default: each area's share of the bank.
    max_items, min_items : test length bounds. se_stop : stop once SE(theta) <= se_stop (None: only
        max_items stops).
    exposure : "randomesque", "sympson-hetter" or None. randomesque_k : candidates of the randomesque
        draw. exposure_params : Sympson–Hetter K_i (default all 1 until ``calibrate_exposure``).
        max_exposure : the target rate r of ``calibrate_exposure``.
    method : interim/final ability estimator ("EAP", "MAP"; "ML" falls back to EAP until the
        responses are mixed). prior_mean, prior_sd : the ability prior.
    random_state : seed or Generator for the exposure-control draws.
    """

    def __init__(
        self,
        bank: ItemParams,
        content: ArrayLike | None = None,
        *,
        max_items: int = 20,
        min_items: int = 1,
        se_stop: float | None = 0.3,
        exposure: Exposure = "randomesque",
        randomesque_k: int = 5,
        exposure_params: ArrayLike | None = None,
        max_exposure: float = 0.25,
        content_targets: Mapping[Any, float] | None = None,
        method: Literal["EAP", "MAP", "ML"] = "EAP",
        prior_mean: float = 0.0,
        prior_sd: float = 1.0,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        if not isinstance(bank, ItemParams):
            raise ValueError("bank must be an ItemParams")
        if bank.n_items == 0:
            raise ValueError("the item bank is empty")
        if int(max_items) < 1 or int(min_items) < 0 or int(min_items) > int(max_items):
            raise ValueError(
                f"need 0 <= min_items <= max_items and max_items >= 1, got {min_items}, {max_items}"
            )
        if se_stop is not None and not (np.isfinite(se_stop) and se_stop > 0):
            raise ValueError(f"se_stop must be > 0 or None, got {se_stop}")
        if exposure not in ("randomesque", "sympson-hetter", None):
            raise ValueError(f"exposure must be 'randomesque', 'sympson-hetter' or None, got {exposure!r}")
        if int(randomesque_k) < 1:
            raise ValueError("randomesque_k must be >= 1")
        if not (0 < max_exposure <= 1):
            raise ValueError("max_exposure must be in (0, 1]")
        if method not in ("EAP", "MAP", "ML"):
            raise ValueError(f"method must be 'EAP', 'MAP' or 'ML', got {method!r}")
        self.bank = bank
        n = bank.n_items
        if content is None:
            labels = np.zeros(n, dtype=np.int64)
        else:
            labels = np.asarray(content)
            if labels.shape != (n,):
                raise ValueError(f"content must have one area per item: shape ({n},), got {labels.shape}")
        self.areas_, self.item_area_ = np.unique(labels, return_inverse=True)
        self.item_area_ = self.item_area_.reshape(-1)
        n_areas = self.areas_.shape[0]
        if content_targets is None:
            targets = np.bincount(self.item_area_, minlength=n_areas).astype(float)
        else:
            unknown = set(content_targets) - set(self.areas_.tolist())
            if unknown:
                raise ValueError(f"content_targets name areas not in the bank: {sorted(map(str, unknown))}")
            targets = np.array([float(content_targets.get(a, 0.0)) for a in self.areas_.tolist()])
            if np.any(targets < 0) or targets.sum() <= 0 or not np.all(np.isfinite(targets)):
                raise ValueError("content_targets must be >= 0 with a positive sum")
        self.content_targets_ = targets / targets.sum()
        self.max_items = int(max_items)
        self.min_items = int(min_items)
        self.se_stop = se_stop
        self.exposure = exposure
        self.randomesque_k = int(randomesque_k)
        self.max_exposure = float(max_exposure)
        if exposure_params is None:
            self.exposure_params_ = np.ones(n)
        else:
            k = np.asarray(exposure_params, dtype=float)
            if k.shape != (n,) or np.any((k < 0) | (k > 1)) or not np.all(np.isfinite(k)):
                raise ValueError(f"exposure_params must be ({n},) probabilities in [0, 1]")
            self.exposure_params_ = k
        self.method = method
        self.prior_mean = float(prior_mean)
        self.prior_sd = float(prior_sd)
        self._rng = np.random.default_rng(random_state)

    # ---- state checking ----------------------------------------------------------------------

    def _state(
        self, administered: Sequence[int], responses: Sequence[float]
    ) -> tuple[NDArray[np.int64], FloatArray]:
        adm = np.asarray(list(administered), dtype=np.int64).reshape(-1)
        res = np.asarray(list(responses), dtype=float).reshape(-1)
        if adm.shape != res.shape:
            raise ValueError(
                f"administered ({adm.shape[0]} items) and responses ({res.shape[0]}) must have the "
                "same length"
            )
        if adm.size and (adm.min() < 0 or adm.max() >= self.bank.n_items):
            raise ValueError(f"administered item index out of range 0..{self.bank.n_items - 1}")
        if np.unique(adm).size != adm.size:
            raise ValueError("an item appears twice in administered")
        cats = self.bank.categories[adm]
        if np.any(np.isnan(res)) or np.any(res != np.round(res)) or np.any(res < 0) or np.any(res >= cats):
            raise ValueError(
                "each response must be an integer category of its item (0/1 for dichotomous items)"
            )
        return adm, res

    def _row(self, adm: NDArray[np.int64], res: FloatArray) -> FloatArray:
        row = np.full((1, self.bank.n_items), np.nan)
        row[0, adm] = res
        return row

    def _estimate_rows(self, rows: FloatArray) -> tuple[FloatArray, FloatArray]:
        method = self.method
        if method == "ML":
            theta, se = estimate_ability(self.bank, rows, "EAP", self.prior_mean, self.prior_sd)
            mixed = _mixed(rows, self.bank.categories)
            if mixed.any():
                t_ml, s_ml = estimate_ability(self.bank, rows[mixed], "ML", self.prior_mean, self.prior_sd)
                theta[mixed], se[mixed] = t_ml, s_ml
            return theta, se
        return estimate_ability(self.bank, rows, method, self.prior_mean, self.prior_sd)

    # ---- public step API ---------------------------------------------------------------------

    def estimate(self, administered: Sequence[int], responses: Sequence[float]) -> tuple[float, float]:
        """(theta, se) from the responses so far; (prior_mean, prior_sd) before any response."""
        adm, res = self._state(administered, responses)
        if adm.size == 0:
            return self.prior_mean, self.prior_sd
        theta, se = self._estimate_rows(self._row(adm, res))
        return float(theta[0]), float(se[0])

    def stop_reason(self, administered: Sequence[int], responses: Sequence[float]) -> str | None:
        """"max_items", "se" or None (go on)."""
        adm, res = self._state(administered, responses)
        if adm.size >= self.max_items:
            return "max_items"
        if adm.size >= max(self.min_items, 1) and self.se_stop is not None:
            _, se = self.estimate(adm.tolist(), res.tolist())
            if se <= self.se_stop:
                return "se"
        return None

    def next_item(
        self,
        administered: Sequence[int],
        responses: Sequence[float],
        rng: np.random.Generator | None = None,
    ) -> int | None:
        """The bank index of the next item, or None when a stopping rule is met."""
        adm, res = self._state(administered, responses)
        if self.stop_reason(adm.tolist(), res.tolist()) is not None:
            return None
        theta = np.array([self.estimate(adm.tolist(), res.tolist())[0]])
        given = np.zeros((1, self.bank.n_items), dtype=bool)
        given[0, adm] = True
        counts = np.bincount(self.item_area_[adm], minlength=self.areas_.shape[0])[None, :]
        chosen, _ = self._select(theta, given, counts, rng or self._rng)
        if chosen[0] < 0:
            raise NoEligibleItemError(
                f"no eligible item is left after {adm.size} items (bank of {self.bank.n_items}; "
                "all given, or exposure control refuses the rest) and no stopping rule is met"
            )
        return int(chosen[0])

    # ---- selection (shared by next_item and simulate) ------------------------------------------

    def _select(
        self, theta: FloatArray, given: NDArray[np.bool_], counts: NDArray[np.int64], rng: np.random.Generator
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """For each row: the chosen item (-1 if none) and, for Sympson–Hetter statistics, the items
        offered (selected) on the way to it."""
        n, n_items = given.shape
        eligible = ~given
        # Kingsbury–Zara: the area with the largest deficit among areas that still have items
        n_areas = self.areas_.shape[0]
        if n_areas > 1:
            has = np.zeros((n, n_areas), dtype=bool)
            rows, cols = np.nonzero(eligible)
            has[rows, self.item_area_[cols]] = True
            total = np.maximum(counts.sum(axis=1, keepdims=True), 1)
            deficit = self.content_targets_[None, :] - counts / total
            deficit = deficit + 1e-9 * rng.random((n, n_areas))  # random tie-break
            deficit = np.where(has & (self.content_targets_[None, :] > 0), deficit, -np.inf)
            # an area with target 0 is used only when no targeted area has items left
            none_targeted = ~np.isfinite(deficit).any(axis=1)
            if none_targeted.any():
                deficit[none_targeted] = np.where(has[none_targeted], 0.0, -np.inf)
            area = np.argmax(deficit, axis=1)
            eligible = eligible & (self.item_area_[None, :] == area[:, None])
        info = item_information(self.bank, theta)  # (n, n_items)
        info = np.where(eligible, info, -np.inf)
        offered = np.zeros_like(eligible)
        chosen = np.full(n, -1, dtype=np.int64)
        any_eligible = eligible.any(axis=1)
        if self.exposure == "randomesque":
            k = min(self.randomesque_k, n_items)
            top = np.argsort(-info, axis=1, kind="stable")[:, :k]
            ok = np.take_along_axis(eligible, top, axis=1)
            # uniform among the eligible of the top k
            u = np.where(ok, rng.random(ok.shape), -1.0)
            pick = np.argmax(u, axis=1)
            chosen = np.where(any_eligible, top[np.arange(n), pick], -1)
        elif self.exposure == "sympson-hetter":
            order = np.argsort(-info, axis=1, kind="stable")
            ok = np.take_along_axis(eligible, order, axis=1)
            accept = ok & (rng.random(order.shape) < self.exposure_params_[order])
            first = np.argmax(accept, axis=1)
            found = accept[np.arange(n), first]
            # nobody accepted: the most informative eligible item (a test never dead-ends on K)
            chosen = np.where(found, order[np.arange(n), first], np.where(any_eligible, order[:, 0], -1))
            # offered: eligible items ranked before or at the accepted one
            rank_ok = ok & (np.arange(n_items)[None, :] <= np.where(found, first, n_items - 1)[:, None])
            np.put_along_axis(offered, order, rank_ok, axis=1)
        else:
            best = np.argmax(info, axis=1)
            chosen = np.where(any_eligible, best, -1)
        return chosen, offered

    # ---- simulation ----------------------------------------------------------------------------

    def simulate(
        self, true_thetas: ArrayLike, rng: np.random.Generator | int | None = None
    ) -> SimulationResult:
        """Run whole tests for simulees with abilities ``true_thetas``, responses drawn from the bank's
        model. Simulees whose bank runs out stop there (counted in ``n_items``)."""
        return self._simulate(true_thetas, np.random.default_rng(rng))[0]

    def _simulate(
        self, true_thetas: ArrayLike, rng: np.random.Generator
    ) -> tuple[SimulationResult, FloatArray]:
        true = np.asarray(true_thetas, dtype=float).reshape(-1)
        if true.size == 0 or not np.all(np.isfinite(true)):
            raise ValueError("true_thetas must be a non-empty array of finite abilities")
        n, n_items = true.shape[0], self.bank.n_items
        rows = np.full((n, n_items), np.nan)
        given = np.zeros((n, n_items), dtype=bool)
        counts = np.zeros((n, self.areas_.shape[0]), dtype=np.int64)
        order: list[list[int]] = [[] for _ in range(n)]
        offered_total = np.zeros(n_items)
        theta = np.full(n, self.prior_mean)
        se = np.full(n, self.prior_sd)
        active = np.ones(n, dtype=bool)
        length = np.zeros(n, dtype=np.int64)
        for step in range(self.max_items):
            idx = np.nonzero(active)[0]
            if idx.size == 0:
                break
            chosen, offered = self._select(theta[idx], given[idx], counts[idx], rng)
            offered_total += offered.sum(axis=0)
            out = chosen < 0
            if out.any():  # bank exhausted for these simulees
                active[idx[out]] = False
            idx, chosen = idx[~out], chosen[~out]
            if idx.size == 0:
                break
            p = category_probabilities(self.bank.subset(chosen), true[idx], paired=True)  # (m, K)
            u = rng.random(idx.size)
            resp = (u[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, p.shape[1] - 1)
            rows[idx, chosen] = resp
            given[idx, chosen] = True
            counts[idx, self.item_area_[chosen]] += 1
            length[idx] += 1
            for i, c in zip(idx.tolist(), chosen.tolist(), strict=True):
                order[i].append(c)
            t_new, s_new = self._estimate_rows(rows[idx])
            theta[idx], se[idx] = t_new, s_new
            done = np.zeros(idx.size, dtype=bool)
            if self.se_stop is not None:
                done |= (s_new <= self.se_stop) & (length[idx] >= max(self.min_items, 1))
            done |= length[idx] >= self.max_items
            active[idx[done]] = False
            del step
        exposure = given.sum(axis=0) / n
        result = SimulationResult(
            theta=theta,
            se=se,
            true_theta=true,
            n_items=length,
            administered=[np.asarray(o, dtype=np.int64) for o in order],
            exposure=exposure,
            content_counts=counts,
        )
        return result, offered_total / n

    def calibrate_exposure(
        self,
        true_thetas: ArrayLike | None = None,
        *,
        max_rounds: int = 30,
        tolerance: float = 0.0,
        margin: float = 0.03,
        rng: np.random.Generator | int | None = None,
    ) -> FloatArray:
        """Sympson–Hetter calibration by iterated simulation over ``true_thetas`` (default 1,000 draws
        from the prior): after each round every over-exposed item gets ``K_i <- K_i * (r / P(A_i))^2``
        with ``P(A_i)`` its simulated administration rate and ``r = max_exposure - margin`` (the margin
        absorbs the sampling noise of the calibration sample), until every rate is at most
        ``r + tolerance`` or ``max_rounds`` (then the round with the lowest maximum is kept).
        (The classical update is K_i = r / P(S_i), S = selected; here a passed-over item can be offered
        again later in the same test, so the administration rate is the direct target, and the update
        only ever lowers K so that it settles instead of oscillating.)
        Sets and returns ``exposure_params_``; needs exposure="sympson-hetter".
        """
        if self.exposure != "sympson-hetter":
            raise ValueError("calibrate_exposure needs exposure='sympson-hetter'")
        gen = np.random.default_rng(rng)
        thetas = (
            gen.normal(self.prior_mean, self.prior_sd, 1000)
            if true_thetas is None
            else np.asarray(true_thetas, dtype=float)
        )
        r = self.max_exposure - margin
        if r <= 0:
            raise ValueError("margin must be smaller than max_exposure")
        k = np.ones(self.bank.n_items)
        best_k, best_max = k, np.inf
        self.exposure_params_ = k
        for _ in range(int(max_rounds)):
            result, _offered = self._simulate(thetas, gen)
            rate = result.exposure
            if result.max_exposure < best_max:
                best_k, best_max = k.copy(), result.max_exposure
            if result.max_exposure <= r + tolerance:
                break
            # over-exposed items only: K_i <- K_i * (r / P(A_i))^2 (monotone, so it settles)
            k = np.where(rate > r, k * (r / np.maximum(rate, 1e-3)) ** 2, k)
            self.exposure_params_ = k
        else:
            k = best_k
        self.exposure_params_ = k
        self.calibrated_max_exposure_ = float(min(best_max, result.max_exposure))
        return self.exposure_params_


def _mixed(rows: FloatArray, categories: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Rows whose responses are neither all lowest nor all highest categories (ML is finite)."""
    obs = ~np.isnan(rows)
    low = np.where(obs, rows == 0, True).all(axis=1)
    high = np.where(obs, rows == (categories[None, :] - 1), True).all(axis=1)
    return np.asarray(obs.any(axis=1) & ~low & ~high)
