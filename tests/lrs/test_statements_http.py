"""The Statement Resource over HTTP (xAPI 1.0.3 Communication 2.1, Data 2.3 - 2.6)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from educloud.lrs.models import Statement, StatementKey
from educloud.lrs.xapi import parse_multipart, parse_timestamp
from tests.lrs import xapi_examples as ex
from tests.lrs.conftest import statement
from tests.lrs.test_xapi_multipart import CONTENT_TYPE, TEXT_PART_HEADERS, body, signed_request

pytestmark = pytest.mark.django_db
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def voiding(target: str, **changes: object) -> dict[str, object]:
    return statement(
        verb={"id": VOIDED, "display": {"en-US": "voided"}},
        object={"objectType": "StatementRef", "id": target},
        **changes,
    )


def ids_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [s["id"] for s in response.json()["statements"]]


# ---------------------------------------------------------------- POST / PUT


def test_post_one_returns_its_id_and_fills_lrs_properties(xapi) -> None:
    s = statement()
    del s["id"]
    response = xapi.post(s)
    assert response.status_code == 200
    (statement_id,) = response.json()
    assert uuid.UUID(statement_id)
    stored = xapi.get({"statementId": statement_id}).json()
    assert stored["id"] == statement_id
    assert stored["stored"] == stored["timestamp"]  # timestamp = stored when absent (Data 2.4.7)
    assert stored["version"] == "1.0.0"
    assert stored["authority"]["account"]["name"] == xapi.key
    assert parse_timestamp(stored["stored"]).utcoffset() == timedelta(0)


def test_submitted_authority_is_replaced_and_timestamp_kept(xapi) -> None:
    s = statement(authority={"mbox": "mailto:impostor@example.com"}, timestamp="2020-01-01T08:00:00+08:00")
    xapi.post(s)
    stored = xapi.get({"statementId": s["id"]}).json()
    assert stored["authority"]["account"]["name"] == xapi.key
    assert stored["timestamp"] == "2020-01-01T00:00:00.000Z"  # the same instant, in UTC (Data 2.4.7)


def test_post_batch_returns_ids_in_order(xapi) -> None:
    batch = [statement() for _ in range(3)]
    response = xapi.post(batch)
    assert response.json() == [s["id"] for s in batch]


def test_batch_is_all_or_nothing(xapi) -> None:
    good, bad = statement(), statement(verb={"id": "not an iri"})
    response = xapi.post([good, bad])
    assert response.status_code == 400
    assert response.json()["field"] == "[1].verb.id"
    assert not Statement.objects.filter(statement_id=good["id"]).exists()


def test_batch_with_a_conflicting_id_stores_nothing(xapi) -> None:
    first = statement()
    xapi.post(first)
    changed = {**first, "verb": {"id": "http://example.com/verbs/other"}}
    fresh = statement()
    response = xapi.post([fresh, changed])
    assert response.status_code == 409
    assert not Statement.objects.filter(statement_id=fresh["id"]).exists()


def test_batch_with_duplicate_ids_is_rejected(xapi) -> None:
    s = statement()
    assert xapi.post([s, dict(s)]).status_code == 400


def test_repost_of_equivalent_statement_is_accepted_and_stored_once(xapi) -> None:
    s = statement()
    assert xapi.post(s).status_code == 200
    again = {**s, "actor": {"objectType": "Agent", "mbox": "mailto:learner@EXAMPLE.com"}}
    assert xapi.post(again).json() == [s["id"]]
    assert Statement.objects.filter(statement_id=s["id"]).count() == 1


def test_put_stores_with_204_then_equivalent_204_and_different_409(xapi) -> None:
    s = statement()
    sid = s.pop("id")
    assert xapi.put(s, sid).status_code == 204
    assert xapi.put(s, sid).status_code == 204
    different = {**s, "object": {"id": "http://example.com/activities/other"}}
    response = xapi.put(different, sid)
    assert response.status_code == 409
    assert xapi.get({"statementId": sid}).json()["object"]["id"] == "http://example.com/activities/1"


def test_put_rules(xapi) -> None:
    s = statement()
    assert xapi.request("PUT", "statements", body=s).status_code == 400  # statementId missing
    assert xapi.put(s, str(uuid.uuid4())).status_code == 400  # id differs from the parameter
    assert xapi.put([s], s["id"]).status_code == 400  # a list
    assert xapi.put(s, "not-a-uuid").status_code == 400
    assert xapi.put(s, s["id"].upper()).status_code == 204  # same UUID, other case


def test_post_rejects_parameters_and_bad_content(xapi) -> None:
    s = statement()
    assert xapi.request("POST", "statements", {"statementId": s["id"]}, body=s).status_code == 400
    assert xapi.post(s, content_type="text/plain").status_code == 400
    assert xapi.post(None, raw=b"{not json").status_code == 400
    assert xapi.post([]).status_code == 400
    dup = b'{"actor": {"mbox": "mailto:a@b.c"}, "actor": {"mbox": "mailto:a@b.c"}, "verb": {"id": "http://x.y/v"}}'
    assert xapi.post(None, raw=dup).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"actor": {"mbox": "learner@example.com"}}, "actor.mbox"),
        ({"verb": {"id": "http://example.com/v", "display": {"not a tag!": "x"}}}, "verb.display.not a tag!"),
        ({"result": {"score": {"scaled": 1.5}}}, "result.score.scaled"),
        ({"result": {"duration": "1 hour"}}, "result.duration"),
        ({"context": {"registration": "nope"}}, "context.registration"),
        ({"timestamp": "2020-01-01T00:00:00-00:00"}, "timestamp"),
        ({"version": "2.0.0"}, "version"),
        (
            {"object": {"id": "http://example.com/a", "definition": {"interactionType": "guess"}}},
            "object.definition.interactionType",
        ),
        ({"actor": None}, "actor"),
    ],
)
def test_invalid_statement_gets_400_naming_the_field(xapi, changes, field) -> None:  # type: ignore[no-untyped-def]
    response = xapi.post(statement(**changes))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field.split(".")[0] in response.json()["detail"]


def test_spec_examples_are_accepted(xapi) -> None:
    for example in (ex.simple(), ex.long(), ex.substatement(), ex.agent_object()):
        assert xapi.post(example).status_code == 200, example


# ---------------------------------------------------------------- GET single


def test_get_single_headers_and_404(xapi) -> None:
    s = statement()
    xapi.post(s)
    response = xapi.get({"statementId": s["id"]})
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert parse_timestamp(response["X-Experience-API-Consistent-Through"])
    assert response["Last-Modified"]
    missing = xapi.get({"statementId": str(uuid.uuid4())})
    assert missing.status_code == 404
    assert parse_timestamp(missing["X-Experience-API-Consistent-Through"])  # on errors too
    assert xapi.get({"statementId": s["id"], "verb": "http://example.com/v"}).status_code == 400
    assert xapi.get({"statementId": s["id"], "voidedStatementId": s["id"]}).status_code == 400
    assert xapi.get({"statementId": s["id"], "format": "ids"}).json()["verb"] == {"id": s["verb"]["id"]}


def test_unknown_or_miscased_parameters_are_rejected(xapi) -> None:
    assert xapi.get({"statementid": str(uuid.uuid4())}).status_code == 400
    assert xapi.get({"colour": "blue"}).status_code == 400
    assert xapi.get({"format": "pretty"}).status_code == 400
    assert xapi.get({"limit": "-1"}).status_code == 400
    assert xapi.get({"ascending": "yes"}).status_code == 400
    assert xapi.get({"agent": "{bad json"}).status_code == 400
    assert xapi.get({"agent": {"name": "no ifi"}}).status_code == 400
    assert xapi.get({"since": "yesterday"}).status_code == 400
    assert xapi.get({"registration": "123"}).status_code == 400


# ---------------------------------------------------------------- voiding


def test_voiding_hides_statement_from_statement_id_and_queries(xapi) -> None:
    target = statement()
    xapi.post(target)
    void = voiding(target["id"])
    assert xapi.post(void).status_code == 200
    assert xapi.get({"statementId": target["id"]}).status_code == 404
    assert xapi.get({"voidedStatementId": target["id"]}).json()["id"] == target["id"]
    assert xapi.get({"voidedStatementId": void["id"]}).status_code == 404
    returned = ids_of(xapi.get({"agent": target["actor"]}))
    assert target["id"] not in returned
    assert void["id"] in returned  # the voiding Statement itself is returned


def test_voiding_a_voiding_statement_is_rejected(xapi) -> None:
    target = statement()
    void = voiding(target["id"])
    xapi.post([target, void])
    response = xapi.post(voiding(void["id"]))
    assert response.status_code == 400
    assert "voiding" in response.json()["detail"]
    assert xapi.get({"statementId": void["id"]}).status_code == 200


def test_voiding_before_target_arrives_voids_it_on_arrival(xapi) -> None:
    target = statement()
    xapi.post(voiding(target["id"]))
    xapi.post(target)
    assert xapi.get({"statementId": target["id"]}).status_code == 404
    assert xapi.get({"voidedStatementId": target["id"]}).status_code == 200


def test_voiding_in_same_batch(xapi) -> None:
    target = statement()
    xapi.post([voiding(target["id"]), target])
    assert xapi.get({"voidedStatementId": target["id"]}).status_code == 200


def test_a_school_client_cannot_void_another_clients_statement(make_client) -> None:
    owner = make_client(county_code="500118")
    other = make_client(county_code="500118")
    target = statement()
    owner.post(target)
    assert other.post(voiding(target["id"])).status_code == 403
    assert owner.get({"statementId": target["id"]}).status_code == 200


def test_voiding_verb_needs_a_statement_ref(xapi) -> None:
    response = xapi.post(statement(verb={"id": VOIDED}))
    assert response.status_code == 400


# ---------------------------------------------------------------- queries


def test_filters_by_verb_activity_registration_and_agent(xapi) -> None:
    registration = str(uuid.uuid4())
    a = statement(context={"registration": registration})
    b = statement(
        verb={"id": "http://example.com/verbs/answered"},
        object={"id": "http://example.com/activities/2"},
        actor={"mbox": "mailto:other@example.com"},
    )
    xapi.post([a, b])
    assert ids_of(xapi.get({"verb": "http://example.com/verbs/answered"})) == [b["id"]]
    assert ids_of(xapi.get({"activity": "http://example.com/activities/2"})) == [b["id"]]
    assert ids_of(xapi.get({"registration": registration.upper()})) == [a["id"]]
    assert ids_of(xapi.get({"agent": {"mbox": "mailto:other@example.com"}})) == [b["id"]]
    assert ids_of(xapi.get({"agent": {"mbox": "mailto:other@example.com"}, "verb": s_verb(a)})) == []


def s_verb(s: dict[str, object]) -> str:
    return s["verb"]["id"]  # type: ignore[index]


def test_agent_filter_matches_object_agents_and_group_members_not_authority(xapi) -> None:
    long = ex.long()  # actor is a Group with members
    nellie = ex.agent_object()  # object is an Agent
    nellie["id"] = str(uuid.uuid4())
    xapi.post([long, nellie])
    member = long["actor"]["member"][1]
    assert ids_of(xapi.get({"agent": {"openid": member["openid"]}})) == [long["id"]]
    target = nellie["object"]
    assert nellie["id"] in ids_of(xapi.get({"agent": {"mbox": target["mbox"]}}))
    authority = {"account": {"homePage": "http://127.0.0.1:8000", "name": xapi.key}}
    assert ids_of(xapi.get({"agent": authority})) == []
    related = ids_of(xapi.get({"agent": authority, "related_agents": "true"}))
    assert set(related) == {long["id"], nellie["id"]}


def test_related_activities_include_context_activities(xapi) -> None:
    long = ex.long()
    xapi.post(long)
    parent = long["context"]["contextActivities"]["parent"][0]["id"]
    assert ids_of(xapi.get({"activity": parent})) == []
    assert ids_of(xapi.get({"activity": parent, "related_activities": "true"})) == [long["id"]]


def test_statement_ref_targets_match_filters_of_their_target(xapi) -> None:
    target = statement(verb={"id": "http://example.com/verbs/rare"})
    ref = statement(
        verb={"id": "http://example.com/verbs/liked"},
        object={"objectType": "StatementRef", "id": target["id"]},
    )
    ref_of_ref = statement(
        verb={"id": "http://example.com/verbs/shared"}, object={"objectType": "StatementRef", "id": ref["id"]}
    )
    xapi.post(ref_of_ref)  # out of order: the referrer first
    xapi.post(ref)
    xapi.post(target)
    assert set(ids_of(xapi.get({"verb": "http://example.com/verbs/rare"}))) == {
        target["id"],
        ref["id"],
        ref_of_ref["id"],
    }
    assert ids_of(xapi.get({"verb": "http://example.com/verbs/shared"})) == [ref_of_ref["id"]]


def test_voided_target_is_excluded_but_its_voiding_statement_matches_its_filters(xapi) -> None:
    target = statement(verb={"id": "http://example.com/verbs/oops"})
    void = voiding(target["id"])
    xapi.post([target, void])
    assert ids_of(xapi.get({"verb": "http://example.com/verbs/oops"})) == [void["id"]]


def test_order_since_until_ascending_and_limit(xapi) -> None:
    from django.utils import timezone

    from educloud.lrs.models import Client
    from educloud.lrs.services import statements_store

    client = Client.objects.get(key=xapi.key)
    base = timezone.now() - timedelta(days=1)
    made = []
    for minute in range(5):
        s = statement(actor={"mbox": "mailto:timeline@example.com"})
        statements_store(client=client, statements=[s], stored_at=base + timedelta(minutes=minute))
        made.append(s["id"])
    agent = {"mbox": "mailto:timeline@example.com"}
    assert ids_of(xapi.get({"agent": agent})) == made[::-1]
    assert ids_of(xapi.get({"agent": agent, "ascending": "true"})) == made
    since = (base + timedelta(minutes=1)).isoformat()
    until = (base + timedelta(minutes=3)).isoformat()
    assert ids_of(xapi.get({"agent": agent, "since": since, "until": until})) == made[2:4][::-1]
    assert ids_of(xapi.get({"agent": agent, "limit": 2})) == made[::-1][:2]


def test_more_pages_through_everything_once_and_is_stable_under_inserts(xapi) -> None:
    agent = {"mbox": "mailto:pager@example.com"}
    batch = [statement(actor=agent) for _ in range(7)]
    xapi.post(batch)
    seen: list[str] = []
    response = xapi.get({"agent": agent, "limit": 3})
    pages = 0
    while True:
        pages += 1
        data = response.json()
        seen += [s["id"] for s in data["statements"]]
        if pages == 1:
            xapi.post(statement(actor=agent))  # arrives while paging: newer, not on later pages
        if not data["more"]:
            break
        assert urlparse(data["more"]).path == "/xapi/statements"
        assert set(parse_qs(urlparse(data["more"]).query)) == {"more"}
        response = xapi.more(data["more"])
        assert response.status_code == 200
    assert pages == 3
    assert sorted(seen) == sorted(s["id"] for s in batch)
    assert xapi.get({"more": "forged-token"}).status_code == 400


def test_more_keeps_the_format_of_the_first_page(xapi) -> None:
    agent = {"mbox": "mailto:ids-pager@example.com"}
    xapi.post([statement(actor={**agent, "name": "Named"}) for _ in range(3)])
    first = xapi.get({"agent": agent, "limit": 2, "format": "ids"}).json()
    assert all("name" not in s["actor"] for s in first["statements"])
    second = xapi.more(first["more"]).json()
    assert len(second["statements"]) == 1
    assert "name" not in second["statements"][0]["actor"]
    assert second["more"] == ""


def test_format_ids_and_canonical(xapi) -> None:
    s = statement(
        actor={"mbox": "mailto:fmt@example.com", "name": "Learner"},
        verb={"id": "http://example.com/verbs/read", "display": {"en-US": "read", "zh-CN": "阅读"}},
        object={
            "id": "http://example.com/activities/fmt",
            "definition": {"name": {"en-US": "Book", "zh-CN": "书"}},
        },
    )
    xapi.post(s)
    later = statement(
        actor={"mbox": "mailto:fmt@example.com"},
        object={
            "id": "http://example.com/activities/fmt",
            "definition": {"description": {"en-US": "A book"}},
        },
    )
    xapi.post(later)
    ids = xapi.get({"statementId": s["id"], "format": "ids"}).json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:fmt@example.com"}
    assert ids["object"] == {"objectType": "Activity", "id": "http://example.com/activities/fmt"}
    canonical = xapi.get(
        {"statementId": s["id"], "format": "canonical"}, headers={"Accept-Language": "zh-CN"}
    ).json()
    assert canonical["verb"]["display"] == {"zh-CN": "阅读"}
    assert canonical["object"]["definition"]["name"] == {"zh-CN": "书"}
    assert canonical["object"]["definition"]["description"] == {"en-US": "A book"}  # merged canonical
    exact = xapi.get({"statementId": s["id"]}).json()
    assert exact["object"]["definition"] == s["object"]["definition"]


# ---------------------------------------------------------------- attachments and signatures


def test_multipart_attachment_round_trip(xapi) -> None:
    s = ex.with_attachment()
    s["id"] = str(uuid.uuid4())
    response = xapi.post(
        None, raw=body(s, (TEXT_PART_HEADERS, ex.ATTACHMENT_TEXT)), content_type=CONTENT_TYPE
    )
    assert response.status_code == 200, response.content
    answer = xapi.get({"statementId": s["id"], "attachments": "true"})
    assert answer["Content-Type"].startswith("multipart/mixed")
    parsed = parse_multipart(answer.content, answer["Content-Type"])
    assert parsed.statements["id"] == s["id"]
    (part,) = parsed.parts.values()
    assert part.data == ex.ATTACHMENT_TEXT
    listing = xapi.get({"attachments": "true", "agent": s["actor"]})
    parsed = parse_multipart(listing.content, listing["Content-Type"])
    assert [st["id"] for st in parsed.statements["statements"]] == [s["id"]]
    assert list(parsed.parts) == [s["attachments"][0]["sha2"]]


def test_attachment_without_data_or_file_url_is_rejected(xapi) -> None:
    assert xapi.post(ex.with_attachment()).status_code == 400
    wrong = TEXT_PART_HEADERS.replace("495395e7", "00000000")
    assert (
        xapi.post(
            None, raw=body(ex.with_attachment(), (wrong, ex.ATTACHMENT_TEXT)), content_type=CONTENT_TYPE
        ).status_code
        == 400
    )


def test_signed_statement_is_verified(xapi) -> None:
    signed = ex.signed_statement()
    jws = ex.signed_jws().encode()
    response = xapi.post(None, raw=signed_request(signed, jws), content_type=CONTENT_TYPE)
    assert response.status_code == 200, response.content
    tampered = {**signed, "verb": {"id": "http://example.com/verbs/forged"}}
    response = xapi.post(None, raw=signed_request(tampered, jws), content_type=CONTENT_TYPE)
    assert response.status_code == 400


# ---------------------------------------------------------------- storage details


def test_key_rows_are_disjoint_per_value(xapi) -> None:
    s = ex.long()
    xapi.post(s)
    rows = list(StatementKey.objects.filter(statement__statement_id=s["id"]).values_list("kind", "key"))
    keys_by_value: dict[object, set[int]] = {}
    for kind, key in rows:
        keys_by_value.setdefault(key, set()).add(kind)
    assert all(len(kinds) == 1 for kinds in keys_by_value.values())
    assert len(rows) == len(set(rows))


def test_attachment_data_is_stored_once_per_sha2(xapi) -> None:
    from educloud.lrs.models import Attachment

    for _ in range(2):
        s = ex.with_attachment()
        s["id"] = str(uuid.uuid4())
        xapi.post(None, raw=body(s, (TEXT_PART_HEADERS, ex.ATTACHMENT_TEXT)), content_type=CONTENT_TYPE)
    assert Attachment.objects.filter(sha2=hashlib.sha256(ex.ATTACHMENT_TEXT).hexdigest()).count() == 1
    assert json.loads(Statement.objects.order_by("-id").first().payload)["attachments"][0]["length"] == 27
