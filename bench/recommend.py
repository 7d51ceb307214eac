"""Course-recommendation benchmark on CNPC: our HybridRecommender against implicit's models and popularity.

Protocol (ADR 0015): the published CNPC split of PolyDataLab/Explainable_Course_Recommendation —
train = ``train_valid_data_cnpc_v2.json`` (the first ~80 % of each learner's courses, in order),
test = ``test_data_cnpc_v2.json`` (the rest). For each of the 6,717 learners, rank every course not
taken in train; recall@10 = hits / |test courses| (as the published code), NDCG@10 with binary gains;
the cold slice = learners with <= 5 training courses. The published best (KGXCR) is printed for
reference: Recall@10 0.484, NDCG@10 0.296.

Peers run through implicit's own API (``recommend(userids, user_items, N, filter_already_liked_items)``)
and are scored by the same metric function. ALS uses the factors/regularization/alpha chosen for our
CF component on the validation split (the last ~20 % of each learner's train_valid courses; see ADR
0015: 32 factors beat 64 and 128 there); BPR and item-kNN use common settings, not tuned. Each model: one
warm-up fit, then ``--repeats`` timed fits; fit seconds are the median; metrics come from the last
fit (all fits are seeded, so they are identical). BLAS is pinned to one thread for every model.

Usage: ``.venv/bin/python bench/recommend.py [--data DIR] [--repeats 3] [--json-out FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from educloud.algos.recsys import HybridRecommender, evaluate, ranking_metrics  # noqa: E402
from educloud.algos.recsys_data import read_interactions  # noqa: E402

DEFAULT_DATA = ROOT / ".." / "shared" / "datasets" / "rec" / "cnpc"
PUBLISHED = {"KGXCR (published)": (0.484, 0.296), "CourseDREAM (published)": (0.44, 0.265)}


def _metrics_from_topk(
    topk: np.ndarray, train: sp.csr_matrix, test: sp.csr_matrix, k: int, cold_max: int = 5
) -> dict[str, Any]:
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    rec = np.zeros(users.size)
    nd = np.zeros(users.size)
    for j, u in enumerate(users):
        rel = frozenset(test.indices[test.indptr[u] : test.indptr[u + 1]].tolist())
        rec[j], nd[j] = ranking_metrics(topk[u][topk[u] >= 0], rel, k)
    n_train = np.diff(train.indptr)[users]
    cold = (n_train >= 1) & (n_train <= cold_max)
    return {
        "recall_at_k": float(rec.mean()),
        "ndcg_at_k": float(nd.mean()),
        "cold_recall_at_k": float(rec[cold].mean()),
        "cold_ndcg_at_k": float(nd[cold].mean()),
        "n_users": int(users.size),
        "n_cold": int(cold.sum()),
    }


def _implicit_topk(model: Any, train: sp.csr_matrix, k: int) -> np.ndarray:
    ids, _scores = model.recommend(np.arange(train.shape[0]), train, N=k, filter_already_liked_items=True)
    return np.asarray(ids)


def run_implicit(
    make: Callable[[], Any], train: sp.csr_matrix, test: sp.csr_matrix, k: int, repeats: int
) -> dict:
    make().fit(train, show_progress=False)  # warm-up
    times = []
    model = None
    for _ in range(repeats):
        model = make()
        t0 = time.perf_counter()
        model.fit(train, show_progress=False)
        times.append(time.perf_counter() - t0)
    out = _metrics_from_topk(_implicit_topk(model, train, k), train, test, k)
    out["fit_seconds"] = statistics.median(times)
    return out


def run_popularity(train: sp.csr_matrix, test: sp.csr_matrix, k: int, repeats: int) -> dict:
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        pop = np.asarray((train > 0).sum(axis=0)).ravel()
        times.append(time.perf_counter() - t0)
    order = np.argsort(-pop, kind="stable")
    topk = np.full((train.shape[0], k), -1)
    for u in range(train.shape[0]):
        seen = set(train.indices[train.indptr[u] : train.indptr[u + 1]].tolist())
        top = [i for i in order[: k + len(seen)] if i not in seen][:k]
        topk[u, : len(top)] = top
    out = _metrics_from_topk(topk, train, test, k)
    out["fit_seconds"] = statistics.median(times[1:])
    return out


def run_ours(
    train: sp.csr_matrix, test: sp.csr_matrix, seqs: list[list[int]], k: int, repeats: int
) -> dict[str, Any]:
    HybridRecommender().fit(train, sequences=seqs)  # warm-up
    times = []
    res: dict[str, Any] = {}
    for _ in range(repeats):
        res = evaluate(HybridRecommender(), train, test, k=k, train_sequences=seqs)
        times.append(res["fit_seconds"])
    return {
        "recall_at_k": res["recall_at_k"],
        "ndcg_at_k": res["ndcg_at_k"],
        "cold_recall_at_k": res["cold_users"]["recall_at_k"],
        "cold_ndcg_at_k": res["cold_users"]["ndcg_at_k"],
        "n_users": res["n_users"],
        "n_cold": res["cold_users"]["n_users"],
        "fit_seconds": statistics.median(times),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    train_path = args.data / "train_valid_data_cnpc_v2.json"
    test_path = args.data / "test_data_cnpc_v2.json"
    if not train_path.exists() or not test_path.exists():
        print(f"CNPC split not found under {args.data} (expected {train_path.name}, {test_path.name})")
        return 2
    tr, te = read_interactions(train_path), read_interactions(test_path)
    n_users, n_items = max(tr.n_users, te.n_users), max(tr.n_items, te.n_items)
    train, test = tr.to_csr(n_users, n_items), te.to_csr(n_users, n_items)
    s = tr.sequences()
    seqs = [s.get(u, []) for u in range(n_users)]

    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import CosineRecommender
    from threadpoolctl import threadpool_limits

    # implicit's item-kNN converts its own COO intermediate and warns about it on every fit
    warnings.filterwarnings("ignore", message="Method expects CSR input")
    k, rep = args.k, args.repeats
    rows: dict[str, dict[str, Any]] = {}
    with threadpool_limits(1, "blas"):
        rows["ours: HybridRecommender"] = run_ours(train, test, seqs, k, rep)
        rows["implicit ALS"] = run_implicit(
            lambda: AlternatingLeastSquares(
                factors=32, regularization=0.05, alpha=10.0, iterations=15, random_state=0, num_threads=1
            ),
            train,
            test,
            k,
            rep,
        )
        rows["implicit BPR"] = run_implicit(
            lambda: BayesianPersonalizedRanking(
                factors=64,
                learning_rate=0.05,
                regularization=0.01,
                iterations=100,
                random_state=0,
                num_threads=1,
            ),
            train,
            test,
            k,
            rep,
        )
        rows["implicit item-kNN (cosine)"] = run_implicit(
            lambda: CosineRecommender(K=50, num_threads=1), train, test, k, rep
        )
        rows["popularity"] = run_popularity(train, test, k, rep)

    print(
        f"CNPC: {n_users} learners, {n_items} courses, {len(tr)} train / {len(te)} test interactions; k={k}"
    )
    print(f"{'model':30s} {'recall@k':>9s} {'ndcg@k':>8s} {'cold rec':>9s} {'cold ndcg':>9s} {'fit s':>8s}")
    for name, r in rows.items():
        print(
            f"{name:30s} {r['recall_at_k']:9.4f} {r['ndcg_at_k']:8.4f} {r['cold_recall_at_k']:9.4f} "
            f"{r['cold_ndcg_at_k']:9.4f} {r['fit_seconds']:8.3f}"
        )
    for name, (rc, nd) in PUBLISHED.items():
        print(f"{name:30s} {rc:9.3f} {nd:8.3f} {'-':>9s} {'-':>9s} {'-':>8s}")
    print(
        f"(cold = learners with <= 5 training courses: n={rows['popularity']['n_cold']}; "
        f"fit s = median of {rep})"
    )
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
