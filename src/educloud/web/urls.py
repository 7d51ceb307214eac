from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from educloud.web import views
from educloud.web.login import LoginView

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("counties/<str:code>/", views.county_detail, name="county"),
    path("schools/<str:code>/", views.school_detail, name="school"),
    path("schools/<str:code>/edit/", views.school_edit, name="school_edit"),
    path("schools/<str:code>/students/", views.school_students, name="school_students"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
