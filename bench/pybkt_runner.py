"""Fit pyBKT on a three-line knowledge-tracing split and print its figures as one JSON object.

Run by ``bench/kt.py`` inside its own virtualenv (``bench/out/.venv-pybkt``, NumPy < 2, scikit-learn
< 1.6: pyBKT 1.4.3 does not work with newer ones). It reads the files with our own
:mod:`educloud.algos.kt_data` (pure numpy, loaded by path so this venv needs no Django) so that both
sides see exactly the same rows, and follows the same protocol as our models: fit on the training
log, then predict every test response with pyBKT's one-step-ahead filtering
(``Model.predict``), i.e. from that student's earlier responses on the skill only.

Usage: ``python bench/pybkt_runner.py --train TRAIN --test TEST [--num-fits 5] [--seed 42]
[--repeats N] [--predictions-out FILE.npy] [--holdout-fraction F --split-seed S]`` (with
``--holdout-fraction`` the test file is ignored and a by-student split of TRAIN is used, as for
tuning). With ``--repeats`` the fit is timed N times and the fastest is reported (predictions come
from the last fit; with a fixed seed every fit is the same). ``--predictions-out`` saves P(correct)
for the test rows in the order :func:`read_three_line` returns them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _load_kt_data() -> ModuleType:
    path = ROOT / "src" / "educloud" / "algos" / "kt_data.py"
    spec = importlib.util.spec_from_file_location("kt_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kt_data"] = module
    spec.loader.exec_module(module)
    return module


def _frame(resp: Any, offset: int) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            # a global, increasing order id: students are contiguous, responses in their order
            "order_id": np.arange(len(resp)) + offset,
            "user_id": resp.student.astype(str),
            "skill_name": resp.skill.astype(str),
            "correct": resp.correct,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--num-fits", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--holdout-fraction", type=float, default=None)
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--predictions-out", default=None)
    args = parser.parse_args()

    import pyBKT
    from pyBKT.fit import E_step
    from pyBKT.models import Model
    from sklearn.metrics import roc_auc_score

    kt_data = _load_kt_data()
    train = kt_data.read_three_line(args.train)
    if args.holdout_fraction:
        train, test = kt_data.split_by_student(
            train, test_fraction=args.holdout_fraction, random_state=args.split_seed
        )
    else:
        test = kt_data.read_three_line(args.test)
    # sort rows by (student, order) so that the global order_id respects each student's order
    train = train.subset(np.lexsort((train.order, train.student)))
    test_idx = np.lexsort((test.order, test.student))
    test_sorted = test.subset(test_idx)
    df_train = _frame(train, 0)
    df_test = _frame(test_sorted, 0)

    fit_times = []
    for _ in range(max(1, args.repeats)):
        model = Model(seed=args.seed, num_fits=args.num_fits, parallel=True)
        t0 = time.perf_counter()
        model.fit(data=df_train)
        fit_times.append(time.perf_counter() - t0)
    fit_seconds = min(fit_times)
    t0 = time.perf_counter()
    preds = model.predict(data=df_test)
    predict_seconds = time.perf_counter() - t0
    p = preds.sort_values("order_id")["correct_predictions"].to_numpy(dtype=float)
    y = test_sorted.correct
    if args.predictions_out:
        p_original = np.empty(len(p))
        p_original[test_idx] = p
        np.save(args.predictions_out, p_original)
    result = {
        "model": "pyBKT",
        "auc": float(roc_auc_score(y, p)),
        "rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        "n_test": len(y),
        "fit_seconds": fit_seconds,
        "fit_seconds_all": fit_times,
        "predict_seconds": predict_seconds,
        "num_fits": args.num_fits,
        "pybkt_version": getattr(pyBKT, "__version__", "1.4.3"),
        "pybkt_backend": "c++" if not str(getattr(E_step, "__file__", "")).endswith(".py") else "pure-python",
        "numpy": np.__version__,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
