from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.search import views

app_name = "search"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("suggest", views.suggestions, name="suggest"),
]
