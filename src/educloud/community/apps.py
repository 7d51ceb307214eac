from __future__ import annotations

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "educloud.community"
    verbose_name = "研修社区"
    nav_url: str | None = "community:index"
