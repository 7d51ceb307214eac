"""Learning paths (``educloud.algos.paths``): order, skipping, cycles — on random DAGs."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from educloud.algos.paths import CycleError, order_violations, plan_path, unlocked


@st.composite
def dags(draw: st.DrawFn) -> tuple[dict[int, list[int]], dict[int, float], list[int]]:
    """A random DAG (edges only from a lower to a higher node of a random permutation), random
    mastery, random targets."""
    n = draw(st.integers(1, 25))
    perm = draw(st.permutations(list(range(n))))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    prereqs: dict[int, list[int]] = {}
    for a, b in edges:
        if a == b:
            continue
        lo, hi = (a, b) if a < b else (b, a)
        prereqs.setdefault(perm[hi], []).append(perm[lo])  # perm[lo] is a prerequisite of perm[hi]
    mastery = {i: draw(st.floats(0.0, 1.0)) for i in range(n) if draw(st.booleans())}
    targets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    return prereqs, mastery, targets


def _ancestors_through_unmastered(prereqs, mastery, targets, mastered=0.95):  # type: ignore[no-untyped-def]
    seen, stack = set(), [t for t in targets if mastery.get(t, 0.0) < mastered]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack += [p for p in prereqs.get(n, ()) if mastery.get(p, 0.0) < mastered]
    return seen


@settings(max_examples=300, deadline=None)
@given(dags())
def test_random_dags_no_point_before_its_prerequisites_and_exactly_the_needed_points(case) -> None:  # type: ignore[no-untyped-def]
    prereqs, mastery, targets = case
    path = plan_path(prereqs, mastery, targets)
    assert order_violations(prereqs, path.points) == []
    assert len(set(path.points)) == len(path.points)
    assert set(path.points) == _ancestors_through_unmastered(prereqs, mastery, targets)
    assert all(mastery.get(p, 0.0) < 0.95 for p in path.points)  # mastered points are skipped
    if path.steps:  # the first step is unlocked: its prerequisites are mastered
        assert unlocked(prereqs, mastery, path.steps[0].point, ready=0.95)
    assert path.complete == all(mastery.get(t, 0.0) >= 0.95 for t in targets)


def test_seeded_large_dags() -> None:
    rng = random.Random(12)
    for _ in range(20):
        n = rng.randint(50, 400)
        prereqs: dict[int, list[int]] = {
            b: rng.sample(range(b), k=min(b, rng.randint(0, 4))) for b in range(1, n)
        }
        labels = list(range(n))
        rng.shuffle(labels)  # names unrelated to the order
        relabelled = {labels[b]: [labels[a] for a in pres] for b, pres in prereqs.items()}
        mastery = {labels[i]: rng.random() for i in range(n)}
        targets = rng.sample(labels, k=3)
        path = plan_path(relabelled, mastery, targets)
        assert order_violations(relabelled, path.points) == []
        assert set(path.points) == _ancestors_through_unmastered(relabelled, mastery, targets)


def test_order_prefers_the_weakest_ready_point_then_foundations() -> None:
    # a -> c, b -> c, c -> t; d -> t. Ready at first: a (0.5), b (0.1), d (0.3).
    prereqs = {"c": ["a", "b"], "t": ["c", "d"]}
    mastery = {"a": 0.5, "b": 0.1, "c": 0.2, "d": 0.3, "t": 0.0}
    points = plan_path(prereqs, mastery, ["t"]).points
    assert points[0] == "b"  # weakest ready
    assert points.index("c") > max(points.index("a"), points.index("b"))
    assert points[-1] == "t"
    # Equal mastery: the point farther from the target first (a foundation).
    equal = plan_path({"t": ["m"], "m": ["f"]} | {"t2": ["x"]}, {}, ["t", "t2"]).points
    assert equal.index("f") < equal.index("x")


def test_mastered_points_are_skipped_and_not_walked_through() -> None:
    prereqs = {"t": ["m"], "m": ["old"]}
    path = plan_path(prereqs, {"m": 0.97, "old": 0.1}, ["t"])
    assert path.points == ["t"]  # m is mastered: what it rests on is not needed
    assert path.steps[0].prerequisites == ()


def test_target_already_mastered_gives_an_empty_complete_path() -> None:
    path = plan_path({"t": ["a"]}, {"t": 0.99, "a": 0.2}, ["t"])
    assert path.complete and path.steps == [] and path.mastered_targets == ("t",)


def test_cycles_are_rejected_with_the_cycle_named() -> None:
    prereqs = {"a": ["c"], "b": ["a"], "c": ["b"], "t": ["a"]}
    with pytest.raises(CycleError) as info:
        plan_path(prereqs, {}, ["t"])
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert "cycle" in str(info.value)
    # A cycle outside what the target rests on does not matter.
    assert plan_path(prereqs | {"u": []}, {}, ["u"]).points == ["u"]
    # A cycle behind a mastered point is not walked into.
    assert plan_path(prereqs, {"a": 0.99}, ["t"]).points == ["t"]


@settings(max_examples=100, deadline=None)
@given(dags(), st.data())
def test_random_graphs_with_a_back_edge_are_rejected(case, data) -> None:  # type: ignore[no-untyped-def]
    prereqs, _, _ = case
    chains = [(b, a) for b, pres in prereqs.items() for a in pres]
    if not chains:
        return
    b, a = data.draw(st.sampled_from(chains))  # a is a prerequisite of b: make b one of a's
    cyclic = {k: list(v) for k, v in prereqs.items()}
    cyclic.setdefault(a, []).append(b)
    with pytest.raises(CycleError) as info:
        plan_path(cyclic, {}, [b])
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1]
    for point, pre in itertools.pairwise(cycle):  # each consecutive pair is a real edge
        assert pre in cyclic.get(point, ())


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="target"):
        plan_path({}, {}, [])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        plan_path({}, {"a": 1.5}, ["a"])
    with pytest.raises(ValueError, match="threshold"):
        plan_path({}, {}, ["a"], mastered=0.0)


def test_replanning_after_mastery_rises_moves_the_path_on() -> None:
    prereqs = {"b": ["a"], "c": ["b"]}
    mastery = {"a": 0.3, "b": 0.2, "c": 0.1}
    assert plan_path(prereqs, mastery, ["c"]).points == ["a", "b", "c"]
    mastery["a"] = 0.96
    assert plan_path(prereqs, mastery, ["c"]).points == ["b", "c"]
