from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "educloud.accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from educloud.accounts.login_limits import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="educloud.accounts.login_limits")

        from django.db.models.signals import post_delete, post_save

        from educloud.accounts.models import RoleAssignment
        from educloud.accounts.scoping import on_role_changed

        # A role change raises the user's roles_version: the cached roles are keyed by it (ADR 0012).
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(on_role_changed, sender=RoleAssignment, dispatch_uid=f"accounts.role_{name}")
