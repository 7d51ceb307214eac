"""Directed-graph helpers for prerequisite graphs: paths, cycles, layers. Plain Python, no Django.

A graph is a mapping ``node -> iterable of successors`` where an edge ``a -> b`` means "``a`` is a
prerequisite of ``b``". Nodes are any hashable values (knowledge-point ids or codes).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def find_path(graph: Mapping[N, Iterable[N]], start: N, goal: N) -> list[N] | None:
    """A shortest path ``[start, ..., goal]`` following edges, or None (breadth-first)."""
    if start == goal:
        return [start]
    parent: dict[N, N] = {}
    seen = {start}
    queue: deque[N] = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in graph.get(node, ()):
            if nxt in seen:
                continue
            parent[nxt] = node
            if nxt == goal:
                path = [goal]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            seen.add(nxt)
            queue.append(nxt)
    return None


def cycle_if_added(graph: Mapping[N, Iterable[N]], source: N, target: N) -> list[N] | None:
    """The cycle ``[source, target, ..., source]`` that adding ``source -> target`` would close."""
    back = find_path(graph, target, source)
    return None if back is None else [source, *back]


def find_cycle(graph: Mapping[N, Iterable[N]]) -> list[N] | None:
    """Some cycle ``[a, b, ..., a]`` of the graph, or None if it is acyclic (iterative DFS)."""
    white, grey, black = 0, 1, 2
    colour: dict[N, int] = {}
    nodes = list(graph)
    for root in nodes:
        if colour.get(root, white) != white:
            continue
        stack: list[tuple[N, list[N]]] = [(root, list(graph.get(root, ())))]
        path = [root]
        colour[root] = grey
        while stack:
            node, pending = stack[-1]
            if not pending:
                colour[node] = black
                stack.pop()
                path.pop()
                continue
            nxt = pending.pop()
            state = colour.get(nxt, white)
            if state == grey:
                return [*path[path.index(nxt) :], nxt]
            if state == white:
                colour[nxt] = grey
                path.append(nxt)
                stack.append((nxt, list(graph.get(nxt, ()))))
    return None


def layers(nodes: Iterable[N], graph: Mapping[N, Iterable[N]]) -> dict[N, int]:
    """Depth of each node of a DAG: 0 for nodes without prerequisites, else 1 + deepest prerequisite."""
    node_list = list(nodes)
    indegree = {n: 0 for n in node_list}
    for n in node_list:
        for m in graph.get(n, ()):
            if m in indegree:
                indegree[m] += 1
    depth = {n: 0 for n in node_list}
    queue = deque(n for n in node_list if indegree[n] == 0)
    while queue:
        n = queue.popleft()
        for m in graph.get(n, ()):
            if m not in indegree:
                continue
            depth[m] = max(depth[m], depth[n] + 1)
            indegree[m] -= 1
            if indegree[m] == 0:
                queue.append(m)
    return depth
