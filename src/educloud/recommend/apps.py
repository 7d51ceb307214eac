from __future__ import annotations

from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "educloud.recommend"
    verbose_name = "推荐与学习路径"
    # The top navigation links here (web.context reads nav_url).
    nav_url: str | None = "recommend:index"
