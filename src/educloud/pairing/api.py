"""Public Python interface of the pairing app (what other apps and the web layer may call)."""

from __future__ import annotations

from educloud.pairing.diagnosis import Diagnosis, SchoolDiagnosis, diagnose
from educloud.pairing.effect import EffectReport, effect_report
from educloud.pairing.models import MatchRun, Pairing
from educloud.pairing.selectors import my_dispatches, pairing_get, pairing_list, progress
from educloud.pairing.services import match_run, pairing_confirm
from educloud.pairing.synthetic import PairingSeedReport, demo_pairing_seed

__all__ = [
    "Diagnosis",
    "EffectReport",
    "MatchRun",
    "Pairing",
    "PairingSeedReport",
    "SchoolDiagnosis",
    "demo_pairing_seed",
    "diagnose",
    "effect_report",
    "match_run",
    "my_dispatches",
    "pairing_confirm",
    "pairing_get",
    "pairing_list",
    "progress",
]
