"""Statement validation: one rule per row, each with a valid and an invalid example (xAPI 1.0.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from educloud.lrs.xapi import XAPIValidationError, validate_statement, validate_statements
from educloud.lrs.xapi.validate import (
    parse_version_header,
    validate_activity_id,
    validate_agent_parameter,
    validate_timestamp_parameter,
    validate_uuid_parameter,
)
from tests.lrs import xapi_examples as ex
from tests.lrs.xapi_examples import DELETE, mutate

SUB = "object"  # prefix of the SubStatement inside ex.substatement()
GROUP = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}
COMPONENTS = [{"id": "a"}, {"id": "b"}, {"id": "c"}]


class Rule(NamedTuple):
    name: str
    base: Callable[[], dict[str, Any]]
    valid: dict[str, Any]
    invalid: dict[str, Any]
    error_path: str


RULES = [
    # ---- Data 2.2 formatting requirements
    Rule("actor is required", ex.simple, {}, {"actor": DELETE}, "actor"),
    Rule("verb is required", ex.simple, {}, {"verb": DELETE}, "verb"),
    Rule("object is required", ex.simple, {}, {"object": DELETE}, "object"),
    Rule("statement must be an object", ex.simple, {}, {"actor": []}, "actor"),
    Rule("unknown properties are rejected", ex.simple, {"result": {}}, {"extra": 1}, "extra"),
    Rule("key case must match", ex.simple, {}, {"Verb": {"id": "http://example.com/v"}}, "Verb"),
    Rule("null is rejected", ex.simple, {"actor.name": "Jo"}, {"actor.name": None}, "actor.name"),
    Rule(
        "null is allowed inside extensions",
        ex.long,
        {"result.extensions": {"http://example.com/null": None}},
        {"context.registration": None},
        "context.registration",
    ),
    Rule(
        "strings are not numbers",
        ex.long,
        {"result.score": {"max": 100}},
        {"result.score": {"max": "100"}},
        "result.score.max",
    ),
    Rule(
        "strings are not booleans",
        ex.long,
        {"result.completion": False},
        {"result.completion": "false"},
        "result.completion",
    ),
    Rule(
        "booleans are not numbers",
        ex.long,
        {"result.score": {"raw": 1}},
        {"result.score": {"raw": True}},
        "result.score.raw",
    ),
    # ---- Data 2.4.1 id
    Rule(
        "id is a UUID",
        ex.simple,
        {"id": "AA97B177-9383-4934-8543-0F91A7A02836"},
        {"id": "AA97B177-9383-4934-8543-0F91A7A028368"},
        "id",
    ),
    Rule("id has hex digits only", ex.simple, {}, {"id": "MA97B177-9383-4934-8543-0F91A7A02836"}, "id"),
    Rule("id is a string", ex.simple, {}, {"id": 12345}, "id"),
    # ---- Data 2.4.2 actor
    Rule(
        "agent has exactly one IFI",
        ex.simple,
        {},
        {"actor.mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
        "actor",
    ),
    Rule("agent needs an IFI", ex.simple, {}, {"actor": {"name": "nobody"}}, "actor"),
    Rule(
        "mbox is a mailto IRI",
        ex.simple,
        {"actor.mbox": "mailto:Learner@Example.COM"},
        {"actor.mbox": "learner@example.com"},
        "actor.mbox",
    ),
    Rule(
        "mbox_sha1sum is 40 hex digits",
        ex.simple,
        {"actor": {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}},
        {"actor": {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee"}},
        "actor.mbox_sha1sum",
    ),
    Rule(
        "openid is a URI",
        ex.simple,
        {"actor": {"openid": "http://toby.openid.example.org/"}},
        {"actor": {"openid": "toby openid"}},
        "actor.openid",
    ),
    Rule(
        "account homePage is an IRL",
        ex.simple,
        {"actor": {"account": {"homePage": "http://www.example.com", "name": "1625378"}}},
        {"actor": {"account": {"homePage": "www.example.com", "name": "1625378"}}},
        "actor.account.homePage",
    ),
    Rule(
        "account name is required",
        ex.simple,
        {},
        {"actor": {"account": {"homePage": "http://www.example.com"}}},
        "actor.account.name",
    ),
    Rule(
        "account name is a string",
        ex.simple,
        {},
        {"actor": {"account": {"homePage": "http://www.example.com", "name": {"key": "x"}}}},
        "actor.account.name",
    ),
    Rule(
        "account has no other properties",
        ex.simple,
        {},
        {"actor": {"account": {"homePage": "http://example.com", "name": "1", "id": "1"}}},
        "actor.account.id",
    ),
    Rule(
        "agent objectType is exactly 'Agent'",
        ex.simple,
        {"actor.objectType": "Agent"},
        {"actor.objectType": "agent"},
        "actor.objectType",
    ),
    Rule("agent name is a string", ex.simple, {"actor.name": "Jo"}, {"actor.name": 7}, "actor.name"),
    Rule(
        "anonymous group lists members",
        ex.simple,
        {"actor": GROUP},
        {"actor": {"objectType": "Group", "name": "ad hoc"}},
        "actor.member",
    ),
    Rule(
        "identified group has exactly one IFI",
        ex.long,
        {},
        {"actor.openid": "http://team.example.org/"},
        "actor",
    ),
    Rule(
        "group members are not groups",
        ex.long,
        {},
        {"actor.member[0]": {"objectType": "Group", "mbox": "mailto:g@example.com"}},
        "actor.member[0].objectType",
    ),
    Rule(
        "group members are agents with an IFI",
        ex.long,
        {},
        {"actor.member[1]": {"name": "x"}},
        "actor.member[1]",
    ),
    Rule(
        "member is only allowed on Groups",
        ex.simple,
        {},
        {"actor.member": [{"mbox": "mailto:a@example.com"}]},
        "actor.member",
    ),
    # ---- Data 2.4.3 verb
    Rule(
        "verb id is an IRI",
        ex.simple,
        {"verb.id": "http://example.com/xapi/verbs#defenestrated"},
        {"verb.id": "created"},
        "verb.id",
    ),
    Rule(
        "verb display is a language map",
        ex.simple,
        {"verb.display": {"es": "defenestrado"}},
        {"verb.display": "created"},
        "verb.display",
    ),
    Rule(
        "language maps are not empty",
        ex.simple,
        {"verb": {"id": "http://example.com/v"}},
        {"verb.display": {}},
        "verb.display",
    ),
    Rule(
        "language map keys are RFC 5646 tags",
        ex.simple,
        {"verb.display": {"zh-Hant": "x"}},
        {"verb.display": {"de-419-DE": "besucht"}},
        "verb.display.de-419-DE",
    ),
    Rule(
        "language map values are strings",
        ex.simple,
        {},
        {"verb.display": {"en-US": None}},
        "verb.display.en-US",
    ),
    Rule(
        "voiding requires a StatementRef",
        ex.voiding,
        {},
        {"object": {"id": "http://example.com/activity"}},
        "object.objectType",
    ),
    # ---- Data 2.4.4 object
    Rule(
        "objectType values are exact",
        ex.simple,
        {"object.objectType": "Activity"},
        {"object.objectType": "activity"},
        "object.objectType",
    ),
    Rule("activity id is required", ex.simple, {}, {"object.id": DELETE}, "object.id"),
    Rule(
        "activity id is an IRI",
        ex.simple,
        {"object.id": "urn:uuid:9e13cefd-53d3-4eac-b5ed-2cf6693903bb"},
        {"object.id": "example activity"},
        "object.id",
    ),
    Rule(
        "definition name is a language map",
        ex.simple,
        {"object.definition": {"name": {"en-US": "x"}}},
        {"object.definition": {"name": "x"}},
        "object.definition.name",
    ),
    Rule(
        "definition description is a language map",
        ex.simple,
        {"object.definition": {"description": {"en": "x"}}},
        {"object.definition": {"description": {"a12345": "x"}}},
        "object.definition.description.a12345",
    ),
    Rule(
        "definition type is an IRI",
        ex.long,
        {},
        {"object.definition.type": "meeting"},
        "object.definition.type",
    ),
    Rule(
        "definition moreInfo is an IRL",
        ex.long,
        {},
        {"object.definition.moreInfo": "/345256"},
        "object.definition.moreInfo",
    ),
    Rule(
        "definition has no other properties",
        ex.long,
        {},
        {"object.definition.title": "x"},
        "object.definition.title",
    ),
    Rule(
        "extension keys are IRIs",
        ex.long,
        {"object.definition.extensions": {}},
        {"object.definition.extensions": {"room": 1}},
        "object.definition.extensions.room",
    ),
    Rule(
        "interactionType is an enumerated value",
        ex.simple,
        {"object.definition": {"interactionType": "true-false"}},
        {"object.definition": {"interactionType": "true-faLse"}},
        "object.definition.interactionType",
    ),
    Rule(
        "component lists fit the interactionType",
        ex.simple,
        {"object.definition": {"interactionType": "likert", "scale": COMPONENTS}},
        {"object.definition": {"interactionType": "likert", "choices": COMPONENTS}},
        "object.definition.choices",
    ),
    Rule(
        "interaction properties need an interactionType",
        ex.simple,
        {"object.definition": {"interactionType": "choice", "choices": COMPONENTS}},
        {"object.definition": {"choices": COMPONENTS}},
        "object.definition.choices",
    ),
    Rule(
        "component ids are distinct",
        ex.simple,
        {"object.definition": {"interactionType": "choice", "choices": COMPONENTS}},
        {"object.definition": {"interactionType": "choice", "choices": [*COMPONENTS, {"id": "a"}]}},
        "object.definition.choices[3].id",
    ),
    Rule(
        "component id is a required string",
        ex.simple,
        {},
        {"object.definition": {"interactionType": "choice", "choices": [{"description": {"en": "a"}}]}},
        "object.definition.choices[0].id",
    ),
    Rule(
        "component description is a language map",
        ex.simple,
        {},
        {"object.definition": {"interactionType": "choice", "choices": [{"id": "a", "description": "a"}]}},
        "object.definition.choices[0].description",
    ),
    Rule(
        "correctResponsesPattern is a list of strings",
        ex.simple,
        {"object.definition": {"interactionType": "numeric", "correctResponsesPattern": []}},
        {"object.definition": {"interactionType": "numeric", "correctResponsesPattern": [4]}},
        "object.definition.correctResponsesPattern[0]",
    ),
    Rule("agent object needs objectType", ex.agent_object, {}, {"object.objectType": DELETE}, "object.name"),
    Rule(
        "group object is validated",
        ex.agent_object,
        {"object": GROUP},
        {"object": {"objectType": "Group"}},
        "object.member",
    ),
    Rule("StatementRef id is a UUID", ex.voiding, {}, {"object.id": "e05aa883"}, "object.id"),
    Rule(
        "StatementRef has only objectType and id",
        ex.voiding,
        {},
        {"object.definition": {}},
        "object.definition",
    ),
    Rule(
        "SubStatement has no id",
        ex.substatement,
        {},
        {f"{SUB}.id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"},
        f"{SUB}.id",
    ),
    Rule(
        "SubStatement has no stored",
        ex.substatement,
        {f"{SUB}.timestamp": "2030-01-01T00:00:00Z"},
        {f"{SUB}.stored": "2013-05-18T05:32:34.804Z"},
        f"{SUB}.stored",
    ),
    Rule("SubStatement has no version", ex.substatement, {}, {f"{SUB}.version": "1.0.0"}, f"{SUB}.version"),
    Rule(
        "SubStatement has no authority",
        ex.substatement,
        {},
        {f"{SUB}.authority": {"mbox": "mailto:a@example.com"}},
        f"{SUB}.authority",
    ),
    Rule(
        "SubStatements do not nest",
        ex.substatement,
        {},
        {f"{SUB}.object": ex.substatement()["object"]},
        f"{SUB}.object.objectType",
    ),
    Rule(
        "SubStatement is validated as a Statement",
        ex.substatement,
        {f"{SUB}.result": {"success": True}},
        {f"{SUB}.actor.mbox": "test@example.com"},
        f"{SUB}.actor.mbox",
    ),
    Rule("SubStatement requires a verb", ex.substatement, {}, {f"{SUB}.verb": DELETE}, f"{SUB}.verb"),
    # ---- Data 2.4.5 result
    Rule(
        "score scaled is within [-1, 1]",
        ex.long,
        {"result.score": {"scaled": -1}},
        {"result.score": {"scaled": 1.5}},
        "result.score.scaled",
    ),
    Rule(
        "score min is less than max",
        ex.long,
        {"result.score": {"min": 0, "max": 10}},
        {"result.score": {"min": 10, "max": 5}},
        "result.score.min",
    ),
    Rule(
        "score raw is not above max",
        ex.long,
        {"result.score": {"raw": 10, "max": 10}},
        {"result.score": {"raw": 11, "max": 10}},
        "result.score.raw",
    ),
    Rule(
        "score raw is not below min",
        ex.long,
        {"result.score": {"raw": 0, "min": 0}},
        {"result.score": {"raw": -1, "min": 0}},
        "result.score.raw",
    ),
    Rule(
        "score has no other properties", ex.long, {}, {"result.score": {"percent": 5}}, "result.score.percent"
    ),
    Rule("response is a string", ex.long, {}, {"result.response": 42}, "result.response"),
    Rule(
        "duration is ISO 8601",
        ex.long,
        {"result.duration": "PT4H35M59.14S"},
        {"result.duration": "PA1H0M0S"},
        "result.duration",
    ),
    # ---- Data 2.4.6 context
    Rule("registration is a UUID", ex.long, {}, {"context.registration": "ec531277"}, "context.registration"),
    Rule(
        "instructor is an Agent or Group",
        ex.long,
        {"context.instructor": GROUP},
        {"context.instructor": {"name": "x"}},
        "context.instructor",
    ),
    Rule(
        "team is a Group",
        ex.long,
        {},
        {"context.team": {"mbox": "mailto:t@example.com"}},
        "context.team.objectType",
    ),
    Rule(
        "contextActivities keys are parent/grouping/category/other",
        ex.long,
        {},
        {"context.contextActivities.sibling": []},
        "context.contextActivities.sibling",
    ),
    Rule(
        "contextActivities values are Activities or lists",
        ex.long,
        {"context.contextActivities.parent": {"id": "http://www.example.com/meetings/series/267"}},
        {"context.contextActivities.parent": "http://www.example.com/meetings/series/267"},
        "context.contextActivities.parent",
    ),
    Rule(
        "context activities are Activities",
        ex.long,
        {},
        {"context.contextActivities.other[1].objectType": "Agent"},
        "context.contextActivities.other[1].objectType",
    ),
    Rule(
        "revision only with an Activity object",
        ex.agent_object,
        {"context": {"language": "en"}},
        {"context": {"revision": "2"}},
        "context.revision",
    ),
    Rule(
        "platform only with an Activity object",
        ex.agent_object,
        {},
        {"context": {"platform": "web"}},
        "context.platform",
    ),
    Rule(
        "context language is an RFC 5646 tag",
        ex.long,
        {"context.language": "zh-cmn-Hans-CN"},
        {"context.language": "something"},
        "context.language",
    ),
    Rule(
        "context statement is a StatementRef",
        ex.long,
        {},
        {"context.statement.objectType": "SubStatement"},
        "context.statement.objectType",
    ),
    # ---- Data 2.4.7/2.4.8 timestamp and stored; Data 4.5
    Rule(
        "timestamp is ISO 8601",
        ex.simple,
        {"timestamp": "2015-11-18T12:17:00+00:00"},
        {"timestamp": "01/011/2015"},
        "timestamp",
    ),
    Rule(
        "timestamp offset -00:00 is rejected",
        ex.simple,
        {"timestamp": "2008-09-15T15:53:00.601+00:00"},
        {"timestamp": "2008-09-15T15:53:00.601-00:00"},
        "timestamp",
    ),
    Rule(
        # Data 2.4.7: the time zone is a SHOULD, so a zoneless timestamp is valid; a date alone is not.
        "timestamp is a date and a time",
        ex.simple,
        {"timestamp": "2008-09-15T15:53:00.601"},
        {"timestamp": "2008-09-15"},
        "timestamp",
    ),
    Rule(
        "substatement timestamp is checked too",
        ex.substatement,
        {f"{SUB}.timestamp": "2099-01-01T00:00:00Z"},
        {f"{SUB}.timestamp": "should fail"},
        f"{SUB}.timestamp",
    ),
    Rule(
        "stored is ISO 8601",
        ex.simple,
        {"stored": "2013-05-18T05:32:34.804Z"},
        {"stored": "2013-02-30T05:32:34Z"},
        "stored",
    ),
    # ---- Data 2.4.9 authority
    Rule(
        "authority is an Agent or a Group of two Agents",
        ex.simple,
        {
            "authority": {
                "objectType": "Group",
                "member": [
                    {
                        "account": {
                            "homePage": "http://example.com/xAPI/OAuth/Token",
                            "name": "oauth_consumer_x75db",
                        }
                    },
                    {"mbox": "mailto:bob@example.com"},
                ],
            }
        },
        {"authority": {"objectType": "Group", "member": [{"mbox": "mailto:bob@example.com"}]}},
        "authority.member",
    ),
    Rule(
        # XAPI-00100: the OAuth Group is anonymous; an identified Group of two Agents is refused.
        "a Group authority is anonymous",
        ex.simple,
        {"authority": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"},
                                                         {"mbox": "mailto:b@example.com"}]}},
        {"authority": {"objectType": "Group", "mbox": "mailto:group@example.com",
                       "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]}},
        "authority",
    ),
    Rule(
        "authority agent is validated",
        ex.long,
        {},
        {"authority.account.name": {"key": 1}},
        "authority.account.name",
    ),
    # ---- Data 2.4.10 version
    Rule("version starts with 1.0.", ex.simple, {"version": "1.0.3"}, {"version": "1.1.0"}, "version"),
    Rule("version 0.95 is rejected", ex.simple, {"version": "1.0.0"}, {"version": "0.95"}, "version"),
    # ---- Data 2.4.11 attachments
    Rule("attachments is a list", ex.with_attachment, {}, {"attachments": {}}, "attachments"),
    Rule(
        "attachment usageType is an IRI",
        ex.with_attachment,
        {},
        {"attachments[0].usageType": "test"},
        "attachments[0].usageType",
    ),
    Rule(
        "attachment display is required",
        ex.with_attachment,
        {"attachments[0].description": DELETE},
        {"attachments[0].display": DELETE},
        "attachments[0].display",
    ),
    Rule(
        "attachment description is a language map",
        ex.with_attachment,
        {},
        {"attachments[0].description": {"de-419-DE": "x"}},
        "attachments[0].description.de-419-DE",
    ),
    Rule(
        "attachment contentType is a media type",
        ex.with_attachment,
        {"attachments[0].contentType": "application/octet-stream"},
        {"attachments[0].contentType": "text"},
        "attachments[0].contentType",
    ),
    Rule(
        "attachment length is an integer",
        ex.with_attachment,
        {"attachments[0].length": 0},
        {"attachments[0].length": "27"},
        "attachments[0].length",
    ),
    Rule(
        "attachment sha2 is a SHA-2 hex digest",
        ex.with_attachment,
        {},
        {"attachments[0].sha2": "not-a-hash"},
        "attachments[0].sha2",
    ),
    Rule(
        "attachment fileUrl is an IRL",
        ex.with_attachment,
        {"attachments[0].fileUrl": "http://over.there.com/file.txt"},
        {"attachments[0].fileUrl": "file.txt"},
        "attachments[0].fileUrl",
    ),
    Rule(
        "attachment has no other properties",
        ex.with_attachment,
        {},
        {"attachments[0].url": "http://x.example.com"},
        "attachments[0].url",
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_rule_accepts_valid_example(rule: Rule) -> None:
    validate_statement(mutate(rule.base(), rule.valid))


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_rule_rejects_invalid_example(rule: Rule) -> None:
    with pytest.raises(XAPIValidationError) as caught:
        validate_statement(mutate(rule.base(), rule.invalid))
    assert caught.value.path == rule.error_path, caught.value.message


@pytest.mark.parametrize("kind", sorted(ex.INTERACTIONS))
def test_every_appendix_c_interaction_is_valid(kind: str) -> None:
    validate_statement(ex.interaction(kind))


@pytest.mark.parametrize(
    "factory", [ex.simple, ex.long, ex.voiding, ex.substatement, ex.agent_object, ex.with_attachment]
)
def test_spec_examples_are_valid(factory: Callable[[], dict[str, Any]]) -> None:
    validate_statement(factory())


def test_error_names_path_of_deep_field() -> None:
    statement = ex.interaction("choice")
    statement["object"]["definition"]["choices"][2]["id"] = "golf"
    with pytest.raises(XAPIValidationError) as caught:
        validate_statement(statement)
    assert caught.value.path == "object.definition.choices[2].id"
    assert str(caught.value).startswith("object.definition.choices[2].id: ")


def test_batch_paths_and_duplicate_ids() -> None:
    good = validate_statements([ex.simple(), ex.voiding()])
    assert len(good) == 2
    assert validate_statements(ex.simple()) == [ex.simple()]
    with pytest.raises(XAPIValidationError) as caught:
        validate_statements([ex.voiding(), mutate(ex.simple(), {"actor.mbox": "nope"})])
    assert caught.value.path == "[1].actor.mbox"
    with pytest.raises(XAPIValidationError) as caught:
        validate_statements([ex.simple(), mutate(ex.voiding(), {"id": ex.simple()["id"].upper()})])
    assert caught.value.path == "[1].id"
    with pytest.raises(XAPIValidationError):
        validate_statements([])


def test_validation_does_not_modify_input() -> None:
    statement = ex.long()
    validate_statement(statement)
    assert statement == ex.long()


@pytest.mark.parametrize(("header", "expected"), [("1.0.3", "1.0.3"), ("1.0", "1.0.0"), ("1.0.0", "1.0.0")])
def test_version_header_accepts_1_0_x(header: str, expected: str) -> None:
    assert parse_version_header(header) == expected


@pytest.mark.parametrize("header", [None, "", "0.95", "0.9", "1.1.0", "2.0.0", "1.0.x"])
def test_version_header_rejects_others(header: str | None) -> None:
    with pytest.raises(XAPIValidationError) as caught:
        parse_version_header(header)
    assert caught.value.path == "X-Experience-API-Version"


def test_agent_parameter_for_documents_and_statement_filter() -> None:
    agent = (
        '{"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick"}}'
    )
    assert validate_agent_parameter(agent)["account"]["name"] == "Rick"
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    assert validate_agent_parameter(group, allow_group=True) == group
    with pytest.raises(XAPIValidationError, match="not a Group"):
        validate_agent_parameter(group)
    with pytest.raises(XAPIValidationError, match="identified Group"):
        validate_agent_parameter(GROUP, allow_group=True)
    with pytest.raises(XAPIValidationError) as caught:
        validate_agent_parameter('{"mbox": "x", "mbox": "y"}')
    assert caught.value.path == "agent"


def test_other_parameters() -> None:
    assert validate_activity_id("http://www.example.com/activityId/hashset")
    assert validate_uuid_parameter("ec531277-b57b-4c15-8d91-d292c5b2b8f7")
    assert validate_timestamp_parameter("2013-05-18T05:32:34.804Z")
    for call, bad in (
        (validate_activity_id, "hashset"),
        (validate_uuid_parameter, "ec531277"),
        (validate_timestamp_parameter, "yesterday"),
    ):
        with pytest.raises(XAPIValidationError):
            call(bad)
