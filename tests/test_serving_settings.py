"""Serving settings that depend on the deployment: sessions go through the cache only when it is shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


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
