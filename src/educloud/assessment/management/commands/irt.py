"""``educloud irt calibrate|list``: item bank calibration from the command line.

* ``educloud irt calibrate --subject 数学 --stage junior [--model 2PL] [--year 2026]
  [--min-responses 20] [--drift-threshold 0.5]`` fits the IRT model to the stored first responses of
  the bank's items (``assessment.services.calibration_run``) and stores the run: parameters, fit
  flags, and drift against the bank's previous calibration after linking. Prints a summary, and the
  items flagged as misfitting or drifted.
* ``educloud irt list`` prints the stored calibrations.

Refusals (an item without a key, too few responses, an unknown model) end with a one-line message on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.lib.errors import DomainError


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(str(message).split()), returncode=2)


class Command(BaseCommand):
    help = "IRT item bank calibration: calibrate a bank on stored responses, list calibrations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{calibrate,list}")
        cal = sub.add_parser("calibrate", help="calibrate one bank (the items of one knowledge graph)")
        cal.add_argument(
            "--subject", default="数学", help="学科 of the bank's knowledge graph (default 数学)"
        )
        cal.add_argument("--stage", default="junior", choices=["primary", "junior", "senior"])
        cal.add_argument("--model", default="2PL", choices=["1PL", "2PL", "3PL"])
        cal.add_argument("--year", type=int, default=None, help="use only responses of this year")
        cal.add_argument("--min-responses", type=int, default=20, help="items answered by fewer are skipped")
        cal.add_argument("--drift-threshold", type=float, default=0.5, help="|Δb| in logits that flags drift")
        sub.add_parser("list", help="list stored calibrations")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        from educloud.assessment import services
        from educloud.assessment.models import Calibration

        if action == "list":
            for c in Calibration.objects.order_by("-created", "-pk"):
                self.stdout.write(
                    f"#{c.pk} {c.subject}/{c.stage} {c.model} year={c.year or 'all'} items={c.n_items} "
                    f"persons={c.n_persons} responses={c.n_responses} converged={c.converged} "
                    f"{'synthetic' if c.is_synthetic else ''}".rstrip()
                )
            return
        year = options["year"]
        if year is not None and not 1900 <= year <= 2100:
            raise _fail(f"--year must be between 1900 and 2100, got {year}")
        if options["min_responses"] < 1:
            raise _fail("--min-responses must be a positive integer")
        if not options["drift_threshold"] > 0:
            raise _fail("--drift-threshold must be positive")
        try:
            cal = services.calibration_run(
                actor=None,
                subject=options["subject"],
                stage=options["stage"],
                model=options["model"],
                year=year,
                min_responses=options["min_responses"],
                drift_threshold=options["drift_threshold"],
            )
        except DomainError as exc:
            raise _fail(exc.message) from None
        items = list(cal.items.select_related("item").order_by("item__code"))
        self.stdout.write(
            f"calibration #{cal.pk}: {cal.subject}/{cal.stage} {cal.model}, {cal.n_items} items, "
            f"{cal.n_persons} students, {cal.n_responses} responses, converged={cal.converged}, "
            f"loglik={cal.loglik:.2f}" + (f"; {cal.note}" if cal.note else "")
        )
        if cal.previous_id:
            self.stdout.write(
                f"linked to #{cal.previous_id}: θ_old = {cal.link_a:.3f}·θ + {cal.link_b:.3f}; "
                f"drifted: {sum(i.drifted for i in items)}"
            )
        for i in items:
            if i.misfit or i.drifted:
                flags = ", ".join(
                    f
                    for f, on in (
                        ("misfit", i.misfit),
                        (f"drift {i.drift:.2f}" if i.drift else "", i.drifted),
                    )
                    if on
                )
                self.stdout.write(f"  {i.item.code}: a={i.a:.2f} b={i.b:.2f} {flags}")
