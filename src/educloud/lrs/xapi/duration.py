"""ISO 8601 durations (Data 4.6) for ``result.duration``.

Only the format of ISO 8601:2004 section 4.4.3.2 is accepted: ``PnYnMnDTnHnMnS``
(any subset, at least one component, ``T`` only before time components) or ``PnW``
alone (``P4W1D`` is invalid). The alternative format of 4.4.3.3
(``P0003-01-29T04:35:59``) is refused. Decimal fractions (``.`` or ``,``) are allowed
on components, as ISO 8601 allows on the lowest-order one. The spec's own example
``P16559.14S`` (seconds without ``T``) is accepted as well, since Data 4.6.s2 lists it
as valid.
"""

from __future__ import annotations

import re

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION_RE = re.compile(
    rf"P(?:(?=.)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?"
    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
    rf"|{_NUM}W|{_NUM}S)"
)
_DURATION_PART_RE = re.compile(rf"({_NUM})([YMWDHS])")


def is_duration(value: object) -> bool:
    """True if ``value`` is a string holding an ISO 8601 duration as xAPI allows."""
    return isinstance(value, str) and value != "P" and bool(_DURATION_RE.fullmatch(value))


def truncate_duration(value: str) -> str:
    """Truncate seconds to 0.01 s precision (Data 4.6.s1.b4/b5: compare at 0.01 s).

    ``PT1.23456S`` becomes ``PT1.23S``; durations with no fractional seconds are
    returned unchanged.
    """
    head, sep, seconds = value.rpartition("S")
    if not sep or seconds:
        return value
    match = re.search(r"(\d+)[.,](\d+)$", head)
    if match is None:
        return value
    return f"{head[: match.start()]}{match.group(1)}.{match.group(2)[:2]}S"
