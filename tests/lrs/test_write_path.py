"""The fast parts of the Statement write path give the same results as the plain ones: hand-built
COPY text, orjson with its json fallback, key rows without intermediate sets, the cached client."""

from __future__ import annotations

import json
import uuid

import pytest

from educloud.lrs import services
from educloud.lrs.models import Client, Statement
from educloud.lrs.xapi import index_statement, prepare_statement, validate_statements
from tests.lrs import xapi_examples as ex
from tests.lrs.conftest import statement

pytestmark = pytest.mark.django_db

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://lrs.example", "name": "k"}}


def test_awkward_text_and_numbers_are_stored_exactly_and_stay_filterable(xapi) -> None:
    # COPY text needs \\ \t \n \r escaped; orjson refuses integers beyond 64 bits (json takes them).
    name = "tab\there\nnew line\r\\back\\slash \\N 学生"
    agent = {"objectType": "Agent", "account": {"homePage": "http://school.example", "name": name}}
    extensions = {"http://example.com/ext/big": 2**70, "http://example.com/ext/f": 0.1, "http://e/x": None}
    sent = statement(actor=agent, result={"extensions": extensions, "response": "a\tb\\c"})
    assert xapi.post(sent).status_code == 200
    (row,) = Statement.objects.filter(statement_id=sent["id"])
    assert row.actor_key == f"account:http://school.example {name}"
    got = xapi.get({"agent": agent}).json()["statements"]
    assert [s["id"] for s in got] == [sent["id"]]
    assert got[0]["actor"] == agent
    assert got[0]["result"] == sent["result"]
    assert json.loads(row.payload)["result"]["extensions"]["http://example.com/ext/big"] == 2**70


GROUP = {
    "objectType": "Group",
    "member": [{"mbox": "mailto:a@example.com"}, {"account": {"homePage": "http://h.example", "name": "b"}}],
}


@pytest.mark.parametrize(
    "example",
    [
        ex.simple,
        ex.long,
        ex.voiding,
        ex.substatement,
        ex.agent_object,
        lambda: statement(actor=GROUP, object=GROUP),
        lambda: statement(actor=AUTHORITY),  # actor == authority: one AGENT row, no RELATED_AGENT
    ],
    ids=["simple", "long", "voiding", "substatement", "agent_object", "groups", "actor_is_authority"],
)
def test_own_key_rows_equal_the_keyset_rows(example) -> None:  # type: ignore[no-untyped-def]
    (valid,) = validate_statements(example())
    index = index_statement(prepare_statement(valid, authority=AUTHORITY, stored_at="2026-01-01T00:00:00Z"))
    expected = [(int(kind), key) for kind, key in services._own_keys(index).rows()]
    assert sorted(services._own_rows(index)) == sorted(expected)
    assert len(set(expected)) == len(expected)


def test_a_changed_client_row_is_read_again_on_the_next_request(make_client) -> None:
    from django.contrib.auth.hashers import make_password

    from educloud.lrs.auth import client_authenticate

    http = make_client(circle=True)
    assert http.get().status_code == 200
    first = client_authenticate(http.auth)
    assert first is not None and client_authenticate(http.auth) is first  # reused while unchanged
    Client.objects.filter(key=http.key).update(name="renamed")
    renamed = client_authenticate(http.auth)
    assert renamed is not None and renamed is not first and renamed.name == "renamed"
    Client.objects.filter(key=http.key).update(secret_hash=make_password("rotated"))
    assert http.get().status_code == 401  # the old secret no longer works, cache or not


def test_definition_changes_reach_the_canonical_activity_within_one_batch_and_across(xapi) -> None:
    activity = f"http://example.com/items/{uuid.uuid4()}"

    def with_definition(definition: dict[str, object]) -> dict[str, object]:
        return statement(object={"id": activity, "definition": definition})

    batch = [with_definition({"name": {"en-US": "One"}}), with_definition({"name": {"zh-CN": "一"}})]
    assert xapi.post(batch).status_code == 200
    assert xapi.post(with_definition({"description": {"en-US": "D"}})).status_code == 200
    got = xapi.request("GET", "activities", {"activityId": activity}).json()
    assert got["definition"] == {"name": {"en-US": "One", "zh-CN": "一"}, "description": {"en-US": "D"}}
