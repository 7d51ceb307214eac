"""Research alliance (§3.3.2): joint projects across both governments, events, outputs; who may add."""

from __future__ import annotations

import json

import pytest

from educloud.governance.models import ResearchOutput, ResearchProject

pytestmark = pytest.mark.django_db
API = "/api/v1/governance/alliance"


def _post(client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_public_lists_and_pages(client):
    projects = client.get(f"{API}/projects").json()
    assert len(projects) == ResearchProject.objects.count() >= 2
    assert all({p["lead_province_id"], p["partner_province_id"]} == {"500000", "510000"} for p in projects)
    assert len(client.get(f"{API}/events").json()) >= 2
    page = client.get("/governance/alliance/").content.decode()
    assert page.count('data-testid="research-row"') == len(projects)
    project = ResearchProject.objects.filter(outputs__isnull=False).first()
    detail = client.get(f"/governance/alliance/{project.pk}/").content.decode()
    assert detail.count('data-testid="output"') == project.outputs.count()


def test_a_joint_project_needs_both_sides_and_a_sane_period(client, login):
    body = {
        "title": "学分互认研究",
        "lead_institution": "甲",
        "lead_province": "500000",
        "partner_institution": "乙",
        "partner_province": "500000",
        "theme": "学分",
        "start": "2026-09-01",
    }
    login("cq_bureau")
    assert _post(client, f"{API}/projects", {**body, "partner_province": "510000"})[0] == 403
    login("joint_office")
    status, error = _post(client, f"{API}/projects", body)
    assert status == 400 and error["field"] == "partner_province"
    status, error = _post(
        client, f"{API}/projects", {**body, "partner_province": "510000", "end": "2026-01-01"}
    )
    assert status == 400 and error["field"] == "end"
    status, created = _post(client, f"{API}/projects", {**body, "partner_province": "510000"})
    assert status == 201 and created["status"] == "ongoing"


def test_outputs_by_the_joint_office_or_either_sides_provincial_bureau(client, login):
    project = ResearchProject.objects.order_by("pk").first()
    output = {"title": "报告", "kind": "report", "year": project.start.year}
    login("chengdu_bureau")  # a city bureau: not a provincial one
    assert _post(client, f"{API}/projects/{project.pk}/outputs", output)[0] == 403
    login("sc_bureau")
    status, error = _post(
        client, f"{API}/projects/{project.pk}/outputs", {**output, "year": project.start.year - 1}
    )
    assert status == 400 and error["field"] == "year"
    status, error = _post(client, f"{API}/projects/{project.pk}/outputs", {**output, "kind": "novel"})
    assert status == 400 and error["field"] == "kind"
    status, made = _post(client, f"{API}/projects/{project.pk}/outputs", output)
    assert status == 201 and ResearchOutput.objects.filter(pk=made["id"], project=project).exists()
    assert any(o["id"] == made["id"] for o in client.get(f"{API}/projects/{project.pk}/outputs").json())
