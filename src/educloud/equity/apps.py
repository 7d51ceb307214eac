from __future__ import annotations

from django.apps import AppConfig


class EquityConfig(AppConfig):
    name = "educloud.equity"
    verbose_name = "均衡配置"
    nav_url: str | None = "equity:index"
