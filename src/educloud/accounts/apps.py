from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "educloud.accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from educloud.accounts.login_limits import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="educloud.accounts.login_limits")
