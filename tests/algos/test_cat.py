"""Adaptive testing (educloud.algos.cat) on simulated banks: convergence, exposure, content, stopping."""

from __future__ import annotations

import numpy as np
import pytest

from educloud.algos.cat import AdaptiveTest, NoEligibleItemError
from educloud.algos.irt import ItemParams, category_probabilities, item_information


def _bank(n: int = 150, seed: int = 0) -> ItemParams:
    rng = np.random.default_rng(seed)
    return ItemParams(rng.lognormal(0.2, 0.3, n), rng.normal(0, 1.2, n))


def _answer(bank: ItemParams, item: int, theta: float, rng: np.random.Generator) -> int:
    p = category_probabilities(bank.subset([item]), [theta])[0, 0]
    return int(rng.random() > p[0])


def test_step_api_converges_to_the_true_ability():
    bank = _bank()
    cat = AdaptiveTest(bank, max_items=40, se_stop=0.25, exposure=None)
    rng = np.random.default_rng(1)
    for true in (-1.5, 0.0, 1.2):
        adm: list[int] = []
        res: list[int] = []
        while (item := cat.next_item(adm, res)) is not None:
            assert item not in adm and 0 <= item < bank.n_items
            adm.append(item)
            res.append(_answer(bank, item, true, rng))
        theta, se = cat.estimate(adm, res)
        assert se <= 0.25 or len(adm) == 40
        assert abs(theta - true) < 3 * se + 0.1
    # with no exposure control the first item is the most informative at the prior mean
    assert cat.next_item([], []) == int(np.argmax(item_information(bank, [0.0])[0]))
    assert cat.estimate([], []) == (0.0, 1.0)


def test_simulation_accuracy_and_stopping_rules():
    bank = _bank()
    true = np.random.default_rng(2).normal(size=300)
    fixed = AdaptiveTest(bank, max_items=20, se_stop=None, exposure="randomesque", random_state=3)
    out = fixed.simulate(true, rng=4)
    assert np.all(out.n_items == 20)
    assert out.rmse < 0.35 and out.correlation > 0.93
    assert all(np.unique(a).size == a.size for a in out.administered)
    by_se = AdaptiveTest(bank, max_items=30, min_items=5, se_stop=0.35, exposure=None)
    out2 = by_se.simulate(true, rng=4)
    assert np.all((out2.se <= 0.35) | (out2.n_items == 30))
    assert np.all(out2.n_items >= 5) and out2.mean_length < 30
    # the step API stops at the same rules
    assert by_se.stop_reason(list(range(30)), [1] * 15 + [0] * 15) == "max_items"


def test_sympson_hetter_keeps_exposure_under_the_bound():
    bank = _bank(120, seed=5)
    cat = AdaptiveTest(bank, max_items=12, se_stop=None, exposure="sympson-hetter", max_exposure=0.25,
                       random_state=6)
    before = AdaptiveTest(bank, max_items=12, se_stop=None, exposure=None).simulate(
        np.random.default_rng(7).normal(size=400), rng=8
    )
    assert before.max_exposure > 0.9  # without control the first item goes to everybody
    k = cat.calibrate_exposure(np.random.default_rng(9).normal(size=400), rng=10)
    assert k.min() < 1 and np.all((k > 0) & (k <= 1))
    fresh = cat.simulate(np.random.default_rng(11).normal(size=600), rng=12)
    assert fresh.max_exposure <= 0.25 + 0.02  # sampling noise of 600 fresh simulees
    assert fresh.correlation > 0.9


def test_content_balance_follows_the_targets():
    bank = _bank(160, seed=13)
    content = np.array(["algebra", "geometry", "statistics", "functions"] * 40)
    targets = {"algebra": 0.5, "geometry": 0.25, "statistics": 0.25}
    cat = AdaptiveTest(bank, content, max_items=12, se_stop=None, content_targets=targets, random_state=14)
    out = cat.simulate(np.random.default_rng(15).normal(size=200), rng=16)
    order = list(cat.areas_)
    per_test = out.content_counts / out.n_items[:, None]
    np.testing.assert_allclose(per_test[:, order.index("algebra")], 0.5)
    np.testing.assert_allclose(per_test[:, order.index("geometry")], 0.25)
    np.testing.assert_allclose(per_test[:, order.index("functions")], 0.0)
    # the step API: after two algebra items the next is from the area furthest below its target
    alg = [i for i in range(160) if content[i] == "algebra"][:2]
    nxt = cat.next_item(alg, [1, 0])
    assert content[nxt] in ("geometry", "statistics")


def test_bank_exhaustion_and_bad_state_are_clear_errors():
    small = _bank(3, seed=17)
    cat = AdaptiveTest(small, max_items=5, se_stop=None, exposure=None)
    with pytest.raises(NoEligibleItemError, match="no eligible item"):
        cat.next_item([0, 1, 2], [1, 0, 1])
    with pytest.raises(ValueError, match="empty"):
        AdaptiveTest(ItemParams(np.zeros(0), np.zeros(0)))
    with pytest.raises(ValueError, match="same length"):
        cat.next_item([0, 1], [1])
    with pytest.raises(ValueError, match="twice"):
        cat.next_item([0, 0], [1, 1])
    with pytest.raises(ValueError, match="out of range"):
        cat.next_item([7], [1])
    with pytest.raises(ValueError, match="integer category"):
        cat.estimate([0], [2])
    with pytest.raises(ValueError, match="content must have one area per item"):
        AdaptiveTest(small, np.array([0, 1]))
    with pytest.raises(ValueError, match="not in the bank"):
        AdaptiveTest(small, np.array([0, 1, 1]), content_targets={5: 1.0})
    with pytest.raises(ValueError, match="exposure"):
        AdaptiveTest(small, exposure="none")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sympson-hetter"):
        cat.calibrate_exposure()
