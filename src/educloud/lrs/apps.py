from __future__ import annotations

from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "educloud.lrs"
    verbose_name = "学习记录"
    # Set nav_url (a URL name) to show the app in the top navigation; unset until it has pages.
    nav_url: str | None = None
