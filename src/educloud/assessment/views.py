from __future__ import annotations
from django.http import HttpResponse
def _todo(*a, **k): return HttpResponse("")
index = test_new = take = result = report = class_detail = outcomes = calibrations = calibration_detail = _todo
