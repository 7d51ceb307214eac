"""Inequality measures against PySAL's `inequality` (oracle), hand-computed cases and bad input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from educloud.algos.inequality import difference_coefficient, gini, theil_decomposition, theil_t

pysal_gini = pytest.importorskip("inequality.gini")
pysal_theil = pytest.importorskip("inequality.theil")


@pytest.fixture(params=[0, 1, 2, 3, 4])
def random_values(request: pytest.FixtureRequest) -> np.ndarray:
    rng = np.random.default_rng(request.param)
    return rng.lognormal(mean=1.0, sigma=0.8, size=int(rng.integers(5, 200)))


# --- difference coefficient -------------------------------------------------------------------


def test_difference_coefficient_hand_computed_weighted() -> None:
    # x = (1, 3), p = (1, 3): x̄ = (1 + 9)/4 = 2.5, var = (1/4)(1.5²) + (3/4)(0.5²) = 0.75
    assert difference_coefficient([1.0, 3.0], weights=[1, 3]) == pytest.approx(math.sqrt(0.75) / 2.5)


def test_difference_coefficient_unweighted_is_population_cv(random_values: np.ndarray) -> None:
    expected = random_values.std(ddof=0) / random_values.mean()
    assert difference_coefficient(random_values, weights=None) == pytest.approx(expected, rel=1e-12)


def test_difference_coefficient_integer_weights_equal_replication(random_values: np.ndarray) -> None:
    rng = np.random.default_rng(7)
    weights = rng.integers(1, 6, size=random_values.size)
    replicated = np.repeat(random_values, weights)
    assert difference_coefficient(random_values, weights=weights) == pytest.approx(
        difference_coefficient(replicated, weights=None), rel=1e-12
    )


def test_difference_coefficient_of_equal_values_is_zero() -> None:
    assert difference_coefficient([4.2, 4.2, 4.2], weights=[10, 200, 3000]) == 0.0


def test_difference_coefficient_requires_explicit_weighting() -> None:
    with pytest.raises(TypeError):
        difference_coefficient([1.0, 2.0])  # type: ignore[call-arg]


# --- Gini -------------------------------------------------------------------------------------


def test_gini_matches_pysal(random_values: np.ndarray) -> None:
    assert gini(random_values) == pytest.approx(pysal_gini.Gini(random_values).g, rel=1e-10)


def test_gini_hand_computed() -> None:
    # (0, 0, 0, 4): Σ|xi − xj| over ordered pairs = 6 · 4 = 24; 2 n² μ = 2 · 16 · 1 = 32
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert gini([5, 5, 5]) == 0.0


def test_weighted_gini_equals_replicated(random_values: np.ndarray) -> None:
    weights = np.random.default_rng(11).integers(1, 5, size=random_values.size)
    replicated = np.repeat(random_values, weights)
    assert gini(random_values, weights=weights) == pytest.approx(pysal_gini.Gini(replicated).g, rel=1e-10)


# --- Theil ------------------------------------------------------------------------------------


def test_theil_matches_pysal(random_values: np.ndarray) -> None:
    assert theil_t(random_values) == pytest.approx(float(pysal_theil.Theil(random_values).T), rel=1e-10)


def test_theil_hand_computed() -> None:
    # (1, 3): μ = 2, T = ½(½ ln ½ + 3/2 ln 3/2)
    expected = 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))
    assert theil_t([1.0, 3.0]) == pytest.approx(expected)
    # a zero value contributes 0 · ln 0 = 0: (0, 2) → ½ · 2 ln 2 = ln 2
    assert theil_t([0.0, 2.0]) == pytest.approx(math.log(2.0))


def test_theil_decomposition_matches_pysal(random_values: np.ndarray) -> None:
    rng = np.random.default_rng(random_values.size)
    labels = rng.choice(np.array(["城区", "镇区", "乡村"]), size=random_values.size)
    ours = theil_decomposition(random_values, labels)
    oracle = pysal_theil.TheilD(random_values, labels)
    assert ours.total == pytest.approx(float(oracle.T), rel=1e-10)
    assert ours.between == pytest.approx(float(np.squeeze(oracle.bg)), rel=1e-9, abs=1e-12)
    assert ours.within == pytest.approx(float(np.squeeze(oracle.wg)), rel=1e-9, abs=1e-12)
    assert ours.between + ours.within == pytest.approx(ours.total, rel=1e-12)
    assert sum(g.share for g in ours.groups) == pytest.approx(1.0)
    assert sum(g.size for g in ours.groups) == random_values.size


def test_theil_decomposition_hand_computed() -> None:
    # groups a = (1, 1), b = (3, 3): no within inequality, all of T is between
    result = theil_decomposition([1, 1, 3, 3], ["a", "a", "b", "b"])
    assert result.within == pytest.approx(0.0, abs=1e-15)
    assert result.between == pytest.approx(theil_t([1, 3]))
    by_label = {g.label: g for g in result.groups}
    assert by_label["a"].share == pytest.approx(0.25)
    assert by_label["a"].between_contribution == pytest.approx(0.25 * math.log(0.5))
    assert by_label["b"].between_contribution == pytest.approx(0.75 * math.log(1.5))


def test_weighted_theil_decomposition_equals_replicated() -> None:
    values = np.array([2.0, 5.0, 1.0, 8.0, 3.0])
    weights = np.array([3, 1, 2, 2, 1])
    labels = np.array([1, 1, 2, 2, 2])
    weighted = theil_decomposition(values, labels, weights=weights)
    replicated = theil_decomposition(np.repeat(values, weights), np.repeat(labels, weights))
    assert weighted.total == pytest.approx(replicated.total)
    assert weighted.between == pytest.approx(replicated.between)
    assert weighted.within == pytest.approx(replicated.within)


def test_zero_group_contributes_nothing() -> None:
    result = theil_decomposition([0.0, 0.0, 2.0, 4.0], ["x", "x", "y", "y"])
    zero_group = result.groups[0]
    assert zero_group.share == 0.0 and zero_group.within_contribution == 0.0
    assert result.total == pytest.approx(theil_t([0.0, 0.0, 2.0, 4.0]))


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: difference_coefficient([], weights=None), "empty"),
        (lambda: difference_coefficient([1.0, -2.0], weights=None), "negative value .* row 1"),
        (lambda: difference_coefficient([1.0, float("nan")], weights=None), "missing .* row 1"),
        (lambda: difference_coefficient([1.0, 2.0], weights=[1.0]), "weights: length"),
        (lambda: difference_coefficient([1.0, 2.0], weights=[0.0, 0.0]), "total weight is zero"),
        (lambda: difference_coefficient([1.0, 2.0], weights=[1.0, -1.0]), "weights: negative"),
        (lambda: difference_coefficient([0.0, 0.0], weights=None), "mean is zero"),
        (lambda: gini([[1.0, 2.0]]), "1-d"),
        (lambda: gini(np.array([1.0, None], dtype=object)), "missing"),
        (lambda: theil_t([0.0, 0.0]), "mean is zero"),
        (lambda: theil_decomposition([1.0, 2.0], ["a"]), "groups: length"),
        (lambda: theil_decomposition([1.0, 2.0], ["a", None]), "missing label at row 1"),
        (lambda: gini(["a", "b"]), "cannot be read"),
    ],
)
def test_bad_input_names_the_field(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
