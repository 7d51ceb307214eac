"""Store-time assignments, output formats, Statement comparison and indexing (xAPI 1.0.3)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from educloud.lrs.xapi import (
    agent_ifi,
    canonical,
    ids_format,
    index_statement,
    parse_timestamp,
    prepare_statement,
    statements_equivalent,
    validate_statement,
)
from educloud.lrs.xapi.normalize import choose_language, parse_accept_language
from tests.lrs import xapi_examples as ex
from tests.lrs.xapi_examples import DELETE, mutate

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.educloud.cn", "name": "client-1"}}
NOW = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)


def test_prepare_assigns_id_stored_timestamp_authority_version() -> None:
    statement = mutate(ex.simple(), {"id": DELETE})
    prepared = prepare_statement(statement, authority=AUTHORITY, stored_at=NOW)
    assert uuid.UUID(prepared["id"]).version == 4
    assert prepared["stored"] == prepared["timestamp"] == "2024-05-01T08:00:00.123Z"
    assert prepared["authority"] == AUTHORITY and prepared["version"] == "1.0.0"
    assert "id" not in statement  # input untouched
    validate_statement(prepared)


def test_prepare_keeps_sent_id_timestamp_version_but_overwrites_stored_and_authority() -> None:
    sent = ex.long()
    prepared = prepare_statement(sent, authority=AUTHORITY, stored_at=NOW)
    assert prepared["id"] == sent["id"]
    assert parse_timestamp(prepared["timestamp"]) == parse_timestamp(sent["timestamp"])
    assert prepared["version"] == "1.0.0" and prepared["stored"] == "2024-05-01T08:00:00.123Z"
    assert prepared["authority"] == AUTHORITY != sent["authority"]
    assert (
        prepare_statement(mutate(ex.simple(), {"version": "1.0.3"}), authority=AUTHORITY, stored_at=NOW)[
            "version"
        ]
        == "1.0.3"
    )


def test_prepare_requires_an_authority() -> None:
    assert prepare_statement(ex.long(), authority=None, stored_at=NOW)["authority"] == ex.long()["authority"]
    with pytest.raises(ValueError, match="authority"):
        prepare_statement(ex.simple(), authority=None, stored_at=NOW)


def test_prepare_turns_context_activities_into_lists() -> None:
    single = mutate(ex.long(), {"context.contextActivities.parent": {"id": "http://example.com/p"}})
    sub = mutate(
        ex.substatement(), {"object.context": {"contextActivities": {"grouping": {"id": "http://g.com/"}}}}
    )
    assert prepare_statement(single, authority=AUTHORITY, stored_at=NOW)["context"]["contextActivities"][
        "parent"
    ] == [{"id": "http://example.com/p"}]
    prepared_sub = prepare_statement(sub, authority=AUTHORITY, stored_at=NOW)
    assert prepared_sub["object"]["context"]["contextActivities"]["grouping"] == [{"id": "http://g.com/"}]


def test_accept_language_and_choice() -> None:
    assert parse_accept_language("fr;q=0.5, en-GB, zh;q=0, *;q=0.1") == ["en-GB", "fr", "*"]
    names = {"en-US": "meeting", "zh-Hans-CN": "会议"}
    assert choose_language(names, ["zh"]) == "zh-Hans-CN"
    assert choose_language(names, ["en-US-x-twain"]) == "en-US"
    assert choose_language(names, ["fr"]) == "en-US"  # no match: still one language
    assert choose_language(names, ["*"]) == "en-US"


def test_canonical_reduces_language_maps_and_uses_canonical_definitions() -> None:
    statement = ex.interaction("choice")
    statement["verb"]["display"] = {"en-US": "answered", "zh-CN": "回答了"}
    rendered = canonical(statement, "zh-CN,en;q=0.8")
    assert rendered["verb"]["display"] == {"zh-CN": "回答了"}
    assert all(len(choice["description"]) == 1 for choice in rendered["object"]["definition"]["choices"])
    definitions = {statement["object"]["id"]: {"name": {"en": "Q1", "zh": "第一题"}}}
    rendered = canonical(statement, ["zh"], activity_definitions=definitions, verb_displays={})
    assert rendered["object"]["definition"] == {"name": {"zh": "第一题"}}
    assert canonical(ex.long(), None)["actor"] == ex.long()["actor"]  # agents as in exact


def test_ids_format_keeps_only_identifiers() -> None:
    rendered = ids_format(ex.long())
    assert rendered["actor"] == {"objectType": "Group", "mbox": "mailto:teampb@example.com"}
    assert rendered["verb"] == {"id": "http://adlnet.gov/expapi/verbs/attended"}
    assert rendered["object"] == {
        "objectType": "Activity",
        "id": "http://www.example.com/meetings/occurances/34534",
    }
    assert rendered["context"]["instructor"] == {
        "objectType": "Agent",
        "account": {"homePage": "http://www.example.com", "name": "13936749"},
    }
    assert rendered["context"]["contextActivities"]["category"][0] == {
        "objectType": "Activity",
        "id": "http://www.example.com/meetings/categories/teammeeting",
    }
    anonymous = ids_format(
        mutate(
            ex.simple(),
            {
                "actor": {
                    "objectType": "Group",
                    "name": "x",
                    "member": [{"name": "A", "mbox": "mailto:a@example.com"}],
                }
            },
        )
    )
    assert anonymous["actor"] == {
        "objectType": "Group",
        "member": [{"objectType": "Agent", "mbox": "mailto:a@example.com"}],
    }
    assert ids_format(ex.substatement())["object"]["verb"] == {"id": "http://example.com/visited"}


def test_equivalent_ignores_lrs_assignments_and_serialisation() -> None:
    sent = ex.long()
    stored = prepare_statement(sent, authority=AUTHORITY, stored_at=NOW)
    assert statements_equivalent(sent, stored)
    resent = mutate(
        ex.long(),
        {
            "timestamp": "2013-05-18T13:32:34.804+08:00",  # same instant
            "actor.member": list(reversed(ex.long()["actor"]["member"])),  # unordered
            "actor.mbox": "mailto:teampb@EXAMPLE.com",  # domain is case-insensitive
            "context.contextActivities.parent": ex.long()["context"]["contextActivities"]["parent"][0],
            "version": DELETE,
            "authority": DELETE,
        },
    )
    assert statements_equivalent(resent, stored)


@pytest.mark.parametrize(
    "change",
    [
        {"result.success": False},
        {"verb.display": {"en-US": "attended!"}},
        {"timestamp": "2013-05-18T05:32:35.804+00:00"},
        {"actor.member[0].name": "Someone Else"},
        {"result.score": {"raw": 1}},
        {"attachments": ex.with_attachment()["attachments"]},
    ],
)
def test_equivalent_detects_real_differences(change: dict[str, object]) -> None:
    assert not statements_equivalent(mutate(ex.long(), change), ex.long())


def test_equivalent_can_ignore_attachments_and_tells_booleans_from_numbers() -> None:
    assert statements_equivalent(
        ex.with_attachment(), mutate(ex.with_attachment(), {"attachments": DELETE}), ignore_attachments=True
    )
    assert not statements_equivalent(
        mutate(ex.long(), {"result.score": {"raw": 1}}), mutate(ex.long(), {"result.score": {"raw": True}})
    )


def test_agent_ifi_keys() -> None:
    assert agent_ifi({"mbox": "mailto:Learner@Example.COM"}) == "mbox:mailto:Learner@example.com"
    assert agent_ifi({"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}).endswith(
        "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"
    )
    assert (
        agent_ifi({"openid": "http://toby.openid.example.org/"}) == "openid:http://toby.openid.example.org/"
    )
    assert agent_ifi({"account": {"homePage": "http://www.example.com", "name": "1625378"}}) == (
        "account:http://www.example.com 1625378"
    )
    with pytest.raises(ValueError, match="no inverse functional identifier"):
        agent_ifi({"objectType": "Group", "member": []})


def test_index_statement_collects_filter_keys() -> None:
    index = index_statement(ex.long())
    assert index.verb_id == "http://adlnet.gov/expapi/verbs/attended"
    assert index.registration == "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
    assert "mbox:mailto:teampb@example.com" in index.actor_keys
    assert (
        "openid:http://toby.openid.example.org/" in index.actor_keys
    )  # group members match the agent filter
    assert index.object_activity_id == "http://www.example.com/meetings/occurances/34534"
    assert "account:http://cloud.scorm.com/ anonymous" in index.related_agent_keys
    assert "http://www.example.com/meetings/series/267" in index.related_activity_ids
    voiding = index_statement(ex.voiding())
    assert voiding.voids == voiding.statement_ref == "e05aa883-acaf-40ad-bf54-02c8ce485fb0"
    sub = index_statement(ex.substatement())
    assert sub.object_activity_id is None and "http://example.com/website" in sub.related_activity_ids
    assert index_statement(ex.agent_object()).object_agent_keys == {"mbox:mailto:andrew@example.co.uk"}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("2020-01-01T08:00:00+08:00", "2020-01-01T00:00:00.000Z"),  # same instant, in UTC
        ("2013-05-18T05:32:34.8Z", "2013-05-18T05:32:34.800Z"),  # at least milliseconds
        ("2013-05-18T05:32:34.804123456Z", "2013-05-18T05:32:34.804123Z"),  # finer kept to microseconds
        ("2013-05-18T05:32:34", "2013-05-18T05:32:34.000Z"),  # zoneless is read as UTC
        ("2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34.804Z"),  # already canonical: kept
    ],
)
def test_prepare_returns_timestamps_in_utc_with_milliseconds(sent: str, kept: str) -> None:
    # Data 2.4.7 / 4.5 (XAPI-00122): the LRS SHOULD return the timestamp in UTC and MUST keep at
    # least millisecond precision; the instant never changes.
    statement = mutate(ex.simple(), {"timestamp": sent})
    assert prepare_statement(statement, authority=AUTHORITY, stored_at=NOW)["timestamp"] == kept
    sub = mutate(ex.substatement(), {"object.timestamp": sent})
    assert prepare_statement(sub, authority=AUTHORITY, stored_at=NOW)["object"]["timestamp"] == kept
    assert statement["timestamp"] == sent and sub["object"]["timestamp"] == sent  # inputs untouched
