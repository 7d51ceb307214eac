"""Data envelopment analysis (DEA): CCR and BCC models, input- or output-oriented, with slacks and peers.

What it owns
    Relative efficiency of ``n`` decision-making units (DMUs: schools, counties) that turn ``m``
    inputs ``X`` (n × m) into ``s`` outputs ``Y`` (n × s). For each DMU ``o`` two linear programs are
    solved with SciPy's HiGHS (``scipy.optimize.linprog``), in envelopment form:

    Stage 1, radial score.
      input-oriented:   ``θ* = min θ``  s.t. ``Σ_j λ_j x_j ≤ θ x_o``,  ``Σ_j λ_j y_j ≥ y_o``,  ``λ ≥ 0``
      output-oriented:  ``η* = max η``  s.t. ``Σ_j λ_j x_j ≤ x_o``,    ``Σ_j λ_j y_j ≥ η y_o``, ``λ ≥ 0``
      BCC (variable returns to scale) adds ``Σ_j λ_j = 1``; CCR (constant returns) does not.
    Stage 2, max-slack (Cooper, Seiford & Tone, ch. 3): with the radial factor fixed at its
    optimum, maximise ``Σ s⁻ + Σ s⁺`` subject to ``Σ λ_j x_j + s⁻ = θ* x_o`` (or ``= x_o``) and
    ``Σ λ_j y_j − s⁺ = y_o`` (or ``= η* y_o``). The stage-2 ``λ`` define the peers (reference set):
    the DMUs with ``λ_j > peer_tolerance``.

    ``scores_`` holds ``θ*`` (input, in (0, 1]) or ``η*`` (output, ≥ 1); ``efficiency_`` is always in
    (0, 1] (``θ*`` or ``1/η*``). Under CCR the two orientations agree: ``η* = 1/θ*``.
    A DMU is (Pareto–Koopmans) efficient when its score is 1 and all slacks are 0 (within tolerance).

Invariants
    Inputs and outputs are finite and strictly positive (the usual DEA data assumption; zero
    entries make the radial model degenerate), two 2-d arrays with the same number of rows and at
    least one column each; otherwise ``ValueError`` names the array and the first bad cell.

Reference
    FACTS §4: the 12-hospital example (Cooper, Seiford & Tone, Table 1.5) is reproduced in
    ``tests/algos/test_dea.py``. Read next: ``allocation.py`` (what to add, not how well it is used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

__all__ = ["DEA", "DEAResult", "dea"]

Orientation = Literal["input", "output"]
ReturnsToScale = Literal["constant", "variable"]
_MODEL_RTS: dict[str, ReturnsToScale] = {"CCR": "constant", "BCC": "variable"}


def _positive_matrix(data: ArrayLike, *, name: str) -> NDArray[np.float64]:
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be read as numbers ({exc})") from exc
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-d array (DMUs × {name}), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name}: empty input (shape {array.shape})")
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        row, column = (int(v) for v in bad[0])
        raise ValueError(f"{name}: missing or non-finite value at row {row}, column {column}")
    bad = np.argwhere(array <= 0)
    if bad.size:
        row, column = (int(v) for v in bad[0])
        raise ValueError(
            f"{name}: value {array[row, column]!r} at row {row}, column {column} is not positive"
        )
    return array


@dataclass(frozen=True)
class DEAResult:
    """Per-DMU results of one DEA model (arrays indexed by DMU row)."""

    model: str
    orientation: Orientation
    scores: NDArray[np.float64]
    efficiency: NDArray[np.float64]
    input_slacks: NDArray[np.float64]
    output_slacks: NDArray[np.float64]
    lambdas: NDArray[np.float64]
    peers: tuple[tuple[int, ...], ...]
    efficient: NDArray[np.bool_]


class DEA:
    """Envelopment-form DEA estimator (scikit-learn style).

    Parameters
    ----------
    model:
        ``"CCR"`` (constant returns to scale) or ``"BCC"`` (variable returns to scale).
    orientation:
        ``"input"`` (shrink inputs, score θ ≤ 1) or ``"output"`` (expand outputs, score η ≥ 1).
    tolerance:
        Score and slack tolerance for calling a DMU efficient and a λ a peer weight.

    Learned attributes (after :meth:`fit`): ``scores_``, ``efficiency_``, ``input_slacks_`` (n × m),
    ``output_slacks_`` (n × s), ``lambdas_`` (n × n, row o = the λ of DMU o's stage-2 solution),
    ``peers_`` (tuple of peer row indices per DMU), ``efficient_`` (bool per DMU).
    """

    def __init__(
        self,
        model: Literal["CCR", "BCC"] = "CCR",
        orientation: Orientation = "input",
        tolerance: float = 1e-7,
    ) -> None:
        self.model = model
        self.orientation = orientation
        self.tolerance = tolerance

    def fit(self, inputs: ArrayLike, outputs: ArrayLike) -> DEA:
        if self.model not in _MODEL_RTS:
            raise ValueError(f"model: expected 'CCR' or 'BCC', got {self.model!r}")
        if self.orientation not in ("input", "output"):
            raise ValueError(f"orientation: expected 'input' or 'output', got {self.orientation!r}")
        if not self.tolerance > 0:
            raise ValueError(f"tolerance: must be positive, got {self.tolerance!r}")
        x = _positive_matrix(inputs, name="inputs")
        y = _positive_matrix(outputs, name="outputs")
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"outputs: {y.shape[0]} rows (DMUs) do not match the {x.shape[0]} rows of inputs"
            )
        result = _solve_all(x, y, _MODEL_RTS[self.model], self.orientation, self.tolerance, self.model)
        self.result_ = result
        self.scores_ = result.scores
        self.efficiency_ = result.efficiency
        self.input_slacks_ = result.input_slacks
        self.output_slacks_ = result.output_slacks
        self.lambdas_ = result.lambdas
        self.peers_ = result.peers
        self.efficient_ = result.efficient
        return self


def dea(
    inputs: ArrayLike,
    outputs: ArrayLike,
    *,
    model: Literal["CCR", "BCC"] = "CCR",
    orientation: Orientation = "input",
    tolerance: float = 1e-7,
) -> DEAResult:
    """Function form of :class:`DEA`: fit and return the :class:`DEAResult`."""
    return DEA(model=model, orientation=orientation, tolerance=tolerance).fit(inputs, outputs).result_


def _solve_all(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    returns_to_scale: ReturnsToScale,
    orientation: Orientation,
    tolerance: float,
    model: str,
) -> DEAResult:
    n, m = x.shape
    s = y.shape[1]
    # Scores and lambdas do not depend on the units of a column, but the LPs' numerics do: yuan
    # (~1e9) next to head counts (~1e2) made HiGHS call the slack stage infeasible. Solve on columns
    # scaled to mean 1, and give slacks back in the caller's units.
    x_scale = x.mean(axis=0)
    y_scale = y.mean(axis=0)
    x = x / x_scale
    y = y / y_scale
    scores = np.empty(n)
    input_slacks = np.empty((n, m))
    output_slacks = np.empty((n, s))
    lambdas = np.empty((n, n))
    for dmu in range(n):
        score = _radial_score(x, y, dmu, returns_to_scale, orientation)
        lam, slack_in, slack_out = _max_slacks(x, y, dmu, score, returns_to_scale, orientation)
        scores[dmu] = score
        lambdas[dmu] = lam
        input_slacks[dmu] = slack_in
        output_slacks[dmu] = slack_out
    input_slacks[input_slacks < tolerance] = 0.0
    output_slacks[output_slacks < tolerance] = 0.0
    lambdas[lambdas < tolerance] = 0.0
    input_slacks *= x_scale
    output_slacks *= y_scale
    efficiency = scores if orientation == "input" else 1.0 / scores
    efficient = (
        (np.abs(efficiency - 1.0) <= 1e3 * tolerance)
        & np.all(input_slacks == 0.0, axis=1)
        & np.all(output_slacks == 0.0, axis=1)
    )
    peers = tuple(tuple(int(j) for j in np.flatnonzero(row)) for row in lambdas)
    return DEAResult(
        model=model,
        orientation=orientation,
        scores=scores,
        efficiency=efficiency,
        input_slacks=input_slacks,
        output_slacks=output_slacks,
        lambdas=lambdas,
        peers=peers,
        efficient=efficient,
    )


def _radial_score(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    dmu: int,
    returns_to_scale: ReturnsToScale,
    orientation: Orientation,
) -> float:
    """Stage 1. Variables ``[λ_1..λ_n, factor]``; minimise θ or maximise η (as ``min −η``)."""
    n = x.shape[0]
    objective = np.zeros(n + 1)
    if orientation == "input":
        objective[-1] = 1.0
        # Σ λ x − θ x_o ≤ 0 ;  −Σ λ y ≤ −y_o
        a_inputs = np.hstack([x.T, -x[dmu][:, None]])
        a_outputs = np.hstack([-y.T, np.zeros((y.shape[1], 1))])
        b = np.concatenate([np.zeros(x.shape[1]), -y[dmu]])
    else:
        objective[-1] = -1.0
        # Σ λ x ≤ x_o ;  −Σ λ y + η y_o ≤ 0
        a_inputs = np.hstack([x.T, np.zeros((x.shape[1], 1))])
        a_outputs = np.hstack([-y.T, y[dmu][:, None]])
        b = np.concatenate([x[dmu], np.zeros(y.shape[1])])
    a_eq, b_eq = _convexity_row(n, 1, returns_to_scale)
    solution = linprog(
        objective,
        A_ub=np.vstack([a_inputs, a_outputs]),
        b_ub=b,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0, None)] * (n + 1),
        method="highs",
    )
    if solution.status != 0:
        raise RuntimeError(f"DEA stage 1 failed for DMU row {dmu}: {solution.message}")
    return float(solution.x[-1])


def _max_slacks(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    dmu: int,
    score: float,
    returns_to_scale: ReturnsToScale,
    orientation: Orientation,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Stage 2. Variables ``[λ (n), s⁻ (m), s⁺ (s)]``; maximise the slack sum at the fixed score."""
    n, m = x.shape
    s = y.shape[1]
    objective = np.concatenate([np.zeros(n), -np.ones(m + s)])
    target_inputs = score * x[dmu] if orientation == "input" else x[dmu]
    target_outputs = y[dmu] if orientation == "input" else score * y[dmu]
    a_eq = np.vstack(
        [
            np.hstack([x.T, np.eye(m), np.zeros((m, s))]),
            np.hstack([y.T, np.zeros((s, m)), -np.eye(s)]),
        ]
    )
    b_eq = np.concatenate([target_inputs, target_outputs])
    convexity, convexity_rhs = _convexity_row(n, m + s, returns_to_scale)
    if convexity is not None and convexity_rhs is not None:
        a_eq = np.vstack([a_eq, convexity])
        b_eq = np.concatenate([b_eq, convexity_rhs])
    solution = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * (n + m + s), method="highs")
    if solution.status != 0:
        raise RuntimeError(f"DEA stage 2 (slacks) failed for DMU row {dmu}: {solution.message}")
    values = np.asarray(solution.x, dtype=np.float64)
    return values[:n], values[n : n + m], values[n + m :]


def _convexity_row(
    n: int, extra_columns: int, returns_to_scale: ReturnsToScale
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None]:
    if returns_to_scale == "constant":
        return None, None
    return np.concatenate([np.ones(n), np.zeros(extra_columns)])[None, :], np.ones(1)
