from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.industry import views

app_name = "industry"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("demands/new/", views.demand_new, name="demand_new"),
    path("demands/<int:demand_id>/", views.demand_detail, name="demand"),
    path("supply/new/", views.supply_new, name="supply_new"),
    path("gap/", views.gap, name="gap"),
    path("allocation/", views.allocation, name="allocation"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:order_class_id>/", views.class_detail, name="class"),
    path("bases/", views.bases, name="bases"),
    path("competitions/", views.competitions, name="competitions"),
    path("competitions/<int:competition_id>/", views.competition_detail, name="competition"),
    path("skills/", views.skills, name="skills"),
    path("enterprise/members/", views.members, name="members"),
]
