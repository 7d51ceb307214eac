"""Pages of the pairing programme, under /pairing/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.pairing import views

app_name = "pairing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("diagnosis/", views.diagnosis, name="diagnosis"),
    path("match/", views.match, name="match"),
    path("propose/", views.propose, name="propose"),
    path("effect/", views.effect_page, name="effect"),
    path("<int:pairing_id>/", views.detail, name="detail"),
    path("<int:pairing_id>/confirm/", views.confirm, name="confirm"),
    path("<int:pairing_id>/reject/", views.reject, name="reject"),
    path("<int:pairing_id>/dispatch/", views.dispatch_new, name="dispatch"),
    path("<int:pairing_id>/activity/", views.activity_new, name="activity"),
    path("<int:pairing_id>/course/", views.course_new, name="course"),
    path("<int:pairing_id>/goal/", views.goal_new, name="goal"),
]
