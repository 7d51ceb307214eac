from __future__ import annotations

from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "educloud.schools"
    verbose_name = "学校"
