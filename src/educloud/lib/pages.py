"""Page helpers shared by every app's views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from educloud.lib.errors import DomainError, InvalidInput


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The Chinese error page for a service's refusal, with the refusal's own status code."""
    return render(request, "web/error.html", {"message": exc.message}, status=exc.status_code)


def form_write(request: HttpRequest, write: Callable[[], Any], ok: str) -> HttpResponse | bool:
    """Run a service write for a form: True when done (``ok`` shown as a success message), False when
    refused for bad input (the message names what to fix, for the form), the error page when refused
    for the caller's role or scope (403/404: the same answer as the API)."""
    try:
        write()
    except DomainError as exc:
        if exc.status_code in (403, 404):
            return error_page(request, exc)
        messages.error(request, exc.message)
        return False
    messages.success(request, ok)
    return True


def form_date(data: Any, name: str, label: str) -> dt.date:
    """A form's ISO date field; ``InvalidInput`` naming the field, in Chinese, otherwise."""
    try:
        return dt.date.fromisoformat(str(data.get(name, "")).strip())
    except ValueError:
        raise InvalidInput(f"{label}应为日期（如 2026-12-31）", field=name) from None
