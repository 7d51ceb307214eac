"""Builders for library tests: tiny real files and resources made through the services."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from educloud.accounts.api import User
from educloud.library import services
from educloud.library.models import Resource
from educloud.library.synthetic import _docx, _mp3, _pdf, _png

PDF = _pdf()
PNG = _png()
MP3 = _mp3()
DOCX = _docx()
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free" + b"\x00" * 64
TXT = "勾股定理：直角三角形两直角边的平方和等于斜边的平方。\n".encode()


def zip_bytes(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def user(username: str) -> User:
    return User.objects.get(username=username)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test stores files in its own folder, so 'nothing left behind' can be checked."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EDUCLOUD_UPLOAD_MAX_MB = 2
    return tmp_path / "media"


@pytest.fixture
def make_resource() -> Callable[..., Resource]:
    """``make_resource(owner="teacher", status="published", visibility="public", **fields)``."""

    def _make(
        owner: str = "teacher",
        *,
        status: str = "draft",
        approver: str = "school_admin",
        data: bytes | None = PDF,
        filename: str = "讲义.pdf",
        **fields: Any,
    ) -> Resource:
        values = {
            "title": "人教版八年级数学《勾股定理》课件",
            "description": "围绕勾股定理的证明与应用，配套练习。",
            "type": "courseware",
            "subject": "math",
            "stage": "junior",
            "grade": "g8",
            "license": "cc-by",
            "visibility": "public",
            "tags": ["勾股定理", "直角三角形"],
        }
        values.update(fields)
        author = user(owner)
        resource = services.resource_create(actor=author, **values)
        if data is not None:
            services.version_upload(
                actor=author, resource_id=resource.pk, fileobj=io.BytesIO(data), filename=filename
            )
        if status in ("under_review", "published", "withdrawn"):
            services.resource_submit(actor=author, resource_id=resource.pk)
        if status in ("published", "withdrawn"):
            services.resource_approve(actor=user(approver), resource_id=resource.pk)
        if status == "withdrawn":
            services.resource_withdraw(actor=author, resource_id=resource.pk)
        resource.refresh_from_db()
        return resource

    return _make


# ---------------------------------------------------------------- a second node over real HTTP

SC_NODE_ID = "sc.educloud.test"
NODE_PAGE = 150
_node: dict[str, Any] = {}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_node() -> None:
    """Start ``educloud demo`` as the 四川 node in its own home and SQLite database (once)."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    if _node:
        return
    home = Path(tempfile.mkdtemp(prefix="educloud-sichuan-node-"))
    port = _free_port()
    env = {
        **os.environ,
        "EDUCLOUD_HOME": str(home),
        "PORT": str(port),
        "EDUCLOUD_NODE_ID": SC_NODE_ID,
        "EDUCLOUD_NODE_NAME": "四川节点（测试）",
        "EDUCLOUD_OAI_PAGE_SIZE": str(NODE_PAGE),
    }
    env.pop("DATABASE_URL", None)  # its own embedded SQLite: a separate node
    educloud = shutil.which("educloud", path=str(Path(sys.executable).parent)) or "educloud"
    log = (home / "server.log").open("w")
    proc = subprocess.Popen([educloud, "demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    _node.update(proc=proc, log=log, home=home, url=f"http://127.0.0.1:{port}")


def pytest_collection_modifyitems(session, config, items):  # type: ignore[no-untyped-def]
    # Start the node as soon as we know a test needs it: it migrates and seeds while this
    # process sets up its own test database.
    if any("sichuan_node" in getattr(item, "fixturenames", ()) for item in items):
        _start_node()


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    if _node:
        _node["proc"].terminate()
        _node["proc"].wait(timeout=20)
        _node["log"].close()


@pytest.fixture(scope="session")
def sichuan_node() -> str:
    """Base URL of the 四川 node (``educloud demo`` in its own EDUCLOUD_HOME, node id SC_NODE_ID)."""
    import time
    import urllib.request

    _start_node()
    proc, url = _node["proc"], _node["url"]
    deadline = time.monotonic() + 240
    while True:
        try:
            urllib.request.urlopen(url + "/oai?verb=Identify", timeout=2)  # noqa: S310
            return str(url)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "四川 node did not start:\n" + (_node["home"] / "server.log").read_text()
                ) from None
            time.sleep(0.5)
