"""``educloud harvest URL [--set S] [--max-pages N]``: import another node's OAI-PMH records.

Incremental (from the last datestamp seen), idempotent (re-running adds nothing new) and
resumable (an interrupted run continues from the saved resumption token). See
``educloud.library.harvest``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.lib.errors import DomainError
from educloud.library.harvest import harvest_fail, harvest_run


class Command(BaseCommand):
    help = "Harvest another node's OAI-PMH feed (oai_dc) into linked, read-only remote resources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the other node's OAI-PMH base URL, e.g. https://sc.example.cn/oai")
        parser.add_argument("--set", dest="set_spec", default="", help="only this set, e.g. province:510000")
        parser.add_argument("--max-pages", type=int, default=None, help="stop after N pages (resume later)")

    def handle(self, *args: Any, url: str, set_spec: str, max_pages: int | None, **options: Any) -> None:
        try:
            report = harvest_run(base_url=url, set_spec=set_spec, max_pages=max_pages)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except Exception as exc:  # network or protocol failure: keep the saved place, say why
            harvest_fail(base_url=url, set_spec=set_spec, error=f"{type(exc).__name__}: {exc}")
            raise CommandError(
                f"汇聚中断（已保存断点，可重新运行续传）：{type(exc).__name__}: {exc}"
            ) from exc
        self.stdout.write(str(report))
