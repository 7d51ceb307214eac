"""Search pages: /search/ (box, results) and /search/suggest (HTMX suggestions as you type).

Generic over sources; the library app builds the richer resource browse page with facets.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from educloud.lib.errors import DomainError
from educloud.search.api import search, suggest, visibility_keys_for

DEFAULT_SOURCE = "library.resource"
PAGE_SIZE = 20


def _page_number(raw: str | None) -> int:
    try:
        return int(raw or 1)
    except ValueError:
        return 0  # rejected by search() with a clear message


def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = _page_number(request.GET.get("page"))
    context: dict[str, object] = {"q": query, "page": page}
    if query.strip() or "page" in request.GET:
        try:
            result = search(
                query=query,
                source=DEFAULT_SOURCE,
                visibility_keys=visibility_keys_for(request.user),
                page=page,
                page_size=PAGE_SIZE,
            )
        except DomainError as exc:
            return render(request, "web/error.html", {"message": exc.message}, status=exc.status_code)
        pages = (result.count + PAGE_SIZE - 1) // PAGE_SIZE
        context.update(
            result=result,
            has_previous=page > 1,
            has_next=page < pages,
            previous_page=page - 1,
            next_page=page + 1,
            pages=pages,
        )
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/index.html"
    return render(request, template, context)


def suggestions(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    try:
        items = suggest(
            prefix=query[:200], source=DEFAULT_SOURCE, visibility_keys=visibility_keys_for(request.user)
        )
    except DomainError:
        items = []
    return render(request, "search/_suggestions.html", {"suggestions": items})
