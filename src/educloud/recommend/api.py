"""Public Python interface of the recommend app: what the web layer and other apps may call."""

from __future__ import annotations

from educloud.recommend.selectors import (
    class_recommendations,
    my_paths,
    path_plan,
    recommendations,
)
from educloud.recommend.services import FitReport, path_assign, recommender_fit, student_path_start
from educloud.recommend.synthetic import demo_recommend_seed

__all__ = [
    "FitReport",
    "class_recommendations",
    "demo_recommend_seed",
    "my_paths",
    "path_assign",
    "path_plan",
    "recommendations",
    "recommender_fit",
    "student_path_start",
]
