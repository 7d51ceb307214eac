"""``educloud search_optimize``: merge the FTS5 index segments (SQLite) and refresh statistics (both).

Run it after a large load (seeding, a harvest); searching works without it, only slower.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from educloud.search.services import index_optimize


class Command(BaseCommand):
    help = "Optimize the search index after a large load (FTS5 merge / ANALYZE)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        index_optimize()
        self.stdout.write(f"search index optimized in {time.perf_counter() - started:.1f} s")
