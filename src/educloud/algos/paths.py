"""Learning paths over a prerequisite graph: what to study, in which order, to reach a target.

Pure Python (no Django, no database): the ``recommend`` app reads the graph and a learner's mastery,
calls :func:`plan_path`, and fills each step with resources and practice items.

Inputs
------
* ``prerequisites``: ``point -> iterable of its prerequisites`` (an edge ``a -> b`` of the learning
  app's graph is ``b in`` keys with ``a`` in ``prerequisites[b]``). Points are any hashable, orderable
  values (knowledge-point ids). Points missing from the mapping have no prerequisites.
* ``mastery``: ``point -> P(mastered)`` in [0, 1]; a point without a value counts as 0 (never seen).
* ``targets``: one point (a knowledge point), or several (a unit, an exam scope).

What is on the path (the *needed* set)
--------------------------------------
Walk backwards from every unmastered target through its prerequisites; a mastered point
(``mastery >= mastered``) is neither put on the path nor walked through — what it rests on was
learnt well enough to learn it. So the path holds exactly the unmastered points from which an
unmastered chain leads to a target. Mastered targets are skipped; if every target is mastered the
path is empty (:attr:`Path.complete`).

Order (the rule, documented so a teacher can predict it)
--------------------------------------------------------
A topological order of the needed set: a point comes only after all of its needed prerequisites
(**never a point before its prerequisites**). Among the points whose needed prerequisites are all
placed (the *ready* ones), the next is the one

1. with the lowest mastery (the weakest ready point: the largest gain per step, and it is what the
   learner is stuck on),
2. then the farthest from the targets (foundations before the points that build on them),
3. then the smallest point id (deterministic).

The first step is always *unlocked*: its prerequisites are mastered or it has none on the path.

Errors
------
``CycleError`` (a ``ValueError``) when the part of the graph the targets rest on has a cycle: no
order exists; ``cycle`` names one, e.g. ``[a, b, a]``. ``ValueError`` for mastery values outside
[0, 1], a bad threshold, or no targets.

Re-planning is cheap (linear in the needed part of the graph, log factor for the heap): the product
re-plans on every page view and after every answer, so the path follows the learner's mastery.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

N = TypeVar("N", bound=Hashable)

MASTERED = 0.95  # Corbett & Anderson's criterion, as the learning app uses


class CycleError(ValueError):
    """The prerequisite graph under the targets has a cycle, so no order respects it."""

    def __init__(self, cycle: list[Any]) -> None:
        self.cycle = cycle
        super().__init__("prerequisite graph has a cycle: " + " -> ".join(str(c) for c in cycle))


@dataclass(frozen=True)
class Step(Generic[N]):
    point: N
    mastery: float
    distance: int  # hops to the nearest target along prerequisite edges (0: a target)
    prerequisites: tuple[N, ...]  # its prerequisites that are also on the path (earlier steps)
    is_target: bool


@dataclass(frozen=True)
class Path(Generic[N]):
    steps: list[Step[N]]
    targets: tuple[N, ...]
    mastered_targets: tuple[N, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Every target is mastered: nothing left to study."""
        return not self.steps

    @property
    def points(self) -> list[N]:
        return [s.point for s in self.steps]


def _check_mastery(mastery: Mapping[Any, float]) -> None:
    for point, value in mastery.items():
        v = float(value)
        if not (0.0 <= v <= 1.0) or math.isnan(v):
            raise ValueError(f"mastery of {point!r} must be in [0, 1], got {value!r}")


def find_cycle(prerequisites: Mapping[N, Iterable[N]], nodes: Iterable[N]) -> list[N] | None:
    """A cycle ``[a, b, ..., a]`` (each an edge prerequisite -> point, read backwards: ``b`` is a
    prerequisite of ``a``) among ``nodes``, or None. Iterative DFS (deep graphs do not overflow)."""
    allowed = set(nodes)
    colour: dict[N, int] = {}  # 1: on the stack, 2: done
    for root in sorted(allowed, key=_order_key):
        if colour.get(root):
            continue
        colour[root] = 1
        path = [root]
        stack = [iter([p for p in prerequisites.get(root, ()) if p in allowed])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                colour[path.pop()] = 2
                continue
            state = colour.get(nxt)
            if state == 1:
                return [*path[path.index(nxt) :], nxt]
            if state is None:
                colour[nxt] = 1
                path.append(nxt)
                stack.append(iter([p for p in prerequisites.get(nxt, ()) if p in allowed]))
    return None


def _order_key(node: Any) -> tuple[str, Any]:
    # Deterministic tie-break for mixed or unorderable types: by type name, then the value (or repr).
    try:
        node < node  # noqa: B015 - probe orderability
        return (type(node).__name__, node)
    except TypeError:
        return (type(node).__name__, repr(node))


def needed_points(
    prerequisites: Mapping[N, Iterable[N]],
    mastery: Mapping[N, float],
    targets: Iterable[N],
    *,
    mastered: float = MASTERED,
) -> dict[N, int]:
    """The points the path must hold, each with its distance (hops) to the nearest target."""
    distance: dict[N, int] = {}
    queue: deque[N] = deque()
    for t in targets:
        if mastery.get(t, 0.0) < mastered and t not in distance:
            distance[t] = 0
            queue.append(t)
    while queue:  # breadth-first: the first visit is the shortest distance
        node = queue.popleft()
        for pre in prerequisites.get(node, ()):
            if pre in distance or mastery.get(pre, 0.0) >= mastered:
                continue
            distance[pre] = distance[node] + 1
            queue.append(pre)
    return distance


def plan_path(
    prerequisites: Mapping[N, Iterable[N]],
    mastery: Mapping[N, float],
    targets: Iterable[N],
    *,
    mastered: float = MASTERED,
) -> Path[N]:
    """The ordered learning path to ``targets`` (see the module docstring for the rule)."""
    target_list = list(dict.fromkeys(targets))
    if not target_list:
        raise ValueError("at least one target point is required")
    if not 0.0 < mastered <= 1.0:
        raise ValueError(f"mastered threshold must be in (0, 1], got {mastered!r}")
    _check_mastery(mastery)
    distance = needed_points(prerequisites, mastery, target_list, mastered=mastered)
    needed_pre: dict[N, tuple[N, ...]] = {
        n: tuple(sorted({p for p in prerequisites.get(n, ()) if p in distance}, key=_order_key))
        for n in distance
    }
    dependants: dict[N, list[N]] = {n: [] for n in distance}
    waiting: dict[N, int] = {}
    for n, pres in needed_pre.items():
        waiting[n] = len(pres)
        for p in pres:
            dependants[p].append(n)

    def key(n: N) -> tuple[float, int, tuple[str, Any]]:
        return (float(mastery.get(n, 0.0)), -distance[n], _order_key(n))

    heap = [(key(n), i, n) for i, n in enumerate(distance) if waiting[n] == 0]
    heapq.heapify(heap)
    counter = len(heap)
    steps: list[Step[N]] = []
    target_set = set(target_list)
    while heap:
        _, _, n = heapq.heappop(heap)
        steps.append(
            Step(
                point=n,
                mastery=float(mastery.get(n, 0.0)),
                distance=distance[n],
                prerequisites=needed_pre[n],
                is_target=n in target_set,
            )
        )
        for d in dependants[n]:
            waiting[d] -= 1
            if waiting[d] == 0:
                heapq.heappush(heap, (key(d), counter, d))
                counter += 1
    if len(steps) < len(distance):
        placed = {s.point for s in steps}
        cycle = find_cycle(prerequisites, [n for n in distance if n not in placed])
        raise CycleError(cycle or sorted((n for n in distance if n not in placed), key=_order_key))
    return Path(
        steps=steps,
        targets=tuple(target_list),
        mastered_targets=tuple(t for t in target_list if mastery.get(t, 0.0) >= mastered),
    )


def order_violations(prerequisites: Mapping[N, Iterable[N]], order: Iterable[N]) -> list[tuple[N, N]]:
    """Pairs ``(prerequisite, point)`` where ``point`` comes before its ``prerequisite`` in ``order``
    (only prerequisites that are themselves in ``order`` count). Empty for a valid path."""
    position = {n: i for i, n in enumerate(order)}
    return [
        (p, n)
        for n, i in position.items()
        for p in prerequisites.get(n, ())
        if p in position and position[p] > i
    ]


def unlocked(
    prerequisites: Mapping[N, Iterable[N]], mastery: Mapping[N, float], point: N, *, ready: float
) -> bool:
    """Every prerequisite of ``point`` has mastery >= ``ready`` (so studying it now makes sense)."""
    return all(mastery.get(p, 0.0) >= ready for p in prerequisites.get(point, ()))
