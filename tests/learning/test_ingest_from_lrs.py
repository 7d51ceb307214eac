"""Answers sent by another system to our LRS become Responses and move mastery (the real LRS, no fake)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from educloud.accounts.api import User
from educloud.learning.models import Item, Response, StudentMastery
from educloud.learning.services import item_iri, responses_ingest
from educloud.lrs.api import learner_agent
from educloud.lrs.services import client_create

pytestmark = pytest.mark.django_db
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def _post(client, new_client, statement):  # type: ignore[no-untyped-def]
    token = base64.b64encode(f"{new_client.client.key}:{new_client.secret}".encode()).decode()
    return client.post(
        "/xapi/statements",
        json.dumps(statement),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {token}",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )


def test_an_external_answered_statement_is_ingested_once_and_updates_mastery(client):
    student = User.objects.get(username="student")
    item = Item.objects.filter(knowledge_points__isnull=False).order_by("pk").first()
    point = item.knowledge_points.order_by("pk").first()
    before = StudentMastery.objects.filter(student=student, knowledge_point=point).first()
    vendor = client_create(name="某作业App（测试）", county_code="500118")
    statement_id = str(uuid.uuid4())
    response = _post(
        client,
        vendor,
        {
            "id": statement_id,
            "actor": learner_agent(student),
            "verb": {"id": ANSWERED, "display": {"zh-CN": "作答"}},
            "object": {"id": item_iri(item), "objectType": "Activity"},
            "result": {"success": True, "response": "A"},
        },
    )
    assert response.status_code == 200, response.content

    report = responses_ingest()
    assert report.recorded == 1
    recorded = Response.objects.get(statement_id=statement_id)
    assert recorded.student == student and recorded.item == item and recorded.correct is True
    after = StudentMastery.objects.get(student=student, knowledge_point=point)
    assert after.n_responses == (before.n_responses if before else 0) + 1
    assert after.p_mastery > (before.p_mastery if before else 0.0)

    again = responses_ingest()
    assert again.recorded == 0
    assert Response.objects.filter(statement_id=statement_id).count() == 1


def test_a_statement_about_an_unknown_activity_is_skipped_with_a_reason(client):
    student = User.objects.get(username="student")
    vendor = client_create(name="另一个App（测试）", county_code="500118")
    _post(
        client,
        vendor,
        {
            "actor": learner_agent(student),
            "verb": {"id": ANSWERED},
            "object": {"id": "https://elsewhere.example/q/1"},
            "result": {"success": False},
        },
    )
    report = responses_ingest()
    assert report.recorded == 0 and sum(report.skipped.values()) >= 1
