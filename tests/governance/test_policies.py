"""The policy library: both governments' documents, found through the search app; who may add them."""

from __future__ import annotations

import json

import pytest

from educloud.governance.models import PolicyDocument
from educloud.search.api import search

pytestmark = pytest.mark.django_db
API = "/api/v1/governance/policies"


def test_search_finds_policies_by_words_and_filters_by_government(client):
    body = client.get(API, {"q": "教师交流"}).json()
    assert body["count"] >= 1 and "教师跨区域交流" in body["items"][0]["title"]
    sichuan = client.get(API, {"q": "教师", "province": "510000"}).json()
    assert sichuan["items"] and {p["province_id"] for p in sichuan["items"]} == {"510000"}
    joint = client.get(API, {"province": "joint"}).json()
    assert joint["count"] == PolicyDocument.objects.filter(province__isnull=True).count() >= 1
    assert client.get(API, {"province": "999999"}).json()["field"] == "province"
    page = client.get("/governance/policies/", {"q": "数字化"}).content.decode()
    assert "<mark>数字化</mark>" in page and 'data-testid="policy-row"' in page


def test_a_provincial_bureau_adds_its_own_governments_policy_only(client, login):
    policy = {
        "title": "四川省智慧教育示范区建设指南",
        "issuer": "四川省教育厅",
        "province": "510000",
        "issued_on": "2026-11-01",
        "category": "digital",
        "summary": "示范区遴选与评估。",
    }
    login("cq_bureau")
    response = client.post(API, json.dumps(policy), content_type="application/json")
    assert response.status_code == 403
    login("sc_bureau")
    response = client.post(API, json.dumps({**policy, "url": "ftp://x"}), content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "url"
    response = client.post(API, json.dumps(policy), content_type="application/json")
    assert response.status_code == 201
    created = response.json()["id"]
    # Indexed at once: the search app finds it by a word of its title.
    hits = search(query="示范区", source="governance.policy", visibility_keys=["public"]).items
    assert str(created) in {h.object_id for h in hits}
    response = client.post(API, json.dumps({**policy, "province": None}), content_type="application/json")
    assert response.status_code == 403  # joint policies: the joint office only
