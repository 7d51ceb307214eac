from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.governance import views

app_name = "governance"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("fund/<int:call_id>/", views.call_detail, name="call"),
    path("fund/<int:call_id>/apply/", views.apply, name="apply"),
    path("fund/<int:call_id>/assign/", views.assign, name="assign"),
    path("fund/<int:call_id>/select/", views.select, name="select"),
    path("fund/<int:call_id>/performance/", views.performance_page, name="performance"),
    path("fund/mine/", views.my_applications, name="mine"),
    path("fund/projects/<int:application_id>/", views.application_detail, name="application"),
    path("fund/reviews/", views.reviews, name="reviews"),
    path("fund/reviews/<int:assignment_id>/", views.review_score, name="score"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:action_id>/", views.action_detail, name="action"),
    path("resolutions/<int:resolution_id>/", views.trace, name="trace"),
    path("policies/", views.policies, name="policies"),
    path("alliance/", views.alliance, name="alliance"),
    path("alliance/<int:project_id>/", views.research_project, name="research_project"),
    path("policies/<int:policy_id>/", views.policy_detail, name="policy"),
]
