"""The xAPI resources, mounted at ``/xapi/`` (Communication 2.0). No trailing slashes: the spec's paths."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.lrs import views

app_name = "lrs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("statements", views.statements, name="statements"),
    path("activities/state", views.activity_state, name="activity_state"),
    path("activities/profile", views.activity_profile, name="activity_profile"),
    path("activities", views.activities, name="activities"),
    path("agents/profile", views.agent_profile, name="agent_profile"),
    path("agents", views.agents, name="agents"),
    path("about", views.about, name="about"),
]
