from __future__ import annotations

from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "educloud.learning"
    verbose_name = "学习与测评"
    # Set nav_url (a URL name) to show the app in the top navigation; unset until it has pages.
    nav_url: str | None = None
