"""``educloud loadregions``: load the shipped county table (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from educloud.regions.api import regions_load


class Command(BaseCommand):
    help = "Load the circle's provinces, cities and 142 member counties from the shipped CSV (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = regions_load()
        self.stdout.write(
            f"regions: {report.provinces} provinces, {report.cities} cities, "
            f"{report.counties} counties ({report.removed} removed)"
        )
