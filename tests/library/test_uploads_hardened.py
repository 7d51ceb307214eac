"""Issue #11 items 4 and 8: crafted ZIPs are refused within bounds, outside any transaction, and
bad upload forms (huge file names, long titles, empty files) are a 400 naming the field."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.db import connection
from django.test import Client

from educloud.library import storage
from educloud.library.models import Blob, Resource
from educloud.library.sniff import Rejected, ZipLimits, sniff

from .conftest import PDF, upload, user, zip_bytes

pytestmark = pytest.mark.django_db

_EOCD = struct.Struct("<4s4H2LH")
CONTENT_TYPES = "[Content_Types].xml"


def overlapping_zip(*, member_mb: int, entries: int, name: str = CONTENT_TYPES) -> bytes:
    """The shape of the attack: one highly compressible member (zeros) and a central directory of
    ``entries`` copies of its entry, all pointing at the same local header (offset 0)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(name, b"\0" * (member_mb << 20))
    raw = buf.getvalue()
    at = raw.rindex(b"PK\x05\x06")
    directory_size, directory_at = _EOCD.unpack_from(raw, at)[5:7]
    directory = raw[directory_at : directory_at + directory_size] * entries
    end = _EOCD.pack(b"PK\x05\x06", 0, 0, entries, entries, len(directory), directory_at, 0)
    return raw[:directory_at] + directory + end


class CountingReader(io.BytesIO):
    """A file object that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


# ---------------------------------------------------------------- item 4: the content check


def test_overlapping_entries_are_refused_before_anything_is_decompressed():
    bomb = overlapping_zip(member_mb=8, entries=40)  # 320 MB of zeros declared, ~8 KB per entry read
    assert len(bomb) < 100_000
    fileobj = CountingReader(bomb)
    with pytest.raises(Rejected) as refused:
        sniff(fileobj, name="课件.docx")
    assert "相互重叠" in str(refused.value) and "压缩炸弹" in str(refused.value)
    # Read: the end record, the central directory, nothing decompressed (so not even the archive twice).
    assert fileobj.bytes_read <= 2 * len(bomb)


def test_one_member_with_a_huge_compression_ratio_is_refused_by_its_declared_sizes():
    bomb = overlapping_zip(member_mb=8, entries=1, name="data.bin")  # 8 MB of zeros → ~8 KB
    with pytest.raises(Rejected, match="压缩比过高"):
        sniff(io.BytesIO(bomb), name="a.zip")
    # With a generous ratio it is an ordinary ZIP: its big member is never decompressed.
    assert sniff(io.BytesIO(bomb), name="a.zip", zip_limits=ZipLimits(max_ratio=10_000)).kind == "zip"


def test_too_many_entries_are_refused_from_the_end_record():
    many = zip_bytes({f"f{i}.txt": "x" for i in range(30)})
    with pytest.raises(Rejected, match="文件过多"):
        sniff(io.BytesIO(many), name="a.zip", zip_limits=ZipLimits(max_entries=20))
    assert sniff(io.BytesIO(many), name="a.zip", zip_limits=ZipLimits(max_entries=30)).kind == "zip"


def test_a_zip64_directory_of_65536_entries_is_refused_from_its_end_record():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        for i in range(0x10000):  # one more than a classic end record can count: zip64 records
            archive.writestr(f"{i}", b"")
    fileobj = CountingReader(buf.getvalue())
    with pytest.raises(Rejected, match="声明 65536 个"):
        sniff(fileobj, name="a.zip")
    assert fileobj.bytes_read < 100_000  # the end records only, not the 6 MB directory


def test_decompression_is_bounded_in_bytes_and_time():
    types = zip_bytes({CONTENT_TYPES: "<Types>" + "<Default/>" * 20_000 + "</Types>"})  # ~200 KB
    with pytest.raises(Rejected, match="超过检查上限"):
        sniff(io.BytesIO(types), name="a.docx", zip_limits=ZipLimits(max_total=100_000))
    with pytest.raises(Rejected, match="超时"):
        sniff(io.BytesIO(types), name="a.docx", zip_limits=ZipLimits(time_budget=-1))


def test_the_type_member_is_read_only_up_to_its_cap():
    big_types = zip_bytes({CONTENT_TYPES: "<Types>" + "<Default/>" * 20_000 + "</Types>"})  # ~200 KB
    with pytest.raises(Rejected, match="过大"):
        sniff(io.BytesIO(big_types), name="a.docx", zip_limits=ZipLimits(max_member_read=64 * 1024))


def test_a_type_member_that_lies_about_its_size_stops_at_the_cap():
    """The declared size is patched down to 10 bytes: decompression stops at the cap, not at the
    real (200 KB) size, and the member is refused."""
    honest = zip_bytes({CONTENT_TYPES: "<Types>" + "<Default/>" * 20_000 + "</Types>"})
    at = honest.rindex(b"PK\x01\x02")  # the one central-directory entry: patch its uncompressed size
    lying = honest[: at + 24] + struct.pack("<L", 10) + honest[at + 28 :]
    with pytest.raises(Rejected):
        sniff(io.BytesIO(lying), name="a.docx", zip_limits=ZipLimits(max_member_read=64 * 1024))


def test_the_api_refuses_the_crafted_zip_with_a_chinese_message_naming_the_field(
    login, make_resource, _media
):
    resource = make_resource(status="draft")
    teacher = login("teacher")
    response = teacher.post(
        f"/api/v1/library/resources/{resource.pk}/versions",
        {"file": upload("课件.docx", overlapping_zip(member_mb=8, entries=40))},
    )
    assert response.status_code == 400
    assert response.json()["field"] == "file" and "压缩炸弹" in response.json()["detail"]
    assert resource.versions.count() == 1
    assert len([p for p in _media.rglob("*") if p.is_file()]) == 1  # the refused file was not kept


def test_limits_come_from_settings(login, make_resource, settings):
    settings.EDUCLOUD_ZIP_MAX_ENTRIES = 3
    resource = make_resource(status="draft")
    response = login("teacher").post(
        f"/api/v1/library/resources/{resource.pk}/versions",
        {"file": upload("a.zip", zip_bytes({f"f{i}.txt": "x" for i in range(5)}))},
    )
    assert response.status_code == 400 and "上限 3 个" in response.json()["detail"]


def test_the_content_check_and_storing_run_before_the_transaction_opens(
    login, make_resource, monkeypatch, django_db_blocker
):
    """On SQLite a write transaction holds the database lock: the slow part of an upload (content
    check, hashing, copying the file) must run with no transaction of ours open."""
    resource = make_resource(status="draft")
    depth_of_test = len(connection.atomic_blocks)  # the test's own rollback transaction
    seen: list[tuple[str, int]] = []
    real_sniff, real_save = storage.sniff, storage.default_storage.save

    def sniff_spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(("sniff", len(connection.atomic_blocks)))
        return real_sniff(*args, **kwargs)

    def save_spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(("save", len(connection.atomic_blocks)))
        return real_save(*args, **kwargs)

    monkeypatch.setattr(storage, "sniff", sniff_spy)
    monkeypatch.setattr(storage.default_storage, "save", save_spy)
    teacher = login("teacher")
    done = teacher.post(
        f"/api/v1/library/resources/{resource.pk}/versions", {"file": upload("v2.docx", _docx_variant())}
    )
    assert done.status_code == 201, done.content
    page = teacher.post(
        "/library/new/",
        {
            "title": "新课件",
            "type": "courseware",
            "subject": "math",
            "stage": "junior",
            "license": "cc-by",
            "visibility": "school",
            "file": upload("n.txt", "页面上传的文本".encode()),
        },
    )
    assert page.status_code == 302
    assert [name for name, _ in seen] == ["sniff", "save", "sniff", "save"]
    assert all(depth == depth_of_test for _, depth in seen), seen


def _docx_variant() -> bytes:
    from .conftest import DOCX

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(DOCX)) as source, zipfile.ZipFile(buf, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("docProps/custom.xml", "<x/>")
    return buf.getvalue()


# ---------------------------------------------------------------- item 8: bad upload forms


def _raw_multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body as browsers and HTTP clients send it (the file name raw in the header)."""
    boundary = "----educloudboundary7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_5000_character_file_name_is_a_json_400_naming_the_field(make_resource):
    resource = make_resource(status="draft")
    teacher = Client(enforce_csrf_checks=True)
    teacher.force_login(user("teacher"))
    token = teacher.get("/library/new/").cookies["csrftoken"].value
    body, content_type = _raw_multipart({"note": "x"}, "课" * 5000 + ".pdf", PDF)
    response = teacher.generic(
        "POST",
        f"/api/v1/library/resources/{resource.pk}/versions",
        body,
        content_type=content_type,
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert response.json()["field"] == "file" and "文件名过长" in response.json()["detail"]
    assert resource.versions.count() == 1


def test_a_5000_character_file_name_on_the_page_is_a_form_error(make_resource):
    teacher = Client(enforce_csrf_checks=True)
    teacher.force_login(user("teacher"))
    token = teacher.get("/library/new/").cookies["csrftoken"].value
    fields = {"csrfmiddlewaretoken": token, "title": "新课件", "type": "courseware", "subject": "math"}
    body, content_type = _raw_multipart(fields, "a" * 5000 + ".pdf", PDF)
    before = Resource.objects.count()
    response = teacher.generic("POST", "/library/new/", body, content_type=content_type)
    assert response.status_code == 400
    page = response.content.decode()
    assert "文件名过长" in page and 'name="title"' in page  # the form again, with the reason
    assert Resource.objects.count() == before
    resource = make_resource(status="draft")
    edit = teacher.generic("POST", f"/library/r/{resource.pk}/edit/", body, content_type=content_type)
    assert edit.status_code == 400 and "文件名过长" in edit.content.decode()


def test_the_page_still_checks_csrf_after_parsing_the_body(make_resource):
    teacher = Client(enforce_csrf_checks=True)
    teacher.force_login(user("teacher"))
    response = teacher.post(
        "/library/new/", {"title": "新课件", "type": "courseware", "file": upload("a.pdf", PDF)}
    )
    assert response.status_code == 403
    resource = make_resource(status="draft")
    edit = teacher.post(f"/library/r/{resource.pk}/edit/", {"title": "改名后的课件"})
    assert edit.status_code == 403
    resource.refresh_from_db()
    assert resource.title != "改名后的课件"


@pytest.mark.parametrize(
    ("filename", "data", "fields", "field", "reason"),
    [
        ("a" * 250 + ".pdf", PDF, {}, "file", "文件名过长"),  # Django keeps 255 characters of a name
        ("a.pdf", b"", {}, "file", "文件是空的"),
        ("a.pdf", PDF, {"title": "长" * 201}, "title", "标题"),
        ("a.pdf", PDF, {"description": "长" * 5001}, "description", "简介"),
        ("a.pdf", PDF, {"tags": "标" * 31}, "tags", "标签"),
        ("a.pdf", PDF, {"subject": "x" * 5000}, "subject", "subject"),
    ],
)
def test_bad_upload_forms_are_400_naming_the_field(
    login, make_resource, filename, data, fields, field, reason
):
    teacher = login("teacher")
    resource = make_resource(status="draft")
    if field == "file":
        api = teacher.post(
            f"/api/v1/library/resources/{resource.pk}/versions", {"file": upload(filename, data)}
        )
    else:
        api = teacher.patch(
            f"/api/v1/library/resources/{resource.pk}",
            {k: (v if k != "tags" else [v]) for k, v in fields.items()},
            content_type="application/json",
        )
    assert api.status_code == 400 and api.json()["field"] == field and reason in api.json()["detail"]
    values = {"title": "新课件", "type": "courseware", "subject": "math", "stage": "junior"}
    values["license"] = "cc-by"
    before = Resource.objects.count(), Blob.objects.count()
    page = teacher.post("/library/new/", {**values, **fields, "file": upload(filename, data)})
    assert page.status_code == 200 and reason in page.content.decode()
    assert (Resource.objects.count(), Blob.objects.count()) == before
