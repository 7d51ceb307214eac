"""Template context every page gets: the platform's name, and whether synthetic data is shown."""

from __future__ import annotations

from django.apps import apps
from django.http import HttpRequest
from django.urls import reverse

from educloud.schools.api import has_synthetic_data


def _nav_sections() -> list[tuple[str, str]]:
    """(label, url) of every app that declares ``nav_url`` on its AppConfig: no dead links."""
    sections = []
    for config in apps.get_app_configs():
        url_name = getattr(config, "nav_url", None)
        if url_name:
            sections.append((str(config.verbose_name), reverse(url_name)))
    return sections


def platform(request: HttpRequest) -> dict[str, object]:
    return {
        "platform_name": "成渝智慧教育云",
        "synthetic_data": has_synthetic_data(),
        "nav_sections": _nav_sections(),
    }
