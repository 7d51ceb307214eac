"""``educloud kt evaluate|refit|ingest``: knowledge tracing from the command line.

* ``educloud kt evaluate --train PATH --test PATH --model {bkt,best} [--json]`` fits a model on a
  three-lines-per-student file and predicts every response of the test file from that student's
  earlier responses only (:func:`educloud.algos.kt.evaluate`). With ``--json`` it prints exactly one
  JSON object: ``model``, ``auc``, ``rmse``, ``n_test``, ``fit_seconds``, ``predict_seconds``, plus
  ``n_train``, ``n_skills`` and ``n_test_unknown_skill`` (test responses on skills absent from the
  training file; the models fall back to their documented defaults for them). It needs no database.
* ``educloud kt refit`` fits BKT per knowledge point on all stored responses, stores the parameters
  and recomputes every student's mastery (``learning.services.mastery_refit``); idempotent.
* ``educloud kt ingest`` reads new ``answered`` Statements from the LRS into responses
  (``learning.services.responses_ingest``).

Bad input (a missing, empty or malformed file, ragged sequences, responses other than 0/1) ends with
a one-line message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.lib.errors import DomainError

MODELS = ("bkt", "best")


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(str(message).split()), returncode=2)


def _build_model(name: str) -> Any:
    from educloud.algos.kt import BKT, LogisticKT

    return BKT() if name == "bkt" else LogisticKT()


def evaluate_files(*, train: str, test: str, model: str) -> dict[str, Any]:
    """Read both files, fit ``model`` on ``train``, score it on ``test`` (raises ``CommandError``)."""
    from educloud.algos.kt import evaluate
    from educloud.algos.kt_data import read_three_line

    data = {}
    for role, path in (("train", train), ("test", test)):
        try:
            data[role] = read_three_line(path)
        except FileNotFoundError:
            raise _fail(f"{role} file not found: {path}") from None
        except IsADirectoryError:
            raise _fail(f"{role} path is a directory, not a file: {path}") from None
        except UnicodeDecodeError:
            raise _fail(f"{path}: not a UTF-8 text file") from None
        except (OSError, ValueError) as exc:
            raise _fail(f"{role}: {exc}") from None
        if len(data[role]) == 0:
            raise _fail(f"{path}: no responses (every student record is empty)")
    tr, te = data["train"], data["test"]
    try:
        result = evaluate(_build_model(model), tr, te)
    except ValueError as exc:  # e.g. a training file holding a single response class
        raise _fail(f"cannot fit {model} on {train}: {exc}") from None
    known = np.unique(tr.skill)
    result.update(
        {
            "model": model,
            "estimator": result["model"],
            "n_train": len(tr),
            "n_skills": len(known),
            "n_test_unknown_skill": int((~np.isin(te.skill, known)).sum()),
        }
    )
    return result


class Command(BaseCommand):
    help = "Knowledge tracing: evaluate a model on files, refit mastery from stored responses, ingest xAPI."
    requires_system_checks: list[str] = []  # evaluate works without a database

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{evaluate,refit,ingest}")
        ev = sub.add_parser("evaluate", help="fit on --train, report AUC/RMSE on --test (no database)")
        ev.add_argument("--train", required=True, help="three-lines-per-student training file")
        ev.add_argument("--test", required=True, help="three-lines-per-student test file")
        ev.add_argument("--model", choices=MODELS, default="best", help="bkt or best (LogisticKT)")
        ev.add_argument("--json", action="store_true", help="print one JSON object")
        sub.add_parser("refit", help="refit BKT per knowledge point on stored responses; recompute mastery")
        ing = sub.add_parser("ingest", help="read new 'answered' xAPI statements from the LRS into responses")
        ing.add_argument("--batch", type=int, default=500, help="statements per batch")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "evaluate":
            result = evaluate_files(train=options["train"], test=options["test"], model=options["model"])
            if options["json"]:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            else:
                auc = "n/a (one class)" if result["auc"] is None else f"{result['auc']:.4f}"
                self.stdout.write(
                    f"{result['model']} ({result['estimator']}): AUC {auc}, RMSE {result['rmse']:.4f} "
                    f"on {result['n_test']} test responses; fit {result['fit_seconds']:.2f} s, "
                    f"predict {result['predict_seconds']:.2f} s"
                )
            return
        from educloud.learning import services

        try:
            if action == "refit":
                refit = services.mastery_refit()
                self.stdout.write(
                    f"refit: {refit.knowledge_points} knowledge points, {refit.responses} responses, "
                    f"{refit.students} students, {refit.mastery_rows} mastery rows"
                )
            else:
                if options["batch"] < 1:
                    raise _fail("--batch must be a positive integer")
                report = services.responses_ingest(batch=options["batch"])
                self.stdout.write(str(report))
        except DomainError as exc:
            raise _fail(exc.message) from None
