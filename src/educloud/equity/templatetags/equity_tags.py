"""Template filters of the equity pages: dictionary lookup and number formats."""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key, "") if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return ""


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def pct(value: Any, digits: int = 0) -> str:
    number = _finite(value)
    return "—" if number is None else f"{100 * number:.{int(digits)}f}%"


@register.filter
def wan(value: Any) -> str:
    """Yuan as 万元 with one decimal."""
    number = _finite(value)
    return "—" if number is None else f"{number / 10_000:,.1f}"


@register.filter
def num(value: Any, digits: int = 2) -> str:
    number = _finite(value)
    return "—" if number is None else f"{number:,.{int(digits)}f}"
