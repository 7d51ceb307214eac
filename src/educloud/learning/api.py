"""Public Python interface of the learning app: what other apps (and the web layer) may call."""

from __future__ import annotations

from educloud.learning.models import Item, KnowledgePoint, StudentMastery
from educloud.learning.selectors import MASTERED, READY, graph_list, school_aggregates
from educloud.learning.selectors import MIN_GROUP, answer_display, item_get, knowledge_points, prerequisite_pairs
from educloud.learning.services import (
    ANSWERED,
    item_iri,
    mastery_refit,
    response_record,
    responses_ingest,
    skill_params,
)
from educloud.learning.synthetic import LearningSeedReport, demo_learning_seed

__all__ = [
    "ANSWERED",
    "MASTERED",
    "READY",
    "Item",
    "KnowledgePoint",
    "LearningSeedReport",
    "StudentMastery",
    "demo_learning_seed",
    "graph_list",
    "item_iri",
    "mastery_refit",
    "response_record",
    "responses_ingest",
    "school_aggregates",
    # recommend: graphs, priors and items for learning paths
    "MIN_GROUP",
    "answer_display",
    "item_get",
    "knowledge_points",
    "prerequisite_pairs",
    "skill_params",
]
