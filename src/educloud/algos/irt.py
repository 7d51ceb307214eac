"""Item response theory: calibrate items, estimate abilities, link scales.

What this module owns
---------------------
* :class:`ItemParams` — the calibrated item bank as plain numbers (slope ``a``, intercepts ``d``,
  guessing ``c``, ``model``, number of ``categories`` per item) in mirt's slope-intercept form: the
  logit of a dichotomous item is ``a*theta + d`` (difficulty ``b = -d/a``). For Samejima's graded
  response model (GRM) ``d`` is a 2-D array ``(n_items, max_categories-1)`` of decreasing thresholds,
  ``P(X >= k | theta) = logistic(a*theta + d[:, k-1])``; items with fewer categories are padded with
  NaN. ``to_dict``/``from_dict`` give JSON-able lists the app stores in its database.
* :class:`IRTModel` — 1PL (one common slope, theta ~ N(0, 1); the Rasch model up to the scale of
  theta), 2PL, 3PL and GRM, fitted by marginal maximum likelihood: EM (Bock & Aitkin 1981) over a
  fixed quadrature of the N(prior_mean, prior_sd) ability distribution (61 equally spaced points on
  [-6, 6] standard units as mirt does by default, or Gauss-Hermite), followed by a quasi-Newton polish
  of the same marginal likelihood (L-BFGS; its gradient is the EM complete-data gradient at the current
  posterior — Fisher's identity), so the estimate is the MML optimum to ``gtol``, not an EM stop short
  of it. The 3PL's guessing parameters carry a Beta prior (``guess_prior``, default Beta(5, 17) —
  BILOG-MG's default for 4 options) — without it the 3PL MML is poorly identified.
  Response matrices may contain NaN (item not presented: adaptive tests, booklets) and per-row
  ``weights`` (counts of identical response patterns).
* :func:`probability`, :func:`category_probabilities`, :func:`item_information`,
  :func:`test_information`, :func:`estimate_ability` (EAP, MAP, ML with standard errors), all on
  :class:`ItemParams` so that a caller never needs the fitted estimator.
* Linking onto a common scale by anchor items: :func:`link_mean_sigma`, :func:`link_stocking_lord`
  return ``(A, B)`` with ``theta_old = A * theta_new + B``; ``params_new.transformed(A, B)`` puts the new
  calibration on the old scale.
* :meth:`IRTModel.item_fit` — Orlando & Thissen's S-X2 on complete data; with missing responses a
  Q1-style chi-square over EAP-ability groups (documented on the method).

Invariants: probabilities are in [0, 1] and each item's category probabilities sum to 1; GRM
thresholds of an item are strictly decreasing (kept so by the parametrisation); ``c`` is 0 except
for the 3PL. No Django here. Read next: :mod:`educloud.algos.cat` (adaptive testing on an
``ItemParams`` bank), ``bench/irt.py`` (against girth and mirt's published LSAT7 values),
``docs/decisions/0013-irt-and-cat.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "MODELS",
    "IRTModel",
    "ItemFit",
    "ItemParams",
    "category_probabilities",
    "estimate_ability",
    "item_information",
    "link_mean_sigma",
    "link_stocking_lord",
    "probability",
    "test_information",
    "test_response_function",
]

MODELS = ("1PL", "2PL", "3PL", "GRM")
ModelName = Literal["1PL", "2PL", "3PL", "GRM"]
FloatArray = NDArray[np.float64]
_TINY = 1e-300
_THETA_BOUND = 6.0


# --------------------------------------------------------------------------------------------------
# Item parameters
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # arrays: compare with np.allclose on the fields, or to_dict()
class ItemParams:
    """An item bank's parameters as plain numbers (slope-intercept form, see the module docstring).

    ``a``: (n_items,) slopes. ``d``: (n_items,) intercepts, or for the GRM (n_items, K-1) decreasing
    thresholds padded with NaN for items with fewer categories. ``c``: (n_items,) lower asymptotes
    (zeros unless 3PL; default zeros). ``categories``: (n_items,) number of response categories
    (2 for dichotomous models; default from ``d``'s non-NaN entries).
    """

    a: FloatArray
    d: FloatArray
    c: Any = None  # FloatArray after __post_init__
    model: str = "2PL"
    categories: Any = None  # NDArray[np.int64] after __post_init__

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        a = np.atleast_1d(np.asarray(self.a, dtype=float))
        d = np.asarray(self.d, dtype=float)
        if a.ndim != 1:
            raise ValueError(f"a must be 1-D (n_items,), got shape {a.shape}")
        n = a.shape[0]
        if self.model == "GRM":
            if d.ndim == 1:
                d = d.reshape(n, -1)
            if d.ndim != 2 or d.shape[0] != n:
                raise ValueError(f"GRM d must be 2-D (n_items={n}, K-1), got shape {d.shape}")
        else:
            d = np.atleast_1d(d)
            if d.shape != (n,):
                raise ValueError(f"d must have shape (n_items={n},), got {d.shape}")
        c = np.zeros(n) if self.c is None else np.atleast_1d(np.asarray(self.c, dtype=float))
        if c.shape != (n,):
            raise ValueError(f"c must have shape (n_items={n},), got {c.shape}")
        if self.model != "3PL" and np.any(c != 0):
            raise ValueError("c (guessing) must be 0 unless model='3PL'")
        if np.any((c < 0) | (c >= 1)):
            raise ValueError("c (guessing) must be in [0, 1)")
        if not np.all(np.isfinite(a)):
            raise ValueError("a (slopes) must be finite")
        if self.model == "GRM":
            finite = np.isfinite(d)
            k_obs = finite.sum(axis=1) + 1
            if self.categories is None:
                cats = k_obs
            else:
                cats = np.atleast_1d(np.asarray(self.categories)).astype(np.int64)
            if cats.shape != (n,) or np.any(cats != k_obs):
                raise ValueError("categories must equal 1 + the number of finite thresholds of each item")
            # finite thresholds first, then NaN padding; strictly decreasing
            for j in range(n):
                row = d[j, : cats[j] - 1]
                if not np.all(np.isfinite(row)) or np.any(np.isfinite(d[j, cats[j] - 1 :])):
                    raise ValueError(f"item {j}: thresholds must be finite first, NaN padding after")
                if np.any(np.diff(row) >= 0):
                    raise ValueError(f"item {j}: GRM thresholds d must be strictly decreasing")
            if np.any(cats < 2):
                raise ValueError("every item needs at least 2 categories")
        else:
            if not np.all(np.isfinite(d)):
                raise ValueError("d (intercepts) must be finite")
            cats = np.full(n, 2, dtype=np.int64)
            if self.categories is not None and np.any(np.asarray(self.categories) != 2):
                raise ValueError("dichotomous models have 2 categories per item")
        a.setflags(write=False)
        d.setflags(write=False)
        c.setflags(write=False)
        cats.setflags(write=False)
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "categories", cats)

    @property
    def n_items(self) -> int:
        return int(self.a.shape[0])

    @property
    def max_categories(self) -> int:
        return int(self.categories.max()) if self.n_items else 2

    @property
    def b(self) -> FloatArray:
        """Difficulties / category boundaries in the IRT (a(theta - b)) form: ``-d / a``."""
        a = self.a[:, None] if self.d.ndim == 2 else self.a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(-self.d / a)

    def subset(self, items: ArrayLike) -> ItemParams:
        """The parameters of the given item indices (in that order)."""
        idx = np.asarray(items, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < -self.n_items or idx.max() >= self.n_items):
            raise ValueError(f"item index out of range for a bank of {self.n_items} items")
        d = self.d[idx]
        if self.model == "GRM" and idx.size:
            keep = int(self.categories[idx].max()) - 1
            d = d[:, :keep]
        return ItemParams(self.a[idx], d, self.c[idx], self.model, self.categories[idx])

    def transformed(self, A: float, B: float) -> ItemParams:
        """These parameters expressed on the scale ``theta* = A * theta + B`` (A > 0).

        ``a* = a / A``, ``b* = A b + B`` so ``d* = d - a B / A``; ``c`` is unchanged.
        """
        if not (np.isfinite(A) and np.isfinite(B) and A > 0):
            raise ValueError(f"linking constants need A > 0 and finite B, got A={A}, B={B}")
        a_new = self.a / A
        shift = (self.a * B / A)[:, None] if self.d.ndim == 2 else self.a * B / A
        return ItemParams(a_new, self.d - shift, self.c, self.model, self.categories)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able plain numbers (NaN padding becomes None)."""
        d = [[None if not np.isfinite(v) else float(v) for v in row] for row in self.d] if (
            self.d.ndim == 2
        ) else [float(v) for v in self.d]
        return {
            "model": self.model,
            "a": [float(v) for v in self.a],
            "d": d,
            "c": [float(v) for v in self.c],
            "categories": [int(v) for v in self.categories],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemParams:
        d = data["d"]
        if data["model"] == "GRM":
            width = max((len(r) for r in d), default=1)
            d = np.array([[np.nan if v is None else v for v in r] + [np.nan] * (width - len(r)) for r in d],
                         dtype=float).reshape(len(d), width)
        return cls(
            np.asarray(data["a"], dtype=float),
            np.asarray(d, dtype=float),
            np.asarray(data.get("c") or np.zeros(len(data["a"])), dtype=float),
            data["model"],
            None if data.get("categories") is None else np.asarray(data["categories"]),
        )


# --------------------------------------------------------------------------------------------------
# Response functions and information
# --------------------------------------------------------------------------------------------------


def _theta_1d(theta: ArrayLike) -> FloatArray:
    t = np.asarray(theta, dtype=float)
    if t.ndim > 1:
        raise ValueError(f"theta must be a scalar or 1-D array, got shape {t.shape}")
    return np.atleast_1d(t)


def _cumulative(params: ItemParams, theta: FloatArray) -> FloatArray:
    """P(X >= k), k = 0..Kmax, shape (n_theta, n_items, Kmax + 1); 1 at k = 0 and 0 past K_j - 1."""
    n_t, n_i, kmax = theta.shape[0], params.n_items, params.max_categories
    out = np.zeros((n_t, n_i, kmax + 1))
    out[:, :, 0] = 1.0
    d = params.d if params.d.ndim == 2 else params.d[:, None]
    z = theta[:, None, None] * params.a[None, :, None] + np.where(np.isfinite(d), d, -np.inf)[None]
    out[:, :, 1:kmax] = expit(z[:, :, : kmax - 1])
    return out


def category_probabilities(params: ItemParams, theta: ArrayLike, *, paired: bool = False) -> FloatArray:
    """P(X = k | theta), shape (n_theta, n_items, max_categories); 0 beyond an item's categories.

    ``paired=True``: ``theta`` has one value per item and the result is (n_items, max_categories),
    item j at theta[j] (e.g. each simulee's own current item).
    """
    t = _theta_1d(theta)
    if paired:
        if t.shape[0] != params.n_items:
            raise ValueError(f"paired=True needs one theta per item ({params.n_items}), got {t.shape[0]}")
        return _paired(params, t)
    if params.model == "3PL":
        p1 = params.c + (1 - params.c) * expit(t[:, None] * params.a + params.d)
        return np.stack([1 - p1, p1], axis=2)
    cum = _cumulative(params, t)
    return np.clip(cum[:, :, :-1] - cum[:, :, 1:], 0.0, 1.0)


def _paired(params: ItemParams, t: FloatArray) -> FloatArray:
    if params.model == "3PL":
        p1 = params.c + (1 - params.c) * expit(t * params.a + params.d)
        return np.stack([1 - p1, p1], axis=1)
    kmax = params.max_categories
    d = params.d if params.d.ndim == 2 else params.d[:, None]
    cum = np.zeros((params.n_items, kmax + 1))
    cum[:, 0] = 1.0
    cum[:, 1:kmax] = expit((t * params.a)[:, None] + np.where(np.isfinite(d), d, -np.inf)[:, : kmax - 1])
    return np.clip(cum[:, :-1] - cum[:, 1:], 0.0, 1.0)


def probability(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """Dichotomous models: P(correct | theta), shape (n_theta, n_items). GRM: the expected score
    E[X | theta] divided by (K - 1), i.e. in [0, 1] like a proportion correct; use
    :func:`category_probabilities` for the per-category probabilities."""
    p = category_probabilities(params, theta)
    if params.model != "GRM":
        return p[:, :, 1]
    k = np.arange(p.shape[2])
    return (p * k).sum(axis=2) / (params.categories - 1)


def test_response_function(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """Expected total score sum_j E[X_j | theta], shape (n_theta,)."""
    p = category_probabilities(params, theta)
    return (p * np.arange(p.shape[2])).sum(axis=(1, 2))


def item_information(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """Fisher information of each item at each theta, shape (n_theta, n_items).

    2PL/1PL: a^2 P Q. 3PL: a^2 (Q/P) ((P - c)/(1 - c))^2. GRM (Samejima):
    sum_k (P*_k' - P*_{k+1}')^2 / P_k with P*' = a P* (1 - P*).
    """
    t = _theta_1d(theta)
    if params.model == "3PL":
        s = expit(t[:, None] * params.a + params.d)
        p = params.c + (1 - params.c) * s
        ratio = (p - params.c) / (1 - params.c)
        return np.asarray(params.a**2 * (1 - p) / np.maximum(p, _TINY) * ratio**2)
    if params.model != "GRM":
        p1 = expit(t[:, None] * params.a + params.d)
        return np.asarray(params.a**2 * p1 * (1 - p1))
    cum = _cumulative(params, t)
    w = cum * (1 - cum)  # derivative of P*_k w.r.t. (a theta), up to a
    pk = cum[:, :, :-1] - cum[:, :, 1:]
    num = (w[:, :, :-1] - w[:, :, 1:]) ** 2
    info = np.where(pk > _TINY, num / np.maximum(pk, _TINY), 0.0).sum(axis=2)
    return np.asarray(params.a**2 * info)


def test_information(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """Sum of item informations, shape (n_theta,)."""
    return item_information(params, theta).sum(axis=1)


# --------------------------------------------------------------------------------------------------
# Response validation
# --------------------------------------------------------------------------------------------------


def _check_responses(
    responses: ArrayLike, n_items: int | None, categories: NDArray[np.int64] | None, dichotomous: bool
) -> FloatArray:
    """Float (n_persons, n_items) with NaN for missing; integer categories 0..K_j-1."""
    try:
        x = np.array(responses, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"responses must be numeric (NaN for not presented): {exc}") from None
    if x.ndim == 1 and n_items is not None and x.shape[0] == n_items:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"responses must be 2-D (n_persons, n_items), got shape {x.shape}")
    if n_items is not None and x.shape[1] != n_items:
        raise ValueError(f"responses have {x.shape[1]} columns but there are {n_items} items")
    if np.any(np.isinf(x)):
        raise ValueError("responses contain infinite values (use NaN for not presented)")
    obs = ~np.isnan(x)
    vals = x[obs]
    if np.any(vals != np.round(vals)) or np.any(vals < 0):
        bad = np.argwhere(obs & ((x != np.round(x)) | (x < 0)))[0]
        raise ValueError(
            f"responses must be integer categories >= 0 or NaN; row {bad[0]}, item {bad[1]} "
            f"has {x[bad[0], bad[1]]!r}"
        )
    if dichotomous and np.any(vals > 1):
        bad = np.argwhere(obs & (x > 1))[0]
        raise ValueError(
            f"dichotomous responses must be 0, 1 or NaN; row {bad[0]}, item {bad[1]} "
            f"has {x[bad[0], bad[1]]!r}"
        )
    if categories is not None:
        over = obs & (x >= categories[None, :])
        if np.any(over):
            r, j = np.argwhere(over)[0]
            raise ValueError(
                f"response {x[r, j]:g} at row {r}, item {j} is out of range: the item has categories "
                f"0..{categories[j] - 1}"
            )
    return x


# --------------------------------------------------------------------------------------------------
# Ability estimation
# --------------------------------------------------------------------------------------------------


def _loglik_grid(params: ItemParams, x: FloatArray, grid: FloatArray) -> FloatArray:
    """log P(responses | theta) for each person at each grid point: (n_persons, n_grid)."""
    logp = np.log(np.maximum(category_probabilities(params, grid), _TINY))  # (G, J, K)
    kmax = logp.shape[2]
    y = _indicator(x, kmax)  # (n, J*K)
    return np.asarray(y @ logp.reshape(grid.shape[0], -1).T)


def _loglik_at(params: ItemParams, x: FloatArray, theta: FloatArray) -> FloatArray:
    """log P(responses_i | theta_i) per person (each at its own theta): (n_persons,)."""
    p = category_probabilities(params, theta)  # (n, J, K)
    obs = ~np.isnan(x)
    idx = np.where(obs, x, 0).astype(np.int64)
    pk = np.take_along_axis(p, idx[:, :, None], axis=2)[:, :, 0]
    return np.where(obs, np.log(np.maximum(pk, _TINY)), 0.0).sum(axis=1)


def _indicator(x: FloatArray, kmax: int) -> FloatArray:
    """One-hot (n_persons, n_items * kmax) of observed categories; all-zero for missing."""
    n, j = x.shape
    y = np.zeros((n, j, kmax))
    obs = ~np.isnan(x)
    r, c = np.nonzero(obs)
    y[r, c, x[r, c].astype(np.int64)] = 1.0
    return y.reshape(n, j * kmax)


def estimate_ability(
    params: ItemParams,
    responses: ArrayLike,
    method: Literal["EAP", "MAP", "ML"] = "EAP",
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    *,
    n_quadrature: int = 121,
    bounds: tuple[float, float] = (-_THETA_BOUND, _THETA_BOUND),
) -> tuple[FloatArray, FloatArray]:
    """Ability estimates and standard errors for each row of ``responses`` (NaN = not presented).

    ``responses`` is (n_persons, n_items) over the items of ``params`` (a 1-D row is one person).
    EAP: posterior mean and SD under N(prior_mean, prior_sd) on ``n_quadrature`` equally spaced
    points over prior_mean +- 6 prior_sd. MAP: posterior mode (grid search, then Newton), SE =
    1 / sqrt(test information + 1/prior_sd^2). ML: likelihood maximum within ``bounds``, SE = 1 /
    sqrt(test information); an all-lowest or all-highest pattern has no finite ML estimate and
    returns the nearer bound, with the SE from the information there (large). A person with no
    observed response gets the prior (EAP/MAP: prior_mean, prior_sd) or NaN (ML).
    """
    if method not in ("EAP", "MAP", "ML"):
        raise ValueError(f"method must be 'EAP', 'MAP' or 'ML', got {method!r}")
    if not (np.isfinite(prior_sd) and prior_sd > 0 and np.isfinite(prior_mean)):
        raise ValueError("prior_sd must be > 0 and prior_mean finite")
    x = _check_responses(responses, params.n_items, params.categories, params.model != "GRM")
    n = x.shape[0]
    any_obs = (~np.isnan(x)).any(axis=1)
    if method == "EAP":
        grid = prior_mean + prior_sd * np.linspace(-_THETA_BOUND, _THETA_BOUND, n_quadrature)
        logpost = _loglik_grid(params, x, grid) - 0.5 * ((grid - prior_mean) / prior_sd) ** 2
        rel = logpost - logpost.max(axis=1, keepdims=True)
        post = np.where(rel > -200.0, np.exp(np.maximum(rel, -200.0)), 0.0)
        post /= post.sum(axis=1, keepdims=True)
        theta = post @ grid
        se = np.sqrt(np.maximum(post @ grid**2 - theta**2, 0.0))
        return theta, se
    lo, hi = bounds
    grid = np.linspace(lo, hi, 241)
    prior_term = method == "MAP"

    def objective(t: FloatArray) -> FloatArray:
        val = _loglik_at(params, x, t)
        if prior_term:
            val = val - 0.5 * ((t - prior_mean) / prior_sd) ** 2
        return val

    lg = _loglik_grid(params, x, grid)
    if prior_term:
        lg = lg - 0.5 * ((grid - prior_mean) / prior_sd) ** 2
    theta = grid[np.argmax(lg, axis=1)]
    # Newton with numerical derivatives, step-halving to keep the objective from falling.
    h = 1e-4
    for _ in range(50):
        f0, fp, fm = objective(theta), objective(theta + h), objective(theta - h)
        g = (fp - fm) / (2 * h)
        hess = (fp - 2 * f0 + fm) / h**2
        step = np.where(hess < -1e-10, -g / np.where(hess < -1e-10, hess, -1.0), 0.25 * np.sign(g))
        step = np.clip(step, -1.0, 1.0)
        new = np.clip(theta + step, lo, hi)
        for _ in range(10):
            worse = objective(new) < f0 - 1e-12
            if not worse.any():
                break
            new = np.where(worse, theta + 0.5 * (new - theta), new)
        done = np.max(np.abs(new - theta)) < 1e-7
        theta = new
        if done:
            break
    info = test_information_rows(params, x, theta)
    if prior_term:
        info = info + 1.0 / prior_sd**2
    se = 1.0 / np.sqrt(np.maximum(info, _TINY))
    if method == "MAP":
        theta = np.where(any_obs, theta, prior_mean)
        se = np.where(any_obs, se, prior_sd)
    else:
        theta = np.where(any_obs, theta, np.nan)
        se = np.where(any_obs, se, np.nan)
    del n
    return theta, se


def test_information_rows(params: ItemParams, responses: ArrayLike, theta: ArrayLike) -> FloatArray:
    """Each person's test information at their own theta over the items they answered: (n_persons,)."""
    x = np.asarray(responses, dtype=float)
    x = x[None, :] if x.ndim == 1 else x
    t = _theta_1d(theta)
    info = item_information(params, t)  # (n, J)
    return np.where(np.isnan(x), 0.0, info).sum(axis=1)


# --------------------------------------------------------------------------------------------------
# Linking
# --------------------------------------------------------------------------------------------------


def _check_anchor(old: ItemParams, new: ItemParams) -> None:
    if old.n_items != new.n_items or old.model != new.model:
        raise ValueError(
            f"anchor sets must be the same items in the same order and model: {old.n_items} {old.model} "
            f"vs {new.n_items} {new.model}"
        )
    if old.n_items < 2:
        raise ValueError("linking needs at least 2 anchor items")


def link_mean_sigma(anchor_old: ItemParams, anchor_new: ItemParams) -> tuple[float, float]:
    """Mean-sigma linking constants (Marco 1977) from the anchors' difficulties b = -d/a.

    Returns ``(A, B)`` with ``theta_old = A * theta_new + B``: ``A = sd(b_old) / sd(b_new)``,
    ``B = mean(b_old) - A mean(b_new)``. GRM: all category boundaries of the anchors are pooled.
    ``anchor_new.transformed(A, B)`` then lies on the old scale.
    """
    _check_anchor(anchor_old, anchor_new)
    b_old, b_new = anchor_old.b.ravel(), anchor_new.b.ravel()
    ok = np.isfinite(b_old) & np.isfinite(b_new)
    b_old, b_new = b_old[ok], b_new[ok]
    sd_new = b_new.std()
    if ok.sum() < 2 or sd_new <= 0:
        raise ValueError("the new anchors' difficulties do not vary: mean-sigma linking is undefined")
    A = float(b_old.std() / sd_new)
    B = float(b_old.mean() - A * b_new.mean())
    return A, B


def link_stocking_lord(
    anchor_old: ItemParams, anchor_new: ItemParams, theta: ArrayLike | None = None
) -> tuple[float, float]:
    """Stocking–Lord linking: (A, B) minimising the squared difference of the anchors' test
    characteristic curves over ``theta`` (default 61 points on [-4, 4] weighted by N(0, 1)),
    started from mean-sigma. ``theta_old = A * theta_new + B``."""
    _check_anchor(anchor_old, anchor_new)
    t = np.linspace(-4, 4, 61) if theta is None else _theta_1d(theta)
    w = stats.norm.pdf(t)
    w /= w.sum()
    target = test_response_function(anchor_old, t)
    try:
        start = link_mean_sigma(anchor_old, anchor_new)
    except ValueError:
        start = (1.0, 0.0)

    def loss(v: FloatArray) -> float:
        A, B = float(np.exp(v[0])), float(v[1])
        return float((w * (target - test_response_function(anchor_new.transformed(A, B), t)) ** 2).sum())

    res = optimize.minimize(loss, np.array([np.log(max(start[0], 1e-3)), start[1]]), method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-14, "maxiter": 2000})
    return float(np.exp(res.x[0])), float(res.x[1])


# --------------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFit:
    """Per-item fit: chi-square ``statistic``, degrees of freedom ``df``, ``p_value``, ``rmsea`` and
    the ``method`` used ("S-X2" or "Q1-EAP"). Small p (e.g. < 0.01) flags a misfitting item."""

    statistic: FloatArray
    df: NDArray[np.int64]
    p_value: FloatArray
    rmsea: FloatArray
    method: str


def _quadrature(kind: str, n: int, mean: float, sd: float) -> tuple[FloatArray, FloatArray]:
    if kind == "uniform":
        z = np.linspace(-6.0, 6.0, n)
        w = stats.norm.pdf(z)
    elif kind == "gauss-hermite":
        z, w = np.polynomial.hermite_e.hermegauss(n)
    else:
        raise ValueError(f"quadrature must be 'uniform' or 'gauss-hermite', got {kind!r}")
    return mean + sd * z, w / w.sum()


class IRTModel(BaseEstimator):
    """Unidimensional IRT model fitted by marginal maximum likelihood (EM + quasi-Newton polish).

    Parameters
    ----------
    model : "1PL", "2PL", "3PL" or "GRM".
    n_quadrature : number of quadrature points of the N(prior_mean, prior_sd) ability distribution.
    max_iter : maximum EM cycles. tol : EM stops when the marginal log-likelihood rises by less than
        ``tol * (1 + |loglik|)`` in a cycle; the L-BFGS polish then runs to a projected gradient of
        ``gtol`` per unit of total weight (``gtol * n_persons`` on the summed gradient).
    quadrature : "uniform" (equally spaced on +-6 SD, mirt's default) or "gauss-hermite".
    prior_mean, prior_sd : the (fixed) population distribution of theta; it sets the scale.
    guess_prior : (alpha, beta) of the Beta prior on the 3PL's c (None: no prior).
    n_categories : GRM only, number of categories per item (int or array); default from the data
        (max observed category + 1).
    polish : run the L-BFGS polish after EM.

    Attributes
    ----------
    a_, d_, c_ : slopes, intercepts (GRM: (n_items, K-1) thresholds, NaN-padded), guessing.
    params_ : the :class:`ItemParams`. loglik_ : marginal log-likelihood at the estimate.
    n_iter_ : EM cycles run. converged_ : whether EM met ``tol`` and the polish met ``gtol``.
    """

    def __init__(
        self,
        model: ModelName = "2PL",
        n_quadrature: int = 61,
        max_iter: int = 500,
        tol: float = 1e-6,
        *,
        quadrature: Literal["uniform", "gauss-hermite"] = "uniform",
        prior_mean: float = 0.0,
        prior_sd: float = 1.0,
        guess_prior: tuple[float, float] | None = (5.0, 17.0),
        n_categories: int | ArrayLike | None = None,
        polish: bool = True,
        gtol: float = 1e-6,
    ) -> None:
        self.model = model
        self.n_quadrature = n_quadrature
        self.max_iter = max_iter
        self.tol = tol
        self.quadrature = quadrature
        self.prior_mean = prior_mean
        self.prior_sd = prior_sd
        self.guess_prior = guess_prior
        self.n_categories = n_categories
        self.polish = polish
        self.gtol = gtol

    # ---- validation -------------------------------------------------------------------------

    def _validate(self, responses: ArrayLike, weights: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if int(self.n_quadrature) < 5:
            raise ValueError("n_quadrature must be at least 5")
        if not (np.isfinite(self.prior_sd) and self.prior_sd > 0):
            raise ValueError("prior_sd must be > 0")
        x = _check_responses(responses, None, None, self.model != "GRM")
        n, j = x.shape
        if n < 2 or j < 1:
            raise ValueError(f"need at least 2 persons and 1 item, got shape {x.shape}")
        if weights is None:
            w = np.ones(n)
        else:
            w = np.asarray(weights, dtype=float)
            if w.shape != (n,):
                raise ValueError(f"weights must have shape (n_persons={n},), got {w.shape}")
            if not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError("weights must be finite and >= 0 (counts of each response pattern)")
        if self.model == "GRM":
            if self.n_categories is None:
                cats = (np.nanmax(np.where(np.isnan(x), -1, x), axis=0) + 1).astype(np.int64)
            else:
                cats = np.broadcast_to(np.asarray(self.n_categories, dtype=np.int64), (j,)).copy()
            if np.any(cats < 2):
                bad = int(np.argmax(cats < 2))
                raise ValueError(f"item {bad}: every response is in the same category (no variance)")
            _check_responses(x, j, cats, False)
        else:
            cats = np.full(j, 2, dtype=np.int64)
        self._cats = cats
        # identification: every category of every item must be observed (with positive weight)
        for jj in range(j):
            obs = ~np.isnan(x[:, jj]) & (w > 0)
            if not obs.any():
                raise ValueError(f"item {jj}: no responses (all missing or zero weight)")
            seen = np.unique(x[obs, jj]).astype(np.int64)
            if seen.size == 1:
                raise ValueError(
                    f"item {jj}: every response is {seen[0]} (no variance), so its parameters are not "
                    "identified; remove the item"
                )
            missing = sorted(set(range(int(cats[jj]))) - set(seen.tolist()))
            if missing:
                raise ValueError(
                    f"item {jj}: category {missing[0]} is never observed; recode the item's categories "
                    "to consecutive integers from 0"
                )
        return x, w

    # ---- parameter vector <-> ItemParams ----------------------------------------------------

    def _unpack(self, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(a (J,), d (J, K-1) NaN-padded, c (J,)) from the optimiser's vector."""
        j, kmax = self._cats.shape[0], int(self._cats.max())
        if self.model == "1PL":
            a = np.full(j, v[0])
            return a, v[1 : 1 + j, None].copy(), np.zeros(j)
        a = v[:j]
        if self.model in ("2PL", "3PL"):
            c = expit(v[2 * j : 3 * j]) if self.model == "3PL" else np.zeros(j)
            return a, v[j : 2 * j, None].copy(), c
        d = np.full((j, kmax - 1), np.nan)
        d[:, 0] = v[j : 2 * j]
        if kmax > 2:
            gaps = np.exp(v[2 * j :].reshape(j, kmax - 2))
            d[:, 1:] = d[:, :1] - np.cumsum(gaps, axis=1)
        d[np.arange(kmax - 1)[None, :] >= (self._cats - 1)[:, None]] = np.nan
        return a, d, np.zeros(j)

    def _initial(self, x: FloatArray, w: FloatArray) -> FloatArray:
        j, kmax = x.shape[1], int(self._cats.max())
        obs = ~np.isnan(x)
        ww = w[:, None] * obs
        # cumulative proportions P(X >= k) per item -> logit intercepts (slope ~ 1 start)
        d0 = np.full((j, kmax - 1), np.nan)
        for k in range(1, kmax):
            p = (ww * (np.nan_to_num(x, nan=-1) >= k)).sum(0) / ww.sum(0)
            p = np.clip(p, 0.01, 0.99)
            d0[:, k - 1] = np.log(p / (1 - p)) * 1.4
        if self.model == "1PL":
            return np.concatenate([[1.0], d0[:, 0]])
        a0 = np.ones(j)
        if self.model == "2PL":
            return np.concatenate([a0, d0[:, 0]])
        if self.model == "3PL":
            alpha, beta = self.guess_prior or (1.0, 4.0)
            c0 = np.clip(alpha / (alpha + beta), 0.02, 0.4)
            return np.concatenate([a0, d0[:, 0], np.full(j, np.log(c0 / (1 - c0)))])
        v = [a0, d0[:, 0]]
        if kmax > 2:
            gaps = -np.diff(d0, axis=1)
            gaps = np.where(np.isfinite(gaps) & (gaps > 0.05), gaps, 0.5)
            v.append(np.log(gaps).ravel())
        return np.concatenate(v)

    def _bounds(self, size: int) -> list[tuple[float, float]]:
        j = self._cats.shape[0]
        b: list[tuple[float, float]] = []
        if self.model == "1PL":
            return [(1e-3, 20.0)] + [(-30.0, 30.0)] * j
        b += [(-20.0, 20.0)] * j + [(-30.0, 30.0)] * j
        if self.model == "3PL":
            b += [(-12.0, 12.0)] * j
        elif self.model == "GRM":
            b += [(-12.0, 4.0)] * (size - 2 * j)
        return b

    # ---- expected complete-data log-likelihood and its gradient -----------------------------

    def _cat_logprob(self, v: FloatArray, nodes: FloatArray) -> tuple[FloatArray, ItemParams]:
        a, d, c = self._unpack(v)
        dd = d[:, 0] if self.model != "GRM" else d[:, : int(self._cats.max()) - 1]
        params = ItemParams(a, dd, c, self.model, self._cats) if self.model == "GRM" else ItemParams(
            a, dd, c, self.model)
        return category_probabilities(params, nodes), params

    def _complete_ll(self, v: FloatArray, r: FloatArray, nodes: FloatArray) -> tuple[float, FloatArray]:
        """Q(v) = sum_{j,k,q} r[j,k,q] log P_jk(theta_q) (+ log prior of c) and dQ/dv.

        ``r`` is (J, Kmax, Q): expected counts of category k of item j at node q.
        """
        a, d, c = self._unpack(v)
        j, kmax = self._cats.shape[0], int(self._cats.max())
        t = nodes  # (Q,)
        if self.model == "3PL":
            s = expit(t[None, :] * a[:, None] + d[:, :1])  # (J, Q)
            p1 = c[:, None] + (1 - c[:, None]) * s
            p0 = 1 - p1
            r0, r1 = r[:, 0, :], r[:, 1, :]
            ll = float((r1 * np.log(np.maximum(p1, _TINY)) + r0 * np.log(np.maximum(p0, _TINY))).sum())
            resid = r1 / np.maximum(p1, _TINY) - r0 / np.maximum(p0, _TINY)  # dQ/dP
            gz = resid * (1 - c[:, None]) * s * (1 - s)
            ga = (gz * t).sum(1)
            gd = gz.sum(1)
            gc = (resid * (1 - s)).sum(1) * c * (1 - c)
            if self.guess_prior is not None:
                al, be = self.guess_prior
                ll += float(((al - 1) * np.log(c) + (be - 1) * np.log1p(-c)).sum())
                gc = gc + (al - 1) * (1 - c) - (be - 1) * c
            return ll, np.concatenate([ga, gd, gc])
        # cumulative logistic family: 1PL, 2PL, GRM
        dpad = np.where(np.isfinite(d), d, -np.inf)  # (J, K-1)
        cum = np.zeros((j, kmax + 1, t.shape[0]))
        cum[:, 0, :] = 1.0
        cum[:, 1:kmax, :] = expit(a[:, None, None] * t[None, None, :] + dpad[:, :, None])
        pk = cum[:, :-1, :] - cum[:, 1:, :]  # (J, K, Q)
        valid = pk > _TINY
        ll = float(np.where(r > 0, r * np.log(np.maximum(pk, _TINY)), 0.0).sum())
        ratio = np.where(valid, r / np.maximum(pk, _TINY), 0.0)  # dQ/dP_k
        wcum = cum[:, 1:kmax, :] * (1 - cum[:, 1:kmax, :])  # (J, K-1, Q): dP*_m/dz
        gdm = (wcum * (ratio[:, 1:, :] - ratio[:, :-1, :])).sum(2)  # dQ/dd_m (J, K-1)
        ga = (wcum * (ratio[:, 1:, :] - ratio[:, :-1, :]) * t[None, None, :]).sum((1, 2))
        if self.model == "1PL":
            return ll, np.concatenate([[ga.sum()], gdm[:, 0]])
        if self.model == "2PL":
            return ll, np.concatenate([ga, gdm[:, 0]])
        gd1 = gdm.sum(1)
        grads = [ga, gd1]
        if kmax > 2:
            gaps = np.exp(v[2 * j :].reshape(j, kmax - 2))
            # d_k (k >= l+1) moves by -exp(u_l): dQ/du_l = -exp(u_l) * sum_{k > l} dQ/dd_k
            tail = np.cumsum(gdm[:, ::-1], axis=1)[:, ::-1]  # tail[:, m] = sum_{k >= m} gdm[:, k]
            grads.append((-gaps * tail[:, 1:]).ravel())
        return ll, np.concatenate(grads)

    def _estep(
        self, v: FloatArray, y: FloatArray, w: FloatArray, nodes: FloatArray, logw: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
        """Marginal log-likelihood, expected counts r (J, K, Q) and posteriors (n, Q)."""
        p, _ = self._cat_logprob(v, nodes)
        q, j, kmax = p.shape
        logp = np.log(np.maximum(p, _TINY)).reshape(q, j * kmax)
        logl = y @ logp.T + logw[None, :]
        top = logl.max(axis=1, keepdims=True)
        rel = logl - top
        norm = top[:, 0] + np.log(np.exp(np.maximum(rel, -700.0)).sum(axis=1))
        rel -= (norm - top[:, 0])[:, None]
        # zero the negligible posterior mass instead of keeping subnormal floats (which are very
        # slow in the matrix products that follow)
        post = np.where(rel > -200.0, np.exp(np.maximum(rel, -200.0)), 0.0)
        r = (y.T @ (w[:, None] * post)).reshape(j, kmax, q)
        return float(w @ norm), r, post

    def _prior_ll(self, v: FloatArray) -> float:
        if self.model != "3PL" or self.guess_prior is None:
            return 0.0
        c = self._unpack(v)[2]
        al, be = self.guess_prior
        return float(((al - 1) * np.log(c) + (be - 1) * np.log1p(-c)).sum())

    def fit(self, responses: ArrayLike, weights: ArrayLike | None = None) -> IRTModel:
        """Fit by MML. ``responses``: (n_persons, n_items) float, NaN = not presented; dichotomous
        0/1, GRM integer categories 0..K-1. ``weights``: counts of each row (response pattern)."""
        x, w = self._validate(responses, weights)
        nodes, qw = _quadrature(self.quadrature, int(self.n_quadrature), self.prior_mean, self.prior_sd)
        logw = np.log(np.maximum(qw, _TINY))
        kmax = int(self._cats.max())
        # identical response patterns are collapsed into one weighted row (same likelihood, less work)
        keys, inverse = np.unique(np.nan_to_num(x, nan=-1.0), axis=0, return_inverse=True)
        xp: FloatArray
        wp: FloatArray
        if keys.shape[0] < 0.8 * x.shape[0]:
            xp = np.where(keys < 0, np.nan, keys)
            wp = np.bincount(inverse.reshape(-1), weights=w, minlength=keys.shape[0]).astype(float)
        else:
            xp, wp = x, w
        y = _indicator(xp, kmax)
        v = self._initial(x, w)
        bounds = self._bounds(v.shape[0])
        v = np.clip(v, [b[0] for b in bounds], [b[1] for b in bounds])
        ll_old = -np.inf
        em_converged = False
        n_iter = 0
        for n_iter in range(1, int(self.max_iter) + 1):
            ll, r, _ = self._estep(v, y, wp, nodes, logw)
            ll += self._prior_ll(v)
            if ll - ll_old < self.tol * (1.0 + abs(ll)) and n_iter > 1:
                em_converged = True
                break
            ll_old = ll
            res = optimize.minimize(
                lambda vv, rr=r: tuple(-z for z in self._complete_ll(vv, rr, nodes)),
                v,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 50, "gtol": 1e-8},
            )
            v = res.x
        polished = True
        if self.polish:
            def marginal(vv: FloatArray) -> tuple[float, FloatArray]:
                llm, rr, _ = self._estep(vv, y, wp, nodes, logw)
                _, g = self._complete_ll(vv, rr, nodes)  # Fisher's identity (includes the c prior)
                return -(llm + self._prior_ll(vv)), -g

            res = optimize.minimize(marginal, v, jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 2000, "gtol": self.gtol * max(w.sum(), 1.0),
                                             "ftol": 1e-13})
            v = res.x
            polished = bool(res.success) or float(np.max(np.abs(res.jac))) < 1e-3 * max(w.sum(), 1.0)
        ll, _, _ = self._estep(v, y, wp, nodes, logw)
        a, d, c = self._unpack(v)
        self.params_ = ItemParams(a, d if self.model == "GRM" else d[:, 0], c, self.model, self._cats)
        self.a_ = self.params_.a
        self.d_ = self.params_.d
        self.c_ = self.params_.c
        self.loglik_ = ll + self._prior_ll(v) if self.model == "3PL" else ll
        self.n_iter_ = n_iter
        self.converged_ = bool(em_converged and polished) if self.polish else em_converged
        self.n_categories_ = self._cats.copy()
        self.n_parameters_ = int(self._item_nparams().sum()) if self.model != "1PL" else 1 + len(self._cats)
        self.quadrature_ = (nodes, qw)
        self._fit_data = (x, w)
        return self

    # ---- after fit ----------------------------------------------------------------------------

    def ability(
        self,
        responses: ArrayLike,
        items: ArrayLike | None = None,
        method: Literal["EAP", "MAP", "ML"] = "EAP",
    ) -> tuple[FloatArray, FloatArray]:
        """Ability estimates (theta, se) for ``responses`` over the fitted items ``items`` (column j of
        ``responses`` is item ``items[j]``; default all items in order), under the fit's prior."""
        check_is_fitted(self, "params_")
        params = self.params_ if items is None else self.params_.subset(items)
        return estimate_ability(params, responses, method, self.prior_mean, self.prior_sd)

    def item_fit(self, min_expected: float = 1.0) -> ItemFit:
        """Per-item fit of the training data.

        Complete data: Orlando & Thissen's (2000) S-X2 — for each item and each total-score group
        (excluding the lowest and highest score, where the item's response is determined), observed
        vs model-expected category proportions, the expected ones from the Lord–Wingersky recursion
        over the quadrature (matches mirt's ``itemfit`` on LSAT7 to 0.003); adjacent score groups are pooled
        until every expected cell count is at least ``min_expected`` (mirt's ``mincell = 1``);
        df = groups * (K-1) - free item parameters.
        With missing responses S-X2 is undefined (sum scores are not comparable), so a Q1-style
        statistic is used instead: persons who saw the item are split into 10 groups by EAP theta,
        observed vs expected category counts at the group mean of each person's expected
        probabilities; df = groups * (K-1) - free item parameters.
        """
        check_is_fitted(self, "params_")
        x, w = self._fit_data
        if np.isnan(x).any():
            return self._q1_fit(x, w)
        return self._sx2_fit(x, w, min_expected)

    def _item_nparams(self) -> NDArray[np.int64]:
        k = self._cats - 1
        if self.model == "1PL":
            return np.ones_like(k)
        if self.model == "3PL":
            return np.full_like(k, 3)
        return k + 1  # slope + K-1 thresholds (2PL: 2)

    def _sx2_fit(self, x: FloatArray, w: FloatArray, min_expected: float) -> ItemFit:
        params = self.params_
        nodes, qw = self.quadrature_
        p = category_probabilities(params, nodes)  # (Q, J, K)
        j = params.n_items
        maxs = self._cats - 1
        total_max = int(maxs.sum())
        xi = x.astype(np.int64)
        scores = xi.sum(axis=1)
        stat = np.zeros(j)
        df = np.zeros(j, dtype=np.int64)
        for item in range(j):
            others = [o for o in range(j) if o != item]
            # Lord–Wingersky: distribution of the rest score at each node
            dist = np.ones((nodes.shape[0], 1))
            for o in others:
                k = int(self._cats[o])
                new = np.zeros((nodes.shape[0], dist.shape[1] + k - 1))
                for cat in range(k):
                    new[:, cat : cat + dist.shape[1]] += dist * p[:, o, cat : cat + 1]
                dist = new
            k_i = int(self._cats[item])
            n_total = total_max + 1
            # expected P(X_item = c | total score s) ∝ sum_q qw * P_item,c(q) * P(rest = s - c | q)
            joint = np.zeros((n_total, k_i))
            for cat in range(k_i):
                joint[cat : cat + dist.shape[1], cat] = np.einsum("q,q,qs->s", qw, p[:, item, cat], dist)
            with np.errstate(invalid="ignore", divide="ignore"):
                exp_prop = joint / joint.sum(axis=1, keepdims=True)
            obs = np.zeros((n_total, k_i))
            np.add.at(obs, (scores, xi[:, item]), w)
            n_s = obs.sum(axis=1)
            # total-score groups where the item's response is not determined by the score: not the
            # lowest (0) nor the highest possible score; and groups that have somebody
            keep = (n_s > 0) & (np.arange(n_total) > 0) & (np.arange(n_total) < total_max)
            o_tab, e_tab = obs[keep], (n_s[:, None] * exp_prop)[keep]
            # pool adjacent groups until every expected cell >= min_expected
            groups_o: list[FloatArray] = []
            groups_e: list[FloatArray] = []
            acc_o = np.zeros(k_i)
            acc_e = np.zeros(k_i)
            for row_o, row_e in zip(o_tab, e_tab, strict=True):
                acc_o = acc_o + row_o
                acc_e = acc_e + row_e
                if acc_e.min() >= min_expected:
                    groups_o.append(acc_o)
                    groups_e.append(acc_e)
                    acc_o = np.zeros(k_i)
                    acc_e = np.zeros(k_i)
            if acc_e.sum() > 0:
                if groups_o:
                    groups_o[-1] = groups_o[-1] + acc_o
                    groups_e[-1] = groups_e[-1] + acc_e
                else:
                    groups_o.append(acc_o)
                    groups_e.append(acc_e)
            go, ge = np.array(groups_o), np.array(groups_e)
            stat[item] = float(np.where(ge > 0, (go - ge) ** 2 / np.maximum(ge, _TINY), 0.0).sum())
            df[item] = go.shape[0] * (k_i - 1) - int(self._item_nparams()[item])
        return self._fit_result(stat, df, w.sum(), "S-X2")

    def _q1_fit(self, x: FloatArray, w: FloatArray, n_groups: int = 10) -> ItemFit:
        params = self.params_
        theta, _ = estimate_ability(params, x, "EAP", self.prior_mean, self.prior_sd)
        p_all = category_probabilities(params, theta)  # (n, J, K)
        j = params.n_items
        stat = np.zeros(j)
        df = np.zeros(j, dtype=np.int64)
        for item in range(j):
            seen = ~np.isnan(x[:, item]) & (w > 0)
            order = np.argsort(theta[seen], kind="stable")
            k_i = int(self._cats[item])
            xs = x[seen, item][order].astype(np.int64)
            ws = w[seen][order]
            ps = p_all[seen, item, :k_i][order]
            cum = np.cumsum(ws)
            edges = np.searchsorted(cum, np.linspace(0, cum[-1], n_groups + 1)[1:-1])
            s = 0.0
            g = 0
            for idx in np.split(np.arange(xs.shape[0]), edges):
                if idx.size == 0:
                    continue
                o = np.bincount(xs[idx], weights=ws[idx], minlength=k_i)
                e = (ps[idx] * ws[idx, None]).sum(0)
                s += float(((o - e) ** 2 / np.maximum(e, 1e-9)).sum())
                g += 1
            stat[item] = s
            df[item] = g * (k_i - 1) - int(self._item_nparams()[item])
        return self._fit_result(stat, df, w.sum(), "Q1-EAP")

    @staticmethod
    def _fit_result(stat: FloatArray, df: NDArray[np.int64], n: float, method: str) -> ItemFit:
        dfp = np.maximum(df, 1)
        p = stats.chi2.sf(stat, dfp)
        p = np.where(df > 0, p, np.nan)
        rmsea = np.sqrt(np.maximum(stat - dfp, 0.0) / (dfp * max(n - 1, 1.0)))
        return ItemFit(stat, df, p, rmsea, method)
