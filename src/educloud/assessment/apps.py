from __future__ import annotations

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "educloud.assessment"
    verbose_name = "智能测评"
    # The top navigation links here (web.context reads nav_url).
    nav_url: str | None = "assessment:index"
