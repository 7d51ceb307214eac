"""The Redis cache for real (issue #11.10): ``REDIS_URL`` as the README's deploy recipe sets it.

Redis runs on 127.0.0.1:6379 here and in CI (``.ci/run`` starts it). Without it the tests skip,
unless ``CI=true``: then its absence is a failure, as for PostgreSQL in the Makefile.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

REDIS_URL = os.environ.get("EDUCLOUD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    where = urlsplit(REDIS_URL)
    try:
        socket.create_connection((where.hostname or "127.0.0.1", where.port or 6379), timeout=2).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} and CI=true (.ci/run starts it)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: start redis-server to run the Redis cache tests")
    return REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Any:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    value = f"educloud-test-{uuid.uuid4().hex}"
    yield value
    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter(f"{value}:*"):
        connection.delete(key)
    connection.close()


def test_settings_with_redis_url_give_a_working_cache(redis_url: str, prefix: str, tmp_path: Any) -> None:
    """What the deploy recipe does: REDIS_URL set, then the first cache use (crashed without `redis`)."""
    script = f"""
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
cache.key_prefix = {prefix!r}
cache.set("probe", {{"n": 1}}, 30)
assert cache.get("probe") == {{"n": 1}}
assert cache.add("counter", 0, 30) and cache.incr("counter") == 1 and cache.incr("counter") == 2
print("ok")
"""
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "EDUCLOUD_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "educloud.config.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.django_db
def test_login_failure_counters_live_in_redis_and_limit_logins(
    settings: Any, redis_url: str, prefix: str
) -> None:
    import redis

    from educloud.accounts.api import DEMO_PASSWORD

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    settings.EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for i in range(3):
        response = Client().post(
            "/login/", {"username": f"nobody{i}", "password": "x"}, REMOTE_ADDR="203.0.113.77"
        )
        assert response.status_code == 200
    response = Client().post(
        "/login/", {"username": "yongchuan_bureau", "password": DEMO_PASSWORD}, REMOTE_ADDR="203.0.113.77"
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # The counters are in Redis, where every worker process sees them.
    connection = redis.Redis.from_url(redis_url)
    try:
        assert any(b"throttle:login-address" in key for key in connection.scan_iter(f"{prefix}:*"))
    finally:
        connection.close()
