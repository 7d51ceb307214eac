from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "educloud.library"
    verbose_name = "资源库"
    # The top navigation links here (web.context reads nav_url).
    nav_url: str | None = "library:index"
