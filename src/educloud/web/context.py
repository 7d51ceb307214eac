"""Template context every page gets: the platform's name, and whether synthetic data is shown."""

from __future__ import annotations

from django.http import HttpRequest

from educloud.schools.api import has_synthetic_data


def platform(request: HttpRequest) -> dict[str, object]:
    return {"platform_name": "成渝智慧教育云", "synthetic_data": has_synthetic_data()}
