"""``educloud industry skills-load | gap [--by city|county|industry] | allocate``: vocabulary, figures."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from educloud.industry import selectors, services


class Command(BaseCommand):
    help = "产教融合: load the skills vocabulary (idempotent), print the supply–demand gap or the allocation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["skills-load", "gap", "allocate"])
        parser.add_argument("--by", choices=["city", "county", "industry"], default="city")

    def handle(self, *args: Any, action: str, by: str, **options: Any) -> None:
        if action == "skills-load":
            self.stdout.write(str(services.skills_load()))
        elif action == "gap":
            self.stdout.write(f"{'地区/行业':<16}{'需求':>8}{'供给':>8}{'缺口':>8}")
            for row in selectors.supply_demand_gap(by=by):
                self.stdout.write(f"{row.label:<16}{row.demand:>8}{row.supply:>8}{row.gap:>8}")
        else:
            report = selectors.allocation_compare()
            if report is None:
                self.stdout.write("no open demand or no supply")
                return
            for result in (report.exact, report.greedy):
                placed = sum(q for _, _, q in result.flows)
                self.stdout.write(
                    f"{result.method:<7} total score {result.total:10.3f}  placed {placed:5d} / "
                    f"{report.positions} positions  {result.seconds * 1000:8.1f} ms"
                )
