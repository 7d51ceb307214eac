from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "educloud.accounts"
    verbose_name = "账户与权限"
