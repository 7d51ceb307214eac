from __future__ import annotations

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "educloud.governance"
    verbose_name = "协同治理"
    nav_url: str | None = "governance:index"
