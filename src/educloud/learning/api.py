"""Public Python interface of the learning app: what other apps (and the web layer) may call."""

from __future__ import annotations

from educloud.learning.models import Item, KnowledgePoint, StudentMastery
from educloud.learning.selectors import (
    MASTERED,
    MIN_GROUP,
    READY,
    ClassRef,
    answer_display,
    class_list,
    graph_list,
    item_get,
    knowledge_points,
    prerequisite_pairs,
    response_history,
    school_aggregates,
)
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
    "MIN_GROUP",
    "READY",
    "ClassRef",
    "Item",
    "KnowledgePoint",
    "LearningSeedReport",
    "StudentMastery",
    "answer_display",
    "class_list",
    "demo_learning_seed",
    "graph_list",
    "item_get",
    "item_iri",
    "knowledge_points",
    "mastery_refit",
    "prerequisite_pairs",
    "response_history",
    "response_record",
    "responses_ingest",
    "school_aggregates",
    "skill_params",
]
