"""Refuse the NUL character (U+0000) in what a request carries, before any view runs.

PostgreSQL text, varchar and jsonb cannot hold U+0000: a NUL that reaches a query or an INSERT
fails there ("PostgreSQL text fields cannot contain NUL (0x00) bytes", or "unsupported Unicode
escape sequence" for jsonb), which was a 500. SQLite would store it silently, so the two databases
would disagree. Django's form fields refuse it already (``ProhibitNullCharactersValidator``);
Ninja's parameters and JSON bodies do not. No legitimate Chinese or English text contains it, so
the platform refuses it in one place for every page and endpoint:

- the path, every query parameter (name and value) and every url-encoded form field;
- JSON bodies (``application/json`` and ``…+json``): a raw NUL byte, or a ``\\u0000`` escape that
  is not itself escaped (``\\\\u0000`` is the six characters ``\\u0000``, which is allowed).

Multipart bodies are left to their parsers: their file parts are binary and legitimately hold NUL
bytes, and reading the form fields here would consume the stream that the xAPI multipart parser
reads itself. Their text fields go through Django forms or pydantic schemas that refuse NUL.

The answer is 400: JSON ``{"detail", "field"}`` under ``/api/`` and ``/xapi/``, the Chinese error
page elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict

from educloud.lib.errors import InvalidInput
from educloud.lib.pages import error_page

MESSAGE = "请求中含有空字符（NUL，U+0000），无法处理；请删除该字符后重试"

# A \u0000 escape preceded by an even number of backslashes (zero included): a real escape. JSON
# escapes are a lowercase "u" and the digits have no case, so this is the only spelling.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_JSON_API_PREFIXES = ("/api/", "/xapi/")


def _nul_field(data: QueryDict) -> str | None:
    """The name of the first parameter whose name or value holds a NUL, if any."""
    for name, values in data.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "") or "?"
    return None


def _json_holds_nul(request: HttpRequest) -> bool:
    body = request.body
    return b"\x00" in body or (b"\\u0000" in body and _ESCAPED_NUL.search(body) is not None)


def find_nul(request: HttpRequest) -> str | None:
    """Where the request carries a NUL: ``"path"``, a parameter's name, ``"body"``; else None."""
    if "\x00" in request.path:
        return "path"
    field = _nul_field(request.GET)
    if field:
        return field
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return _nul_field(request.POST)
    if content_type == "application/json" or content_type.endswith("+json"):
        return "body" if _json_holds_nul(request) else None
    return None


class RejectNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = find_nul(request)
        if field is None:
            return self.get_response(request)
        if request.path.startswith(_JSON_API_PREFIXES):
            return JsonResponse({"detail": MESSAGE, "field": field}, status=400)
        return error_page(request, InvalidInput(MESSAGE, field=field))
