"""Knowledge tracing: predict whether a student will answer the next item on a skill correctly.

What this module owns
---------------------
* :class:`BKT` — Bayesian Knowledge Tracing (Corbett & Anderson 1995): per skill, a two-state hidden
  Markov model (unlearned/learned) with ``prior`` P(L0), ``learn`` P(T), ``guess`` P(G), ``slip`` P(S)
  and no forgetting. Fitted by EM (Baum-Welch) over *all* (student, skill) sequences of *all* skills at
  once: the sequences are packed time-major (sorted by length, so the sequences still running at step
  ``t`` are a prefix), and the forward filter and backward smoother loop over time steps only, each
  step vectorized across every live sequence. There is no Python loop over individual responses.
  The filter runs on odds, where one BKT step is affine (two multiply-adds per time step); the
  smoother needs one multiply per step; the expected learning transitions of a no-forgetting chain
  are gamma_last - gamma_first per sequence, so no per-step xi is formed. EM is accelerated per skill
  with SQUAREM, and a light Beta prior (``shrinkage``) pulls each skill towards the pooled estimate.
* :class:`LogisticKT` — a Best-LR / PFA / DAS3H-family model: logistic regression on features built
  from each student's earlier responses only (per-skill and overall log-counts of successes and
  failures, per-skill difficulty and per-skill learning rates, recent-window success rates, recency
  in responses, the previous response overall and on the same skill, the (previous skill, skill)
  transition) plus, by default, the BKT prediction (its logit) as one more feature.
* :class:`SkillMeanBaseline` — each skill's training mean (and majority class).
* :func:`evaluate` — fit on a training log, predict every test response, report AUC/RMSE/timings.

Data and protocol
-----------------
All estimators take a long-format :class:`~educloud.algos.kt_data.Responses` (or a mapping with
``student``, ``skill``, ``correct`` and optional ``order`` arrays). Prediction follows the
knowledge-tracing protocol: the probability returned for a row uses only the *same student's* rows
with a smaller ``order`` in the data passed to ``predict_proba`` (the filtering pass); the row's own
``correct`` and later rows are never read for it. Students are not linked between ``fit`` and
``predict_proba``: a student's history at prediction time is exactly the rows given.

Skills are identified by the integer ids in the data. A skill not seen in ``fit`` falls back to a
global default: for BKT the response-weighted mean of the fitted per-skill parameters
(``default_params_``); for LogisticKT no skill-specific column (the skill-independent features still
apply, and its BKT feature uses BKT's default).

Invariants: fitted probabilities are in [0, 1]; BKT keeps ``guess <= max_guess`` and
``slip <= max_slip`` (both at most 0.5, default 0.5, so that "learned" never means "less likely
correct"); every parameter stays in [1e-6, 1 - 1e-6].
This module imports no Django. Read next: :mod:`educloud.algos.kt_data` (input format),
``bench/kt.py`` (comparison with pyBKT on ASSISTments 2009).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from educloud.algos.kt_data import Responses

__all__ = ["BKT", "LogisticKT", "Mastery", "SkillMeanBaseline", "evaluate"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_EPS = 1e-6


# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------


def _check_nonempty(data: Responses, what: str) -> None:
    if len(data) == 0:
        raise ValueError(f"{what} needs at least one response, got an empty response log")


def _skill_lookup(known: IntArray, skill: IntArray) -> tuple[IntArray, NDArray[np.bool_]]:
    """Map skill ids to column indices of ``known`` (sorted); second result says which were known."""
    pos = np.searchsorted(known, skill)
    pos_clipped = np.minimum(pos, len(known) - 1)
    found = known[pos_clipped] == skill
    return pos_clipped.astype(np.int64), found


def _factorize(values: IntArray) -> tuple[IntArray, IntArray]:
    """Sorted distinct values and each row's index into them (``np.unique(..., return_inverse=True)``),
    by counting instead of sorting when the id range is small compared with the number of rows."""
    lo, hi = int(values.min()), int(values.max())
    if hi - lo <= 4 * len(values) + 1024:
        present = np.bincount(values - lo, minlength=hi - lo + 1) > 0
        index_of = np.cumsum(present) - 1
        return (np.flatnonzero(present) + lo).astype(np.int64), index_of[values - lo].astype(np.int64)
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq.astype(np.int64), inverse.astype(np.int64).ravel()


def _as_proba_matrix(p_correct: FloatArray) -> FloatArray:
    return np.column_stack([1.0 - p_correct, p_correct])


@dataclass(frozen=True)
class _Packed:
    """(student, skill) sequences packed time-major, longest first.

    Element ``offsets[t] + r`` is step ``t`` of the sequence of rank ``r``; the sequences alive at step
    ``t`` are ranks ``0..batch_sizes[t]-1`` (a prefix), so step 0 of every sequence is ``0..n_seq-1``
    and the element after ``offsets[t] + r`` is ``offsets[t+1] + r``.
    """

    row: IntArray  # packed position -> row of the original data
    code: IntArray  # per element: 2 * group + response (indexes per-(skill, response) tables)
    code_hn: IntArray  # per element: 2 * code + (element is not the last of its sequence)
    elem_group: IntArray  # per element: its parameter group (skill column)
    seq_group: IntArray  # per sequence (rank order): its parameter group
    batch_sizes: list[int]
    offsets: list[int]  # len T + 1
    last_pos: IntArray  # per sequence (rank order): packed position of its last element
    seq_student: IntArray  # per sequence (rank order): the student

    @property
    def n_seq(self) -> int:
        return len(self.seq_group)


def _sort_rows(student: IntArray, group: IntArray, order: IntArray) -> IntArray:
    """Permutation sorting rows by (student, group, order); a single int64 key when it cannot overflow."""
    if min(int(student.min()), int(group.min())) >= 0:
        n_g = int(group.max()) + 1
        o_min = int(order.min())
        n_o = int(order.max()) - o_min + 1
        if (int(student.max()) + 1) * n_g * n_o < 2**62:
            key = (student * n_g + group) * n_o + (order - o_min)
            return np.argsort(key, kind="stable").astype(np.int64)
    return np.lexsort((order, group, student)).astype(np.int64)


def _pack(student: IntArray, group: IntArray, order: IntArray, correct: IntArray) -> _Packed:
    n = len(student)
    idx = _sort_rows(student, group, order)
    st, gr = student[idx], group[idx]
    new_seq = np.ones(n, dtype=bool)
    new_seq[1:] = (st[1:] != st[:-1]) | (gr[1:] != gr[:-1])
    seq_id = np.cumsum(new_seq) - 1
    starts = np.flatnonzero(new_seq)
    lengths = np.diff(np.r_[starts, n])
    step = np.arange(n) - starts[seq_id]
    perm = np.argsort(-lengths, kind="stable")  # rank -> sequence
    n_seq = len(lengths)
    rank_of_seq = np.empty(n_seq, dtype=np.int64)
    rank_of_seq[perm] = np.arange(n_seq)
    t_max = int(lengths.max())
    # batch_sizes[t] = number of sequences longer than t
    batch_sizes = n_seq - np.cumsum(np.bincount(lengths, minlength=t_max + 1))[:t_max]
    offsets = np.r_[0, np.cumsum(batch_sizes)].astype(np.int64)
    rank = rank_of_seq[seq_id]
    packed_pos = offsets[step] + rank
    row = np.empty(n, dtype=np.int64)
    row[packed_pos] = idx
    seq_group = gr[starts][perm].astype(np.int64)
    sorted_lengths = lengths[perm]
    not_last = np.empty(n, dtype=np.int64)
    not_last[packed_pos] = step < lengths[seq_id] - 1
    elem_group = np.empty(n, dtype=np.int64)
    elem_group[packed_pos] = gr
    code = 2 * elem_group + (correct[row] == 1)
    return _Packed(
        row=row,
        code=code,
        code_hn=2 * code + not_last,
        elem_group=elem_group,
        seq_group=seq_group,
        batch_sizes=batch_sizes.tolist(),
        offsets=offsets.tolist(),
        last_pos=(offsets[sorted_lengths - 1] + np.arange(n_seq)).astype(np.int64),
        seq_student=st[starts][perm].astype(np.int64),
    )


# Odds above _ODDS_CAP are probability 1 in float64. Capping every _CAP_EVERY steps keeps the
# recursion finite: one step multiplies odds by at most (1 - eps) / eps / eps ~ 1e12, so they stay
# below 1e150 * 1e12**8 ~ 1e246 between caps.
_ODDS_CAP = 1e150
_CAP_EVERY = 8


def _emission_tables(guess: FloatArray, slip: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Tables indexed by ``2 * group + response``: P(response | learned), P(response | unlearned)."""
    e_learned = np.column_stack([slip, 1.0 - slip]).ravel()
    e_unlearned = np.column_stack([1.0 - guess, guess]).ravel()
    return e_learned, e_unlearned


def _forward_odds(
    pk: _Packed, prior: FloatArray, learn: FloatArray, guess: FloatArray, slip: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Filtering pass in odds form.

    With o_t = P(L_t | obs_<t) / P(U_t | obs_<t) and r_t = P(obs_t | L) / P(obs_t | U), observing
    gives posterior odds o'_t = o_t r_t, and learning (no forgetting) gives
    o_t+1 = (o'_t + learn) / (1 - learn): an affine recursion, two multiply-adds per step, vectorized
    over every sequence alive at that step. Returns (o, o') per packed element.
    """
    e_learned, e_unlearned = _emission_tables(guess, slip)
    ratio = np.take(e_learned / e_unlearned, pk.code)
    a_tab = (e_learned / e_unlearned) / np.repeat(1.0 - learn, 2)
    step_mult = np.take(a_tab, pk.code)  # r_t / (1 - learn)
    step_add = (learn / (1.0 - learn))[pk.seq_group]  # per rank
    n = len(pk.code)
    odds = np.empty(n)
    odds[: pk.n_seq] = (prior / (1.0 - prior))[pk.seq_group]
    bs, off = pk.batch_sizes, pk.offsets
    capped_to = pk.n_seq
    for t in range(len(bs) - 1):
        lo, nlo, n1 = off[t], off[t + 1], bs[t + 1]
        nxt = odds[nlo : nlo + n1]
        np.multiply(odds[lo : lo + n1], step_mult[lo : lo + n1], out=nxt)
        nxt += step_add[:n1]
        if t % _CAP_EVERY == _CAP_EVERY - 1:
            np.minimum(odds[capped_to : nlo + n1], _ODDS_CAP, out=odds[capped_to : nlo + n1])
            capped_to = nlo + n1
    np.minimum(odds[capped_to:], _ODDS_CAP, out=odds[capped_to:])
    return odds, odds * ratio


def _smoothed_learned(pk: _Packed, post_odds: FloatArray, learn: FloatArray) -> FloatArray:
    """gamma_t = P(L_t | all obs) by the backward recursion for a no-forgetting chain.

    gamma_last = P(L_last | obs_<=last); earlier, gamma_t = q_t gamma_t+1 with
    q_t = P(L_t | obs_<=t) / P(L_t+1 | obs_<=t) = o'_t / (o'_t + learn). One multiply per step.
    """
    q = post_odds / (post_odds + np.take(learn, pk.elem_group))
    gamma = np.empty(len(q))
    last = post_odds[pk.last_pos]
    gamma[pk.last_pos] = last / (1.0 + last)
    bs, off = pk.batch_sizes, pk.offsets
    for t in range(len(bs) - 2, -1, -1):
        lo, nlo, n1 = off[t], off[t + 1], bs[t + 1]
        np.multiply(q[lo : lo + n1], gamma[nlo : nlo + n1], out=gamma[lo : lo + n1])
    return gamma


def _log_likelihood_by_group(
    pk: _Packed, odds: FloatArray, post_odds: FloatArray, guess: FloatArray, slip: FloatArray, n_groups: int
) -> FloatArray:
    """Per group, sum over elements of log P(obs_t | obs_<t).

    P(obs_t | obs_<t) = (o_t e_L + e_U) / (1 + o_t) = e_U (1 + o'_t) / (1 + o_t), so the e_U part is
    a per-(skill, response) constant summed through counts and one log runs per element.
    """
    _, e_unlearned = _emission_tables(guess, slip)
    code_counts = np.bincount(pk.code, minlength=2 * n_groups)
    const = (code_counts * np.log(e_unlearned)).reshape(n_groups, 2).sum(axis=1)
    per_elem = np.log((1.0 + post_odds) / (1.0 + odds))
    return const + np.bincount(pk.elem_group, weights=per_elem, minlength=n_groups)


# --------------------------------------------------------------------------------------------------
# BKT
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mastery:
    """Per-student, per-skill probability of mastery (see :meth:`BKT.mastery`)."""

    students: IntArray  # row labels, sorted
    skills: IntArray  # column labels, sorted
    probability: FloatArray  # shape (len(students), len(skills))


_Params = tuple[FloatArray, FloatArray, FloatArray, FloatArray]


@dataclass(frozen=True)
class _EMCounts:
    """Per-skill counts that stay fixed during EM."""

    n_resp: FloatArray
    n_correct: FloatArray
    n_not_last: FloatArray
    n_seq: FloatArray


class BKT(BaseEstimator):
    """Bayesian Knowledge Tracing with one parameter set per skill, fitted by vectorized EM.

    Parameters
    ----------
    max_iter : EM steps at most (a SQUAREM cycle uses three).
    tol : stop when a SQUAREM cycle raises the total (penalized) log-likelihood by less than
        ``tol`` times its absolute value.
    max_guess, max_slip : upper bounds on guess and slip, in (0, 0.5]. The M-step clips to them,
        which is the exact constrained maximizer for these Bernoulli parameters.
    shrinkage : strength, in pseudo-observations, of independent Beta priors on each skill's four
        parameters, centred on the pooled (all-skills) estimate from the first E-step. Fitting is
        then MAP-EM; it steadies rarely practised skills and barely moves well-practised ones.
        0 gives plain maximum likelihood. The default (20) was chosen on by-student splits of the
        ASSISTments 2009 training file (validation AUC rose from 0 to 10-20, fell by 100).
    n_init : number of EM starts; the first is a fixed, sensible start (prior 0.5, learn 0.1,
        guess 0.2, slip 0.1), the others random. Each skill keeps the start with its best likelihood.
    random_state : seed for the random starts.

    Fitted attributes: ``skills_`` (sorted skill ids), ``prior_``, ``learn_``, ``guess_``, ``slip_``
    (aligned with ``skills_``), ``default_params_`` (dict used for unknown skills),
    ``log_likelihood_``, ``n_iter_``, ``n_responses_`` (per skill).
    """

    def __init__(
        self,
        *,
        max_iter: int = 200,
        tol: float = 1e-5,
        max_guess: float = 0.5,
        max_slip: float = 0.5,
        shrinkage: float = 20.0,
        n_init: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.max_guess = max_guess
        self.max_slip = max_slip
        self.shrinkage = shrinkage
        self.n_init = n_init
        self.random_state = random_state

    def _check_params(self) -> None:
        if not isinstance(self.max_iter, int | np.integer) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if not self.tol >= 0:
            raise ValueError(f"tol must be non-negative, got {self.tol!r}")
        for name in ("max_guess", "max_slip"):
            v = getattr(self, name)
            if not 0.0 < v <= 0.5:
                raise ValueError(f"{name} must be in (0, 0.5], got {v!r}")
        if not self.shrinkage >= 0:
            raise ValueError(f"shrinkage must be non-negative, got {self.shrinkage!r}")
        if not isinstance(self.n_init, int | np.integer) or self.n_init < 1:
            raise ValueError(f"n_init must be a positive integer, got {self.n_init!r}")

    def _clip(self, prior: FloatArray, learn: FloatArray, guess: FloatArray, slip: FloatArray) -> _Params:
        return (
            np.clip(prior, _EPS, 1 - _EPS),
            np.clip(learn, _EPS, 1 - _EPS),
            np.clip(guess, _EPS, self.max_guess),
            np.clip(slip, _EPS, self.max_slip),
        )

    def _em(self, pk: _Packed, n_groups: int, init: _Params) -> tuple[_Params, FloatArray, int]:
        """EM from ``init``, accelerated per skill by SQUAREM (Varadhan & Roland 2008).

        Each cycle takes two EM steps theta1 = F(theta0), theta2 = F(theta1), extrapolates
        theta' = theta0 - 2 a r + a^2 v (r = theta1 - theta0, v = theta2 - 2 theta1 + theta0,
        a = -|r|/|v| <= -1, per skill, clipped to the bounds) and takes one EM step from theta'.
        A skill keeps the extrapolated result only if its likelihood at theta' is at least its
        likelihood at theta1; otherwise it falls back to theta2, so the likelihood never drops.
        Stops when a cycle improves the total log-likelihood by less than ``tol`` times its value.
        Returns parameters, per-group log-likelihood and the number of EM steps used.
        """
        k = n_groups
        # counts that do not change: per (group, response, not-last) and per group sequences
        cnt = np.bincount(pk.code_hn, minlength=4 * k).reshape(k, 2, 2).astype(float)
        fixed = _EMCounts(
            n_resp=cnt.sum(axis=(1, 2)),
            n_correct=cnt[:, 1, :].sum(axis=1),
            n_not_last=cnt[:, :, 1].sum(axis=1),
            n_seq=np.bincount(pk.seq_group, minlength=k).astype(float),
        )

        theta0 = np.vstack(self._clip(*init))
        if self.shrinkage > 0:
            # centre of the shrinkage prior: the all-skills (pooled) M-step estimate from the first
            # E-step, then held fixed so that EM maximizes one fixed penalized likelihood
            _, _, num, den = self._em_step(pk, k, theta0, fixed, None, need_objective=False)
            centre: FloatArray | None = num.sum(axis=1, keepdims=True) / np.maximum(
                den.sum(axis=1, keepdims=True), 1e-12
            )
        else:
            centre = None

        def em_step(theta: FloatArray, need_objective: bool = True) -> tuple[FloatArray, FloatArray]:
            new, objective, _, _ = self._em_step(pk, k, theta, fixed, centre, need_objective)
            return new, objective if objective is not None else np.full(k, -np.inf)

        lower = np.full((4, 1), _EPS)
        upper = np.array([[1 - _EPS], [1 - _EPS], [self.max_guess], [self.max_slip]])
        prev_total = -np.inf
        n_steps = 0
        ll = np.full(k, -np.inf)
        while n_steps + 3 <= self.max_iter:
            theta1, _ = em_step(theta0, need_objective=False)
            theta2, ll1 = em_step(theta1)
            r = theta1 - theta0
            v = theta2 - theta1 - r
            r_norm = np.sqrt((r**2).sum(axis=0))
            v_norm = np.sqrt((v**2).sum(axis=0))
            alpha = np.where(v_norm > 0, -r_norm / np.maximum(v_norm, 1e-300), -1.0)
            alpha = np.minimum(alpha, -1.0)
            theta_x = np.clip(theta0 - 2 * alpha * r + alpha**2 * v, lower, upper)
            theta3, ll_x = em_step(theta_x)
            n_steps += 3
            accept = ll_x >= ll1
            theta0 = np.where(accept, theta3, theta2)
            ll = np.maximum(ll_x, ll1)
            total = float(ll.sum())
            if total - prev_total < self.tol * abs(total):
                break
            prev_total = total
        if n_steps == 0:  # max_iter < 3: plain EM steps
            for _ in range(self.max_iter):
                theta0, ll = em_step(theta0)
                n_steps += 1
        # likelihood of the returned parameters (one more forward pass)
        prior, learn, guess, slip = (theta0[i] for i in range(4))
        odds, post = _forward_odds(pk, prior, learn, guess, slip)
        ll_group = _log_likelihood_by_group(pk, odds, post, guess, slip, k)
        return (prior, learn, guess, slip), ll_group, n_steps

    def _em_step(
        self,
        pk: _Packed,
        k: int,
        theta: FloatArray,
        fixed: _EMCounts,
        centre: FloatArray | None,
        need_objective: bool = True,
    ) -> tuple[FloatArray, FloatArray | None, FloatArray, FloatArray]:
        """One EM step from ``theta`` (rows prior, learn, guess, slip).

        Returns the new parameters, the per-skill objective at ``theta`` (log-likelihood plus the
        shrinkage log-prior when ``centre`` is given; None unless ``need_objective``) and the M-step
        numerators and denominators.
        """
        prior, learn, guess, slip = (theta[i] for i in range(4))
        odds, post = _forward_odds(pk, prior, learn, guess, slip)
        objective = _log_likelihood_by_group(pk, odds, post, guess, slip, k) if need_objective else None
        gamma = _smoothed_learned(pk, post, learn)
        # sufficient statistics, by (group, response, not-last)
        g_sum = np.bincount(pk.code_hn, weights=gamma, minlength=4 * k).reshape(k, 2, 2)
        learned = g_sum.sum(axis=(1, 2))  # sum_t gamma_t
        learned_correct = g_sum[:, 1, :].sum(axis=1)
        learned_not_last = g_sum[:, :, 1].sum(axis=1)
        g_first = np.bincount(pk.seq_group, weights=gamma[: pk.n_seq], minlength=k)
        g_last = np.bincount(pk.seq_group, weights=gamma[pk.last_pos], minlength=k)
        # without forgetting, the expected U->L transitions of a sequence are gamma_last - gamma_first
        num = np.vstack(
            [g_first, g_last - g_first, fixed.n_correct - learned_correct, learned - learned_correct]
        )
        den = np.vstack([fixed.n_seq, fixed.n_not_last - learned_not_last, fixed.n_resp - learned, learned])
        num = np.clip(num, 0.0, None)
        den = np.maximum(den, num)
        if centre is not None:
            # MAP step under independent Beta priors with mean ``centre`` and ``shrinkage`` pseudo-counts
            c = float(self.shrinkage)
            new = (num + c * centre) / (den + c)
            if objective is not None:
                objective = objective + c * (centre * np.log(theta) + (1.0 - centre) * np.log1p(-theta)).sum(
                    axis=0
                )
        else:
            # a skill without evidence for a parameter keeps its current value
            new = np.where(den > 1e-12, num / np.maximum(den, 1e-12), theta)
        return np.vstack(self._clip(new[0], new[1], new[2], new[3])), objective, num, den

    def fit(self, data: Responses | Any) -> BKT:
        """Fit per-skill parameters by EM on a long-format response log. Returns ``self``."""
        self._check_params()
        resp = Responses.coerce(data)
        _check_nonempty(resp, "BKT.fit")
        skills, group = _factorize(resp.skill)
        k = len(skills)
        pk = _pack(resp.student, group, resp.order, resp.correct)
        rng = np.random.default_rng(self.random_state)
        best: _Params | None = None
        best_ll = np.full(k, -np.inf)
        n_iter = 0
        for i in range(self.n_init):
            if i == 0:
                init = (np.full(k, 0.5), np.full(k, 0.1), np.full(k, 0.2), np.full(k, 0.1))
            else:
                init = (
                    rng.uniform(0.05, 0.95, k),
                    rng.uniform(0.01, 0.5, k),
                    rng.uniform(0.01, self.max_guess, k),
                    rng.uniform(0.01, self.max_slip, k),
                )
            params, ll_group, it = self._em(pk, k, init)
            n_iter = max(n_iter, it)
            if best is None:
                best, best_ll = params, ll_group
            else:
                better = ll_group > best_ll
                p0, p1, p2, p3 = (np.where(better, a, b) for a, b in zip(params, best, strict=True))
                best = (p0, p1, p2, p3)
                best_ll = np.where(better, ll_group, best_ll)
        assert best is not None
        self.skills_ = skills.astype(np.int64)
        self.prior_, self.learn_, self.guess_, self.slip_ = (np.asarray(a, dtype=float) for a in best)
        self.n_responses_ = np.bincount(group, minlength=k).astype(np.int64)
        w = self.n_responses_ / self.n_responses_.sum()
        self.default_params_ = {
            "prior": float(w @ self.prior_),
            "learn": float(w @ self.learn_),
            "guess": float(w @ self.guess_),
            "slip": float(w @ self.slip_),
        }
        self.log_likelihood_ = float(best_ll.sum())
        self.n_iter_ = n_iter
        return self

    def _params_for(self, skill: IntArray) -> tuple[IntArray, _Params]:
        """Group index per row and parameter arrays whose last entry is the unknown-skill default."""
        pos, found = _skill_lookup(self.skills_, skill)
        k = len(self.skills_)
        group = np.where(found, pos, k)
        d = self.default_params_
        params = (
            np.r_[self.prior_, d["prior"]],
            np.r_[self.learn_, d["learn"]],
            np.r_[self.guess_, d["guess"]],
            np.r_[self.slip_, d["slip"]],
        )
        return group.astype(np.int64), params

    def predict_correct(self, data: Responses | Any) -> FloatArray:
        """P(correct) per row, filtering over the student's earlier rows on the same skill only."""
        check_is_fitted(self, "skills_")
        resp = Responses.coerce(data)
        if len(resp) == 0:
            return np.zeros(0)
        group, (prior, learn, guess, slip) = self._params_for(resp.skill)
        pk = _pack(resp.student, group, resp.order, resp.correct)
        odds, _ = _forward_odds(pk, prior, learn, guess, slip)
        g = guess[pk.elem_group]
        s = slip[pk.elem_group]
        out = np.empty(len(resp))
        out[pk.row] = (odds * (1.0 - s) + g) / (1.0 + odds)
        return out

    def predict_proba(self, data: Responses | Any) -> FloatArray:
        """Shape (n_rows, 2): columns P(incorrect), P(correct), as scikit-learn classifiers do."""
        return _as_proba_matrix(self.predict_correct(data))

    def predict(self, data: Responses | Any) -> IntArray:
        """Most likely response (1 if P(correct) >= 0.5)."""
        return (self.predict_correct(data) >= 0.5).astype(np.int64)

    def mastery(self, data: Responses | Any) -> Mastery:
        """Each student's probability of having mastered each skill after all of their rows.

        This is the classic BKT P(L_n): the posterior after the student's last response on the
        skill, followed by the learning transition (the chance of knowing it at the next
        opportunity). Skills a student has not practised get the skill's ``prior``; columns are
        the fitted skills plus any unknown skills in ``data`` (which use ``default_params_``).
        """
        check_is_fitted(self, "skills_")
        resp = Responses.coerce(data)
        students = np.unique(resp.student)
        skills = np.union1d(self.skills_, resp.skill).astype(np.int64)
        col_group, (prior, learn, guess, slip) = self._params_for(skills)
        prob = np.tile(prior[col_group], (len(students), 1))
        if len(resp):
            group, _ = self._params_for(resp.skill)
            pk = _pack(resp.student, group, resp.order, resp.correct)
            _, post = _forward_odds(pk, prior, learn, guess, slip)
            o_last = post[pk.last_pos]
            m = (o_last + learn[pk.seq_group]) / (1.0 + o_last)
            row = np.searchsorted(students, pk.seq_student)
            col = np.searchsorted(skills, resp.skill[pk.row[pk.last_pos]])
            prob[row, col] = m
        return Mastery(students=students.astype(np.int64), skills=skills, probability=prob)


# --------------------------------------------------------------------------------------------------
# Per-skill baseline
# --------------------------------------------------------------------------------------------------


class SkillMeanBaseline(BaseEstimator):
    """Predict each skill's mean correctness in the training log (global mean for unknown skills).

    ``predict`` gives the skill's majority class; ``predict_proba`` its training mean, which is
    what makes an AUC meaningful. It ignores the student's history entirely.
    """

    def __init__(self, *, smoothing: float = 1.0) -> None:
        self.smoothing = smoothing

    def fit(self, data: Responses | Any) -> SkillMeanBaseline:
        """Learn ``skills_``, ``skill_mean_`` and ``global_mean_``. Returns ``self``."""
        if not self.smoothing >= 0:
            raise ValueError(f"smoothing must be non-negative, got {self.smoothing!r}")
        resp = Responses.coerce(data)
        _check_nonempty(resp, "SkillMeanBaseline.fit")
        skills, group = _factorize(resp.skill)
        self.global_mean_ = float(resp.correct.mean())
        n = np.bincount(group, minlength=len(skills))
        s = np.bincount(group, weights=resp.correct, minlength=len(skills))
        self.skills_ = skills.astype(np.int64)
        self.skill_mean_ = (s + self.smoothing * self.global_mean_) / (n + self.smoothing)
        return self

    def predict_correct(self, data: Responses | Any) -> FloatArray:
        """The skill's training mean for every row."""
        check_is_fitted(self, "skills_")
        resp = Responses.coerce(data)
        pos, found = _skill_lookup(self.skills_, resp.skill)
        return np.where(found, self.skill_mean_[pos], self.global_mean_)

    def predict_proba(self, data: Responses | Any) -> FloatArray:
        """Shape (n_rows, 2): P(incorrect), P(correct)."""
        return _as_proba_matrix(self.predict_correct(data))

    def predict(self, data: Responses | Any) -> IntArray:
        """The skill's majority response."""
        return (self.predict_correct(data) >= 0.5).astype(np.int64)


# --------------------------------------------------------------------------------------------------
# Logistic (Best-LR / PFA family)
# --------------------------------------------------------------------------------------------------


def _group_runs(keys: tuple[IntArray, ...], order: IntArray) -> tuple[IntArray, NDArray[np.bool_], IntArray]:
    """Sort rows by ``keys`` then ``order``; return the permutation, run starts mask, position in run."""
    idx = np.lexsort((order, *reversed(keys)))
    n = len(idx)
    start = np.ones(n, dtype=bool)
    if n:
        diff = np.zeros(n - 1, dtype=bool)
        for k in keys:
            kk = k[idx]
            diff |= kk[1:] != kk[:-1]
        start[1:] = diff
    run_id = np.cumsum(start) - 1
    pos = np.arange(n) - np.flatnonzero(start)[run_id]
    return idx, start, pos


def _lagged_window_sum(values: FloatArray, pos: IntArray, window: int) -> FloatArray:
    """Sum of the ``window`` values strictly before each element within its run (runs contiguous)."""
    cs = np.r_[0.0, np.cumsum(values)]
    i = np.arange(len(values))
    lo = i - np.minimum(pos, window)
    return cs[i] - cs[lo]


def _history_features(resp: Responses, windows: tuple[int, ...]) -> tuple[dict[str, FloatArray], IntArray]:
    """Features of each row computed only from the same student's earlier rows (by ``order``).

    Returns the float features by name and, per row, the skill of the student's previous row
    (-1 for a first row).
    """
    n = len(resp)
    y = resp.correct.astype(np.float64)
    feats: dict[str, FloatArray] = {}

    # --- over all of the student's responses
    idx, _, pos = _group_runs((resp.student,), resp.order)
    ys = y[idx]
    succ = _lagged_window_sum(ys, pos, n + 1)
    att = pos.astype(np.float64)
    prev = np.where(pos > 0, np.r_[0.0, ys[:-1]], 0.0)
    prev2 = np.where(pos > 1, np.r_[0.0, 0.0, ys[:-2]], 0.0)
    sk = resp.skill[idx]
    prev_skill_same = np.zeros(n)
    prev_skill_same[1:] = (sk[1:] == sk[:-1]) & (pos[1:] > 0)
    cols = {
        "log_succ": np.log1p(succ),
        "log_fail": np.log1p(att - succ),
        "has_prev": (pos > 0).astype(float),
        "prev_correct": prev,
        "prev_wrong": (pos > 0) - prev,
        "prev2_correct": prev2,
        "prev_same_skill": prev_skill_same,
        "prev_correct_same_skill": prev * prev_skill_same,
        "rate": (succ + 1.0) / (att + 2.0),
    }
    for w in windows:
        s_w = _lagged_window_sum(ys, pos, w)
        a_w = np.minimum(pos, w).astype(float)
        cols[f"rate_last{w}"] = (s_w + 0.5) / (a_w + 1.0)
    for name, v in cols.items():
        out = np.empty(n)
        out[idx] = v
        feats[name] = out
    prev_skill = np.empty(n, dtype=np.int64)
    prev_skill[idx] = np.where(pos > 0, np.r_[np.int64(-1), sk[:-1]], -1)

    # --- on the same skill
    idx, _, pos = _group_runs((resp.student, resp.skill), resp.order)
    ys = y[idx]
    succ = _lagged_window_sum(ys, pos, n + 1)
    att = pos.astype(np.float64)
    prev = np.where(pos > 0, np.r_[0.0, ys[:-1]], 0.0)
    order_sorted = resp.order[idx].astype(np.float64)
    gap = np.where(pos > 0, order_sorted - np.r_[0.0, order_sorted[:-1]], 0.0)
    cols = {
        "sk_log_succ": np.log1p(succ),
        "sk_log_fail": np.log1p(att - succ),
        "sk_has_prev": (pos > 0).astype(float),
        "sk_prev_correct": prev,
        "sk_prev_wrong": (pos > 0) - prev,
        "sk_rate": (succ + 1.0) / (att + 2.0),
        "sk_log_gap": np.log1p(gap),
    }
    for w in windows:
        s_w = _lagged_window_sum(ys, pos, w)
        a_w = np.minimum(pos, w).astype(float)
        cols[f"sk_rate_last{w}"] = (s_w + 0.5) / (a_w + 1.0)
    for name, v in cols.items():
        out = np.empty(n)
        out[idx] = v
        feats[name] = out
    return feats, prev_skill


def _logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p) - np.log1p(-p)


class LogisticKT(BaseEstimator):
    """Best-LR-style knowledge tracing: logistic regression on history features.

    Every feature of a row comes from the same student's *earlier* rows only:

    * counts (PFA / Best-LR): ``log(1 + successes)`` and ``log(1 + failures)``, overall and on the
      row's skill, plus per-skill slopes on the skill's two counts (PFA's per-skill learning rates);
    * smoothed success rates overall, on the skill, and over the last ``windows`` responses (overall
      and on the skill) — DAS3H-style windows counted in responses, as the data has no timestamps;
    * recency: the previous response (overall, two back, on the same skill), whether the previous
      response was on the same skill, ``log(1 + responses since the last attempt at the skill)``;
    * difficulty: a one-hot skill intercept;
    * transitions (``use_transitions``): a one-hot of the pair (previous row's skill, this row's
      skill), alone and signed by the previous response. This is the information DKT gets from its
      input (previous skill and response); in data where a multi-skill problem is logged once per
      skill, consecutively, with one response, it is what lets the model see that the previous row
      was the same problem. Pairs seen fewer than ``transition_min_count`` times in training get no
      column;
    * ``use_bkt``: the logit of :class:`BKT`'s filtering prediction.

    Continuous columns are standardized with training statistics; the model is an L2-regularized
    :class:`~sklearn.linear_model.LogisticRegression` (lbfgs). Unknown skills (or transitions) at
    prediction time have no specific column and get only the skill-independent terms.

    Parameters
    ----------
    C : inverse L2 regularization strength.
    windows : window lengths (in responses) for recent success rates.
    use_bkt : add BKT's prediction as a feature (BKT is fitted on the same training log).
    bkt_params : keyword arguments for that :class:`BKT`.
    use_transitions : add the (previous skill, skill) transition columns.
    transition_min_count : minimum training count of a transition to get columns.
    max_iter : iterations for the lbfgs solver.

    Fitted attributes: ``skills_``, ``transitions_`` (pairs as ``[previous skill, skill]`` rows),
    ``feature_names_``, ``coef_``, ``intercept_``, ``bkt_`` (or None), ``scale_mean_``, ``scale_std_``.
    """

    def __init__(
        self,
        *,
        C: float = 0.3,
        windows: tuple[int, ...] = (3, 10),
        use_bkt: bool = True,
        bkt_params: dict[str, Any] | None = None,
        use_transitions: bool = True,
        transition_min_count: int = 5,
        max_iter: int = 500,
    ) -> None:
        self.C = C
        self.windows = windows
        self.use_bkt = use_bkt
        self.bkt_params = bkt_params
        self.use_transitions = use_transitions
        self.transition_min_count = transition_min_count
        self.max_iter = max_iter

    def _check_params(self) -> None:
        if not self.C > 0:
            raise ValueError(f"C must be positive, got {self.C!r}")
        if any((not isinstance(w, int | np.integer)) or w < 1 for w in self.windows):
            raise ValueError(f"windows must be positive integers, got {self.windows!r}")
        if not isinstance(self.transition_min_count, int | np.integer) or self.transition_min_count < 1:
            raise ValueError(
                f"transition_min_count must be a positive integer, got {self.transition_min_count!r}"
            )
        if not isinstance(self.max_iter, int | np.integer) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")

    def _features(self, resp: Responses) -> tuple[dict[str, FloatArray], IntArray]:
        feats, prev_skill = _history_features(resp, tuple(self.windows))
        if self.bkt_ is not None:
            feats["bkt_logit"] = _logit(self.bkt_.predict_correct(resp))
        return feats, prev_skill

    def _transition_columns(
        self, resp: Responses, prev_skill: IntArray
    ) -> tuple[IntArray, NDArray[np.bool_]]:
        """Column of each row's (previous skill, skill) pair in ``transitions_``, and which rows have one."""
        n = len(resp)
        if len(self.transitions_) == 0:
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        # lexicographic search on (previous skill, skill) via a structured view of two int64 columns
        pairs = np.ascontiguousarray(np.column_stack([prev_skill, resp.skill]).astype(np.int64))
        key = pairs.view([("a", np.int64), ("b", np.int64)]).ravel()
        table = np.ascontiguousarray(self.transitions_).view([("a", np.int64), ("b", np.int64)]).ravel()
        pos = np.minimum(np.searchsorted(table, key), len(table) - 1)
        found = (table[pos] == key) & (prev_skill >= 0)
        return pos.astype(np.int64), found

    def _design(self, resp: Responses) -> sp.csr_matrix:
        feats, prev_skill = self._features(resp)
        dense = np.column_stack([feats[name] for name in self.dense_names_])
        dense = (dense - self.scale_mean_) / self.scale_std_
        n = len(resp)
        k = len(self.skills_)
        pos, found = _skill_lookup(self.skills_, resp.skill)
        rows = np.flatnonzero(found)
        cols = pos[found]
        blocks = [
            sp.csr_matrix(dense),
            sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, k)),
            sp.csr_matrix((feats["sk_log_succ"][found], (rows, cols)), shape=(n, k)),
            sp.csr_matrix((feats["sk_log_fail"][found], (rows, cols)), shape=(n, k)),
        ]
        if self.use_transitions:
            m = len(self.transitions_)
            tpos, tfound = self._transition_columns(resp, prev_skill)
            trows = np.flatnonzero(tfound)
            tcols = tpos[tfound]
            signed = 2.0 * feats["prev_correct"][tfound] - 1.0
            blocks.append(sp.csr_matrix((np.ones(len(trows)), (trows, tcols)), shape=(n, m)))
            blocks.append(sp.csr_matrix((signed, (trows, tcols)), shape=(n, m)))
        return sp.hstack(blocks, format="csr")

    def fit(self, data: Responses | Any) -> LogisticKT:
        """Fit on a long-format response log. Returns ``self``."""
        self._check_params()
        resp = Responses.coerce(data)
        _check_nonempty(resp, "LogisticKT.fit")
        if len(np.unique(resp.correct)) < 2:
            raise ValueError("LogisticKT.fit needs both correct and incorrect responses")
        self.skills_ = _factorize(resp.skill)[0]
        self.bkt_: BKT | None = BKT(**(self.bkt_params or {})).fit(resp) if self.use_bkt else None
        feats, prev_skill = self._features(resp)
        self.dense_names_ = list(feats)
        dense = np.column_stack([feats[name] for name in self.dense_names_])
        self.scale_mean_ = dense.mean(axis=0)
        std = dense.std(axis=0)
        self.scale_std_ = np.where(std > 0, std, 1.0)
        has_prev = prev_skill >= 0
        if self.use_transitions and has_prev.any():
            pairs, counts = np.unique(
                np.column_stack([prev_skill[has_prev], resp.skill[has_prev]]), axis=0, return_counts=True
            )
            self.transitions_ = pairs[counts >= self.transition_min_count].astype(np.int64)
        else:
            self.transitions_ = np.zeros((0, 2), dtype=np.int64)
        x = self._design(resp)
        pair_names = [f"{a}->{b}" for a, b in self.transitions_] if self.use_transitions else []
        self.feature_names_ = (
            self.dense_names_
            + [f"skill={s}" for s in self.skills_]
            + [f"skill={s}:log_succ" for s in self.skills_]
            + [f"skill={s}:log_fail" for s in self.skills_]
            + [f"transition={p}" for p in pair_names]
            + [f"transition={p}:prev_signed" for p in pair_names]
        )
        lr = LogisticRegression(C=self.C, max_iter=self.max_iter, solver="lbfgs")
        lr.fit(x, resp.correct)
        self.coef_ = lr.coef_.ravel().copy()
        self.intercept_ = float(lr.intercept_[0])
        self.classes_ = np.array([0, 1])
        return self

    def predict_correct(self, data: Responses | Any) -> FloatArray:
        """P(correct) for every row from the student's earlier rows only."""
        check_is_fitted(self, "coef_")
        resp = Responses.coerce(data)
        if len(resp) == 0:
            return np.zeros(0)
        z = self._design(resp) @ self.coef_ + self.intercept_
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def predict_proba(self, data: Responses | Any) -> FloatArray:
        """Shape (n_rows, 2): P(incorrect), P(correct)."""
        return _as_proba_matrix(self.predict_correct(data))

    def predict(self, data: Responses | Any) -> IntArray:
        """Most likely response (1 if P(correct) >= 0.5)."""
        return (self.predict_correct(data) >= 0.5).astype(np.int64)


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def evaluate(model: Any, train: Responses | Any, test: Responses | Any) -> dict[str, Any]:
    """Fit ``model`` on ``train``, predict every row of ``test`` (each from its earlier rows only).

    Returns ``{"model", "auc", "rmse", "n_test", "fit_seconds", "predict_seconds"}``; ``auc`` is None
    when the test log holds only one class. ``model`` needs ``fit`` and ``predict_correct`` methods.
    """
    train_r = Responses.coerce(train)
    test_r = Responses.coerce(test)
    _check_nonempty(test_r, "evaluate")
    t0 = time.perf_counter()
    model.fit(train_r)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = np.asarray(model.predict_correct(test_r), dtype=np.float64)
    predict_seconds = time.perf_counter() - t0
    y = test_r.correct
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None
    return {
        "model": type(model).__name__,
        "auc": auc,
        "rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        "n_test": len(test_r),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }
