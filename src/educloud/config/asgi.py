"""ASGI entry point: ``educloud serve --workers N`` (uvicorn workers; ``web/management/commands/serve.py``).

HTTP requests are served by Django's WSGI handler on a thread pool (a2wsgi), not by Django's ASGI
handler. Our views and middleware are all synchronous; under the ASGI handler every middleware's
``process_request``/``process_response`` and then the view each cross into a worker thread
(``sync_to_async``), a dozen thread hops per request, while the WSGI handler runs the whole request in
one. Measured with ``bench/load.py`` (ADR 0012, 2026-12-04 evening): ~1.45x the requests per second
and a third less server CPU per request. uvicorn still owns the sockets, HTTP parsing and keep-alive.

A request whose body comes without a ``Content-Length`` (``Transfer-Encoding: chunked``) goes to
Django's ASGI handler instead, which reads the whole body: the WSGI handler would see an empty body,
because WSGI has no length for it. Lifespan scopes are answered by a2wsgi (acknowledged).

WebSocket scopes go to Django Channels (the community's live rooms, ADR 0019):
``AllowedHostsOriginValidator`` refuses pages of other origins, ``AuthMiddlewareStack`` finds the
user by the Django session cookie, ``URLRouter`` picks the consumer; an unknown path is closed.
The channel layer is Redis when ``REDIS_URL`` is set, else process memory (one worker only).
"""

from __future__ import annotations

import gc
import os
from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educloud.config.settings")
_django_asgi = get_asgi_application()
# As many threads as database connections a process may hold (EDUCLOUD_DB_POOL_MAX): a thread
# more would only wait for the pool.
_django_wsgi = WSGIMiddleware(
    get_wsgi_application(), workers=int(os.environ.get("EDUCLOUD_DB_POOL_MAX", "8"))
)

# Imported after Django is set up (the consumers import models).
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from educloud.community.routing import websocket_urlpatterns  # noqa: E402

_websockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))


def body_without_length(scope: dict[str, Any]) -> bool:
    """True for an HTTP request that sends a body and no Content-Length (chunked)."""
    names = {name.lower() for name, _ in scope.get("headers", ())}
    return b"content-length" not in names and b"transfer-encoding" in names


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await _websockets(scope, receive, send)
    elif scope["type"] == "http" and body_without_length(scope):
        await _django_asgi(scope, receive, send)
    else:
        await _django_wsgi(scope, receive, send)


def _freeze_startup_heap() -> None:
    """Load the URLconf (and with it every view module) and the search analyzer, then move
    everything alive out of the cyclic collector's reach. A 1,000-Statement POST allocates ~10^5
    objects, which triggers full collections that would otherwise rescan this whole import graph:
    ~35% of the LRS write path's CPU without it. Objects are still freed by reference counting;
    only cycles created before the freeze are kept for the life of the process."""
    from django.urls import get_resolver

    from educloud.algos.text import analyze_query

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf now, not at the first request
    # The search analyzer's dictionaries (jieba + the education dictionary, OpenCC): ~1 s of CPU that
    # the first search of each worker would otherwise pay while its other requests wait (ADR 0012).
    analyze_query("勾股定理 數學")
    gc.collect()
    gc.freeze()


_freeze_startup_heap()
