"""The library's settings, each read from Django settings first, then the environment.

- ``EDUCLOUD_UPLOAD_MAX_MB`` (default 200): the largest file a user may upload.
- ``EDUCLOUD_ZIP_MAX_ENTRIES`` (10000), ``EDUCLOUD_ZIP_MAX_RATIO`` (200),
  ``EDUCLOUD_ZIP_MAX_READ_MB`` (8), ``EDUCLOUD_ZIP_TIME_BUDGET_S`` (10): bounds of the content
  check of ZIP-based uploads (``sniff.ZipLimits``).
- ``EDUCLOUD_NODE_ID`` (default ``educloud.local``): this node's OAI repository identifier
  (``oai:<node id>:<uuid>``); give each node its own, e.g. ``cq.educloud.cn``.
- ``EDUCLOUD_NODE_NAME`` (default 成渝智慧教育云): the OAI ``repositoryName``.
- ``EDUCLOUD_OAI_PAGE_SIZE`` (default 100): records per OAI list response.
- ``EDUCLOUD_ADMIN_EMAIL`` (default ``admin@example.invalid``): the OAI ``adminEmail``.
"""

from __future__ import annotations

import os

from django.conf import settings

from educloud.library.sniff import ZipLimits


def _get(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def upload_max_bytes() -> int:
    return int(float(_get("EDUCLOUD_UPLOAD_MAX_MB", "200")) * 1024 * 1024)


def zip_limits() -> ZipLimits:
    read = int(float(_get("EDUCLOUD_ZIP_MAX_READ_MB", "8")) * 1024 * 1024)
    return ZipLimits(
        max_entries=int(_get("EDUCLOUD_ZIP_MAX_ENTRIES", "10000")),
        max_ratio=int(_get("EDUCLOUD_ZIP_MAX_RATIO", "200")),
        max_total=read,
        max_member_read=min(read, 1 << 20),
        time_budget=float(_get("EDUCLOUD_ZIP_TIME_BUDGET_S", "10")),
    )


def node_id() -> str:
    return _get("EDUCLOUD_NODE_ID", "educloud.local")


def node_name() -> str:
    return _get("EDUCLOUD_NODE_NAME", "成渝智慧教育云")


def oai_page_size() -> int:
    return int(_get("EDUCLOUD_OAI_PAGE_SIZE", "100"))


def admin_email() -> str:
    return _get("EDUCLOUD_ADMIN_EMAIL", "admin@example.invalid")
