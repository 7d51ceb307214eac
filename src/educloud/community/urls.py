from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.community import views

app_name = "community"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("g/<int:group_id>/", views.group_page, name="group"),
    path("t/<int:thread_id>/", views.thread_page, name="thread"),
    path("p/<int:plan_id>/", views.plan_page, name="plan"),
    path("posts/<int:post_id>/report/", views.report, name="report"),
    path("posts/<int:post_id>/moderate/", views.moderate, name="moderate"),
    path("invitations/<int:invitation_id>/", views.invitation_answer, name="invitation"),
    path("notifications/", views.notifications_page, name="notifications"),
]
