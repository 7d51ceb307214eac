"""Storing uploaded files through Django's storage API, once per content (SHA-256).

The default storage is ``FileSystemStorage`` under ``MEDIA_ROOT`` (``$EDUCLOUD_HOME/media``);
an S3-compatible store is a matter of configuration (``STORAGES["default"]``, see
docs/decisions/0003-library-files-and-federation.md). Files are named by content:
``library/blobs/<first two hex>/<sha256>``, so the same bytes are stored once and a stored
file is never overwritten.

An upload goes in two steps. ``blob_prepare`` checks size (``EDUCLOUD_UPLOAD_MAX_MB``) and
content (``sniff``, within ``conf.zip_limits()``), hashes and stores the bytes: all before any
transaction is opened. ``blob_row`` then writes the ``Blob`` row inside the caller's
transaction. If that transaction fails, ``blob_discard`` deletes a file the upload stored and no
row refers to, so a rejected upload leaves neither file nor row behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

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
        sniffed = sniff(fileobj, name=name, zip_limits=conf.zip_limits())
    except Rejected as exc:
        raise InvalidInput(f"文件“{name}”未通过内容检查：{exc}", field="file") from exc
    return size, _sha256(fileobj), sniffed.kind, sniffed.content_type


@dataclass(frozen=True)
class Prepared:
    """Checked content, already in storage, with no database row yet (``blob_prepare``)."""

    sha256: str
    size: int
    kind: str
    content_type: str
    path: str
    stored_here: bool  # this call wrote the file (so ``blob_discard`` may delete it)


def blob_prepare(fileobj: BinaryIO, *, name: str) -> Prepared:
    """Check an upload (size, content, SHA-256) and store its bytes; writes no row.

    The slow part of an upload (reading, sniffing, hashing, copying to storage) runs here, so
    callers run it *before* opening their transaction: the transaction then only writes rows,
    and on SQLite other writers are not held behind a content check (issue #11, item 4).
    """
    size, sha, kind, content_type = check_upload(fileobj, name=name)
    path = blob_path(sha)
    stored_here = False
    if not default_storage.exists(path):  # new content, or a lost file healed with these bytes
        fileobj.seek(0)
        saved = default_storage.save(path, File(fileobj, name=name))
        stored_here = saved == path
        if saved != path:  # a race stored it under another name: keep one copy
            default_storage.delete(saved)
    return Prepared(sha, size, kind, content_type, path, stored_here)


def blob_row(prepared: Prepared, *, is_synthetic: bool = False) -> tuple[Blob, bool]:
    """The ``Blob`` row of prepared content, created if new: ``(blob, created)``. Writes one row."""
    existing = Blob.objects.filter(sha256=prepared.sha256).first()
    if existing is not None:
        return existing, False
    blob = Blob(
        sha256=prepared.sha256,
        size=prepared.size,
        content_type=prepared.content_type,
        kind=prepared.kind,
        is_synthetic=is_synthetic,
    )
    blob.file.name = prepared.path
    try:
        with transaction.atomic():  # savepoint: a concurrent upload of the same bytes may win
            blob.save()
    except IntegrityError:
        return Blob.objects.get(sha256=prepared.sha256), False
    return blob, True


def blob_discard(prepared: Prepared) -> None:
    """Undo ``blob_prepare`` after the rows were not written: delete a file no row refers to."""
    if prepared.stored_here and not Blob.objects.filter(sha256=prepared.sha256).exists():
        default_storage.delete(prepared.path)


@contextmanager
def blob_store(fileobj: BinaryIO, *, name: str, is_synthetic: bool = False) -> Iterator[tuple[Blob, bool]]:
    """Yield ``(blob, created)`` for this content; undo a newly stored file if the block fails.

    Prepares (checks and stores) and writes the row in one go: for callers that hold no
    transaction while it runs (services use ``blob_prepare`` + ``blob_row`` instead).
    """
    prepared = blob_prepare(fileobj, name=name)
    try:
        with transaction.atomic():
            yield blob_row(prepared, is_synthetic=is_synthetic)
    except BaseException:
        blob_discard(prepared)
        raise
