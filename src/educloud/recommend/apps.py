from __future__ import annotations

from django.apps import AppConfig


class RecommendConfig(AppConfig):
    # Minimal placeholder so `educloud recommend evaluate` is discoverable on branch b2-rec; the
    # recommend app's owner (branch b2-paths) replaces this file at merge.
    name = "educloud.recommend"
    verbose_name = "推荐与学习路径"
