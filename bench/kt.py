"""Knowledge-tracing benchmark: our BKT and LogisticKT against pyBKT and a per-skill baseline.

Protocol (FACTS.md §3): fit on ``train.csv``; predict every response of ``test.csv`` in order, each
from that student's earlier responses only; AUC and RMSE over all test predictions. Fit time is the
fastest of ``--repeats`` fits (the machine may be shared; the same rule applies to pyBKT).

pyBKT 1.4.3 cannot run with NumPy 2 / scikit-learn >= 1.6, so it runs in its own virtualenv
(``bench/out/.venv-pybkt``, git-ignored, built here from ``bench/requirements-pybkt.txt`` if
missing, with pyBKT's C++ extension compiled when a compiler is present) through
``bench/pybkt_runner.py``. If that venv cannot be built the bench says why and carries on without
pyBKT.

A second AUC column, ``auc_no_dup``, scores only rows whose previous row (same student) is on the
same skill, or that have no previous row. In this preprocessed data a multi-skill problem is logged
once per skill, consecutively, with one response; such rows' neighbours on *other* skills may be the
same problem, so this column shows each model without that help.

Usage: ``.venv/bin/python bench/kt.py [--data DIR] [--repeats 3] [--skip-pybkt] [--json-out FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from educloud.algos.kt import BKT, LogisticKT, SkillMeanBaseline  # noqa: E402
from educloud.algos.kt_data import Responses, read_three_line  # noqa: E402

DEFAULT_DATA = Path("/work/shared/datasets/kt/assist2009")
PYBKT_VENV = ROOT / "bench" / "out" / ".venv-pybkt"  # bench/out/ is git-ignored
PYBKT_REQUIREMENTS = ROOT / "bench" / "requirements-pybkt.txt"
PYBKT_SPEC = "pyBKT==1.4.3"


def _no_dup_mask(test: Responses) -> np.ndarray:
    """Rows whose previous row of the same student is on the same skill, or that come first."""
    idx = np.lexsort((test.order, test.student))
    st, sk = test.student[idx], test.skill[idx]
    ok = np.ones(len(idx), dtype=bool)
    same_student = st[1:] == st[:-1]
    ok[1:] = ~same_student | (sk[1:] == sk[:-1])
    mask = np.empty(len(idx), dtype=bool)
    mask[idx] = ok
    return mask


def _scores(y: np.ndarray, p: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    return {
        "auc": float(roc_auc_score(y, p)),
        "rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        "auc_no_dup": float(roc_auc_score(y[mask], p[mask])),
    }


def run_ours(name: str, make: Any, train: Responses, test: Responses, repeats: int) -> dict[str, Any]:
    fit_times = []
    model = None
    for _ in range(repeats):
        model = make()
        t0 = time.perf_counter()
        model.fit(train)
        fit_times.append(time.perf_counter() - t0)
    assert model is not None
    t0 = time.perf_counter()
    p = model.predict_correct(test)
    predict_seconds = time.perf_counter() - t0
    out = {"model": name, **_scores(test.correct, p, _no_dup_mask(test)), "n_test": len(test)}
    out.update(fit_seconds=min(fit_times), fit_seconds_all=fit_times, predict_seconds=predict_seconds)
    return out


def _venv_python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pybkt_importable(python: Path) -> bool:
    probe = subprocess.run([str(python), "-c", "import pyBKT.models, sklearn, numpy"], capture_output=True)
    return probe.returncode == 0


def ensure_pybkt_venv(path: Path = PYBKT_VENV) -> tuple[Path | None, str]:
    """Return (python of a venv where pyBKT imports, message); (None, why) if it cannot be built."""
    python = _venv_python(path)
    if python.exists() and _pybkt_importable(python):
        return python, f"using existing {path}"
    print(f"building pyBKT virtualenv in {path} ...", file=sys.stderr)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        venv.create(path, with_pip=True, clear=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(PYBKT_REQUIREMENTS)], check=True)
        # --no-build-isolation: compile pyBKT's C++ extension against the NumPy just installed
        # (in an isolated build NumPy is missing and pyBKT silently installs its pure-Python code)
        built = subprocess.run(
            [*pip, "--no-build-isolation", "--no-binary", "pyBKT", "--no-cache-dir", PYBKT_SPEC]
        )
        if built.returncode != 0:
            subprocess.run([*pip, PYBKT_SPEC], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        return None, f"could not build the pyBKT virtualenv: {exc}"
    if not _pybkt_importable(python):
        return None, "pyBKT was installed but does not import in its virtualenv"
    return python, f"built {path}"


def run_pybkt(
    python: Path, train_path: Path, test_path: Path, test: Responses, repeats: int, num_fits: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        pred_path = Path(tmp) / "pybkt_predictions.npy"
        proc = subprocess.run(
            [
                str(python),
                str(ROOT / "bench" / "pybkt_runner.py"),
                "--train",
                str(train_path),
                "--test",
                str(test_path),
                "--repeats",
                str(repeats),
                "--num-fits",
                str(num_fits),
                "--predictions-out",
                str(pred_path),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pybkt_runner failed:\n{proc.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        p = np.load(pred_path)
    result.update(_scores(test.correct, p, _no_dup_mask(test)))
    result["model"] = f"pyBKT 1.4.3 ({result.get('pybkt_backend')}, num_fits={num_fits})"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="Knowledge-tracing benchmark (see module docstring).")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="directory with train.csv and test.csv"
    )
    parser.add_argument("--repeats", type=int, default=3, help="fits per model; the fastest is reported")
    parser.add_argument(
        "--pybkt-num-fits", type=int, default=5, help="pyBKT random restarts (its default: 5)"
    )
    parser.add_argument("--skip-pybkt", action="store_true")
    parser.add_argument("--pybkt-venv", type=Path, default=PYBKT_VENV, help="virtualenv for pyBKT")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()

    train_path, test_path = args.data / "train.csv", args.data / "test.csv"
    train, test = read_three_line(train_path), read_three_line(test_path)
    print(
        f"data: {args.data}  train {train.n_students} students / {len(train)} responses, "
        f"test {test.n_students} students / {len(test)} responses, "
        f"{len(np.union1d(train.skills, test.skills))} skills",
        file=sys.stderr,
    )
    rows: list[dict[str, Any]] = []
    rows.append(run_ours("per-skill mean (baseline)", SkillMeanBaseline, train, test, args.repeats))
    rows.append(run_ours("educloud BKT", BKT, train, test, args.repeats))
    rows.append(run_ours("educloud LogisticKT", LogisticKT, train, test, args.repeats))
    rows.append(
        run_ours(
            "educloud LogisticKT, no transitions",
            lambda: LogisticKT(use_transitions=False),
            train,
            test,
            args.repeats,
        )
    )
    notes: list[str] = []
    if not args.skip_pybkt:
        python, message = ensure_pybkt_venv(args.pybkt_venv)
        notes.append(f"pyBKT venv: {message}")
        if python is None:
            print(f"pyBKT skipped: {message}", file=sys.stderr)
        else:
            try:
                rows.append(run_pybkt(python, train_path, test_path, test, args.repeats, args.pybkt_num_fits))
                if args.pybkt_num_fits != 1:
                    rows.append(run_pybkt(python, train_path, test_path, test, args.repeats, 1))
            except RuntimeError as exc:
                notes.append(f"pyBKT failed: {exc}")
                print(f"pyBKT skipped: {exc}", file=sys.stderr)

    header = f"{'model':<44} {'AUC':>7} {'RMSE':>7} {'AUC no-dup':>10} {'fit s':>8} {'predict s':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['model']:<44} {r['auc']:>7.4f} {r['rmse']:>7.4f} {r['auc_no_dup']:>10.4f} "
            f"{r['fit_seconds']:>8.3f} {r['predict_seconds']:>9.3f}"
        )
    ours = next(r for r in rows if r["model"] == "educloud BKT")
    for r in rows:
        if r["model"].startswith("pyBKT"):
            line = (
                f"{r['model']} vs educloud BKT: fit {r['fit_seconds'] / ours['fit_seconds']:.1f}x slower, "
                f"AUC {ours['auc'] - r['auc']:+.4f}, RMSE {ours['rmse'] - r['rmse']:+.4f} (ours minus pyBKT)"
            )
            print(line)
            notes.append(line)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    report = {
        "protocol": "fit on train.csv; predict each test response from the student's earlier responses; "
        "AUC/RMSE over all test rows; fit_seconds = fastest of repeats",
        "data": str(args.data),
        "repeats": args.repeats,
        "cpu_count": os.cpu_count(),
        "results": rows,
        "notes": notes,
    }
    print(json.dumps(report, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
