"""Public Python interface of the assessment app: what other apps (and the web layer) may call."""

from __future__ import annotations

from educloud.assessment.services import calibration_run
from educloud.assessment.synthetic import AssessmentSeedReport, demo_assessment_seed

__all__ = ["AssessmentSeedReport", "calibration_run", "demo_assessment_seed"]
