"""``educloud recommend evaluate``: offline evaluation of the course recommender on files.

``educloud recommend evaluate --train PATH --test PATH [--items PATH] [--k 10] [--json]`` reads two
JSON-lines interaction files (``{"user": u, "item": i}`` per line, each learner's courses in the
order taken, as in the CNPC split of PolyDataLab/Explainable_Course_Recommendation), fits
:class:`educloud.algos.recsys.HybridRecommender` on the training file (its rows *and* the order of
each learner's rows) and ranks, for every learner with test items, all items they have not taken
(:func:`educloud.algos.recsys.evaluate`). ``--items`` adds course side information (CNPC
``course_idx2``/``discipline``/``course_length`` lines) as item features.

It prints recall@k, NDCG@k, the cold-user slice (learners with at most 5 training courses) and the
fit time; with ``--json`` exactly one JSON object. It needs no database.

Bad input — a missing file, a malformed line (its number is named), an unknown format, k < 1 — ends
with a one-line message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(str(message).split()), returncode=2)


def evaluate_files(*, train: str, test: str, k: int = 10, items: str | None = None) -> dict[str, Any]:
    """Read the files, fit the hybrid recommender on ``train`` and score it on ``test``."""
    from educloud.algos.recsys import HybridRecommender, evaluate
    from educloud.algos.recsys_data import read_course_info, read_interactions

    if k < 1:
        raise _fail(f"--k must be a positive integer, got {k}")
    logs = {}
    for role, path in (("train", train), ("test", test)):
        try:
            logs[role] = read_interactions(path)
        except (OSError, ValueError) as exc:
            raise _fail(f"{role}: {exc}") from None
    features = None
    if items is not None:
        try:
            features, _names = read_course_info(items)
        except (OSError, ValueError) as exc:
            raise _fail(f"items: {exc}") from None
    tr, te = logs["train"], logs["test"]
    n_users = max(tr.n_users, te.n_users)
    n_items = max(tr.n_items, te.n_items, 0 if features is None else features.shape[0])
    if features is not None and features.shape[0] < n_items:
        raise _fail(f"items: {items} describes {features.shape[0]} items; the interactions use {n_items}")
    seqs = tr.sequences()
    train_sequences = [seqs.get(u, []) for u in range(n_users)]
    try:
        result = evaluate(
            HybridRecommender(),
            tr.to_csr(n_users, n_items),
            te.to_csr(n_users, n_items),
            k=k,
            item_features=features,
            train_sequences=train_sequences,
        )
    except ValueError as exc:
        raise _fail(f"cannot evaluate: {exc}") from None
    result.update(
        {
            "model": "HybridRecommender",
            "recall_definition": "hits in top k / |test items| (as the published CNPC/KGXCR code)",
            "n_train_interactions": len(tr),
            "n_test_interactions": len(te),
            "n_items": n_items,
        }
    )
    return result


class Command(BaseCommand):
    help = "Course recommendation: evaluate the hybrid recommender on JSON-lines files (no database)."
    requires_system_checks: list[str] = []  # evaluate works without a database

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{evaluate}")
        ev = sub.add_parser("evaluate", help="fit on --train, report recall@k/NDCG@k on --test")
        ev.add_argument("--train", required=True, help='JSON lines {"user": u, "item": i}, in time order')
        ev.add_argument("--test", required=True, help="JSON lines of the same users' later items")
        ev.add_argument("--items", help="optional course info JSON lines (course_idx2, discipline, ...)")
        ev.add_argument("--k", type=int, default=10, help="cut-off of the ranking (default 10)")
        ev.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        result = evaluate_files(
            train=options["train"], test=options["test"], k=options["k"], items=options.get("items")
        )
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        k = result["k"]
        cold = result["cold_users"]
        cold_txt = (
            f"recall@{k} {cold['recall_at_k']:.4f}, NDCG@{k} {cold['ndcg_at_k']:.4f}"
            if cold["n_users"]
            else "no such users"
        )
        self.stdout.write(
            f"{result['model']}: recall@{k} {result['recall_at_k']:.4f}, NDCG@{k} {result['ndcg_at_k']:.4f} "
            f"over {result['n_users']} users; fit {result['fit_seconds']:.2f} s\n"
            f"cold users (<= {result['cold_max_train_items']} training items, n={cold['n_users']}): "
            f"{cold_txt}"
        )
