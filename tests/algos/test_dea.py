"""DEA against the 12-hospital example of Cooper, Seiford & Tone (FACTS §4)."""

from __future__ import annotations

import numpy as np
import pytest

from educloud.algos.dea import DEA, dea

HOSPITALS = "ABCDEFGHIJKL"
INPUTS = np.array(
    [
        [20, 151],
        [19, 131],
        [25, 160],
        [27, 168],
        [22, 158],
        [55, 255],
        [33, 235],
        [31, 206],
        [30, 244],
        [50, 268],
        [53, 306],
        [38, 284],
    ],
    dtype=float,
)  # doctors, nurses
OUTPUTS = np.array(
    [
        [100, 90],
        [150, 50],
        [160, 55],
        [180, 72],
        [94, 66],
        [230, 90],
        [220, 88],
        [152, 80],
        [190, 100],
        [250, 100],
        [260, 147],
        [250, 120],
    ],
    dtype=float,
)  # outpatients, inpatients
CCR_INPUT = [1, 1, 0.8827, 1, 0.7635, 0.8348, 0.9020, 0.7963, 0.9604, 0.8706, 0.9551, 0.9582]
BCC_INPUT = [1, 1, 0.8958, 1, 0.8818, 0.9389, 1, 0.7988, 0.9893, 1, 1, 1]


def test_ccr_input_oriented_reproduces_the_textbook_table() -> None:
    result = dea(INPUTS, OUTPUTS, model="CCR", orientation="input")
    np.testing.assert_allclose(np.round(result.scores, 4), CCR_INPUT, atol=1e-12)


def test_bcc_input_oriented_reproduces_the_facts_table() -> None:
    result = dea(INPUTS, OUTPUTS, model="BCC", orientation="input")
    np.testing.assert_allclose(np.round(result.scores, 4), BCC_INPUT, atol=1e-12)


def test_output_oriented_ccr_is_reciprocal_of_input_oriented() -> None:
    theta = dea(INPUTS, OUTPUTS, model="CCR", orientation="input").scores
    eta = dea(INPUTS, OUTPUTS, model="CCR", orientation="output").scores
    np.testing.assert_allclose(eta, 1.0 / theta, rtol=1e-7)
    assert np.all(eta >= 1.0 - 1e-9)


def test_output_oriented_bcc_scores_at_least_one_and_same_frontier() -> None:
    fitted_in = DEA(model="BCC", orientation="input").fit(INPUTS, OUTPUTS)
    fitted_out = DEA(model="BCC", orientation="output").fit(INPUTS, OUTPUTS)
    assert np.all(fitted_out.scores_ >= 1.0 - 1e-9)
    # radially efficient in one orientation ⇔ in the other (BCC frontier is shared)
    np.testing.assert_array_equal(np.isclose(fitted_in.scores_, 1.0), np.isclose(fitted_out.scores_, 1.0))


def test_peers_and_slacks_project_onto_the_frontier() -> None:
    fitted = DEA(model="CCR", orientation="input").fit(INPUTS, OUTPUTS)
    for dmu in range(len(HOSPITALS)):
        lam = fitted.lambdas_[dmu]
        projected_inputs = fitted.scores_[dmu] * INPUTS[dmu] - fitted.input_slacks_[dmu]
        projected_outputs = OUTPUTS[dmu] + fitted.output_slacks_[dmu]
        np.testing.assert_allclose(lam @ INPUTS, projected_inputs, rtol=1e-6)
        np.testing.assert_allclose(lam @ OUTPUTS, projected_outputs, rtol=1e-6)
        # peers are efficient DMUs
        assert all(fitted.efficient_[peer] for peer in fitted.peers_[dmu])
    efficient_names = {HOSPITALS[i] for i in np.flatnonzero(fitted.efficient_)}
    assert efficient_names == {"A", "B", "D"}
    # an efficient DMU is its own (only) peer
    assert fitted.peers_[0] == (0,)


def test_bcc_lambdas_sum_to_one() -> None:
    result = dea(INPUTS, OUTPUTS, model="BCC")
    np.testing.assert_allclose(result.lambdas.sum(axis=1), 1.0, rtol=1e-7)


def test_efficiency_is_in_unit_interval_for_both_orientations() -> None:
    for orientation in ("input", "output"):
        result = dea(INPUTS, OUTPUTS, model="BCC", orientation=orientation)
        assert np.all((result.efficiency > 0) & (result.efficiency <= 1 + 1e-9))


@pytest.mark.parametrize(
    ("inputs", "outputs", "message"),
    [
        (INPUTS, OUTPUTS[:-1], "outputs: 11 rows"),
        (
            np.where(np.arange(24).reshape(12, 2) == 5, 0.0, INPUTS),
            OUTPUTS,
            "inputs: .* row 2, column 1 .*not positive",
        ),
        (INPUTS, -OUTPUTS, "outputs: .*not positive"),
        (np.where(np.arange(24).reshape(12, 2) == 0, np.nan, INPUTS), OUTPUTS, "inputs: missing .* row 0"),
        (np.empty((0, 2)), np.empty((0, 2)), "inputs: empty"),
        (np.ones((2, 2, 2)), OUTPUTS, "inputs: expected a 2-d"),
    ],
)
def test_bad_input(inputs: np.ndarray, outputs: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dea(inputs, outputs)


def test_bad_hyperparameters() -> None:
    with pytest.raises(ValueError, match="model"):
        DEA(model="SBM").fit(INPUTS, OUTPUTS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="orientation"):
        DEA(orientation="both").fit(INPUTS, OUTPUTS)  # type: ignore[arg-type]


def test_columns_in_very_different_units_solve_and_slacks_come_back_in_those_units():
    # Funding in yuan (~1e9) beside teacher head counts: the slack LP used to fail on such data.
    rng = np.random.default_rng(3)
    funding = rng.uniform(2e8, 2e9, size=40)
    teachers = rng.uniform(200, 3000, size=40)
    enrolment = 6.0 * teachers + rng.uniform(0, 2000, size=40)
    inputs = np.column_stack([funding, teachers])
    outputs = enrolment[:, None]
    scaled = dea(inputs / [1e9, 1e3], outputs / 1e4, model="BCC")
    raw = dea(inputs, outputs, model="BCC")
    np.testing.assert_allclose(raw.scores, scaled.scores, atol=1e-6)
    np.testing.assert_allclose(raw.input_slacks / [1e9, 1e3], scaled.input_slacks, atol=1e-5)
