"""Staggered DiD: a planted effect is recovered, no effect covers 0, a planted pre-trend is flagged."""

from __future__ import annotations

import numpy as np
import pytest

from educloud.algos.did import StaggeredDiD, minimum_detectable_effect, synthetic_panel


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_planted_effect_recovered(control: str) -> None:
    y, g, t = synthetic_panel(n_units=240, effect=0.3, seed=3)
    result = StaggeredDiD(control=control, n_boot=299).fit(y, g, t).result_
    assert result.att_ci[0] <= 0.3 <= result.att_ci[1]
    assert result.significant
    assert not result.pretrend_flagged
    post = result.event_times >= 0
    assert np.all(np.abs(result.event_att[post] - 0.3) < 4 * result.event_se[post])
    assert result.mde == pytest.approx(2.8016 * result.att_se, rel=1e-3)


def test_no_effect_covers_zero() -> None:
    y, g, t = synthetic_panel(n_units=240, effect=0.0, seed=5)
    result = StaggeredDiD(n_boot=299).fit(y, g, t).result_
    assert result.att_ci[0] <= 0.0 <= result.att_ci[1]
    assert not result.pretrend_flagged


def test_planted_pretrend_flagged() -> None:
    y, g, t = synthetic_panel(n_units=240, effect=0.0, pretrend=0.15, seed=7)
    result = StaggeredDiD(n_boot=299).fit(y, g, t).result_
    assert result.pretrend_flagged
    assert result.pretrend_df == int((result.event_times <= -2).sum()) > 0


def test_heterogeneous_dynamic_effects_recovered_per_event_time() -> None:
    # Effects growing with time since treatment across staggered cohorts: the group-time estimator's
    # event-time profile follows the truth (0.1 · (e + 1)).
    rng = np.random.default_rng(11)
    y, g, t = synthetic_panel(n_units=400, effect=0.0, noise=0.1, seed=11)
    since = t[None, :] - g[:, None]
    y = y + np.where((g[:, None] > 0) & (since >= 0), 0.1 * (since + 1), 0.0) + rng.normal(0, 0.01, y.shape)
    result = StaggeredDiD(control="never", n_boot=99).fit(y, g, t).result_
    for e, est, se in zip(result.event_times, result.event_att, result.event_se, strict=True):
        if e >= 0:
            assert abs(est - 0.1 * (e + 1)) < 4 * se + 1e-3


def test_mde_formula() -> None:
    assert minimum_detectable_effect(0.1) == pytest.approx(0.28016, rel=1e-4)
    with pytest.raises(ValueError):
        minimum_detectable_effect(0.1, power=1.5)


def test_bad_inputs() -> None:
    y, g, t = synthetic_panel(n_units=40, seed=1)
    with pytest.raises(ValueError, match="balanced"):
        bad = y.copy()
        bad[0, 0] = np.nan
        StaggeredDiD().fit(bad, g, t)
    with pytest.raises(ValueError, match="one entry per unit"):
        StaggeredDiD().fit(y, g[:-1], t)
    with pytest.raises(ValueError, match="consecutive"):
        StaggeredDiD().fit(y, g, t * 2)
    with pytest.raises(ValueError, match="pre-period"):
        StaggeredDiD().fit(y, np.where(g > 0, t[0], 0), t)
    with pytest.raises(ValueError, match="no never-treated"):
        StaggeredDiD(control="never").fit(y, np.full_like(g, 2023), t)
    with pytest.raises(ValueError, match="control must be"):
        StaggeredDiD(control="x").fit(y, g, t)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
@pytest.mark.parametrize(
    ("control", "peer_control"), [("never", "never_treated"), ("notyet", "not_yet_treated")]
)
def test_group_time_and_event_study_equal_the_differences_package(control: str, peer_control: str) -> None:
    """Peer: ``differences.ATTgt`` (Callaway–Sant'Anna, universal base period, same control group)."""
    pd = pytest.importorskip("pandas")
    differences = pytest.importorskip("differences")
    y, g, t = synthetic_panel(n_units=120, effect=0.3, seed=2)
    rows = [
        (u, int(year), float(y[u, k]), float(g[u]) if g[u] else np.nan)
        for u in range(y.shape[0])
        for k, year in enumerate(t)
    ]
    frame = pd.DataFrame(rows, columns=["unit", "year", "y", "cohort"]).set_index(["unit", "year"])
    peer = differences.ATTgt(data=frame, cohort_column="cohort", base_period="universal")
    peer.fit(formula="y", control_group=peer_control, n_jobs=1, progress_bar=False)
    ours = StaggeredDiD(control=control, n_boot=499).fit(y, g, t)
    table = peer.results()
    peer_gt = {
        (int(cohort), int(time)): float(row.iloc[0]) for (cohort, _base, time), row in table.iterrows()
    }
    for key, value in ours.group_time_.items():
        assert value == pytest.approx(peer_gt[key], abs=1e-10)
    event = peer.aggregate("event")
    peer_event = dict(zip(event.index.astype(int), event.iloc[:, 0].astype(float), strict=True))
    peer_se = dict(zip(event.index.astype(int), event.iloc[:, 1].astype(float), strict=True))
    result = ours.result_
    for e, est, se in zip(result.event_times, result.event_att, result.event_se, strict=True):
        assert est == pytest.approx(peer_event[int(e)], abs=1e-10)
        if e != -1:  # bootstrap vs the peer's analytic influence-function SE: same size
            assert 0.7 < se / peer_se[int(e)] < 1.4
