"""Page helpers shared by every app's views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from educloud.lib.errors import DomainError


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The Chinese error page for a service's refusal, with the refusal's own status code."""
    return render(request, "web/error.html", {"message": exc.message}, status=exc.status_code)
