"""What a file really is, judged by its content (magic bytes), never by its name.

Allowed kinds and how each is recognised:

| kind | rule |
|---|---|
| pdf | starts with ``%PDF-`` |
| png | the 8-byte PNG signature |
| jpeg | ``FF D8 FF`` |
| mp4 | an ISO-BMFF ``ftyp`` box at offset 4 with an MP4-family brand |
| mp3 | an ``ID3`` tag, or an MPEG audio frame sync (``FF Ex``/``FF Fx``, layer III) |
| docx / pptx / xlsx | a ZIP whose ``[Content_Types].xml`` declares the Word / PowerPoint / Excel main part |
| zip | any other valid ZIP (``PK\\x03\\x04``, readable central directory) |
| txt / md | no NUL byte and valid UTF-8 throughout (``md`` when the name ends in .md: same content rule) |

Anything else is refused with a reason in Chinese (``Rejected``). ``sniff`` reads from a
binary file object and leaves its position at 0.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str


class Rejected(ValueError):
    """The content is not an allowed kind; ``str(exc)`` says why, in Chinese."""


_OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4A ",
    b"dash",
}
_DESCRIBE = {
    b"MZ": "Windows 可执行文件",
    b"\x7fELF": "Linux 可执行文件",
    b"GIF8": "GIF 图片",
    b"Rar!": "RAR 压缩包",
    b"7z\xbc\xaf": "7z 压缩包",
    b"\xd0\xcf\x11\xe0": "旧版 Office（.doc/.ppt/.xls）文件",
    b"RIFF": "RIFF（AVI/WAV/WebP）文件",
}
_ALLOWED = ("PDF", "Word/PowerPoint/Excel（docx/pptx/xlsx）", "MP4 视频", "MP3 音频", "PNG/JPEG 图片")
ALLOWED_LABEL = "、".join((*_ALLOWED, "UTF-8 文本或 Markdown", "ZIP 压缩包"))


def _is_mp3(head: bytes) -> bool:
    if head.startswith(b"ID3"):
        return True
    # MPEG audio frame: 11 sync bits, MPEG version != reserved, layer III (bits 01).
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) == 0x02


def _zip_kind(fileobj: BinaryIO, name: str) -> Sniffed:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise Rejected(f"压缩包已损坏（{bad} 校验失败）")
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                types = archive.read("[Content_Types].xml").decode("utf-8", errors="replace")
                for marker, (kind, content_type) in _OOXML.items():
                    if marker in types:
                        return Sniffed(kind, content_type)
    except zipfile.BadZipFile as exc:
        raise Rejected("文件以 ZIP 标记开头，但不是完整有效的 ZIP 压缩包") from exc
    finally:
        fileobj.seek(0)
    if name.lower().endswith((".docx", ".pptx", ".xlsx")):
        raise Rejected(
            "文件名是 Office 文档，但内容缺少对应的 [Content_Types].xml 声明：不是有效的 Office 文档"
        )
    return Sniffed("zip", "application/zip")


def _text_kind(fileobj: BinaryIO, name: str) -> Sniffed:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(1 << 16):
            if b"\x00" in chunk:
                raise Rejected("文件含有二进制内容，不是文本，也不属于允许的类型")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise Rejected("文本文件不是有效的 UTF-8 编码（请另存为 UTF-8 后再上传）") from exc
    finally:
        fileobj.seek(0)
    if name.lower().endswith((".md", ".markdown")):
        return Sniffed("md", "text/markdown; charset=utf-8")
    return Sniffed("txt", "text/plain; charset=utf-8")


def sniff(fileobj: BinaryIO, *, name: str = "") -> Sniffed:
    """The kind of the file's content. Raises ``Rejected`` (message in Chinese) if not allowed."""
    fileobj.seek(0)
    head = fileobj.read(64)
    fileobj.seek(0)
    if not head:
        raise Rejected("文件是空的")
    if head.startswith(b"%PDF-"):
        return Sniffed("pdf", "application/pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png", "image/png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpeg", "image/jpeg")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        if head[8:12] in _MP4_BRANDS:
            return Sniffed("mp4", "video/mp4")
        raise Rejected(f"不支持的视频/媒体容器（品牌 {head[8:12]!r}），请转换为 MP4（H.264）后上传")
    if _is_mp3(head):
        return Sniffed("mp3", "audio/mpeg")
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(fileobj, name)
    for magic, label in _DESCRIBE.items():
        if head.startswith(magic):
            raise Rejected(f"文件内容是{label}，不在允许的类型之内（允许：{ALLOWED_LABEL}）")
    return _text_kind(fileobj, name)
