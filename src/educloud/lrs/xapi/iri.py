"""IRI / IRL syntax checks (RFC 3987, best effort as Data 2.2.s4.b6 allows).

Only absolute IRIs are accepted: a scheme is mandatory (Data 2.2.s4.b1.b8) and
relative references / bare fragments are rejected (Data 2.4.4.1 note). The check is
structural: scheme, optional authority (userinfo, host, port), path, query and
fragment are each matched against the RFC 3987 character classes, so spaces,
control characters, ``<>"{}|\\^``` `` and malformed percent-escapes are refused.
"""

from __future__ import annotations

import functools
import re

_UCSCHAR = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
    "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd"
    "\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd"
)
_IPRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = "A-Za-z0-9\\-._~" + _UCSCHAR
_SUB_DELIMS = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
_USERINFO_RE = re.compile(f"(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}:]|{_PCT})*")
_REG_NAME_RE = re.compile(f"(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}]|{_PCT})*")
_IP_LITERAL_RE = re.compile(r"\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]")
_PORT_RE = re.compile(r"[0-9]*")
_PATH_RE = re.compile(f"(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}:@/]|{_PCT})*")
_QUERY_RE = re.compile(f"(?:[{_UNRESERVED}{_IPRIVATE}{re.escape(_SUB_DELIMS)}:@/?]|{_PCT})*")
_FRAGMENT_RE = re.compile(f"(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}:@/?]|{_PCT})*")


def _valid_authority(authority: str) -> bool:
    """``[ iuserinfo "@" ] ihost [ ":" port ]``."""
    userinfo, at, hostport = authority.rpartition("@")
    if at and not _USERINFO_RE.fullmatch(userinfo):
        return False
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or not _IP_LITERAL_RE.fullmatch(hostport[: end + 1]):
            return False
        rest = hostport[end + 1 :]
        return rest == "" or (rest.startswith(":") and bool(_PORT_RE.fullmatch(rest[1:])))
    host, colon, port = hostport.partition(":")
    if colon and not _PORT_RE.fullmatch(port):
        return False
    return bool(_REG_NAME_RE.fullmatch(host))


def _split_iri(value: str) -> tuple[str, str, str, str | None, str | None] | None:
    """Split into (scheme, "//authority" or "", path, query, fragment); None without a scheme."""
    scheme, colon, rest = value.partition(":")
    if not colon or not _SCHEME_RE.fullmatch(scheme):
        return None
    rest, hash_, fragment = rest.partition("#")
    rest, qmark, query = rest.partition("?")
    authority, path = "", rest
    if rest.startswith("//"):
        cut = rest.find("/", 2)
        authority, path = ("//" + rest[2:], "") if cut < 0 else ("//" + rest[2:cut], rest[cut:])
    return scheme, authority, path, query if qmark else None, fragment if hash_ else None


def is_iri(value: object) -> bool:
    """True if ``value`` is a string holding an absolute IRI (RFC 3987 ``IRI``)."""
    if not isinstance(value, str) or not value:
        return False
    return _is_iri(value)


@functools.lru_cache(maxsize=16384)  # verb and activity IRIs repeat across a batch
def _is_iri(value: str) -> bool:
    parts = _split_iri(value)
    if parts is None:
        return False
    _scheme, authority, path, query, fragment = parts
    if authority and not _valid_authority(authority[2:]):
        return False
    if authority and path and not path.startswith("/"):
        return False
    if not authority and path.startswith("//"):
        return False
    if not _PATH_RE.fullmatch(path):
        return False
    if query is not None and not _QUERY_RE.fullmatch(query):
        return False
    if fragment is not None and not _FRAGMENT_RE.fullmatch(fragment):
        return False
    # an IRI must identify something: "http:" or "urn:" alone is not an identifier
    return bool(authority[2:] or path or query)


def is_irl(value: object) -> bool:
    """True for an IRI usable as a locator: absolute, and hierarchical schemes need a host."""
    if not is_iri(value):
        return False
    assert isinstance(value, str)
    scheme = value.split(":", 1)[0].lower()
    if scheme in {"http", "https", "ftp", "ws", "wss"}:
        parts = _split_iri(value)
        assert parts is not None
        host = parts[1][2:].rpartition("@")[2]
        return bool(host.split(":", 1)[0] if not host.startswith("[") else host)
    return True


def is_uri(value: object) -> bool:
    """True for an absolute IRI that is also a URI (ASCII only), e.g. an ``openid``."""
    return is_iri(value) and isinstance(value, str) and value.isascii()
