from __future__ import annotations

from django.apps import AppConfig


class EquityConfig(AppConfig):
    name = "educloud.equity"
    verbose_name = "均衡配置"
    # Set nav_url (a URL name) to show the app in the top navigation; unset until it has pages.
    nav_url: str | None = None
