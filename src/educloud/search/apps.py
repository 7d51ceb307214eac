from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "educloud.search"
    verbose_name = "搜索"
    # Set nav_url (a URL name) to show the app in the top navigation; unset until it has pages.
    nav_url: str | None = None
