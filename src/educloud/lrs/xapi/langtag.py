"""RFC 5646 language tags (the keys of xAPI Language Maps, ``context.language``).

Implements the full ``Language-Tag`` ABNF of RFC 5646 section 2.1 (langtag,
privateuse and the grandfathered tags), case-insensitively, plus the two
"well-formed" constraints of section 2.2.5/2.2.6 that a regular expression cannot
express: no singleton may repeat (``ar-a-aaa-b-bbb-a-ccc``) and no variant may
repeat (``de-1901-1901``). Registry membership (whether ``qq`` is an assigned
language) is deliberately not checked; xAPI only requires the token structure
(Data 2.2.s4.b2).
"""

from __future__ import annotations

import functools
import re

_GRANDFATHERED = frozenset(
    tag.lower()
    for tag in (
        # irregular
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon",
        "i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR",
        "sgn-BE-NL", "sgn-CH-DE",
        # regular
        "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min",
        "zh-min-nan", "zh-xiang",
    )
)

_LANGTAG_RE = re.compile(
    r"""
    (?P<language>
        [a-z]{2,3}(?:-[a-z]{3}){0,3}   # shortest ISO 639 code + up to three extlang
      | [a-z]{4}                       # reserved for future use
      | [a-z]{5,8}                     # registered language subtag
    )
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
    (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
    (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
    (?:-x(?:-[a-z0-9]{1,8})+)?
    """,
    re.VERBOSE,
)
_PRIVATEUSE_RE = re.compile(r"x(?:-[a-z0-9]{1,8})+")
_SINGLETON_RE = re.compile(r"-([0-9a-wyz])(?=-)")


def _no_repeats(items: list[str]) -> bool:
    return len(items) == len(set(items))


def is_language_tag(value: object) -> bool:
    """True if ``value`` is a well-formed RFC 5646 language tag."""
    if not isinstance(value, str) or not value or not value.isascii():
        return False
    return _is_language_tag(value)


@functools.lru_cache(maxsize=4096)  # a handful of tags ("zh-CN", "en-US") recur in every Statement
def _is_language_tag(value: str) -> bool:
    tag = value.lower()
    if tag in _GRANDFATHERED or _PRIVATEUSE_RE.fullmatch(tag):
        return True
    match = _LANGTAG_RE.fullmatch(tag)
    if match is None:
        return False
    variants = [v for v in match.group("variants").split("-") if v]
    singletons = _SINGLETON_RE.findall(match.group("extensions") + "-")
    return _no_repeats(variants) and _no_repeats(singletons)
