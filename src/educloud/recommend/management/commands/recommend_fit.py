"""``educloud recommend_fit [--force] [--json]``: fit the recommender on all engagement and cache
every learner's candidates (``services.recommender_fit``). Idempotent: on unchanged training data
it changes nothing and says so. ``--param name=value`` passes a hyperparameter to
``HybridRecommender`` (e.g. ``--param factors=64``); a bad one ends with a one-line message, exit 2.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.lib.errors import DomainError
from educloud.recommend.services import recommender_fit


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


class Command(BaseCommand):
    help = "Fit the hybrid recommender and cache every learner's candidates (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="refit even if the training data did not change"
        )
        parser.add_argument("--param", action="append", default=[], help="hyperparameter name=value")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, force: bool, param: list[str], **options: Any) -> None:
        params: dict[str, Any] = {}
        for item in param:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--param expects name=value, got {item!r}", returncode=2)
            params[name.strip()] = _value(value.strip())
        try:
            report = recommender_fit(params=params, force=force)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        except (TypeError, ValueError) as exc:
            raise CommandError(f"bad hyperparameter: {exc}", returncode=2) from exc
        self.stdout.write(_dumps(asdict(report)) if options["json"] else str(report))


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)
