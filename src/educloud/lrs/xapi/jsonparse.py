"""Strict JSON parsing for request bodies and JSON-valued parameters.

xAPI forbids repeating a property inside an object (Data 2.2.s2.b2) and all strings
are UTF-8 (Communication 1.4). Python's ``json`` silently keeps the last duplicate and
accepts ``NaN``/``Infinity``; :func:`parse_json` refuses both.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import XAPIValidationError


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise XAPIValidationError(key, "property appears more than once in the same object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise XAPIValidationError("", f"{name} is not valid JSON")


def parse_json(data: bytes | str) -> Any:
    """Parse JSON text (bytes are decoded as UTF-8); raise ``XAPIValidationError``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError as exc:
        raise XAPIValidationError("", f"body is not valid UTF-8: {exc}") from None
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise XAPIValidationError("", f"malformed JSON: {exc}") from None
