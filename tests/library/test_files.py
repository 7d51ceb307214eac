"""Uploads checked by content and size, stored once per SHA-256, versions kept, ranges served."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.test import Client

from educloud.lib.errors import InvalidInput
from educloud.library import services
from educloud.library.models import Blob, Resource, ResourceVersion

from .conftest import MP4, PDF, PNG, TXT, upload, user

pytestmark = pytest.mark.django_db


def _files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_disguised_upload_is_refused_in_chinese_and_leaves_nothing(login, _media):
    client = login("teacher")
    blobs, versions, resources = (
        Blob.objects.count(),
        ResourceVersion.objects.count(),
        Resource.objects.count(),
    )
    response = client.post(
        "/library/new/",
        {
            "title": "伪装成PDF的程序",
            "type": "document",
            "subject": "math",
            "stage": "junior",
            "license": "cc-by",
            "visibility": "public",
            "file": upload("讲义.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "未通过内容检查" in page and "Windows 可执行文件" in page
    assert (Blob.objects.count(), ResourceVersion.objects.count(), Resource.objects.count()) == (
        blobs,
        versions,
        resources,
    )
    assert _files(_media) == []


def test_oversized_upload_is_refused_before_anything_is_stored(make_resource, settings, _media):
    resource = make_resource(data=None)
    settings.EDUCLOUD_UPLOAD_MAX_MB = 0.001  # about 1 KB
    with pytest.raises(InvalidInput) as exc:
        services.version_upload(
            actor=user("teacher"), resource_id=resource.pk, fileobj=io.BytesIO(TXT * 100), filename="a.txt"
        )
    assert "文件过大" in exc.value.message and exc.value.field == "file"
    assert not resource.versions.exists() and _files(_media) == []


def test_api_upload_rejection_names_the_reason(login, make_resource):
    resource = make_resource(data=None)
    response = login("teacher").post(
        f"/api/v1/library/resources/{resource.pk}/versions", {"file": upload("a.docx", b"PK\x03\x04junk")}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "file" and "ZIP" in body["detail"]


def test_same_content_is_stored_once_and_a_new_version_keeps_the_old_one(make_resource, _media):
    first = make_resource(data=PDF)
    second = make_resource(data=PDF, title="另一份课件：勾股定理的证明")
    assert first.versions.get().blob_id == second.versions.get().blob_id
    sha = hashlib.sha256(PDF).hexdigest()
    assert [p.name for p in _files(_media)] == [sha]
    with pytest.raises(InvalidInput) as exc:
        services.version_upload(
            actor=user("teacher"), resource_id=first.pk, fileobj=io.BytesIO(PDF), filename="again.pdf"
        )
    assert "完全相同" in exc.value.message
    v2 = services.version_upload(
        actor=user("teacher"),
        resource_id=first.pk,
        fileobj=io.BytesIO(PNG),
        filename="图.png",
        note="换成图片",
    )
    assert v2.number == 2 and v2.blob.kind == "png"
    assert [v.number for v in first.versions.order_by("number")] == [1, 2]
    assert len(_files(_media)) == 2


def test_only_the_owner_uploads_versions(make_resource):
    resource = make_resource(data=None)
    with pytest.raises(Exception) as exc:
        services.version_upload(
            actor=user("school_admin"), resource_id=resource.pk, fileobj=io.BytesIO(PDF), filename="a.pdf"
        )
    assert getattr(exc.value, "status_code", None) == 403


def test_api_upload_reports_duplicates_the_uploader_can_see(login, make_resource):
    make_resource(status="published", data=MP4, filename="v.mp4", type="video")
    resource = make_resource(data=None, title="同一段视频的另一个条目")
    response = login("teacher").post(
        f"/api/v1/library/resources/{resource.pk}/versions",
        {"file": upload("video.mp4", MP4), "note": "上传"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (
        body["kind"] == "mp4" and body["sha256"] == hashlib.sha256(MP4).hexdigest() and body["duplicate_of"]
    )


def test_downloads_honour_ranges(client, make_resource):
    resource = make_resource(status="published", data=PDF)
    url = f"/library/r/{resource.pk}/v/1/file"
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == PDF
    assert "attachment" in whole["Content-Disposition"]
    part = client.get(url, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 0-9/{len(PDF)}"
    assert b"".join(part.streaming_content) == PDF[:10] and part["Content-Length"] == "10"
    tail = client.get(url, HTTP_RANGE="bytes=-5")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == PDF[-5:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(PDF)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(PDF)}"
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"not-this-version"')
    assert stale.status_code == 200
    inline = client.get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline") and inline["Content-Type"] == "application/pdf"
    resource.refresh_from_db()
    assert resource.download_count == 2  # whole-file answers only: ranges and previews are not downloads


def test_downloads_are_scoped(client, login, make_resource):
    resource = make_resource(status="published", visibility="school", license="school_only")
    assert client.get(f"/library/r/{resource.pk}/v/1/file").status_code == 404  # as if it did not exist
    assert login("student").get(f"/library/r/{resource.pk}/v/1/file").status_code == 200
    assert login("student").get(f"/library/r/{resource.pk}/v/9/file").status_code == 404


def test_cover_image_must_be_an_image_and_is_served_to_viewers_only(login, make_resource, _media):
    # (a published resource's new cover waits for review: see test_review_of_changes)
    resource = make_resource(status="under_review", visibility="circle")
    teacher = login("teacher")
    refused = teacher.post(f"/api/v1/library/resources/{resource.pk}/cover", {"file": upload("c.png", TXT)})
    assert (
        refused.status_code == 400
        and refused.json()["field"] == "cover"
        and "PNG 或 JPEG" in refused.json()["detail"]
    )
    assert len(_files(_media)) == 1  # only the resource's own PDF: the refused text was not kept
    done = teacher.post(f"/api/v1/library/resources/{resource.pk}/cover", {"file": upload("c.png", PNG)})
    assert done.status_code == 200 and done.json()["cover_url"].endswith("/cover")
    response = teacher.get(done.json()["cover_url"])
    assert response["Content-Type"] == "image/png" and b"".join(response.streaming_content) == PNG
    services.resource_approve(actor=user("school_admin"), resource_id=resource.pk)
    assert Client().get(f"/library/r/{resource.pk}/cover").status_code == 404  # anonymous: circle only
    assert 'data-testid="cover"' in teacher.get(f"/library/r/{resource.pk}/").content.decode()
