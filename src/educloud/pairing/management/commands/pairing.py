"""``educloud pairing match|effect``: run the exact matcher or the effect analysis from the command line.

educloud pairing match --as joint_office --stage primary --capacity 3 [--never S,W ...] [--must S,W ...]
educloud pairing effect --as joint_office [--metric math_score] [--control notyet|never]
educloud pairing effect --synthetic [--effect 0.3] [--pretrend 0]   # no database: planted effect
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.accounts.api import User
from educloud.algos.did import StaggeredDiD, synthetic_panel
from educloud.lib.errors import DomainError
from educloud.pairing import effect, services


def _pair(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise CommandError(f"pair must be STRONG_CODE,WEAK_CODE, got {text!r}")
    return parts[0], parts[1]


class Command(BaseCommand):
    help = "Pairing programme: 'match' (exact MILP with constraints) or 'effect' (staggered DiD)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        m = sub.add_parser("match", help="diagnose and pair the actor's region; stores proposed pairs")
        m.add_argument("--as", dest="username", required=True, help="a bureau user (scope and provenance)")
        m.add_argument("--stage", choices=["primary", "junior"], default="primary")
        m.add_argument("--year", type=int)
        m.add_argument("--capacity", type=int, default=3)
        m.add_argument("--max-weak", type=int, default=60)
        m.add_argument("--weak-mode", choices=["exactly", "at_most"], default="exactly")
        m.add_argument("--max-travel-minutes", type=float)
        m.add_argument("--must", action="append", default=[], type=_pair, metavar="S,W")
        m.add_argument("--never", action="append", default=[], type=_pair, metavar="S,W")
        e = sub.add_parser("effect", help="difference-in-differences effect of pairing on an outcome")
        e.add_argument("--as", dest="username", help="a bureau user (the panel is its region's schools)")
        e.add_argument("--metric", default="math_score")
        e.add_argument("--control", choices=["notyet", "never"], default="notyet")
        e.add_argument("--synthetic", action="store_true", help="a generated panel instead of the database")
        e.add_argument("--effect", type=float, default=0.3)
        e.add_argument("--pretrend", type=float, default=0.0)
        e.add_argument("--seed", type=int, default=0)

    def _user(self, username: str | None) -> User:
        if not username:
            raise CommandError("--as USERNAME is required")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user

    def handle(self, *args: Any, verb: str, **o: Any) -> None:
        try:
            if verb == "match":
                self._match(o)
            else:
                self._effect(o)
        except DomainError as exc:
            raise CommandError(f"{exc.message}" + (f" [{exc.field}]" if exc.field else "")) from exc

    def _match(self, o: dict[str, Any]) -> None:
        run = services.match_run(
            actor=self._user(o["username"]),
            stage=o["stage"],
            year=o["year"],
            capacity=o["capacity"],
            max_weak=o["max_weak"],
            weak_mode=o["weak_mode"],
            max_travel_minutes=o["max_travel_minutes"],
            must=o["must"],
            never=o["never"],
        )
        greedy = "infeasible" if run.greedy_objective is None else f"{run.greedy_objective:.4f}"
        self.stdout.write(
            f"run {run.pk}: {run.n_strong} strong, {run.n_weak} weak schools; optimal objective "
            f"{run.objective:.4f} (greedy {greedy})"
        )
        for p in run.pairings.select_related("strong", "weak"):
            self.stdout.write(
                f"  {p.strong.code} {p.strong.name} -> {p.weak.code} {p.weak.name}: {p.explanation['text']}"
            )

    def _effect(self, o: dict[str, Any]) -> None:
        if o["synthetic"]:
            y, g, t = synthetic_panel(effect=o["effect"], pretrend=o["pretrend"], seed=o["seed"])
            r = StaggeredDiD(control=o["control"]).fit(y, g, t).result_
            label = f"synthetic panel (planted effect {o['effect']}, pre-trend {o['pretrend']})"
        else:
            rep = effect.effect_report(
                actor=self._user(o["username"]), metric=o["metric"], control=o["control"]
            )
            r = rep.result
            label = f"{rep.metric} {rep.years[0]}–{rep.years[-1]}" + (
                " (synthetic data)" if rep.synthetic else ""
            )
        self.stdout.write(label)
        self.stdout.write(
            f"ATT {r.att:.3f} (SE {r.att_se:.3f}, 95% CI {r.att_ci[0]:.3f} to {r.att_ci[1]:.3f}); "
            f"MDE (80% power, alpha 0.05) {r.mde:.3f}; units {r.n_units} (never treated {r.n_never})"
        )
        p = "n/a" if r.pretrend_p is None else f"{r.pretrend_p:.3f}"
        self.stdout.write(
            f"pre-trend joint test: chi2 df={r.pretrend_df} p={p}"
            + (" FLAGGED" if r.pretrend_flagged else "")
        )
        for e, est, se in zip(r.event_times, r.event_att, r.event_se, strict=True):
            self.stdout.write(f"  e={int(e):+d}  {est:+.3f}  (SE {se:.3f})")
