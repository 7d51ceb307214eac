"""Storing uploaded files through Django's storage API, once per content (SHA-256).

The default storage is ``FileSystemStorage`` under ``MEDIA_ROOT`` (``$EDUCLOUD_HOME/media``);
an S3-compatible store is a matter of configuration (``STORAGES["default"]``, see
docs/decisions/0003-library-files-and-federation.md). Files are named by content:
``library/blobs/<first two hex>/<sha256>``, so the same bytes are stored once and a stored
file is never overwritten.

``blob_store`` checks size (``EDUCLOUD_UPLOAD_MAX_MB``) and content (``sniff``) *before*
writing anything; if the caller's block fails, a file it just stored is deleted again, so a
rejected upload leaves neither file nor row behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage

from educloud.lib.errors import InvalidInput
from educloud.library import conf
from educloud.library.models import Blob
from educloud.library.sniff import Rejected, sniff


def _size(fileobj: BinaryIO) -> int:
    size = getattr(fileobj, "size", None)
    if isinstance(size, int):
        return size
    fileobj.seek(0, 2)
    end = fileobj.tell()
    fileobj.seek(0)
    return end


def _sha256(fileobj: BinaryIO) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(1 << 20):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def blob_path(sha256: str) -> str:
    return f"library/blobs/{sha256[:2]}/{sha256}"


def check_upload(fileobj: BinaryIO, *, name: str) -> tuple[int, str, str, str]:
    """(size, sha256, kind, content_type) of an acceptable upload; InvalidInput says why not."""
    size = _size(fileobj)
    limit = conf.upload_max_bytes()
    if size > limit:
        raise InvalidInput(
            f"文件过大：{size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB", field="file"
        )
    try:
        sniffed = sniff(fileobj, name=name)
    except Rejected as exc:
        raise InvalidInput(f"文件“{name}”未通过内容检查：{exc}", field="file") from exc
    return size, _sha256(fileobj), sniffed.kind, sniffed.content_type


@contextmanager
def blob_store(fileobj: BinaryIO, *, name: str, is_synthetic: bool = False) -> Iterator[tuple[Blob, bool]]:
    """Yield ``(blob, created)`` for this content; undo a newly stored file if the block fails."""
    size, sha, kind, content_type = check_upload(fileobj, name=name)
    existing = Blob.objects.filter(sha256=sha).first()
    if existing is not None:
        if not default_storage.exists(existing.file.name):  # lost from storage: heal it with these bytes
            fileobj.seek(0)
            default_storage.save(existing.file.name, File(fileobj, name=name))
        yield existing, False
        return
    path = blob_path(sha)
    stored_here = False
    if not default_storage.exists(path):
        fileobj.seek(0)
        saved = default_storage.save(path, File(fileobj, name=name))
        stored_here = True
        if saved != path:  # a race stored it under another name: keep one copy
            default_storage.delete(saved)
    try:
        blob = Blob(sha256=sha, size=size, content_type=content_type, kind=kind, is_synthetic=is_synthetic)
        blob.file.name = path
        blob.save()
        yield blob, True
    except BaseException:
        if stored_here:
            default_storage.delete(path)
        raise
