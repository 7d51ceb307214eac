"""Pages of the library, under /library/ (the OAI-PMH endpoint is mounted at /oai by config)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.library import views

app_name = "library"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("suggest/", views.suggest, name="suggest"),
    path("new/", views.resource_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_inbox, name="review"),
    path("requests/", views.requests_inbox, name="requests"),
    path("requests/<int:request_id>/decide/", views.request_decide, name="request_decide"),
    path("collections/", views.collections, name="collections"),
    path("collections/new/", views.collection_new, name="collection_new"),
    path("collections/<int:collection_id>/", views.collection_detail, name="collection"),
    path("collections/<int:collection_id>/add/", views.collection_add, name="collection_add"),
    path(
        "collections/<int:collection_id>/remove/<int:resource_id>/",
        views.collection_remove,
        name="collection_remove",
    ),
    path("sharing/", views.dashboard, name="dashboard"),
    path("r/<int:resource_id>/", views.resource_detail, name="resource"),
    path("r/<int:resource_id>/edit/", views.resource_edit, name="edit"),
    path("r/<int:resource_id>/rate/", views.resource_rate, name="rate"),
    path("r/<int:resource_id>/request/", views.access_request, name="access_request"),
    path("r/<int:resource_id>/v/<int:number>/file", views.download, name="download"),
    path("r/<int:resource_id>/cover", views.cover, name="cover"),
    path("r/<int:resource_id>/<str:action>/", views.resource_action, name="action"),
]
