from __future__ import annotations

from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "educloud.pairing"
    verbose_name = "名校+弱校结对帮扶"
    nav_url: str | None = "pairing:index"
