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

ZIP-based files are the one kind whose check decompresses, so it is bounded (``ZipLimits``):
the member count declared by the end record is checked before the central directory is parsed;
then, before anything is decompressed, members whose data overlap (several central-directory
entries pointing at one member: the classic "overlapping zip bomb"), compressed sizes summing
to more than the archive, too high a declared ratio per member, or too large a declared total
are refused; then only ``[Content_Types].xml`` is decompressed (in 64 KB chunks, its CRC checked,
at most ``max_member_read`` bytes, bytes and seconds counted against the budget). No other
member is decompressed: a big member is never inflated, so a ``zip`` upload's other members'
CRCs are not verified (the downloader's unzip does that).
"""

from __future__ import annotations

import codecs
import itertools
import struct
import time
import zipfile
import zlib
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


@dataclass(frozen=True)
class ZipLimits:
    """Bounds of the ZIP content check (a crafted archive must not cost more than these).

    - ``max_entries``: members in the central directory;
    - ``max_ratio``: declared uncompressed / compressed size of any one member over 1 MB;
    - ``max_total``: bytes the check may decompress in all;
    - ``max_member_read``: bytes kept of the one member that tells the type (``[Content_Types].xml``);
    - ``time_budget``: seconds of decompression before the check gives up.
    """

    max_entries: int = 10_000
    max_ratio: int = 200
    max_total: int = 8 << 20
    max_member_read: int = 1 << 20
    time_budget: float = 10.0


_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER_SIZE = 30
_MAX_ENTRY_BYTES = 1024  # a central-directory entry is 46 bytes + name + extra + comment


def _declared_directory(fileobj: BinaryIO, size: int) -> tuple[int, int] | None:
    """(entries, central directory bytes) the end record declares, read before parsing the directory."""
    tail_len = min(size, _EOCD.size + 0xFFFF)
    fileobj.seek(size - tail_len)
    tail = fileobj.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return None
    record = _EOCD.unpack_from(tail, at)
    entries, directory = int(record[4]), int(record[5])
    if (entries != 0xFFFF and directory != 0xFFFFFFFF) or at < _ZIP64_LOCATOR.size:
        return entries, directory
    locator = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
    if locator[0] != b"PK\x06\x07" or locator[2] + _ZIP64_EOCD.size > size:
        return entries, directory
    fileobj.seek(locator[2])
    raw = fileobj.read(_ZIP64_EOCD.size)
    if len(raw) < _ZIP64_EOCD.size or raw[:4] != b"PK\x06\x06":
        return entries, directory
    zip64 = _ZIP64_EOCD.unpack(raw)
    return int(zip64[7]), int(zip64[8])


def _check_shape(infos: list[zipfile.ZipInfo], size: int, limits: ZipLimits) -> None:
    """Refuse archives whose central directory is a bomb before a single byte is decompressed."""
    if len(infos) > limits.max_entries:
        raise Rejected(f"压缩包内文件过多（{len(infos)} 个，上限 {limits.max_entries} 个）")
    if sum(info.compress_size for info in infos) > size:
        raise Rejected(
            "压缩包结构异常：各文件的压缩大小之和超过了压缩包本身（条目相互重叠），疑似“压缩炸弹”"
        )
    # A member's data starts after its local header (30 bytes + name + extra) at header_offset;
    # no other member may start before the end of that (extra counted as 0: a lower bound).
    spans = sorted(
        (
            info.header_offset,
            info.header_offset + _LOCAL_HEADER_SIZE + len(info.orig_filename.encode()) + info.compress_size,
            info.filename,
        )
        for info in infos
    )
    for (_start, end, name), (next_start, _end, _next) in itertools.pairwise(spans):
        if next_start < end:
            raise Rejected(
                f"压缩包结构异常：文件“{name[:60]}”与其他条目的数据相互重叠（多个目录项指向同一数据），"
                "疑似“压缩炸弹”"
            )
    for info in infos:
        if info.file_size > 1 << 20 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise Rejected(
                f"压缩包内文件“{info.filename[:60]}”的压缩比过高"
                f"（超过 {limits.max_ratio} 倍），疑似“压缩炸弹”"
            )


class _Budget:
    """Bytes and seconds the check may still spend decompressing."""

    def __init__(self, limits: ZipLimits) -> None:
        self.left = limits.max_total
        self.deadline = time.monotonic() + limits.time_budget
        self.limits = limits

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise Rejected(
                f"压缩包解压后的内容超过检查上限 {self.limits.max_total / 1048576:.0f} MB（与声明的大小不符）"
            )
        if time.monotonic() > self.deadline:
            raise Rejected(
                f"压缩包内容检查超时（超过 {self.limits.time_budget:g} 秒），请精简压缩包后重新上传"
            )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, cap: int) -> bytes:
    """Decompress one member in 64 KB chunks (CRC checked at its end), keeping at most ``cap`` bytes."""
    if info.file_size > cap:
        raise Rejected(f"压缩包内“{info.filename[:60]}”过大（超过 {cap // 1024} KB），不是有效的 Office 文档")
    kept = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(1 << 16):
            budget.spend(len(chunk))
            kept += chunk
            if len(kept) > cap:
                raise Rejected(
                    f"压缩包内“{info.filename[:60]}”解压后超过 {cap // 1024} KB（与声明的大小不符），"
                    "不是有效的 Office 文档"
                )
    return bytes(kept)


def _zip_kind(fileobj: BinaryIO, name: str, limits: ZipLimits) -> Sniffed:
    try:
        fileobj.seek(0, 2)
        size = fileobj.tell()
        declared = _declared_directory(fileobj, size)
        if declared is not None and (
            declared[0] > limits.max_entries or declared[1] > limits.max_entries * _MAX_ENTRY_BYTES
        ):
            raise Rejected(f"压缩包内文件过多（声明 {declared[0]} 个，上限 {limits.max_entries} 个）")
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            _check_shape(infos, size, limits)
            types = ""
            wanted = [info for info in infos if info.filename == "[Content_Types].xml"]
            if wanted:  # the one member that tells the type; nothing else is decompressed
                types = _read_member(archive, wanted[0], _Budget(limits), limits.max_member_read).decode(
                    "utf-8", errors="replace"
                )
            for marker, (kind, content_type) in _OOXML.items():
                if marker in types:
                    return Sniffed(kind, content_type)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error) as exc:
        raise Rejected(f"文件以 ZIP 标记开头，但不是完整有效的 ZIP 压缩包（{_zip_error(exc)}）") from exc
    finally:
        fileobj.seek(0)
    if name.lower().endswith((".docx", ".pptx", ".xlsx")):
        raise Rejected(
            "文件名是 Office 文档，但内容缺少对应的 [Content_Types].xml 声明：不是有效的 Office 文档"
        )
    return Sniffed("zip", "application/zip")


def _zip_error(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "校验失败，压缩包已损坏"
    if isinstance(exc, NotImplementedError):
        return "使用了不支持的压缩方式或加密"
    return "结构损坏"


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


def sniff(fileobj: BinaryIO, *, name: str = "", zip_limits: ZipLimits | None = None) -> Sniffed:
    """The kind of the file's content. Raises ``Rejected`` (message in Chinese) if not allowed.

    ZIP-based files are checked within ``zip_limits`` (defaults: ``ZipLimits()``).
    """
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
        return _zip_kind(fileobj, name, zip_limits or ZipLimits())
    for magic, label in _DESCRIBE.items():
        if head.startswith(magic):
            raise Rejected(f"文件内容是{label}，不在允许的类型之内（允许：{ALLOWED_LABEL}）")
    return _text_kind(fileobj, name)
