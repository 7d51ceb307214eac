"""The serving artefact of one fit, and its per-process cache.

An :class:`Artefact` holds everything serving needs besides the learner's own rows: the fitted
``HybridRecommender`` with its index (row → user id, column → resource id), the training matrix
(for on-the-fly scoring of learners the fit knew), and small precomputed lists — popular resources
per school and per stage (cold start), the newest resources per (stage, province) (new resources,
cross-border sharing), the resources of each knowledge point (mastery-aware candidates), the
knowledge points of each resource, and a snapshot of the prerequisite graph with BKT priors.

It is pickled into ``RecommenderModel.artefact`` by ``services.recommender_fit`` and unpickled once
per process per model id (``current``); a refit makes the next request load the new one.
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from educloud.recommend.models import RecommenderModel


@dataclass
class Artefact:
    model: Any  # algos.recsys.HybridRecommender, fitted
    user_ids: np.ndarray
    item_ids: np.ndarray
    user_items: sparse.csr_matrix
    school_popular: dict[int, list[int]] = field(default_factory=dict)
    stage_popular: dict[str, list[int]] = field(default_factory=dict)
    fresh: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (stage, province) → newest
    point_resources: dict[int, list[int]] = field(default_factory=dict)  # best first
    resource_points: dict[int, dict[int, float]] = field(default_factory=dict)
    prerequisites: dict[int, list[int]] = field(default_factory=dict)  # point → its prerequisites
    point_names: dict[int, str] = field(default_factory=dict)
    point_graph: dict[int, tuple[str, str]] = field(default_factory=dict)  # point → (subject, stage)
    priors: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.user_row = {int(u): i for i, u in enumerate(self.user_ids.tolist())}
        self.item_col = {int(r): j for j, r in enumerate(self.item_ids.tolist())}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("user_row", None)
        state.pop("item_col", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()


def dumps(artefact: Artefact) -> bytes:
    return pickle.dumps(artefact, protocol=pickle.HIGHEST_PROTOCOL)


_lock = threading.Lock()
_loaded: dict[int, Artefact] = {}


def current() -> tuple[int, Artefact] | None:
    """(model id, artefact) of the current model, or None before the first fit. One indexed query
    per call (is there a newer model?); the unpickled artefact is kept per process."""
    model_id = RecommenderModel.objects.filter(is_current=True).values_list("pk", flat=True).first()
    if model_id is None:
        return None
    hit = _loaded.get(model_id)
    if hit is not None:
        return model_id, hit
    with _lock:
        if model_id not in _loaded:
            blob = RecommenderModel.objects.filter(pk=model_id).values_list("artefact", flat=True).first()
            if blob is None:
                return None
            _loaded.clear()  # one model per process: the old one goes
            _loaded[model_id] = pickle.loads(bytes(blob))  # noqa: S301 - our own row, written by recommender_fit
        return model_id, _loaded[model_id]
