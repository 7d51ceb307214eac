"""Synthetic demo data of the assessment app: a calibrated bank, two past test occasions, an open 联考.

* The bank (初中数学) is calibrated by the real service (``calibration_run``, 2PL) on the learning
  app's simulated responses, so its parameters are estimates from synthetic data.
* Two past occasions (期初, 期中), circle-wide, taken by every synthetic student: each simulated
  administration is 12 items drawn at random from the bank (not adaptive: a seeding shortcut),
  answered from a 2PL with the student's true ability; the ability is then estimated by EAP as a real
  session would. Between the occasions abilities grow by 0.3 on average, plus a school effect
  (N(0, 0.15²)) that the value-added report should find.
* One open adaptive test (川渝联考, both provinces, no grade filter) that the demo students can take.

Every row is flagged ``is_synthetic`` and the pages say so. Deterministic for a seed; about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from educloud.accounts.api import StudentProfile
from educloud.assessment.models import AdaptiveTest, Calibration, SessionItem, TestSession
from educloud.assessment.services import TestSpec, adaptive_test_create, calibration_params, calibration_run

OPEN_TITLE = "川渝联考 · 初中数学自适应测评（演示）"
N_ITEMS = 12


@dataclass(frozen=True)
class AssessmentSeedReport:
    items: int
    tests: int
    sessions: int

    def __str__(self) -> str:
        return (
            f"synthetic assessment: calibrated bank of {self.items} items, {self.tests} tests, "
            f"{self.sessions} simulated sessions"
        )


def synthetic_assessment_delete() -> None:
    AdaptiveTest.objects.filter(is_synthetic=True).delete()  # sessions cascade
    Calibration.objects.filter(is_synthetic=True).delete()


@transaction.atomic
def demo_assessment_seed(*, seed: int) -> AssessmentSeedReport:
    from educloud.algos.irt import estimate_ability, probability

    synthetic_assessment_delete()
    calibration = calibration_run(actor=None, subject="数学", stage="junior", synthetic=True)
    now = timezone.now()
    spec = {"audience_level": "circle", "max_items": 15, "se_stop": 0.4}
    occasions = [
        adaptive_test_create(
            actor=None,
            spec=TestSpec(
                title=title, opens=now - timedelta(days=days), closes=now - timedelta(days=days - 7), **spec
            ),
            synthetic=True,
        )
        for title, days in (("2026 秋季期初测评（合成）", 90), ("2026 秋季期中测评（合成）", 30))
    ]
    adaptive_test_create(
        actor=None,
        spec=TestSpec(
            title=OPEN_TITLE, opens=now - timedelta(days=1), closes=now + timedelta(days=365), **spec
        ),
        synthetic=True,
    )
    rows = list(calibration.items.order_by("item_id"))
    params = calibration_params(calibration, rows)
    students = list(
        StudentProfile.objects.filter(is_synthetic=True)
        .order_by("school__code", "pseudonym")
        .values_list("user_id", "school_id", "grade", "class_label")
    )
    rng = np.random.default_rng(seed)
    n, k = len(students), len(rows)
    if n == 0 or k < N_ITEMS:
        return AssessmentSeedReport(items=k, tests=3, sessions=0)
    schools = sorted({s for _, s, _, _ in students})
    shift = dict(zip(schools, rng.normal(0.0, 0.5, len(schools)).tolist(), strict=True))
    effect = dict(zip(schools, rng.normal(0.0, 0.15, len(schools)).tolist(), strict=True))
    theta = np.array([shift[s] for _, s, _, _ in students]) + rng.normal(0.0, 0.8, n)
    n_sessions = 0
    for o, test in enumerate(occasions):
        if o == 1:
            theta = theta + 0.3 + np.array([effect[s] for _, s, _, _ in students]) + rng.normal(0.0, 0.2, n)
        chosen = np.argsort(rng.random((n, k)), axis=1)[:, :N_ITEMS]
        p = np.asarray(probability(params, theta))
        matrix = np.full((n, k), np.nan)
        correct = rng.random((n, N_ITEMS)) < np.take_along_axis(p, chosen, axis=1)
        np.put_along_axis(matrix, chosen, correct.astype(float), axis=1)
        est, se = estimate_ability(params, matrix)
        finished = test.closes - timedelta(days=1)
        sessions = TestSession.objects.bulk_create(
            [
                TestSession(
                    test=test,
                    student_id=u,
                    school_id=s,
                    grade=g,
                    class_label=c,
                    finished=finished,
                    theta=float(est[i]),
                    se=float(se[i]),
                    is_synthetic=True,
                )
                for i, (u, s, g, c) in enumerate(students)
            ]
        )
        SessionItem.objects.bulk_create(
            [
                SessionItem(
                    session=sess,
                    position=j + 1,
                    item_id=rows[int(chosen[i, j])].item_id,
                    correct=bool(correct[i, j]),
                    answered=finished,
                )
                for i, sess in enumerate(sessions)
                for j in range(N_ITEMS)
            ],
            batch_size=2000,
        )
        n_sessions += len(sessions)
    return AssessmentSeedReport(items=k, tests=3, sessions=n_sessions)
