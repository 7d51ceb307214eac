"""Serving settings that depend on the deployment: sessions go through the cache only when it is shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _setting(tmp_path: Path, name: str, **env: str) -> str:
    educloud = shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"
    full_env = {**os.environ, "EDUCLOUD_HOME": str(tmp_path), **env}
    if "REDIS_URL" not in env:
        full_env.pop("REDIS_URL", None)
    code = f"from django.conf import settings; print(settings.{name})"
    done = subprocess.run([educloud, "shell", "-c", code], env=full_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_sessions_are_cached_only_in_a_shared_cache(tmp_path: Path):
    assert _setting(tmp_path, "SESSION_ENGINE") == "django.contrib.sessions.backends.db"
    shared = _setting(tmp_path, "SESSION_ENGINE", REDIS_URL="redis://127.0.0.1:6379/13")
    assert shared == "django.contrib.sessions.backends.cached_db"


def _redis_reachable() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/13", socket_connect_timeout=2).ping()
    except Exception:
        return False
    return True


THREADS_USE_THE_CACHE = """
import threading
from django.core.cache import caches
pools, cache_objects = set(), set()
def use():
    cache = caches["default"]  # one cache object per thread, as in one ASGI request each
    cache.set("educloud-test:pool-probe", 1, 5)
    assert cache.get("educloud-test:pool-probe") == 1
    cache_objects.add(id(cache))
    pools.add(id(cache._cache._get_connection_pool(False)))
threads = [threading.Thread(target=use) for _ in range(12)]
for t in threads: t.start()
for t in threads: t.join()
print(len(cache_objects), len(pools))
"""


@pytest.mark.skipif(not _redis_reachable(), reason="needs the redis package and Redis on 127.0.0.1:6379")
def test_request_threads_share_one_redis_connection_pool(tmp_path: Path):
    educloud = shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"
    env = {**os.environ, "EDUCLOUD_HOME": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/13"}
    done = subprocess.run(
        [educloud, "shell", "-c", THREADS_USE_THE_CACHE], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    cache_objects, pools = map(int, done.stdout.split()[-2:])
    assert cache_objects == 12 and pools == 1


def test_asgi_workers_load_the_search_analyzer_before_serving(tmp_path: Path):
    code = "import educloud.config.asgi, educloud.algos.text as t; print(t._tokenizer is not None)"
    env = {**os.environ, "EDUCLOUD_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "True"
