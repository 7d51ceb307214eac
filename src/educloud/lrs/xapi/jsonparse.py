"""Strict JSON parsing for request bodies and JSON-valued parameters.

xAPI forbids repeating a property inside an object (Data 2.2.s2.b2) and all strings
are UTF-8 (Communication 1.4). Python's ``json`` silently keeps the last duplicate,
accepts ``NaN``/``Infinity``, and turns an unpaired surrogate escape (``"\ud800"``) into a
string no UTF-8 encoder (nor PostgreSQL) accepts; :func:`parse_json` refuses all three.

Nesting is bounded: JSON nested more than :data:`MAX_JSON_DEPTH` levels (objects and arrays)
is refused, whatever its size. ``json`` itself recurses per level and raises ``RecursionError``
near 1,000 levels, and everything downstream (validation, comparison, copying, encoding) walks
the structure recursively; with this bound none of it can run out of stack. An xAPI Statement
needs at most ~10 levels; the rest of the budget is for extension values and documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import XAPIValidationError

MAX_JSON_DEPTH = 64
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise XAPIValidationError(key, "property appears more than once in the same object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise XAPIValidationError("", f"{name} is not valid JSON")


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if ``value`` (parsed JSON: dicts, lists, scalars) nests objects/arrays more than
    ``limit`` levels deep (``{}`` and ``[]`` are one level, a scalar none). Iterative, level by
    level, so it never recurses itself; stops as soon as the limit is passed."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
    return False


def _too_deep(limit: int) -> XAPIValidationError:
    return XAPIValidationError("", f"JSON nested more than {limit} levels deep is not accepted")


def _not_unicode() -> XAPIValidationError:
    return XAPIValidationError(
        "", "a string contains an unpaired UTF-16 surrogate (\\uD800-\\uDFFF), which is not Unicode text"
    )


def parse_json(data: bytes | str, *, max_depth: int | None = MAX_JSON_DEPTH) -> Any:
    """Parse JSON text (bytes are decoded as UTF-8); raise ``XAPIValidationError`` for malformed
    text, duplicate keys, ``NaN``/``Infinity``, unpaired surrogates and nesting deeper than
    ``max_depth``.

    ``max_depth=None`` skips the depth walk (~5 ms per 1,000 Statements) for callers that validate
    the value as Statements at once: the validator bounds the only free-form part, extension values,
    and descends nowhere else without checking the properties first. Nesting beyond what ``json``
    can parse (~1,000 levels) is refused either way."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError as exc:
        raise XAPIValidationError("", f"body is not valid UTF-8: {exc}") from None
    if not isinstance(data, bytes | bytearray):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _not_unicode() from None
    try:
        value = json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise XAPIValidationError("", f"malformed JSON: {exc}") from None
    except RecursionError:  # ~1,000 levels: json's C scanner recurses per level
        raise _too_deep(max_depth or MAX_JSON_DEPTH) from None
    if max_depth is not None and json_depth_exceeds(value, max_depth):
        raise _too_deep(max_depth)
    if _SURROGATE_ESCAPE_RE.search(text):  # rare: then check that the surrogates come in pairs
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise _not_unicode() from None
    return value
