"""HTTP byte ranges (RFC 9110 §14) for serving files: video seeking, resumable downloads.

``parse_range`` understands one ``bytes=`` range (``a-b``, ``a-``, ``-n``). Several ranges, or a
header it cannot parse, are ignored (the whole file is served with 200, as the RFC allows);
a syntactically valid range that starts beyond the end is unsatisfiable (416).
"""

from __future__ import annotations

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The range lies outside the file: answer 416 with ``Content-Range: bytes */size``."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive byte positions to send, or None for the whole file."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # suffix range: the last n bytes
        n = int(last_s)
        if n == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - n), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last_s and last < first:
        return None  # invalid: ignore the header
    if first >= size:
        raise Unsatisfiable
    return first, min(last, size - 1)
