from __future__ import annotations

import io

import pytest

from educloud.library.sniff import Rejected, sniff

from .conftest import DOCX, MP3, MP4, PDF, PNG, TXT, zip_bytes


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PDF, "a.pdf", "pdf"),
        (PNG, "a.png", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a.jpg", "jpeg"),
        (MP4, "a.mp4", "mp4"),
        (MP3, "a.mp3", "mp3"),
        (b"\xff\xfb\x90\x64" + b"\x00" * 100, "frame.mp3", "mp3"),
        (DOCX, "a.docx", "docx"),
        (TXT, "a.txt", "txt"),
        (TXT, "notes.md", "md"),
        (zip_bytes({"a.txt": "x"}), "a.zip", "zip"),
        (PDF, "disguised.txt", "pdf"),  # the name does not matter, the content does
    ],
)
def test_allowed_kinds_are_recognised_by_content(data: bytes, name: str, kind: str):
    assert sniff(io.BytesIO(data), name=name).kind == kind


def test_office_documents_are_told_apart_by_their_content_types():
    pptx = zip_bytes(
        {
            "[Content_Types].xml": '<Types><Override PartName="/ppt/presentation.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
            "</Types>"
        }
    )
    xlsx = zip_bytes(
        {
            "[Content_Types].xml": "<Types><Override "
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        }
    )
    assert sniff(io.BytesIO(pptx)).kind == "pptx"
    assert sniff(io.BytesIO(xlsx)).kind == "xlsx"


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 60, "课件.pdf", "Windows 可执行文件"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "video.mp4", "Linux 可执行文件"),
        (b"GIF89a\x01\x00\x01\x00", "a.png", "GIF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60, "old.doc", "旧版 Office"),
        (zip_bytes({"a.txt": "x"}), "fake.docx", "不是有效的 Office 文档"),
        (b"PK\x03\x04garbage-not-a-zip", "a.zip", "不是完整有效的 ZIP"),
        ("中文".encode("gbk") * 10, "gbk.txt", "UTF-8"),
        (b"abc\x00def", "bin.txt", "二进制"),
        (b"", "empty.pdf", "空"),
        (b"\x00\x00\x00\x18ftypqt  \x00\x00", "a.mov", "MP4"),
    ],
)
def test_disguised_or_unknown_content_is_refused_with_a_chinese_reason(data: bytes, name: str, reason: str):
    with pytest.raises(Rejected) as exc:
        sniff(io.BytesIO(data), name=name)
    assert reason in str(exc.value)


def test_sniff_leaves_the_file_position_at_the_start():
    fileobj = io.BytesIO(DOCX)
    fileobj.seek(10)
    sniff(fileobj)
    assert fileobj.tell() == 0
