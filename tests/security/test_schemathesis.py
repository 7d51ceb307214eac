"""A bounded schemathesis run against the real app: no 5xx, only documented statuses and bodies.

Every operation of ``/api/v1/openapi.json`` gets generated requests (hypothesis, a few examples per
operation) through Django's WSGI handler, anonymously and as a county bureau (session cookie and CSRF
token, so writes get past CSRF and reach the services). Checks: no server error; the status is one
the operation documents (``lib.api_errors``); the content type and the body match the schema.

Each test runs in the test's transaction, so generated writes are rolled back. ``/xapi`` is not part
of the OpenAPI document (it has its own conformance tests). Bounded to stay well under a minute:
``MAX_EXAMPLES`` per operation and caller.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from educloud.config.api import api

MAX_EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """Requests go straight to the WSGI handler, whose request signals would close the test's
    connection (inside its transaction): disconnect them, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _session(username: str) -> dict[str, object]:
    """Keyword arguments of ``case.call``: a session cookie and a CSRF token (writes reach the services)."""
    from educloud.accounts.api import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    token = _get_new_csrf_string()
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        "headers": {"X-CSRFToken": token},
    }


BOUNDED = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, phases=[Phase.generate, Phase.shrink], **BOUNDED)
def test_api_conforms_to_its_schema_as_a_county_bureau(case, db):  # type: ignore[no-untyped-def]
    """Schema examples and boundary values (schemathesis' coverage phase), then generated requests."""
    case.call_and_validate(checks=CHECKS, **_session("yongchuan_bureau"))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, phases=[Phase.generate, Phase.shrink], **BOUNDED)
def test_api_conforms_to_its_schema_anonymously(case, db):  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS)
