"""State, Activity Profile and Agent Profile resources (Communication 2.2 - 2.7, 3.1 concurrency)."""

from __future__ import annotations

import json
import uuid

import pytest

from educloud.lrs.xapi import compute_etag

pytestmark = pytest.mark.django_db
ACTIVITY = "http://example.com/activities/doc"
AGENT = {"objectType": "Agent", "mbox": "mailto:doc@example.com"}


def state(stateId: str = "bookmark", **extra: object) -> dict[str, object]:
    return {"activityId": ACTIVITY, "agent": AGENT, "stateId": stateId, **extra}


def test_state_put_get_delete_round_trip(xapi) -> None:
    response = xapi.request("PUT", "activities/state", state(), raw=b"page 7", content_type="text/plain")
    assert response.status_code == 204
    assert response["ETag"] == compute_etag(b"page 7")
    got = xapi.request("GET", "activities/state", state())
    assert got.status_code == 200
    assert got.content == b"page 7"
    assert got["Content-Type"] == "text/plain"
    assert got["ETag"] == compute_etag(b"page 7")
    assert got["Last-Modified"]
    assert xapi.request("DELETE", "activities/state", state()).status_code == 204
    assert xapi.request("GET", "activities/state", state()).status_code == 404


def test_state_registration_is_part_of_the_key(xapi) -> None:
    registration = str(uuid.uuid4())
    xapi.request(
        "PUT", "activities/state", state(registration=registration), raw=b"r", content_type="text/plain"
    )
    assert xapi.request("GET", "activities/state", state()).status_code == 404
    assert xapi.request("GET", "activities/state", state(registration=registration)).content == b"r"
    assert xapi.request("GET", "activities/state", state(registration="nope")).status_code == 400


def test_state_post_merges_json_objects(xapi) -> None:
    xapi.request("POST", "activities/state", state(), body={"a": 1, "b": {"x": 1}})
    xapi.request("POST", "activities/state", state(), body={"b": {"y": 2}, "c": 3})
    got = xapi.request("GET", "activities/state", state())
    assert json.loads(got.content) == {"a": 1, "b": {"y": 2}, "c": 3}
    assert got["Content-Type"].startswith("application/json")
    response = xapi.request("POST", "activities/state", state(), raw=b"text", content_type="text/plain")
    assert response.status_code == 400
    response = xapi.request("POST", "activities/state", state(), raw=b"[1, 2]")
    assert response.status_code == 400
    assert json.loads(xapi.request("GET", "activities/state", state()).content)["c"] == 3


def test_state_ids_since_and_delete_all(xapi) -> None:
    for name in ("s1", "s2"):
        xapi.request("PUT", "activities/state", state(name), raw=b"{}")
    other_agent = {**state("s3"), "agent": {"mbox": "mailto:else@example.com"}}
    xapi.request("PUT", "activities/state", other_agent, raw=b"{}")
    listing = xapi.request("GET", "activities/state", {"activityId": ACTIVITY, "agent": AGENT})
    assert listing.json() == ["s1", "s2"]
    future = xapi.request(
        "GET", "activities/state", {"activityId": ACTIVITY, "agent": AGENT, "since": "2999-01-01T00:00:00Z"}
    )
    assert future.json() == []
    assert (
        xapi.request("DELETE", "activities/state", {"activityId": ACTIVITY, "agent": AGENT}).status_code
        == 204
    )
    assert xapi.request("GET", "activities/state", {"activityId": ACTIVITY, "agent": AGENT}).json() == []
    assert xapi.request("GET", "activities/state", other_agent).status_code == 200


def test_state_parameter_rules(xapi) -> None:
    assert (
        xapi.request(
            "PUT", "activities/state", {"activityId": ACTIVITY, "agent": AGENT}, raw=b"x"
        ).status_code
        == 400
    )
    assert xapi.request("GET", "activities/state", {"agent": AGENT, "stateId": "s"}).status_code == 400
    assert xapi.request("GET", "activities/state", state(activityId="not an iri")).status_code == 400
    group = {"objectType": "Group", "mbox": "mailto:g@example.com"}
    assert xapi.request("GET", "activities/state", state(agent=group)).status_code == 400
    assert xapi.request("GET", "activities/state", state(extra="1")).status_code == 400
    # Communication 2.3.s4.table1.row4: "since" must be a Timestamp, with or without a stateId.
    assert xapi.request("GET", "activities/state", state(since="not a timestamp")).status_code == 400


def test_state_get_with_state_id_accepts_since(xapi) -> None:
    # "since" filters the id list; beside a stateId it is recognised (validated) and changes nothing.
    assert xapi.request("PUT", "activities/state", state(), body={"a": 1}).status_code == 204
    got = xapi.request("GET", "activities/state", state(since="2020-01-01T00:00:00Z"))
    assert got.status_code == 200 and json.loads(got.content) == {"a": 1}
    later = xapi.request("GET", "activities/state", state(since="2999-01-01T00:00:00Z"))
    assert later.status_code == 200


def test_state_concurrency_headers_are_honoured(xapi) -> None:
    first = xapi.request("PUT", "activities/state", state(), raw=b"v1")
    etag = first["ETag"]
    assert xapi.request("PUT", "activities/state", state(), raw=b"v2").status_code == 204  # unconditional ok
    stale = xapi.request("PUT", "activities/state", state(), raw=b"v3", headers={"If-Match": etag})
    assert stale.status_code == 412
    current = compute_etag(b"v2")
    assert (
        xapi.request("PUT", "activities/state", state(), raw=b"v3", headers={"If-Match": current}).status_code
        == 204
    )
    assert (
        xapi.request(
            "GET", "activities/state", state(), headers={"If-None-Match": compute_etag(b"v3")}
        ).status_code
        == 304
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("activities/profile", {"activityId": ACTIVITY, "profileId": "p"}),
        ("agents/profile", {"agent": AGENT, "profileId": "p"}),
    ],
)
def test_profile_concurrency(xapi, path, params) -> None:  # type: ignore[no-untyped-def]
    created = xapi.request("PUT", path, params, body={"v": 1}, headers={"If-None-Match": "*"})
    assert created.status_code == 204
    etag = created["ETag"]
    assert xapi.request("PUT", path, params, body={"v": 2}).status_code == 409  # no precondition
    assert xapi.request("PUT", path, params, body={"v": 2}, headers={"If-None-Match": "*"}).status_code == 412
    assert xapi.request("PUT", path, params, body={"v": 2}, headers={"If-Match": '"0000"'}).status_code == 412
    assert xapi.request("PUT", path, params, body={"v": 2}, headers={"If-Match": etag}).status_code == 204
    assert json.loads(xapi.request("GET", path, params).content) == {"v": 2}
    assert xapi.request("POST", path, params, body={"w": 3}).status_code == 204  # POST merges, no 409
    assert json.loads(xapi.request("GET", path, params).content) == {"v": 2, "w": 3}
    assert xapi.request("DELETE", path, params, headers={"If-Match": etag}).status_code == 412
    assert xapi.request("DELETE", path, params).status_code == 204
    assert xapi.request("GET", path, params).status_code == 404
    scope = {k: v for k, v in params.items() if k != "profileId"}
    assert xapi.request("GET", path, scope).json() == []
    assert xapi.request("DELETE", path, scope).status_code == 400  # profileId required
    assert (
        xapi.request(
            "PUT", path, {**params, "profileId": "q"}, raw=b"bin", content_type="application/octet-stream"
        ).status_code
        == 204
    )
    assert xapi.request("GET", path, scope).json() == ["q"]


def test_activities_resource_returns_the_canonical_definition(xapi) -> None:
    from tests.lrs.conftest import statement

    xapi.post(statement(object={"id": ACTIVITY, "definition": {"name": {"en-US": "Doc"}}}))
    xapi.post(
        statement(
            object={
                "id": ACTIVITY,
                "definition": {"name": {"zh-CN": "文档"}, "type": "http://example.com/types/doc"},
            }
        )
    )
    activity = xapi.request("GET", "activities", {"activityId": ACTIVITY}).json()
    assert activity == {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": {"name": {"en-US": "Doc", "zh-CN": "文档"}, "type": "http://example.com/types/doc"},
    }
    unknown = xapi.request("GET", "activities", {"activityId": "http://example.com/never"}).json()
    assert unknown == {"objectType": "Activity", "id": "http://example.com/never"}
    assert xapi.request("GET", "activities", {}).status_code == 400


def test_agents_resource_returns_a_person(xapi) -> None:
    person = xapi.request("GET", "agents", {"agent": {"mbox": "mailto:p@example.com", "name": "P"}}).json()
    assert person == {"objectType": "Person", "name": ["P"], "mbox": ["mailto:p@example.com"]}
    assert xapi.request("GET", "agents", {"agent": {"name": "no ifi"}}).status_code == 400


def test_agent_documents_are_scoped_like_statements(make_client) -> None:
    chongqing = make_client(province_code="500000")
    sichuan = make_client(province_code="510000")
    params = {"agent": AGENT, "profileId": "private"}
    assert chongqing.request("PUT", "agents/profile", params, body={"k": 1}).status_code == 204
    assert sichuan.request("GET", "agents/profile", params).status_code == 404
    assert sichuan.request("GET", "agents/profile", {"agent": AGENT}).json() == []
    assert (
        sichuan.request(
            "PUT", "agents/profile", params, body={"k": 2}, headers={"If-None-Match": "*"}
        ).status_code
        == 403
    )
    assert chongqing.request("GET", "agents/profile", params).status_code == 200
