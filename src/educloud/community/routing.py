"""WebSocket routes of the community (mounted by ``config/asgi.py``)."""

from __future__ import annotations

from django.urls import path

from educloud.community.consumers import GroupConsumer, NotificationConsumer

websocket_urlpatterns = [
    path("ws/community/groups/<int:group_id>/", GroupConsumer.as_asgi()),
    path("ws/community/notifications/", NotificationConsumer.as_asgi()),
]
