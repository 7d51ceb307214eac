"""Public Python interface of the library app: what other apps (and the web layer) may call."""

from __future__ import annotations

from educloud.library.models import Engagement, Resource
from educloud.library.selectors import (
    CrossBorderRow,
    cross_border_totals,
    cross_border_usage,
    resource_get,
    resource_list,
    visible_resources,
)
from educloud.library.services import (
    resource_approve,
    resource_complete,
    resource_create_with_file,
    resource_quality,
    resource_submit,
    resource_view_record,
    resources_reindex,
)
from educloud.library.synthetic import LibrarySeedReport, demo_library_seed

__all__ = [
    "CrossBorderRow",
    "Engagement",
    "LibrarySeedReport",
    "Resource",
    "cross_border_totals",
    "cross_border_usage",
    "demo_library_seed",
    "resource_approve",
    "resource_complete",
    "resource_create_with_file",
    "resource_get",
    "resource_list",
    "resource_quality",
    "resource_submit",
    "resource_view_record",
    "resources_reindex",
    "visible_resources",
]
