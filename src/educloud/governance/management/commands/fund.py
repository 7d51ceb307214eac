"""``educloud fund select --call N --rule mes|greedy|greedy_ratio|knapsack|phragmen [--user NAME] [--json]``.

Runs the selection of a fund call as a joint-office user (``--user``, default: the first active
joint-office account), adopts it, and prints each application with why it was or was not funded.
``educloud fund calls`` lists the calls. Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.accounts.api import Role, RoleAssignment, User
from educloud.governance import selectors, services
from educloud.governance.models import SelectionRun
from educloud.lib.errors import DomainError


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(str(message).split()), returncode=2)


class Command(BaseCommand):
    help = "成渝教育协同发展专项基金：列出批次（calls）、运行遴选（select）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("calls", help="list the fund calls")
        select = sub.add_parser("select", help="run and adopt a selection rule on a call")
        select.add_argument("--call", type=int, required=True)
        select.add_argument("--rule", choices=SelectionRun.Rule.values, required=True)
        select.add_argument("--user", default=None, help="a joint-office username (default: the first one)")
        select.add_argument("--json", action="store_true")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        if verb == "calls":
            for call in selectors.call_list():
                self.stdout.write(
                    f"{call.pk}\t{call.year}\t{call.get_status_display()}\t{call.budget}\t{call.title}"
                )
            return
        username = options["user"]
        if username is None:
            first = (
                RoleAssignment.objects.filter(role=Role.JOINT_OFFICE, user__is_active=True)
                .order_by("user_id")
                .first()
            )
            if first is None:
                raise _fail("no joint-office account: pass --user")
            actor = first.user
        else:
            actor = User.objects.filter(username=username).first()
            if actor is None:
                raise _fail(f"no user named {username}")
        try:
            run = services.selection_run(actor=actor, call_id=options["call"], rule=options["rule"])
        except DomainError as exc:
            raise _fail(exc.message) from None
        outcomes = list(run.outcomes.select_related("application").order_by("rank"))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "run": run.pk,
                        "rule": run.rule,
                        "budget": run.budget,
                        "total_cost": run.total_cost,
                        "objective": run.objective,
                        "outcomes": [
                            {
                                "application": o.application_id,
                                "title": o.application.title,
                                "cost": o.application.budget_requested,
                                "score": o.score,
                                "rank": o.rank,
                                "funded": o.funded,
                                "reason": o.reason,
                                "explanation": o.explanation,
                            }
                            for o in outcomes
                        ],
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            f"{run.get_rule_display()}: {run.total_cost} / {run.budget} 元, objective {run.objective:.2f}"
        )
        for o in outcomes:
            mark = "✓" if o.funded else "·"
            score = f"{o.score:6.1f}" if o.score is not None else "     —"
            cost = o.application.budget_requested
            self.stdout.write(f"{mark} {o.rank:3d} {score} {cost:>9} {o.application.title} — {o.explanation}")
