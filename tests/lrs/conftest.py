"""Fixtures for the LRS's HTTP tests: clients with credentials, and a small xAPI test client."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as DjangoClient

VERSION = "1.0.3"


class XAPI:
    """Django test client speaking xAPI as one LRS client (Basic auth + version header)."""

    def __init__(self, key: str, secret: str, *, version: str | None = VERSION) -> None:
        self.http = DjangoClient()
        self.key = key
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.version = version

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": self.auth}
        if self.version:
            headers["X-Experience-API-Version"] = self.version
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        body: Any = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Any:
        from urllib.parse import urlencode

        url = "/xapi/" + path
        if params:
            url += "?" + urlencode(
                {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
            )
        data: bytes | str = raw if raw is not None else (json.dumps(body) if body is not None else b"")
        return self.http.generic(
            method, url, data=data, content_type=content_type, headers=self.headers(headers)
        )

    def post(self, statements: Any, **kwargs: Any) -> Any:
        return self.request("POST", "statements", body=statements, **kwargs)

    def put(self, statement: Any, statement_id: str, **kwargs: Any) -> Any:
        return self.request("PUT", "statements", {"statementId": statement_id}, body=statement, **kwargs)

    def get(self, params: dict[str, Any] | None = None, path: str = "statements", **kwargs: Any) -> Any:
        return self.request("GET", path, params, **kwargs)

    def more(self, more_url: str) -> Any:
        return self.http.get(more_url, headers=self.headers())


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """Client secrets are Argon2-hashed in production; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def new_client(**scope: Any) -> XAPI:
    from educloud.lrs.services import client_create

    created = client_create(name=scope.pop("name", "test client"), **scope)
    return XAPI(created.client.key, created.secret)


@pytest.fixture
def xapi(db: Any) -> XAPI:
    """A circle-wide client."""
    return new_client(circle=True)


@pytest.fixture
def make_client(db: Any) -> Callable[..., XAPI]:
    return new_client


def statement(**changes: Any) -> dict[str, Any]:
    """A small valid Statement with a fresh id; keyword changes replace top-level properties."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"id": "http://example.com/activities/1"},
    }
    body.update(changes)
    return body
