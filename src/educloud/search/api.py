"""Public Python interface of the search app: what other apps call to index and find their objects.

Index (the owning app calls these when its objects change)::

    document_upsert(source="library.resource", object_id="42", title=..., body=..., tags=[...],
                    facets={"subject": "数学", "grade": 8}, visibility_keys=["public"], quality=0.8,
                    url="/library/42/")
    document_delete(source="library.resource", object_id="42")
    documents_bulk_upsert(source="library.resource", docs=[DocumentInput(...), ...])

Find (pass the asker's keys: ``visibility_keys_for(request.user)``)::

    search(query="勾股定理", source="library.resource", visibility_keys=keys,
           filters={"subject": "数学"}, page=1, page_size=20, facet_fields=["subject", "stage"])
    suggest(prefix="勾股", source="library.resource", visibility_keys=keys)

Errors: ``InvalidInput`` (unknown facet names, bad pages, bad fields), with ``field`` set.
Details: ``services`` (what a document may hold), ``selectors`` (matching, pagination),
``backends`` (storage and the ranking formula), ``visibility`` (who holds which key).
"""

from __future__ import annotations

from educloud.search.models import FACETS
from educloud.search.selectors import (
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    Hit,
    SearchResult,
    highlight_html,
    search,
    suggest,
)
from educloud.search.services import DocumentInput, document_delete, document_upsert, documents_bulk_upsert
from educloud.search.visibility import visibility_keys_for

__all__ = [
    "FACETS",
    "MAX_PAGE_SIZE",
    "MAX_RESULT_WINDOW",
    "DocumentInput",
    "Hit",
    "SearchResult",
    "document_delete",
    "document_upsert",
    "documents_bulk_upsert",
    "highlight_html",
    "search",
    "suggest",
    "visibility_keys_for",
]
