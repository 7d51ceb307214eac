"""IRT calibration, ability estimation, information and linking (educloud.algos.irt).

Oracle: mirt's 2PL on LSAT7 (slopes/intercepts from mirt's tests and documentation; log-likelihood
-2658.805 is what mirt prints for this model and data, "Log-likelihood = -2658.805, G2 (21) = 31.7" in
its reference manual — the -2466.653 sometimes quoted belongs to ltm's LSAT (= LSAT6), not LSAT7).
The GRM on Science is checked against a direct numerical maximisation of the marginal likelihood
written independently below (its own quadrature, its own category probabilities, no EM).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import expit

from educloud.algos.irt import (
    IRTModel,
    ItemParams,
    category_probabilities,
    estimate_ability,
    item_information,
    link_mean_sigma,
    link_stocking_lord,
    probability,
)
from educloud.algos.irt import test_information as total_information  # not a pytest test

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "irt"
MIRT_A = np.array([0.988, 1.081, 1.706, 0.765, 0.736])
MIRT_D = np.array([1.856, 0.808, 1.804, 0.486, 1.855])
MIRT_LOGLIK = -2658.805


def _read(name: str):
    pyreadr = pytest.importorskip("pyreadr", reason="pyreadr (dev dependency) reads mirt's .RData")
    path = DATA / f"{name}.RData"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared IRT reference data sit beside the project root)")
    return pyreadr.read_r(str(path))[name]


def _simulate(params: ItemParams, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p = category_probabilities(params, theta)  # (n, J, K)
    u = rng.random(p.shape[:2])
    return (u[:, :, None] > np.cumsum(p, axis=2)).sum(axis=2).astype(float)


# ---- oracle ------------------------------------------------------------------------------------


def test_lsat7_2pl_matches_mirt():
    df = _read("LSAT7")
    x, w = df.iloc[:, :5].to_numpy(float), df["freq"].to_numpy(float)
    m = IRTModel("2PL").fit(x, weights=w)
    assert m.converged_
    np.testing.assert_allclose(m.a_, MIRT_A, atol=0.01)
    np.testing.assert_allclose(m.d_, MIRT_D, atol=0.01)
    assert m.loglik_ == pytest.approx(MIRT_LOGLIK, abs=0.01)
    # the expanded 1,000 rows (no weights) give the same fit
    expanded = np.repeat(x, w.astype(int), axis=0)
    m2 = IRTModel("2PL").fit(expanded)
    np.testing.assert_allclose(m2.a_, m.a_, atol=1e-4)
    assert m2.loglik_ == pytest.approx(m.loglik_, abs=1e-4)
    # Gauss–Hermite quadrature integrates the same likelihood
    m3 = IRTModel("2PL", quadrature="gauss-hermite").fit(x, weights=w)
    assert m3.loglik_ == pytest.approx(MIRT_LOGLIK, abs=0.01)
    # mirt's own test values (tests/tests/test-01-mirtOne.R): S-X2, EAP and MAP scores of the first
    # six response patterns, and the fit with two responses set missing
    fit = m.item_fit()
    assert fit.method == "S-X2"
    np.testing.assert_allclose(fit.statistic, [4.749440, 14.451071, 1.270381, 5.237400, 0.941125], atol=0.01)
    np.testing.assert_array_equal(fit.df, [2, 2, 2, 2, 2])
    eap, _ = m.ability(x[:6])
    np.testing.assert_allclose(eap, [-1.8665957, -1.5266920, -1.5134024, -1.1852276, -1.0946830, -0.7666992],
                               atol=0.01)
    map_, _ = m.ability(x[:6], method="MAP")
    np.testing.assert_allclose(map_, [-1.8165552, -1.4946906, -1.4822982, -1.1789899, -1.0958928, -0.7951026],
                               atol=0.01)
    expanded[0, 0] = expanded[1, 1] = np.nan
    m6 = IRTModel("2PL").fit(expanded)
    np.testing.assert_allclose(m6.a_, [0.969, 1.074, 1.717, 0.763, 0.731], atol=0.01)
    np.testing.assert_allclose(m6.d_, [1.851, 0.808, 1.811, 0.486, 1.852], atol=0.01)


def _direct_grm_loglik(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Independent MML for the GRM: 201-point trapezoid on [-8, 8], Nelder–Mead then BFGS."""
    n_items, k = x.shape[1], int(x.max()) + 1
    grid = np.linspace(-8, 8, 201)
    wq = stats.norm.pdf(grid) * (grid[1] - grid[0])
    xi = x.astype(int)

    def negll(v: np.ndarray) -> float:
        total = np.zeros((x.shape[0], grid.size))
        for j in range(n_items):
            a, d = v[j * k], np.sort(v[j * k + 1 : (j + 1) * k])[::-1]
            star = np.vstack([np.ones(grid.size), expit(a * grid[None, :] + d[:, None]), np.zeros(grid.size)])
            pj = star[:-1] - star[1:]  # (k, G)
            total += np.log(np.maximum(pj[xi[:, j]], 1e-300))
        return -float(np.log(np.exp(total) @ wq).sum())

    start = np.concatenate([[1.0, 3.0, 1.0, -1.5]] * n_items)
    res = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-6})
    return -res.fun, res.x


def test_science_grm_against_direct_optimisation():
    x = _read("Science").to_numpy(float) - 1  # categories 1..4 -> 0..3
    m = IRTModel("GRM").fit(x)
    assert m.converged_
    assert m.d_.shape == (4, 3) and np.all(np.diff(m.d_, axis=1) < 0)
    ll_direct, v = _direct_grm_loglik(x)
    assert m.loglik_ == pytest.approx(ll_direct, abs=0.02)
    # and mirt's documented value for mirt(Science, 1): logLik -1608.870
    assert m.loglik_ == pytest.approx(-1608.870, abs=0.01)
    assert m.loglik_ >= ll_direct - 0.02
    np.testing.assert_allclose(m.a_, v[0::4], atol=0.02)
    np.testing.assert_allclose(m.d_[:, 0], v[1::4], atol=0.05)


# ---- recovery on simulated data ---------------------------------------------------------------


def test_1pl_recovery():
    rng = np.random.default_rng(11)
    truth = ItemParams(np.full(15, 1.3), rng.normal(0, 1, 15), model="1PL")
    x = _simulate(truth, rng.normal(size=2000), rng)
    m = IRTModel("1PL").fit(x)
    assert np.ptp(m.a_) == 0 and m.a_[0] == pytest.approx(1.3, abs=0.08)
    assert np.sqrt(np.mean((m.d_ - truth.d) ** 2)) < 0.08


def test_3pl_recovery():
    rng = np.random.default_rng(12)
    n_items = 20
    truth = ItemParams(rng.uniform(1.0, 2.2, n_items), rng.normal(0, 1, n_items),
                       rng.uniform(0.1, 0.3, n_items), "3PL")
    x = _simulate(truth, rng.normal(size=3000), rng)
    m = IRTModel("3PL").fit(x)
    assert np.sqrt(np.mean((m.a_ - truth.a) ** 2)) < 0.25
    assert np.sqrt(np.mean((m.c_ - truth.c) ** 2)) < 0.06
    # difficulty is the well-determined quantity of a 3PL item
    assert np.sqrt(np.mean((m.params_.b - truth.b) ** 2)) < 0.2


def test_grm_recovery_with_missing_responses():
    rng = np.random.default_rng(13)
    n_items = 10
    d = np.sort(rng.normal(0, 1.2, (n_items, 3)), axis=1)[:, ::-1] + np.array([1.0, 0.0, -1.0])
    truth = ItemParams(rng.uniform(0.8, 2.0, n_items), d, model="GRM")
    x = _simulate(truth, rng.normal(size=2000), rng)
    x[rng.random(x.shape) < 0.3] = np.nan  # 30 % not presented
    m = IRTModel("GRM").fit(x)
    assert np.sqrt(np.mean((m.a_ - truth.a) ** 2)) < 0.12
    assert np.sqrt(np.mean((m.d_ - truth.d) ** 2)) < 0.2
    assert m.item_fit().method == "Q1-EAP"


def test_2pl_missing_at_random_equals_booklet_design():
    rng = np.random.default_rng(14)
    truth = ItemParams(rng.uniform(0.7, 2.0, 12), rng.normal(0, 1, 12))
    x = _simulate(truth, rng.normal(size=3000), rng)
    x[:1500, :4] = np.nan  # booklet A lacks items 0-3
    x[1500:, 8:] = np.nan  # booklet B lacks items 8-11
    m = IRTModel("2PL").fit(x)
    assert np.sqrt(np.mean((m.a_ - truth.a) ** 2)) < 0.15
    assert np.sqrt(np.mean((m.d_ - truth.d) ** 2)) < 0.2


def test_item_fit_flags_a_misfitting_item():
    rng = np.random.default_rng(15)
    a, d = rng.uniform(0.8, 1.8, 12), rng.normal(0, 1, 12)
    theta = rng.normal(size=3000)
    x = _simulate(ItemParams(a, d), theta, rng)
    # item 0: strong guessing floor and steep slope, which a 2PL cannot represent
    p = 0.45 + 0.55 * expit(3.0 * theta - 0.5)
    x[:, 0] = (rng.random(3000) < p).astype(float)
    fit = IRTModel("2PL").fit(x).item_fit()
    assert fit.p_value[0] < 0.001
    assert np.median(fit.p_value[1:]) > 0.1


# ---- ability, information, linking ------------------------------------------------------------


def test_information_equals_fisher_information_by_finite_differences():
    rng = np.random.default_rng(16)
    d = np.array([[1.5, 0.2, -1.0], [0.5, -0.5, np.nan]])
    for params in (
        ItemParams(rng.uniform(0.5, 2, 4), rng.normal(size=4)),
        ItemParams(rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.uniform(0, 0.3, 4), "3PL"),
        ItemParams(np.array([1.2, 0.7]), d, model="GRM"),
    ):
        theta, h = np.linspace(-3, 3, 13), 1e-5
        p = category_probabilities(params, theta)
        dp = (category_probabilities(params, theta + h) - category_probabilities(params, theta - h)) / (2 * h)
        fisher = np.where(p > 0, dp**2 / np.where(p > 0, p, 1), 0).sum(axis=2)
        np.testing.assert_allclose(item_information(params, theta), fisher, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(total_information(params, theta), fisher.sum(axis=1), rtol=1e-5)
        np.testing.assert_allclose(p.sum(axis=2), 1.0, atol=1e-12)
    assert probability(params, [0.0]).shape == (1, 2)


def test_ability_estimators_and_subsets():
    rng = np.random.default_rng(17)
    bank = ItemParams(rng.uniform(1.0, 2.0, 40), rng.normal(0, 1, 40))
    true = rng.normal(size=400)
    x = _simulate(bank, true, rng)
    for method in ("EAP", "MAP", "ML"):
        theta, se = estimate_ability(bank, x, method)
        assert np.corrcoef(theta, true)[0, 1] > 0.93, method
        assert np.all(se > 0)
        if method != "ML":  # ML of an all-correct pattern sits at the bound with a large SE
            assert np.all(se < 0.6)
    # MAP agrees with the posterior mode on a fine grid
    grid = np.linspace(-6, 6, 24001)
    one = x[:1]
    logpost = np.log(category_probabilities(bank, grid)[:, np.arange(40), one[0].astype(int)]).sum(1)
    logpost -= grid**2 / 2
    assert estimate_ability(bank, one, "MAP")[0][0] == pytest.approx(grid[np.argmax(logpost)], abs=1e-3)
    # a subset of items (adaptive test): NaN columns are the same as leaving the items out
    part = x[:, :10]
    full = np.full_like(x, np.nan)
    full[:, :10] = part
    sub = estimate_ability(bank.subset(range(10)), part)[0]
    np.testing.assert_allclose(sub, estimate_ability(bank, full)[0])
    # all correct: ML sits at the bound, EAP stays finite; no response: the prior
    t_ml, _ = estimate_ability(bank, np.ones((1, 40)), "ML")
    assert t_ml[0] == pytest.approx(6.0)
    t_eap, s_eap = estimate_ability(bank, np.full((1, 40), np.nan), "EAP", prior_mean=0.5, prior_sd=2.0)
    assert t_eap[0] == pytest.approx(0.5, abs=1e-6) and s_eap[0] == pytest.approx(2.0, abs=1e-3)
    m = IRTModel("2PL").fit(x)
    t1, _ = m.ability(x[:, 5:15], items=np.arange(5, 15), method="MAP")
    t2, _ = estimate_ability(m.params_.subset(np.arange(5, 15)), x[:, 5:15], "MAP")
    np.testing.assert_allclose(t1, t2)


def test_linking_recovers_a_known_transformation():
    rng = np.random.default_rng(18)
    old = ItemParams(rng.uniform(0.7, 2.0, 10), rng.normal(0, 1, 10))
    A, B = 1.3, -0.4
    new = old.transformed(1 / A, -B / A)  # the same items on a scale where theta_old = A theta_new + B
    for link in (link_mean_sigma, link_stocking_lord):
        a_hat, b_hat = link(old, new)
        assert a_hat == pytest.approx(A, abs=1e-4) and b_hat == pytest.approx(B, abs=1e-4)
        back = new.transformed(a_hat, b_hat)
        np.testing.assert_allclose(back.a, old.a, atol=1e-4)
        np.testing.assert_allclose(back.d, old.d, atol=1e-4)
    grm = ItemParams(np.array([1.0, 1.5]), np.array([[1.0, -0.5], [2.0, 0.0]]), model="GRM")
    assert link_mean_sigma(grm, grm.transformed(2.0, 1.0))[0] == pytest.approx(0.5)


def test_item_params_round_trip_as_plain_numbers():
    grm = ItemParams(np.array([1.0, 1.5]), np.array([[1.0, -0.5, -2.0], [2.0, 0.0, np.nan]]), model="GRM")
    again = ItemParams.from_dict(grm.to_dict())
    np.testing.assert_array_equal(again.categories, [4, 3])
    np.testing.assert_allclose(again.d, grm.d)
    three = ItemParams(np.array([1.0]), np.array([0.2]), np.array([0.2]), "3PL")
    assert ItemParams.from_dict(three.to_dict()).to_dict() == three.to_dict()


# ---- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "data", "match"),
    [
        ("2PL", np.array([0.0, 1.0, 1.0]), "2-D"),
        ("2PL", np.array([[0, 1], [1, 2], [0, 1]], dtype=float), "0, 1 or NaN"),
        ("2PL", np.array([[0, 1], [1, 0.5], [0, 1]], dtype=float), "integer"),
        ("2PL", np.array([[0, 1], [1, 1], [0, 1]], dtype=float), "item 1: every response is 1"),
        ("GRM", np.array([[0, 1], [2, 0], [0, 1]], dtype=float), "item 0: category 1 is never observed"),
        ("GRM", np.array([[0, 1], [-1, 0], [0, 1]], dtype=float), ">= 0"),
        ("2PL", np.array([[0, np.nan], [1, np.nan], [0, np.nan]]), "item 1: no responses"),
        ("4PL", np.array([[0, 1], [1, 0]], dtype=float), "model must be one of"),
    ],
)
def test_bad_input_is_a_clear_value_error(model, data, match):
    with pytest.raises(ValueError, match=match):
        IRTModel(model).fit(data)


def test_bad_weights_categories_and_params():
    x = np.array([[0, 1], [1, 0], [1, 1]], dtype=float)
    with pytest.raises(ValueError, match="weights must have shape"):
        IRTModel().fit(x, weights=np.ones(2))
    with pytest.raises(ValueError, match=">= 0"):
        IRTModel().fit(x, weights=np.array([1, -1, 1]))
    with pytest.raises(ValueError, match="out of range"):
        IRTModel("GRM", n_categories=2).fit(np.array([[0, 1], [2, 0], [1, 1]], dtype=float))
    bank = ItemParams(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="3 columns but there are"):
        estimate_ability(ItemParams(np.ones(2), np.zeros(2)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="method"):
        estimate_ability(bank, np.zeros((1, 3)), "WLE")
    with pytest.raises(ValueError, match="strictly decreasing"):
        ItemParams(np.ones(1), np.array([[0.0, 1.0]]), model="GRM")
    with pytest.raises(ValueError, match="guessing"):
        ItemParams(np.ones(1), np.zeros(1), np.array([0.2]), "2PL")
    with pytest.raises(ValueError, match="A > 0"):
        bank.transformed(-1.0, 0.0)
