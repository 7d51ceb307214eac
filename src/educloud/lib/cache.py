"""A Redis connection pool shared by every cache instance of a process (``CACHES`` ``pool_class``).

Django keeps one cache object per thread or async context, and its Redis backend one connection pool per
cache object. Under ASGI every request runs in a thread of its own, so each request opened a new TCP
connection to Redis and dropped it (Django ticket #35651, not fixed in 5.2): a connect, a handshake
and a ``CLIENT SETINFO`` round trip per request. ``SharedConnectionPool.from_url`` hands out one pool
per (URL, options) per process instead; redis-py's pools are thread-safe and reset themselves in a
forked child. Only imported when ``REDIS_URL`` is set. ADR 0012.
"""

from __future__ import annotations

import threading
from typing import Any

from redis import ConnectionPool


class SharedConnectionPool(ConnectionPool):
    _shared_pools: dict[tuple[str, str], Any] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        """The process's pool for ``url`` and these options, created on first use."""
        key = (url, repr(sorted(kwargs.items(), key=lambda item: item[0])))
        with cls._shared_lock:
            pool = cls._shared_pools.get(key)
            if pool is None:
                pool = cls._shared_pools[key] = super().from_url(url, **kwargs)
        return pool
