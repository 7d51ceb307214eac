"""Synthetic demo data of the learning app: two knowledge graphs, an item bank, simulated responses.

* Graphs and items are the CSV files in ``learning/data/`` (初中数学, 30 points; 初中物理, 18 points;
  80 items), loaded through the same import services a user would use.
* Responses are simulated for the pseudonymous students of the demo schools (the synthetic schools
  that have students) on the mathematics graph, from a BKT generative model with
  *prerequisite-aware* parameters: a student's prior and learning rate on a point rise with the
  share of its prerequisites the student has already learned, and fall with the point's depth in
  the graph; students differ in ability and in how far through the curriculum they have got;
  schools differ in their mean ability. Then ``mastery_refit`` fits BKT and computes mastery.

Deterministic for a given seed, fast (a second or two), every row flagged ``is_synthetic``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction

from educloud.accounts.api import StudentProfile
from educloud.learning.graph import layers
from educloud.learning.models import Item, KnowledgePoint, Prerequisite, Response
from educloud.learning.services import items_import, knowledge_graph_import, mastery_refit

DATA = Path(__file__).resolve().parent / "data"
GRAPH_FILES = ("graph_math_junior.csv", "graph_physics_junior.csv")
ITEM_FILE = "items_junior.csv"
SIMULATED_SUBJECT = "数学"
START = datetime(2026, 9, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True)
class LearningSeedReport:
    knowledge_points: int
    prerequisites: int
    items: int
    students: int
    responses: int

    def __str__(self) -> str:
        return (
            f"synthetic learning: {self.knowledge_points} knowledge points, "
            f"{self.prerequisites} prerequisites, "
            f"{self.items} items, {self.responses} responses of {self.students} students (mastery fitted)"
        )


def synthetic_learning_delete() -> None:
    Response.objects.filter(is_synthetic=True).delete()
    Item.objects.filter(is_synthetic=True).delete()
    KnowledgePoint.objects.filter(is_synthetic=True).delete()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@transaction.atomic
def demo_learning_seed(*, seed: int) -> LearningSeedReport:
    """Replace the synthetic graphs, items and responses; refit mastery."""
    synthetic_learning_delete()
    for name in GRAPH_FILES:
        knowledge_graph_import(actor=None, data=(DATA / name).read_bytes(), filename=name, synthetic=True)
    items_import(actor=None, data=(DATA / ITEM_FILE).read_bytes(), filename=ITEM_FILE, synthetic=True)
    n_responses, n_students = _simulate(seed=seed)
    mastery_refit()
    return LearningSeedReport(
        knowledge_points=KnowledgePoint.objects.filter(is_synthetic=True).count(),
        prerequisites=Prerequisite.objects.filter(point__is_synthetic=True).count(),
        items=Item.objects.filter(is_synthetic=True).count(),
        students=n_students,
        responses=n_responses,
    )


def _simulate(*, seed: int) -> tuple[int, int]:
    rng = np.random.default_rng(seed)
    points = list(KnowledgePoint.objects.filter(subject=SIMULATED_SUBJECT, stage="junior", is_synthetic=True))
    points.sort(key=lambda p: p.code)  # the codes follow the curriculum: a topological order
    index = {p.pk: i for i, p in enumerate(points)}
    prereqs: list[list[int]] = [[] for _ in points]
    successors: dict[int, list[int]] = {i: [] for i in range(len(points))}
    for a, b in Prerequisite.objects.filter(point__in=points).values_list("prerequisite_id", "point_id"):
        if a in index:
            prereqs[index[b]].append(index[a])
            successors[index[a]].append(index[b])
    depth = layers(range(len(points)), successors)
    single_items: list[list[int]] = [[] for _ in points]
    for item in Item.objects.filter(is_synthetic=True).prefetch_related("knowledge_points"):
        kps = [kp.pk for kp in item.knowledge_points.all()]
        if len(kps) == 1 and kps[0] in index:
            single_items[index[kps[0]]].append(item.pk)

    students = list(
        StudentProfile.objects.filter(is_synthetic=True)
        .order_by("school__code", "pseudonym")
        .values_list("user_id", "school_id")
    )
    if not students or not points:
        return 0, 0
    user_ids = np.array([u for u, _ in students])
    school_ids = np.array([s for _, s in students])
    schools = np.unique(school_ids)
    school_shift = dict(zip(schools.tolist(), rng.normal(0.0, 0.6, len(schools)).tolist(), strict=True))
    n, k = len(students), len(points)
    ability = rng.normal(0.0, 1.0, n) + np.array([school_shift[s] for s in school_ids.tolist()])
    progress = rng.integers(max(1, k // 3), k + 1, n)  # how many points (in curriculum order) reached
    difficulty = 0.25 * np.array([depth[i] for i in range(k)]) + rng.normal(0.0, 0.3, k)
    guess = rng.uniform(0.1, 0.25, k)
    slip = rng.uniform(0.05, 0.15, k)
    learned = np.zeros((n, k), dtype=bool)
    minute_offset = rng.integers(0, 600, n)

    rows: list[tuple[int, int, int, bool, datetime]] = []  # (user, item, point id, correct, at)
    for j in range(k):
        share = learned[:, prereqs[j]].mean(axis=1) if prereqs[j] else np.ones(n)
        prior = _sigmoid(ability - difficulty[j] - 1.5 + 2.0 * share)
        learn = 0.08 + 0.27 * share * _sigmoid(ability)
        state = rng.random(n) < prior
        active = progress > j
        n_opp = rng.integers(2, 6, n)
        for t in range(5):
            answering = active & (n_opp > t)
            p_correct = np.where(state, 1.0 - slip[j], guess[j])
            correct = rng.random(n) < p_correct
            choice = rng.integers(0, len(single_items[j]), n)
            for s in np.flatnonzero(answering).tolist():
                at = START + timedelta(days=2 * j, minutes=int(minute_offset[s]) + 12 * t)
                rows.append(
                    (int(user_ids[s]), single_items[j][choice[s]], points[j].pk, bool(correct[s]), at)
                )
            state = state | (answering & (rng.random(n) < learn))
        learned[:, j] = state & active

    created = Response.objects.bulk_create(
        [Response(student_id=u, item_id=i, correct=c, at=at, is_synthetic=True) for u, i, _, c, at in rows],
        batch_size=2000,
    )
    through = Response.knowledge_points.through
    through.objects.bulk_create(
        [
            through(response_id=r.pk, knowledgepoint_id=kp)
            for r, (_, _, kp, _, _) in zip(created, rows, strict=True)
        ],
        batch_size=2000,
    )
    return len(rows), n
