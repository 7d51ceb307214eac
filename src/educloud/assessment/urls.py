"""Pages of the assessment app, under /assessment/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.assessment import views

app_name = "assessment"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("tests/new/", views.test_new, name="test_new"),
    path("tests/<int:test_id>/take/", views.take, name="take"),
    path("tests/<int:test_id>/result/", views.result, name="result"),
    path("tests/<int:test_id>/report/", views.report, name="report"),
    path("tests/<int:test_id>/class/", views.class_detail, name="class"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("calibrations/", views.calibrations, name="calibrations"),
    path("calibrations/<int:calibration_id>/", views.calibration_detail, name="calibration"),
]
