from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "educloud.library"
    verbose_name = "资源库"
    # Set nav_url (a URL name) to show the app in the top navigation; unset until it has pages.
    nav_url: str | None = None
