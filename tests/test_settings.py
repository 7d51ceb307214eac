"""Production settings: `check --deploy` passes when configured as the README says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _educloud() -> str:
    return shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"


def test_production_settings_pass_check_deploy(tmp_path: Path):
    env = {
        **os.environ,
        "EDUCLOUD_HOME": str(tmp_path),
        "EDUCLOUD_SECURE": "true",
        "EDUCLOUD_DEBUG": "false",
        "EDUCLOUD_SECRET_KEY": "k" * 20 + "-production-secret-from-the-environment-" + "x" * 20,
        "EDUCLOUD_ALLOWED_HOSTS": "edu.example.cn",
    }
    result = subprocess.run(
        [_educloud(), "check", "--deploy", "--fail-level", "WARNING"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_is_generated_once_under_home_and_not_world_readable(tmp_path: Path):
    env = {**os.environ, "EDUCLOUD_HOME": str(tmp_path)}
    env.pop("EDUCLOUD_SECRET_KEY", None)
    for _ in range(2):
        subprocess.run([_educloud(), "check"], env=env, capture_output=True, check=True)
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0
