"""Pages of the learning app, under /learning/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from educloud.learning import views

app_name = "learning"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("me/", views.my_map, name="me"),
    path("practice/", views.practice, name="practice"),
    path("classes/", views.classes, name="classes"),
    path("class/", views.class_detail, name="class"),
    path("overview/", views.overview, name="overview"),
    path("graphs/", views.graphs, name="graphs"),
    path("graphs/export.csv", views.graph_export, name="graph_export"),
    path("graphs/import/", views.graph_import, name="graph_import"),
    path("graphs/prerequisites/", views.prerequisite_new, name="prerequisite_new"),
    path("items/", views.items, name="items"),
    path("items/template.<str:fmt>", views.items_template, name="items_template"),
    path("items/<int:item_id>", views.item_detail, name="item"),
]
