from __future__ import annotations

from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "educloud.learning"
    verbose_name = "学习与测评"
    # The top navigation links here (web.context reads nav_url).
    nav_url: str | None = "learning:index"
