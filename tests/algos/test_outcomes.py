"""Growth and value-added: a planted effect is recovered, intervals cover, the regression matches
scipy's, small groups are suppressed, bad input is refused with the argument named."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from educloud.algos.outcomes import ValueAdded, growth_by_group


def planted(seed: int, *, n_groups: int = 40, size: int = 30, effect: float = 0.6):  # type: ignore[no-untyped-def]
    """Schools differing in mean prior; true value-added ~ N(0, 0.1²), school 0 gets +``effect``."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), size)
    school_mean = rng.normal(0.0, 0.5, n_groups)
    true_va = rng.normal(0.0, 0.1, n_groups)
    true_va[0] = effect
    prior = school_mean[groups] + rng.normal(0.0, 1.0, groups.size)
    post = 0.3 + 0.8 * prior + true_va[groups] + rng.normal(0.0, 0.4, groups.size)
    return prior, post, groups, true_va


def test_planted_school_effect_is_recovered() -> None:
    prior, post, groups, true_va = planted(0)
    va = ValueAdded().fit(prior, post, groups)
    best = va.groups_[0]
    assert best.group == 0 and not best.suppressed
    assert best.low is not None and best.high is not None
    # The planted +0.6 lies in the interval, and the interval excludes zero.
    assert best.low < 0.6 < best.high and best.low > 0
    # It is the largest estimate of all schools.
    assert max(va.groups_, key=lambda g: g.estimate or -9).group == 0
    # Slope and intercept near the generating ones (0.8, 0.3; the VA mean shifts the intercept a little).
    assert va.coef_[1] == pytest.approx(0.8, abs=0.05)
    # Estimates track the truth across schools (effects centred, as residuals are).
    est = np.array([g.estimate for g in va.groups_])
    assert np.corrcoef(est, true_va)[0, 1] > 0.8


def test_intervals_cover_the_true_effects_about_as_often_as_stated() -> None:
    covered = total = 0
    for seed in range(10):
        prior, post, groups, true_va = planted(seed, effect=0.0)
        va = ValueAdded(level=0.9).fit(prior, post, groups)
        centred = true_va - true_va.mean()  # residuals are centred by the regression's intercept
        for g in va.groups_:
            covered += g.low <= centred[g.group] <= g.high  # type: ignore[operator]
            total += 1
    assert 0.82 <= covered / total <= 0.97


def test_regression_agrees_with_scipy_linregress() -> None:
    prior, post, groups, _ = planted(3)
    va = ValueAdded().fit(prior, post, groups)
    ref = stats.linregress(prior, post)
    assert va.coef_[0] == pytest.approx(ref.intercept, rel=1e-9)
    assert va.coef_[1] == pytest.approx(ref.slope, rel=1e-9)
    assert np.sqrt(va.coef_cov_[1, 1]) == pytest.approx(ref.stderr, rel=1e-9)
    assert np.sqrt(va.coef_cov_[0, 0]) == pytest.approx(ref.intercept_stderr, rel=1e-9)


def test_shrinkage_pulls_noisy_estimates_towards_zero() -> None:
    prior, post, groups, _ = planted(4)
    va = ValueAdded().fit(prior, post, groups)
    assert va.tau2_ > 0
    for g in va.groups_:
        assert abs(g.shrunk) <= abs(g.estimate) + 1e-12  # type: ignore[arg-type]


def test_small_groups_are_suppressed_but_counted() -> None:
    prior, post, groups, _ = planted(5, n_groups=6, size=10)
    groups = groups.astype(object)
    groups[:4] = "tiny"  # 4 students in their own group
    va = ValueAdded(min_group=5).fit(prior, post, groups)
    tiny = next(g for g in va.groups_ if g.group == "tiny")
    assert tiny.suppressed and tiny.n == 4 and tiny.estimate is None and tiny.se is None
    assert va.n_suppressed_ == 1
    growth = growth_by_group(prior, post, groups)
    assert next(g for g in growth if g.group == "tiny").suppressed


def test_growth_by_group_is_the_mean_difference_with_its_standard_error() -> None:
    prior = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    post = prior + np.array([1.0, 2.0, 3.0, 4.0, 5.0, 0.5, 0.5, 0.5, 0.5, 0.5])
    groups = ["a"] * 5 + ["b"] * 5
    a, b = growth_by_group(prior, post, groups, prior_se=np.full(10, 0.3), post_se=np.full(10, 0.4))
    assert a.estimate == pytest.approx(3.0) and a.se == pytest.approx(
        np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5)
    )
    assert b.estimate == pytest.approx(0.5) and b.se == pytest.approx(0.0)
    assert a.measurement_se == pytest.approx(np.sqrt(5 * 0.25) / 5)
    assert a.low < 3.0 < a.high  # type: ignore[operator]


@pytest.mark.parametrize(
    ("prior", "post", "groups", "message"),
    [
        ([0.0, 1.0], [0.0, 1.0], ["a", "a"], "at least 3"),
        ([0.0, 1.0, np.nan], [0.0, 1.0, 2.0], ["a"] * 3, "prior must be finite; row 2"),
        ([0.0, 1.0, 2.0], [0.0, 1.0], ["a"] * 3, "post has 2 values"),
        ([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], ["a"] * 2, "groups has 2 labels"),
        ([1.0, 1.0, 1.0], [0.0, 1.0, 2.0], ["a"] * 3, "no spread"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(prior, post, groups, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        ValueAdded(min_group=1).fit(prior, post, groups)


def test_tuple_labels_stay_one_group_each() -> None:
    prior, post, groups, _ = planted(6, n_groups=4, size=10)
    labels = [("S1", 7, f"{g}班") for g in groups.tolist()]
    va = ValueAdded().fit(prior, post, labels)
    assert [g.group for g in va.groups_] == [("S1", 7, f"{g}班") for g in range(4)]
    assert [g.n for g in growth_by_group(prior, post, labels)] == [10, 10, 10, 10]
