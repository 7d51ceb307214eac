from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.equity import views

app_name = "equity"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("counties/<str:code>/", views.county, name="county"),
    path("counties/<str:code>/print/", views.county_print, name="print"),
    path("counties/<str:code>/plan/", views.planner, name="planner"),
    path("counties/<str:code>/plan.xlsx", views.planner_export, name="planner_export"),
    path("inequality/", views.inequality, name="inequality"),
    path("efficiency/", views.efficiency_page, name="efficiency"),
    path("import/", views.import_page, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="template"),
]
