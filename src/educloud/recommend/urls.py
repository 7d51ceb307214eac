"""Pages of the recommend app, under /recommend/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.recommend import views

app_name = "recommend"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("paths/", views.paths, name="paths"),
    path("paths/<int:path_id>/", views.path_detail, name="path"),
    path("paths/<int:path_id>/answer/", views.path_answer, name="path_answer"),
    path("paths/<int:path_id>/study/", views.path_study, name="path_study"),
    path("assignments/<int:assignment_id>/follow/", views.assignment_follow, name="follow"),
    path("classes/", views.classes, name="classes"),
    path("class/", views.class_detail, name="class"),
    path("assignments/<int:assignment_id>/", views.progress, name="progress"),
]
