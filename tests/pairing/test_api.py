"""The pairing API and pages over real HTTP requests (Django test client), with their error answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from educloud.accounts.api import User
from educloud.pairing.models import Pairing

pytestmark = pytest.mark.django_db


def test_api_run_confirm_dispatch_and_effect(login) -> None:  # type: ignore[no-untyped-def]
    client = login("cq_bureau")
    r = client.post(
        "/api/v1/pairing/runs",
        {"stage": "primary", "capacity": 2, "max_weak": 6},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert len(body["pairs"]) == body["n_weak"] == 6
    assert body["objective"] >= (body["greedy_objective"] or -1e9) - 1e-9
    assert all(p["explanation"]["text"] for p in body["pairs"])
    pid = body["pairs"][0]["id"]
    r = client.post(
        f"/api/v1/pairing/pairings/{pid}/confirm", {"agreement": "协议"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = client.post(f"/api/v1/pairing/pairings/{pid}/confirm", {}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "status"
    today = dt.date.today().isoformat()
    r = client.post(
        f"/api/v1/pairing/pairings/{pid}/dispatches",
        {"teacher_name": "教师丙", "start_on": today, "end_on": today, "subjects": ["数学"]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["to_school"] == body["pairs"][0]["weak_code"]
    r = client.post(
        f"/api/v1/pairing/pairings/{pid}/dispatches",
        {"teacher_name": "教师丙", "start_on": today, "end_on": today, "subjects": []},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["field"] == "subjects"
    r = client.get(f"/api/v1/pairing/pairings/{pid}/progress")
    assert r.status_code == 200 and r.json()["dispatches"] == 1
    r = client.get("/api/v1/pairing/effect", {"metric": "math_score"})
    assert r.status_code == 200
    eff = r.json()
    assert eff["att_ci"][0] <= 0.3 <= eff["att_ci"][1] and eff["synthetic"] and eff["mde"] > 0


def test_api_errors(login, client: Client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/pairing/runs", {}, content_type="application/json").status_code == 401
    c = login("cq_bureau")
    r = c.post("/api/v1/pairing/runs", {"stage": "senior"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "stage"
    r = c.post(
        "/api/v1/pairing/runs", {"stage": "primary", "must": [["A", "B"]]}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["field"] == "must"
    r = c.post("/api/v1/pairing/pairings/999999999/confirm", {}, content_type="application/json")
    assert r.status_code == 404 and r.json()["field"] == "pairing_id"
    r = c.get("/api/v1/pairing/effect", {"metric": "nope"})
    assert r.status_code == 400 and r.json()["field"] == "metric"
    s = login("student")
    r = s.post("/api/v1/pairing/runs", {"stage": "primary"}, content_type="application/json")
    assert r.status_code == 403
    assert s.get("/api/v1/pairing/effect").status_code == 403


def test_pages_for_bureau_school_and_teacher(login) -> None:  # type: ignore[no-untyped-def]
    c = login("joint_office")
    page = c.get("/pairing/").content.decode()
    assert "帮扶进展总览" in page and "逾期" in page
    assert "强校" in c.get("/pairing/diagnosis/?stage=primary").content.decode()
    effect = c.get("/pairing/effect/").content.decode()
    assert "最小可检测效应" in effect and "合成数据" in effect and 'id="event-data"' in effect
    assert c.get("/pairing/diagnosis/?stage=x").status_code == 400
    c = login("school_admin")
    page = c.get("/pairing/").content.decode()
    assert "本校结对" in page
    pair = Pairing.objects.filter(strong=User.objects.get(username="school_admin").roles.get().school).first()
    detail = c.get(f"/pairing/{pair.pk}/").content.decode()
    assert "登记支教" in detail and "结对理由" in detail
    r = c.post(
        f"/pairing/{pair.pk}/dispatch/",
        {"teacher_name": "甲", "start_on": "2026-13-01", "end_on": "x", "subjects": "数学"},
    )
    assert r.status_code == 302
    assert "开始日期格式应为" in c.get(f"/pairing/{pair.pk}/").content.decode()
    assert c.get("/pairing/effect/").status_code == 403
    assert c.get("/pairing/match/").status_code == 403
    c = login("teacher")
    assert "我的支教" in c.get("/pairing/").content.decode()
    c = login("enterprise")
    assert c.get(f"/pairing/{pair.pk}/").status_code == 404
