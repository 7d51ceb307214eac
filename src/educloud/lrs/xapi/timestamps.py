"""ISO 8601 timestamps (Data 4.5) for ``timestamp``, ``stored`` and the ``since``/``until``
parameters.

Accepted: ISO 8601 combined date and time in the extended form
(``2013-05-18T05:32:34.804+00:00``) or the basic form (``20130518T053234.804Z``),
seconds optional, any number of fractional digits (``.`` or ``,``). The time zone
(``Z``, ``±hh:mm``, ``±hhmm`` or ``±hh``) is optional: Data 2.4.7 says a timestamp
"SHOULD include the time zone", so one without is valid and is read as UTC, the zone the
LRS serves every time in (the stored Statement keeps the text as sent). RFC 3339's
"unknown local offset" ``-00:00`` (and ``-0000``/``-00``) is rejected because it
explicitly refuses to name an instant (conformance XAPI-00123). The LRS serialises its
own timestamps (``stored``) in UTC with millisecond precision (Data 4.5.s1.b3, b6).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_EXTENDED_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[Tt]"
    r"(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_BASIC_RE = re.compile(
    r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})[Tt]"
    r"(?P<h>\d{2})(?P<mi>\d{2})(?:(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?:\d{2})?)?"
)


def _parse_offset(text: str) -> timezone:
    if text in {"Z", "z"}:
        return UTC
    if text.replace(":", "") in {"-00", "-0000"}:
        raise ValueError("the offset -00:00 ('unknown local offset') does not name an instant")
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("time zone offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_timestamp(value: object, *, require_timezone: bool = False) -> datetime:
    """Parse an xAPI Timestamp into an aware datetime; raise ``ValueError`` with a reason
    if it is not one. A text without an offset is read as UTC, unless
    ``require_timezone=True`` makes it an error.
    """
    if not isinstance(value, str):
        raise ValueError("must be a string")
    match = _EXTENDED_RE.fullmatch(value) or _BASIC_RE.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO 8601 date and time")
    tz_text = match.group("tz")
    if tz_text is None and require_timezone:
        raise ValueError("must include a time zone (Z or ±hh:mm)")
    fraction = match.group("f") or "0"
    micro = int((fraction + "000000")[:6])
    try:
        moment = datetime(
            int(match.group("y")), int(match.group("mo")), int(match.group("d")),
            int(match.group("h")), int(match.group("mi")), int(match.group("s") or 0), micro,
        )
    except ValueError as exc:
        raise ValueError(f"not a valid date or time: {exc}") from None
    return moment.replace(tzinfo=_parse_offset(tz_text) if tz_text else UTC)


def is_timestamp(value: object) -> bool:
    """True if ``value`` is a valid xAPI Timestamp."""
    try:
        parse_timestamp(value)
    except ValueError:
        return False
    return True


def format_timestamp(moment: datetime) -> str:
    """Serialise as RFC 3339 in UTC with milliseconds, e.g. ``2024-05-01T08:00:00.123Z``."""
    if moment.tzinfo is None:
        raise ValueError("refusing to serialise a naive datetime; attach a time zone first")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
