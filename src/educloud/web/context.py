"""Template context every page gets: the platform's name, whether synthetic data is shown (cached:
``selectors.synthetic_data_shown``), and the navigation (fixed at start-up: computed once)."""

from __future__ import annotations

import functools

from django.apps import apps
from django.http import HttpRequest
from django.urls import reverse

from educloud.web.selectors import synthetic_data_shown


@functools.cache
def _nav_sections() -> tuple[tuple[str, str], ...]:
    """(label, url) of every app that declares ``nav_url`` on its AppConfig: no dead links. Apps and
    their plain-text names are fixed once Django has started, so this is computed once per process."""
    sections = []
    for config in apps.get_app_configs():
        url_name = getattr(config, "nav_url", None)
        if url_name:
            sections.append((str(config.verbose_name), reverse(url_name)))
    return tuple(sections)


def platform(request: HttpRequest) -> dict[str, object]:
    return {
        "platform_name": "成渝智慧教育云",
        "synthetic_data": synthetic_data_shown(),
        "nav_sections": _nav_sections(),
    }
