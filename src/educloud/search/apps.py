from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "educloud.search"
    verbose_name = "搜索"
    nav_url: str | None = "search:index"
