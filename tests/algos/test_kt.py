"""Tests for educloud.algos.kt: BKT (EM, filtering, mastery), LogisticKT, the baseline, evaluate.

Small synthetic data only, except one optional smoke test on the shared ASSISTments split.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from educloud.algos.kt import BKT, LogisticKT, SkillMeanBaseline, evaluate
from educloud.algos.kt_data import Responses, read_three_line

# prior, learn, guess, slip for three skills with ids that are not 0..k-1
TRUE_SKILLS = np.array([3, 17, 42])
TRUE_PARAMS = np.array(
    [
        [0.30, 0.15, 0.20, 0.10],
        [0.60, 0.05, 0.25, 0.15],
        [0.20, 0.30, 0.10, 0.05],
    ]
)


def simulate_bkt(n_students: int, length: int, seed: int, params: np.ndarray = TRUE_PARAMS) -> Responses:
    """Each student practises every skill ``length`` times, skills interleaved at random."""
    rng = np.random.default_rng(seed)
    k = len(params)
    prior, learn, guess, slip = params.T
    learned = rng.random((n_students, k)) < prior
    correct = np.empty((n_students, k, length), dtype=np.int64)
    for t in range(length):  # vectorized over students and skills
        p = np.where(learned, 1 - slip, guess)
        correct[:, :, t] = rng.random((n_students, k)) < p
        learned |= rng.random((n_students, k)) < learn
    # interleave: a random permutation of each student's k * length opportunities
    student = np.repeat(np.arange(n_students), k * length)
    skill_idx = np.tile(np.repeat(np.arange(k), length), n_students)
    step = np.tile(np.tile(np.arange(length), k), n_students)
    keys = rng.random(len(student)) + student * 2.0
    # keep each skill's own opportunities in time order: sort within (student, skill) by step
    order = np.empty(len(student), dtype=np.int64)
    perm = np.argsort(keys, kind="stable")
    # positions 0..k*length-1 inside each student, assigned in random order to that student's rows
    order[perm] = np.tile(np.arange(k * length), n_students)
    # reassign so that, within (student, skill), larger step gets larger order
    idx = np.lexsort((order, skill_idx, student))
    sorted_orders = order[idx]
    idx_by_step = np.lexsort((step, skill_idx, student))
    order[idx_by_step] = sorted_orders
    return Responses.from_arrays(student, TRUE_SKILLS[skill_idx], correct[student, skill_idx, step], order)


def naive_predictions(prior: float, learn: float, guess: float, slip: float, seq: list[int]) -> list[float]:
    """Textbook BKT filtering, one response at a time."""
    out = []
    p = prior
    for o in seq:
        out.append(p * (1 - slip) + (1 - p) * guess)
        e_l = (1 - slip) if o else slip
        e_u = guess if o else (1 - guess)
        post = p * e_l / (p * e_l + (1 - p) * e_u)
        p = post + (1 - post) * learn
    return out


def naive_em_step(theta: tuple[float, float, float, float], seqs: list[list[int]]) -> np.ndarray:
    """One Baum-Welch step for one skill, with scaled forward-backward in plain Python."""
    prior, learn, guess, slip = theta
    a = [[1 - learn, learn], [0.0, 1.0]]  # state 0 = unlearned, 1 = learned
    pi = [1 - prior, prior]
    num = np.zeros(4)
    den = np.zeros(4)
    for seq in seqs:
        n = len(seq)

        def emit(state: int, o: int) -> float:
            if state == 1:
                return (1 - slip) if o else slip
            return guess if o else (1 - guess)

        alpha = [[0.0, 0.0] for _ in range(n)]
        scale = [0.0] * n
        for t in range(n):
            for j in range(2):
                prev = pi[j] if t == 0 else sum(alpha[t - 1][i] * a[i][j] for i in range(2))
                alpha[t][j] = prev * emit(j, seq[t])
            scale[t] = sum(alpha[t])
            alpha[t] = [x / scale[t] for x in alpha[t]]
        beta = [[1.0, 1.0] for _ in range(n)]
        for t in range(n - 2, -1, -1):
            for i in range(2):
                beta[t][i] = (
                    sum(a[i][j] * emit(j, seq[t + 1]) * beta[t + 1][j] for j in range(2)) / scale[t + 1]
                )
        gamma = [[alpha[t][i] * beta[t][i] for i in range(2)] for t in range(n)]
        num[0] += gamma[0][1]
        den[0] += 1
        for t in range(n - 1):
            xi_ul = alpha[t][0] * a[0][1] * emit(1, seq[t + 1]) * beta[t + 1][1] / scale[t + 1]
            num[1] += xi_ul
            den[1] += gamma[t][0]
        for t in range(n):
            num[2] += gamma[t][0] * seq[t]
            den[2] += gamma[t][0]
            num[3] += gamma[t][1] * (1 - seq[t])
            den[3] += gamma[t][1]
    return np.asarray(num / den)


@pytest.fixture(scope="module")
def simulated() -> Responses:
    return simulate_bkt(n_students=1500, length=25, seed=7)


@pytest.fixture(scope="module")
def small() -> Responses:
    return simulate_bkt(n_students=60, length=8, seed=3)


# --------------------------------------------------------------------------------------------- BKT


def test_bkt_recovers_simulated_parameters(simulated: Responses) -> None:
    model = BKT(shrinkage=0.0, tol=1e-8, max_iter=600).fit(simulated)
    np.testing.assert_array_equal(model.skills_, TRUE_SKILLS)
    fitted = np.column_stack([model.prior_, model.learn_, model.guess_, model.slip_])
    np.testing.assert_allclose(fitted, TRUE_PARAMS, atol=0.04)


def test_bkt_default_shrinkage_stays_close_on_plentiful_data(simulated: Responses) -> None:
    model = BKT().fit(simulated)
    fitted = np.column_stack([model.prior_, model.learn_, model.guess_, model.slip_])
    np.testing.assert_allclose(fitted, TRUE_PARAMS, atol=0.05)


def test_bkt_one_em_step_matches_textbook_baum_welch(small: Responses) -> None:
    init = (0.5, 0.1, 0.2, 0.1)  # BKT's fixed first start
    model = BKT(max_iter=1, shrinkage=0.0).fit(small)
    for i, skill in enumerate(model.skills_):
        seqs = []
        for s in np.unique(small.student):
            rows = (small.student == s) & (small.skill == skill)
            seqs.append(list(small.correct[rows][np.argsort(small.order[rows])]))
        expected = naive_em_step(init, seqs)
        got = [model.prior_[i], model.learn_[i], model.guess_[i], model.slip_[i]]
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_bkt_predictions_match_textbook_filtering(small: Responses) -> None:
    model = BKT().fit(small)
    pred = model.predict_correct(small)
    for s in np.unique(small.student)[:10]:
        for i, skill in enumerate(model.skills_):
            rows = np.flatnonzero((small.student == s) & (small.skill == skill))
            rows = rows[np.argsort(small.order[rows])]
            expected = naive_predictions(
                model.prior_[i], model.learn_[i], model.guess_[i], model.slip_[i], list(small.correct[rows])
            )
            np.testing.assert_allclose(pred[rows], expected, rtol=1e-10)


def test_bkt_log_likelihood_increases_with_iterations(small: Responses) -> None:
    lls = [BKT(max_iter=m, tol=0.0, shrinkage=0.0).fit(small).log_likelihood_ for m in (1, 3, 9, 30)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(lls))


def test_bkt_respects_bounds(small: Responses) -> None:
    model = BKT(max_guess=0.15, max_slip=0.12).fit(small)
    assert np.all(model.guess_ <= 0.15) and np.all(model.slip_ <= 0.12)
    for a in (model.prior_, model.learn_, model.guess_, model.slip_):
        assert np.all((a > 0) & (a < 1))


def test_bkt_multiple_starts_never_lower_likelihood(small: Responses) -> None:
    one = BKT(n_init=1, shrinkage=0.0).fit(small)
    three = BKT(n_init=3, shrinkage=0.0, random_state=1).fit(small)
    assert three.log_likelihood_ >= one.log_likelihood_ - 1e-6


def test_bkt_unknown_skill_uses_default(small: Responses) -> None:
    model = BKT().fit(small)
    d = model.default_params_
    test = Responses.from_arrays([0, 0], [999, 999], [1, 0])
    p = model.predict_correct(test)
    assert p[0] == pytest.approx(d["prior"] * (1 - d["slip"]) + (1 - d["prior"]) * d["guess"])
    assert p[1] > p[0]  # learned from the correct first answer


def test_bkt_long_perfect_sequence_stays_finite() -> None:
    n = 3000
    data = Responses.from_arrays(np.zeros(n, dtype=int), np.ones(n, dtype=int), np.ones(n, dtype=int))
    other = Responses.from_arrays(np.ones(50, dtype=int), np.ones(50, dtype=int), np.arange(50) % 2)
    train = Responses(
        *(np.r_[getattr(data, f), getattr(other, f)] for f in ("student", "skill", "correct", "order"))
    )
    model = BKT().fit(train)
    p = model.predict_correct(train)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    assert np.isfinite(model.log_likelihood_)


def test_bkt_mastery(small: Responses) -> None:
    model = BKT().fit(small)
    # student 0 answers skill 3 right ten times; student 1 has never seen skill 42
    data = Responses.from_arrays([0] * 10 + [1], [3] * 10 + [17], [1] * 10 + [0])
    m = model.mastery(data)
    np.testing.assert_array_equal(m.students, [0, 1])
    np.testing.assert_array_equal(m.skills, TRUE_SKILLS)
    assert m.probability.shape == (2, 3)
    assert m.probability[0, 0] > 0.95
    assert m.probability[1, 2] == pytest.approx(model.prior_[2])
    assert np.all((m.probability >= 0) & (m.probability <= 1))
    # classic P(L_n): posterior after the last answer, then the learning transition
    i = 1
    p = model.prior_[i]
    post = p * model.slip_[i] / (p * model.slip_[i] + (1 - p) * (1 - model.guess_[i]))
    assert m.probability[1, 1] == pytest.approx(post + (1 - post) * model.learn_[i])


# ------------------------------------------------------------------------------- all estimators

ESTIMATORS = [
    pytest.param(lambda: BKT(), id="BKT"),
    pytest.param(lambda: LogisticKT(), id="LogisticKT"),
    pytest.param(lambda: LogisticKT(use_bkt=False, use_transitions=False), id="LogisticKT-plain"),
    pytest.param(lambda: SkillMeanBaseline(), id="SkillMeanBaseline"),
]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_probabilities_in_unit_interval_and_sklearn_shapes(make: Any, small: Responses) -> None:
    model = make()
    assert model.fit(small) is model
    proba = model.predict_proba(small)
    assert proba.shape == (len(small), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(np.unique(model.predict(small))) <= {0, 1}


@pytest.mark.parametrize("make", ESTIMATORS)
def test_predictions_use_only_earlier_responses(make: Any, small: Responses) -> None:
    model = make().fit(small)
    base = model.predict_correct(small)
    rng = np.random.default_rng(0)
    for row in rng.choice(len(small), size=15, replace=False):
        changed = small.correct.copy()
        changed[row] = 1 - changed[row]
        p = model.predict_correct(Responses(small.student, small.skill, changed, small.order))
        same_student = small.student == small.student[row]
        not_later = ~same_student | (small.order <= small.order[row])
        # the changed row itself and everything before it (and other students) are untouched
        np.testing.assert_array_equal(p[not_later], base[not_later])


@pytest.mark.parametrize("make", ESTIMATORS)
def test_predictions_do_not_depend_on_row_order(make: Any, small: Responses) -> None:
    model = make().fit(small)
    perm = np.random.default_rng(1).permutation(len(small))
    shuffled = small.subset(perm)
    np.testing.assert_allclose(
        model.predict_correct(shuffled), model.predict_correct(small)[perm], rtol=1e-12
    )


@pytest.mark.parametrize("make", ESTIMATORS)
def test_estimator_conventions(make: Any, small: Responses) -> None:
    model = make()
    params = model.get_params()
    assert clone(model).get_params() == params
    assert not [a for a in vars(model) if a.endswith("_")]  # nothing learned before fit
    with pytest.raises(NotFittedError):  # a ValueError subclass
        model.predict_correct(small)
    model.fit(small)
    assert [a for a in vars(model) if a.endswith("_")]
    with pytest.raises(ValueError, match="empty response log"):
        clone(model).fit(Responses.from_arrays([], [], []))
    with pytest.raises(ValueError, match="correct must be 0 or 1"):
        model.predict_correct({"student": [0], "skill": [3], "correct": [5]})
    with pytest.raises(ValueError, match="missing column"):
        clone(model).fit({"student": [0], "skill": [3]})


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (BKT(max_guess=0.7), "max_guess"),
        (BKT(max_slip=0.0), "max_slip"),
        (BKT(max_iter=0), "max_iter"),
        (BKT(tol=-1.0), "tol"),
        (BKT(n_init=0), "n_init"),
        (BKT(shrinkage=-1.0), "shrinkage"),
        (LogisticKT(C=0.0), "C must be positive"),
        (LogisticKT(windows=(0,)), "windows"),
        (LogisticKT(transition_min_count=0), "transition_min_count"),
        (LogisticKT(max_iter=0), "max_iter"),
        (SkillMeanBaseline(smoothing=-1.0), "smoothing"),
    ],
)
def test_bad_hyperparameters_raise(model: Any, message: str, small: Responses) -> None:
    with pytest.raises(ValueError, match=message):
        model.fit(small)


def test_logistic_needs_both_classes() -> None:
    data = Responses.from_arrays([0, 0, 1], [1, 2, 1], [1, 1, 1])
    with pytest.raises(ValueError, match="both correct and incorrect"):
        LogisticKT().fit(data)


def test_models_beat_the_baseline_on_simulated_data(simulated: Responses) -> None:
    train = simulated.subset(simulated.student < 1000)
    test = simulated.subset(simulated.student >= 1000)
    base = evaluate(SkillMeanBaseline(), train, test)
    bkt = evaluate(BKT(), train, test)
    lr = evaluate(LogisticKT(), train, test)
    assert set(bkt) >= {"model", "auc", "rmse", "n_test", "fit_seconds"}
    assert bkt["n_test"] == len(test) and bkt["model"] == "BKT"
    assert bkt["auc"] > base["auc"] + 0.05
    assert lr["auc"] > base["auc"] + 0.05
    assert bkt["rmse"] < base["rmse"]
    # on data generated by BKT, BKT is the right model: the logistic one should not be far better
    assert bkt["auc"] > lr["auc"] - 0.01


def test_logistic_unknown_skill_and_transition_still_predicts(small: Responses) -> None:
    model = LogisticKT().fit(small)
    p = model.predict_correct(Responses.from_arrays([0, 0, 0], [999, 3, 998], [1, 0, 1]))
    assert np.all(np.isfinite(p)) and np.all((p > 0) & (p < 1))


def test_baseline_predicts_skill_means() -> None:
    data = Responses.from_arrays([0, 0, 1, 1], [1, 2, 1, 2], [1, 0, 1, 1])
    model = SkillMeanBaseline(smoothing=0.0).fit(data)
    np.testing.assert_allclose(model.predict_correct(data), [1.0, 0.5, 1.0, 0.5])
    assert model.predict_correct(Responses.from_arrays([0], [7], [0]))[0] == pytest.approx(0.75)


def test_evaluate_reports_none_auc_for_one_class(small: Responses) -> None:
    test = Responses.from_arrays([0, 0], [3, 3], [1, 1])
    result = evaluate(SkillMeanBaseline(), small, test)
    assert result["auc"] is None and math.isfinite(result["rmse"])


# ------------------------------------------------------------------ optional: the shared dataset

SHARED = Path("/work/shared/datasets/kt/assist2009")


@pytest.mark.skipif(not (SHARED / "train.csv").exists(), reason="shared ASSISTments split not present")
def test_shared_assist2009_bkt_smoke() -> None:
    train = read_three_line(SHARED / "train.csv")
    test = read_three_line(SHARED / "test.csv")
    assert (train.n_students, len(train)) == (2921, 224218)  # as its README says
    assert (test.n_students, len(test)) == (1230, 101419)
    model = BKT().fit(train)
    auc = roc_auc_score(test.correct, model.predict_correct(test))
    assert auc > 0.70
