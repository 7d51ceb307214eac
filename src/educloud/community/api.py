"""Public Python interface of the community app (教研组, 集体备课, real-time rooms)."""

from __future__ import annotations

from educloud.community.demo import CommunitySeedReport, demo_community_seed
from educloud.community.models import Group, LessonPlan, Notification
from educloud.community.selectors import group_list, notifications, unread_count

__all__ = [
    "CommunitySeedReport",
    "Group",
    "LessonPlan",
    "Notification",
    "demo_community_seed",
    "group_list",
    "notifications",
    "unread_count",
]
