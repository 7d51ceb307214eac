"""Public Python interface of the library app: what other apps (and the web layer) may call."""

from __future__ import annotations

from educloud.library.models import Engagement, Resource
from educloud.library.selectors import (
    CrossBorderRow,
    cross_border_totals,
    cross_border_usage,
    resource_counts_by_school,  # the pairing app's diagnosis
    resource_get,
    resource_list,
    resource_use_by_school,  # the pairing app's shared courses
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
    "resource_counts_by_school",
    "resource_create_with_file",
    "resource_get",
    "resource_list",
    "resource_quality",
    "resource_submit",
    "resource_use_by_school",
    "resource_view_record",
    "resources_reindex",
    "visible_resources",
]
