"""``educloud demo``: migrate, load regions, seed demo data if empty, print logins, serve.

Serves with uvicorn (ASGI) on 127.0.0.1:$PORT (default 8000). ``--no-serve`` stops after
setting up, which tests and scripts use.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from educloud.accounts.api import DEMO_PASSWORD, RoleAssignment
from educloud.schools.api import School


class Command(BaseCommand):
    help = "Set up and serve the platform with synthetic demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set up, print the logins, and exit")
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args: Any, no_serve: bool, host: str, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("loadregions")
        if not School.objects.exists():
            call_command("seed", scale="demo", seed=2026)
        port = int(os.environ.get("PORT", "8000"))
        self.stdout.write("\n成渝智慧教育云 · educloud — 演示数据为合成数据 (synthetic demo data)")
        self.stdout.write(f"  网址 URL:  http://{host}:{port}/")
        self.stdout.write(f"  接口文档:  http://{host}:{port}/api/v1/docs")
        self.stdout.write(f"  演示账户 (password for all: {DEMO_PASSWORD}):")
        for assignment in (
            RoleAssignment.objects.filter(user__is_synthetic=True, user__username__regex=r"^[a-z_]+$")
            .select_related("user", "province", "city", "county", "school")
            .order_by("id")
        ):
            where = assignment.province or assignment.city or assignment.county or assignment.school
            where = where or ("全域" if assignment.role == "joint_office" else "—")
            self.stdout.write(f"    {assignment.user.username:<18} {assignment.get_role_display()} · {where}")
        if no_serve:
            return
        import uvicorn

        uvicorn.run(
            "educloud.config.asgi:application",
            host=host,
            port=port,
            log_level="info",
            # The demo has no proxy in front: take the TCP peer's address, never X-Forwarded-For
            # (uvicorn believes it from 127.0.0.1 by default; lib/client_address.py decides instead).
            proxy_headers=False,
            workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
        )
