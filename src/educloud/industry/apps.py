from __future__ import annotations

from django.apps import AppConfig


class IndustryConfig(AppConfig):
    name = "educloud.industry"
    verbose_name = "产教融合"
    nav_url: str | None = "industry:index"
