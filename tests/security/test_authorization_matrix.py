"""Authorization matrix: every API operation and every page route × every demo role (and anonymous).

Complete by construction: ``API`` has one entry per operation of ``/api/v1/openapi.json`` and
``PAGES`` one per route of the URL conf; ``test_the_matrix_covers_every_operation_and_route`` fails
when an operation or route exists that the tables do not name (or the tables name one that is gone).

For each role the test sends every operation, filling path parameters with real ids of the seeded
demo — one inside the caller's scope and one outside — and checks, against an oracle written here
from the README's role table (not from the code under test):

* no answer is a 5xx;
* reads: every school that appears (any ``S`` + 10-digit school code in the JSON) lies in the
  caller's view scope; lists of schools match the oracle exactly (nothing missing, nothing extra);
  every library resource returned is one the caller may see (published and public / circle for a
  logged-in user / the caller's own region at the resource's level / a granted access request, or a
  draft the caller owns or reviews); out-of-scope objects answer 401/403/404;
* writes aimed at objects outside the caller's scope (or by a role that may not write at all) answer
  401/403/404 (400 for an import whose rows name foreign schools) and change nothing (a digest of the
  tables the writes touch is compared before and after).

Pages get the same treatment: no 5xx; scoped pages refuse out-of-scope objects (403/404, or a
redirect to the login page); no foreign school code in a scoped page; POST-only views refuse
out-of-scope targets and change nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models import Count, Max, Sum
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from educloud.config.api import api

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "joint_office",
    "cq_bureau",
    "sc_bureau",
    "chengdu_bureau",
    "yongchuan_bureau",
    "jintang_bureau",
    "school_admin",
    "teacher",
    "student",
    "enterprise",
    "expert",
]
YONGCHUAN_SCHOOL = "S5001180001"  # 永川区第1小学: the demo school of school_admin, teacher, student
JINTANG_SCHOOL = "S5101210001"
# (level, code) each role views, from the README's table; None: no school at all.
VIEW: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "joint_office": ("all", ""),
    "cq_bureau": ("province", "500000"),
    "sc_bureau": ("province", "510000"),
    "chengdu_bureau": ("city", "510100"),
    "yongchuan_bureau": ("county", "500118"),
    "jintang_bureau": ("county", "510121"),
    "school_admin": ("school", YONGCHUAN_SCHOOL),
    "teacher": ("school", YONGCHUAN_SCHOOL),
    "student": ("school", YONGCHUAN_SCHOOL),
    "enterprise": None,
    "expert": None,
}
EDITORS = {"joint_office", "cq_bureau", "sc_bureau", "chengdu_bureau", "yongchuan_bureau", "jintang_bureau"}
EDIT = {role: (VIEW[role] if role in EDITORS | {"school_admin"} else None) for role in ROLES}
REFUSED = {401, 403, 404}
SCHOOL_CODE = re.compile(r"\bS\d{10}\b")


# --- the oracle -----------------------------------------------------------------------------------


@dataclass
class World:
    """Facts of the seeded demo the oracle needs, read once per test."""

    places: dict[str, tuple[str, str, str]]  # school code -> (province, city, county)
    users: dict[str, Any]
    resources: dict[int, dict[str, Any]]
    granted: set[tuple[int, int]]  # (resource id, user id) of approved access requests
    ids: dict[str, Any] = field(default_factory=dict)

    def covers(self, scope: tuple[str, str] | None, school: str | None) -> bool:
        if scope is None or not school or school not in self.places:
            return False
        level, code = scope
        province, city, county = self.places[school]
        return (
            level == "all"
            or (level == "province" and province == code)
            or (level == "city" and city == code)
            or (level == "county" and county == code)
            or (level == "school" and school == code)
        )

    def chain(self, role: str) -> set[str]:
        """The caller's own places, each as ``level:code`` (a school also lies in its county ...)."""
        scope = VIEW[role]
        if scope is None or scope[0] == "all":
            return set()
        level, code = scope
        if level == "school":
            province, city, county = self.places[code]
            return {f"school:{code}", f"county:{county}", f"city:{city}", f"province:{province}"}
        if level == "county":
            school = next(s for s, p in self.places.items() if p[2] == code)
            province, city, _ = self.places[school]
            return {f"county:{code}", f"city:{city}", f"province:{province}"}
        if level == "city":
            school = next(s for s, p in self.places.items() if p[1] == code)
            return {f"city:{code}", f"province:{self.places[school][0]}"}
        return {f"province:{code}"}

    def may_see_resource(self, role: str, resource_id: int) -> bool:
        r = self.resources[resource_id]
        user = self.users.get(role)
        if r["status"] != "published":
            return user is not None and (
                r["owner_id"] == user.pk or self.covers(EDIT[role], r["school_code"])
            )
        if r["visibility"] == "public":
            return True
        if user is None:
            return False
        if r["visibility"] == "circle" or VIEW[role] == ("all", "") or (resource_id, user.pk) in self.granted:
            return True
        if r["owner_id"] == user.pk or self.covers(EDIT[role], r["school_code"]):
            return True
        level = r["visibility"]
        code = r[f"{level}_code"]
        return f"{level}:{code}" in self.chain(role)


def _world() -> World:
    from educloud.accounts.api import User
    from educloud.library.models import AccessRequest, Resource
    from educloud.schools.api import School

    places = {
        code: (province, city, county)
        for code, province, city, county in School.objects.values_list(
            "code", "county__province_id", "county__city_id", "county_id"
        )
    }
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    resources = {
        r["id"]: r
        for r in Resource.objects.values(
            "id",
            "title",
            "status",
            "visibility",
            "owner_id",
            "school_code",
            "county_code",
            "city_code",
            "province_code",
        )
    }
    granted = set(
        AccessRequest.objects.filter(status=AccessRequest.Status.APPROVED).values_list(
            "resource_id", "requester_id"
        )
    )
    return World(places=places, users=users, resources=resources, granted=granted)


def _pairing_digest() -> list[Any]:
    from educloud.pairing.models import Goal, JointActivity, MatchRun, Pairing, SharedCourse, TeacherDispatch

    return [
        list(Pairing.objects.order_by("id").values_list("id", "status", "strong_id", "weak_id")),
        [TeacherDispatch.objects.count(), JointActivity.objects.count(), MatchRun.objects.count()],
        [Goal.objects.count(), SharedCourse.objects.count()],
    ]


def _governance_digest() -> list[Any]:
    from educloud.governance import models as g

    return [
        list(g.FundCall.objects.order_by("id").values_list("id", "status", "budget")),
        list(g.Application.objects.order_by("id").values_list("id", "status", "budget_requested")),
        list(g.ReviewAssignment.objects.order_by("id").values_list("id", "score")),
        g.SelectionRun.objects.count(),
        list(g.ProjectReport.objects.aggregate(Count("id"), Sum("spend")).values()),
        list(g.Award.objects.order_by("id").values_list("id", "level")),
        list(g.JointMeeting.objects.order_by("id").values_list("id", "title")),
        g.Resolution.objects.count(),
        list(g.ActionItem.objects.order_by("id").values_list("id", "status", "progress")),
        g.ActionUpdate.objects.count(),
        list(g.PolicyDocument.objects.order_by("id").values_list("id", "title")),
        list(g.ResearchProject.objects.order_by("id").values_list("id", "title")),
        list(g.ResearchOutput.objects.order_by("id").values_list("id", "title")),
        list(g.AllianceEvent.objects.order_by("id").values_list("id", "title")),
    ]


def _community_digest() -> list[Any]:
    from educloud.community import models as c

    return [
        list(c.Group.objects.order_by("id").values_list("id", "name", "visibility")),
        list(c.Membership.objects.order_by("id").values_list("id", "group_id", "user_id", "role")),
        list(c.Invitation.objects.order_by("id").values_list("id", "status")),
        list(c.Post.objects.order_by("id").values_list("id", "hidden", "body")),
        [c.Thread.objects.count(), c.Attachment.objects.count(), c.Report.objects.count()],
        list(c.LessonPlan.objects.order_by("id").values_list("id", "current_number")),
        [
            c.LessonPlanVersion.objects.count(),
            c.VersionComment.objects.count(),
            c.ModerationAction.objects.count(),
        ],
    ]


def _digest() -> str:
    """What the writes could change, in a few aggregate queries."""
    from educloud.learning.models import Item, KnowledgePoint, Prerequisite
    from educloud.library.models import (
        AccessRequest,
        Collection,
        CollectionItem,
        Engagement,
        Resource,
        ResourceVersion,
    )
    from educloud.schools.api import School, SchoolYearStats

    parts: list[Any] = [
        list(School.objects.order_by("code").values_list("code", "name", "ownership", "location_class")),
        list(School.objects.aggregate(Sum("longitude"), Sum("latitude")).values()),
        list(SchoolYearStats.objects.aggregate(Count("id"), Sum("enrolment"), Sum("teachers")).values()),
        list(Resource.objects.order_by("id").values_list("id", "title", "status", "visibility", "cover_id")),
        list(Resource.objects.aggregate(Max("modified_at"), Sum("rating_count"), Sum("rating_sum")).values()),
        ResourceVersion.objects.count(),
        list(Engagement.objects.aggregate(Count("id"), Sum("value"), Max("id")).values()),
        list(AccessRequest.objects.order_by("id").values_list("id", "status")),
        list(Collection.objects.order_by("id").values_list("id", "title")),
        list(CollectionItem.objects.order_by("id").values_list("id", "collection_id", "resource_id")),
        list(KnowledgePoint.objects.order_by("id").values_list("id", "code", "name")),
        Prerequisite.objects.count(),
        list(Item.objects.order_by("id").values_list("id", "code", "stem", "answer")),
        _governance_digest(),
        *_pairing_digest(),
        _assessment_digest(),
        _community_digest(),
        _industry_digest(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


# --- what each operation is and how to call it ------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request of the matrix: ``method path`` with ``data``; what the oracle expects of it."""

    method: str
    path: str
    data: Any = None
    multipart: bool = False
    out_of_scope: bool = False  # aimed at an object outside the caller's scope
    write: bool = False


Calls = Callable[[str, World], Iterator[Call]]


def _foreign_school(role: str, w: World, scope: dict[str, tuple[str, str] | None] = VIEW) -> str | None:
    """A school outside ``role``'s scope (None for the joint office, which has none)."""
    for code in (JINTANG_SCHOOL, YONGCHUAN_SCHOOL):
        if not w.covers(scope[role], code):
            return code
    return None


def _own_school(role: str, w: World) -> str | None:
    for code in (YONGCHUAN_SCHOOL, JINTANG_SCHOOL):
        if w.covers(VIEW[role], code):
            return code
    return None


def _foreign_resource(role: str, w: World, *, status: str = "published") -> int | None:
    """A resource of ``status`` that ``role`` may not see (published) or not edit (others)."""
    user = w.users.get(role)
    for rid, r in sorted(w.resources.items()):
        if r["status"] != status or (user is not None and r["owner_id"] == user.pk):
            continue
        if status == "published" and not w.may_see_resource(role, rid):
            return rid
        if status != "published" and not w.covers(EDIT[role], r["school_code"]):
            return rid
    return None


def _reads(*paths: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        for path in paths:
            yield Call("GET", path)

    return calls


def _aggregate(path: str) -> Calls:
    """A circle-wide aggregate whose answer does not depend on the caller (the selector takes no scope):
    sent anonymously and by ``expert``, who has no scope — a school code in it would be foreign to
    expert, so one call stands for every role. (Used for the DEA, ~1 s a call.)"""

    def calls(role: str, w: World) -> Iterator[Call]:
        if role in ("anonymous", "expert"):
            yield Call("GET", path)

    return calls


def _school_reads(template: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        own, foreign = _own_school(role, w), _foreign_school(role, w)
        if own:
            yield Call("GET", template.format(school=own, county=w.places[own][2]))
        if foreign:
            yield Call("GET", template.format(school=foreign, county=w.places[foreign][2]), out_of_scope=True)

    return calls


def _county_reads(template: str, *, scoped: bool = True, method: str = "GET", data: Any = None) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        for school in (YONGCHUAN_SCHOOL, JINTANG_SCHOOL):
            county = w.places[school][2]
            out = scoped and not w.covers(VIEW[role], school)
            yield Call(method, template.format(county=county), data, out_of_scope=out)

    return calls


def _resource_reads(template: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        visible = next(rid for rid in sorted(w.resources) if w.may_see_resource(role, rid))
        yield Call("GET", template.format(id=visible))
        hidden = _foreign_resource(role, w)
        if hidden:
            yield Call("GET", template.format(id=hidden), out_of_scope=True)

    return calls


def _resource_write(template: str, *, status: str, data: Any = None, multipart: bool = False) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        target = _foreign_resource(role, w, status=status)
        if target is not None:
            payload = data() if callable(data) else data
            yield Call("POST", template.format(id=target), payload, multipart, out_of_scope=True, write=True)

    return calls


def _patch_resource(role: str, w: World) -> Iterator[Call]:
    target = _foreign_resource(role, w, status="draft")
    if target is not None:
        yield Call(
            "PATCH", f"/api/v1/library/resources/{target}", {"title": "篡改"}, out_of_scope=True, write=True
        )


def _patch_school(role: str, w: World) -> Iterator[Call]:
    target = _foreign_school(role, w, EDIT)
    if target is not None:
        yield Call(
            "PATCH", f"/api/v1/schools/{target}", {"name": "篡改的学校"}, out_of_scope=True, write=True
        )


def _decide(role: str, w: World) -> Iterator[Call]:
    for request_id, school in w.ids["pending_requests"]:
        user = w.users.get(role)
        owner = w.ids["request_owner"][request_id]
        if not w.covers(EDIT[role], school) and (user is None or user.pk != owner):
            url = f"/api/v1/library/access-requests/{request_id}/decide"
            yield Call("POST", url, {"approve": True}, out_of_scope=True, write=True)


def _collection_writes(role: str, w: World) -> Iterator[Call]:
    user = w.users.get(role)
    for cid, curator in w.ids["collections"]:
        if user is None or curator != user.pk:
            public = w.ids["public_resource"]
            yield Call(
                "POST",
                f"/api/v1/library/collections/{cid}/items",
                {"resource_id": public},
                out_of_scope=True,
                write=True,
            )
            yield Call(
                "DELETE",
                f"/api/v1/library/collections/{cid}/items/{w.ids['collected'][cid]}",
                out_of_scope=True,
                write=True,
            )
            return


def _role_write(allowed: set[str], method: str, path: str, data: Any, multipart: bool = False) -> Calls:
    """A write no role outside ``allowed`` may make (the graph, the item bank, collections, answers)."""

    def calls(role: str, w: World) -> Iterator[Call]:
        if role not in allowed:
            payload = data() if callable(data) else data
            yield Call(method, path, payload, multipart, out_of_scope=True, write=True)

    return calls


def _equity_import(role: str, w: World) -> Iterator[Call]:
    from educloud.equity.importing import COLUMNS

    foreign = _foreign_school(role, w, EDIT)
    if foreign is None:
        return
    header = ",".join(label for _, label in COLUMNS)
    row = f"{foreign},,2026,小学部,600,40,30,8,6,3000,5000,1500000,15,9000000"
    upload = io.BytesIO(f"{header}\n{row}\n".encode())
    upload.name = "stats.csv"
    yield Call("POST", "/api/v1/equity/import", {"file": upload}, True, out_of_scope=True, write=True)


def _upload(name: str, content: bytes) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        upload = io.BytesIO(content)
        upload.name = name
        return {"file": upload}

    return make


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d5c2f40000000049454e44ae426082"
)
GRAPH_CSV = "学科,学段,编码,名称\n数学,初中,ZZ-01,篡改\n".encode()
ITEMS_CSV = "编号,题型,题干,答案,知识点\nZZ-1,填空,篡改,1,MJ-01\n".encode()
SCHOOL_ROLES_AND_BUREAUS = EDITORS | {"school_admin", "teacher"}

# --- assessment (ADR 0014): a test addressed to 金堂县 only, the demo's occasions and calibration --------


def _assessment_digest() -> list[Any]:
    from educloud.assessment.models import AdaptiveTest, Calibration, SessionItem, TestSession

    return [
        list(AdaptiveTest.objects.order_by("id").values_list("id", "title")),
        Calibration.objects.count(),
        TestSession.objects.count(),
        list(SessionItem.objects.aggregate(Count("id"), Count("answered")).values()),
    ]


def _assessment_ids() -> dict[str, int]:
    from educloud.assessment.models import AdaptiveTest, Calibration
    from educloud.assessment.services import TestSpec, adaptive_test_create
    from educloud.assessment.synthetic import OPEN_TITLE

    jintang = AdaptiveTest.objects.filter(title="金堂县测评（矩阵）").first() or adaptive_test_create(
        actor=None, spec=TestSpec(title="金堂县测评（矩阵）", audience_level="county", audience_code="510121")
    )
    first, second = AdaptiveTest.objects.filter(is_synthetic=True).exclude(title=OPEN_TITLE).order_by("opens")
    return {
        "jintang": jintang.pk,
        "first": first.pk,
        "second": second.pk,
        "calibration": Calibration.objects.filter(is_synthetic=True).get().pk,
    }


def _assessment_create(path: str, json_body: bool) -> Calls:
    """Creating a test for a county outside the caller's scope, or for the whole circle (联考)."""

    def calls(role: str, w: World) -> Iterator[Call]:
        foreign = _foreign_school(role, w)
        if foreign is not None:
            data = {"title": "越权", "audience_level": "county", "audience_code": w.places[foreign][2]}
            yield Call("POST", path, data, out_of_scope=True, write=True)
            yield Call(
                "POST", path, {"title": "越权", "audience_level": "circle"}, out_of_scope=True, write=True
            )

    return calls


def _assessment_jintang(template: str, method: str = "GET", data: Any = None) -> Calls:
    """The 金堂县-only test as a student's object: nobody but its students may start, answer or read it
    (the demo student is in 永川区; other roles are not students)."""

    def calls(role: str, w: World) -> Iterator[Call]:
        path = template.format(id=w.ids["assessment"]["jintang"])
        yield Call(method, path, data, out_of_scope=True, write=method == "POST")

    return calls


def _assessment_staff(template: str) -> Calls:
    """A report of a demo occasion (any staff), and of the 金堂县-only test (out of scope unless the
    caller's region holds 金堂县)."""

    def calls(role: str, w: World) -> Iterator[Call]:
        ids = w.ids["assessment"]
        yield Call("GET", template.format(id=ids["first"]))
        out = not w.covers(VIEW[role], JINTANG_SCHOOL)
        yield Call("GET", template.format(id=ids["jintang"]), out_of_scope=out)

    return calls


def _assessment_class(role: str, w: World) -> Iterator[Call]:
    first = w.ids["assessment"]["first"]
    own, foreign = _own_school(role, w), _foreign_school(role, w)
    if own:
        yield Call("GET", f"/assessment/tests/{first}/class/?school={own}&grade=5&class=1班")
    if foreign:
        yield Call(
            "GET", f"/assessment/tests/{first}/class/?school={foreign}&grade=5&class=1班", out_of_scope=True
        )


def _assessment_outcomes(path: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        ids = w.ids["assessment"]
        for level in ("class", "school", "county"):
            yield Call("GET", f"{path}?before={ids['first']}&after={ids['second']}&level={level}")

    return calls


def _assessment_calibration(template: str) -> Calls:
    return lambda role, w: iter([Call("GET", template.format(id=w.ids["assessment"]["calibration"]))])


# --- the pairing programme (issue #14) --------------------------------------------------------------

# Who sees pairings: bureaus their region, school admins and teachers their school, students nothing.
PAIR_VIEW = {role: (None if role == "student" else VIEW[role]) for role in ROLES}


def _pairing_setup(w: World) -> None:
    from educloud.pairing.models import Pairing
    from educloud.schools.api import School

    yong, jin = School.objects.get(code=YONGCHUAN_SCHOOL), School.objects.get(code=JINTANG_SCHOOL)
    cross, _ = Pairing.objects.get_or_create(strong=yong, weak=jin, stage="primary", status="proposed")
    rows = list(Pairing.objects.values_list("id", "strong__code", "weak__code", "status"))
    partners: dict[str, set[str]] = {}
    for _, a, b, _status in rows:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    w.ids["pair_partners"] = partners
    w.ids["pairings"] = rows
    w.ids["cross_pair"] = cross.pk


def _pair_outside(role: str, w: World, scope: dict[str, tuple[str, str] | None]) -> int | None:
    """A confirmed pairing with neither school in ``scope[role]``."""
    for pid, a, b, status in w.ids["pairings"]:
        if status == "confirmed" and not w.covers(scope[role], a) and not w.covers(scope[role], b):
            return int(pid)
    return None


def _pairing_reads(template: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        own = next(
            (
                p
                for p, a, b, _ in w.ids["pairings"]
                if w.covers(PAIR_VIEW[role], a) or w.covers(PAIR_VIEW[role], b)
            ),
            None,
        )
        if own is not None:
            yield Call("GET", template.format(id=own))
        outside = _pair_outside(role, w, PAIR_VIEW)
        if outside is not None and role != "teacher":  # the demo teacher is dispatched: sees that pair too
            yield Call("GET", template.format(id=outside), out_of_scope=True)

    return calls


def _pairing_writes(template: str, data: Any, *, decide: bool = False) -> Calls:
    """Confirm (decide) a cross-border pair, or log on a pair the caller may not log on."""

    def calls(role: str, w: World) -> Iterator[Call]:
        if decide:
            if role != "joint_office":  # only the circle-wide office covers both provinces
                yield Call(
                    "POST", template.format(id=w.ids["cross_pair"]), data, out_of_scope=True, write=True
                )
            return
        log_scope = {r: (EDIT[r] if r != "teacher" else None) for r in ROLES}
        target = (
            _pair_outside(role, w, log_scope)
            if role not in ("teacher", "student")
            else w.ids["pairings"][0][0]
        )
        if target is not None:
            yield Call("POST", template.format(id=target), data, out_of_scope=True, write=True)

    return calls


def _pairing_propose(path: str, data: Any) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        if role != "joint_office":
            yield Call("POST", path, data, out_of_scope=True, write=True)

    return calls


_DISPATCH = {"teacher_name": "篡改", "start_on": "2026-01-01", "end_on": "2026-02-01", "subjects": ["数学"]}
_ACTIVITY = {"kind": "research", "title": "篡改", "on": "2026-01-01"}
_CROSS = {"strong_code": YONGCHUAN_SCHOOL, "weak_code": JINTANG_SCHOOL, "stage": "primary"}


# One entry per operation of the OpenAPI document.
API: dict[tuple[str, str], Calls] = {
    ("GET", "/api/v1/regions/counties"): _reads("/api/v1/regions/counties"),
    ("GET", "/api/v1/regions/counties/{code}"): _reads("/api/v1/regions/counties/500118"),
    ("GET", "/api/v1/schools"): _reads("/api/v1/schools?page=1"),
    ("GET", "/api/v1/schools/{code}"): _school_reads("/api/v1/schools/{school}"),
    ("PATCH", "/api/v1/schools/{code}"): _patch_school,
    ("GET", "/api/v1/search/"): _reads(
        "/api/v1/search/?page_size=100", "/api/v1/search/?q=数学&page_size=100"
    ),
    ("GET", "/api/v1/search/suggest"): _reads("/api/v1/search/suggest?q=数"),
    ("GET", "/api/v1/library/resources"): _reads(
        "/api/v1/library/resources?page_size=100", "/api/v1/library/resources?q=数学&page_size=100"
    ),
    ("GET", "/api/v1/library/suggest"): _reads("/api/v1/library/suggest?prefix=数"),
    ("GET", "/api/v1/library/resources/{resource_id}"): _resource_reads("/api/v1/library/resources/{id}"),
    ("POST", "/api/v1/library/resources"): _role_write(
        {"teacher", "school_admin"},
        "POST",
        "/api/v1/library/resources",
        {"title": "越权", "type": "video", "subject": "math", "stage": "primary", "license": "CC-BY-4.0"},
    ),
    ("PATCH", "/api/v1/library/resources/{resource_id}"): _patch_resource,
    ("POST", "/api/v1/library/resources/{resource_id}/submit"): _resource_write(
        "/api/v1/library/resources/{id}/submit", status="draft"
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/approve"): _resource_write(
        "/api/v1/library/resources/{id}/approve", status="under_review", data={"note": ""}
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/reject"): _resource_write(
        "/api/v1/library/resources/{id}/reject", status="under_review", data={"note": "越权"}
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/withdraw"): _resource_write(
        "/api/v1/library/resources/{id}/withdraw", status="under_review", data={"note": "越权"}
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/versions"): _resource_write(
        "/api/v1/library/resources/{id}/versions",
        status="draft",
        data=_upload("a.txt", b"hello"),
        multipart=True,
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/cover"): _resource_write(
        "/api/v1/library/resources/{id}/cover", status="draft", data=_upload("c.png", PNG), multipart=True
    ),
    # Asking for access to a resource one cannot see is the point of this operation: it must not
    # reveal the resource (no 5xx, no body beyond the request) — checked as a read of a hidden object.
    ("POST", "/api/v1/library/resources/{resource_id}/access-requests"): lambda role, w: iter(
        [
            Call(
                "POST",
                f"/api/v1/library/resources/{_foreign_resource(role, w)}/access-requests",
                {"message": ""},
            )
        ]
        if _foreign_resource(role, w)
        else []
    ),
    ("GET", "/api/v1/library/access-requests"): _reads(
        "/api/v1/library/access-requests?box=incoming", "/api/v1/library/access-requests?box=outgoing"
    ),
    ("POST", "/api/v1/library/access-requests/{request_id}/decide"): _decide,
    ("POST", "/api/v1/library/resources/{resource_id}/rating"): _resource_write(
        "/api/v1/library/resources/{id}/rating", status="published", data={"value": 5}
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/favourite"): _resource_write(
        "/api/v1/library/resources/{id}/favourite", status="published", data={"on": True}
    ),
    ("POST", "/api/v1/library/resources/{resource_id}/complete"): _resource_write(
        "/api/v1/library/resources/{id}/complete", status="published"
    ),
    ("GET", "/api/v1/library/collections"): _reads("/api/v1/library/collections"),
    ("GET", "/api/v1/library/collections/{collection_id}/resources"): lambda role, w: (
        Call("GET", f"/api/v1/library/collections/{cid}/resources") for cid, _ in w.ids["collections"]
    ),
    ("POST", "/api/v1/library/collections"): _role_write(
        EDITORS, "POST", "/api/v1/library/collections", {"title": "越权合集", "kind": "topic"}
    ),
    ("POST", "/api/v1/library/collections/{collection_id}/items"): _collection_writes,
    ("DELETE", "/api/v1/library/collections/{collection_id}/items/{resource_id}"): lambda role, w: iter(()),
    ("GET", "/api/v1/library/stats/cross-border"): _reads("/api/v1/library/stats/cross-border"),
    ("GET", "/api/v1/learning/graphs"): _reads("/api/v1/learning/graphs"),
    ("GET", "/api/v1/learning/knowledge-points"): _reads("/api/v1/learning/knowledge-points"),
    ("GET", "/api/v1/learning/knowledge-graph.csv"): _reads("/api/v1/learning/knowledge-graph.csv"),
    ("POST", "/api/v1/learning/prerequisites"): _role_write(
        EDITORS, "POST", "/api/v1/learning/prerequisites", {"prerequisite": "MJ-02", "point": "MJ-01"}
    ),
    ("POST", "/api/v1/learning/knowledge-graph/import"): _role_write(
        EDITORS, "POST", "/api/v1/learning/knowledge-graph/import", _upload("g.csv", GRAPH_CSV), True
    ),
    ("POST", "/api/v1/learning/items/import"): _role_write(
        SCHOOL_ROLES_AND_BUREAUS, "POST", "/api/v1/learning/items/import", _upload("i.csv", ITEMS_CSV), True
    ),
    ("GET", "/api/v1/learning/items"): _reads("/api/v1/learning/items"),
    ("POST", "/api/v1/learning/items/{item_id}/responses"): _role_write(
        {"student"}, "POST", "/api/v1/learning/items/1/responses", {"answer": "A"}
    ),
    ("GET", "/api/v1/learning/mastery/me"): _reads("/api/v1/learning/mastery/me"),
    ("GET", "/api/v1/learning/practice/next"): _reads("/api/v1/learning/practice/next"),
    ("GET", "/api/v1/learning/mastery/class"): _school_reads(
        "/api/v1/learning/mastery/class?school={school}&grade=1&class_label=1"
    ),
    ("GET", "/api/v1/learning/mastery/schools"): _reads("/api/v1/learning/mastery/schools"),
    ("GET", "/api/v1/recommend/me"): _reads("/api/v1/recommend/me"),
    ("GET", "/api/v1/recommend/classes/recommendations"): _school_reads(
        "/api/v1/recommend/classes/recommendations?school={school}&grade=1&class_label=1"
    ),
    ("GET", "/api/v1/recommend/paths"): _reads("/api/v1/recommend/paths"),
    ("POST", "/api/v1/recommend/paths"): _role_write(
        {"student"}, "POST", "/api/v1/recommend/paths", {"targets": ["MJ-24"]}
    ),
    ("GET", "/api/v1/recommend/paths/{path_id}"): _reads("/api/v1/recommend/paths/1"),
    ("POST", "/api/v1/recommend/paths/{path_id}/answers"): _role_write(
        set(), "POST", "/api/v1/recommend/paths/1/answers", {"item_id": 1, "answer": "A"}
    ),
    ("POST", "/api/v1/recommend/assignments"): _role_write(
        set(),
        "POST",
        "/api/v1/recommend/assignments",
        {"school": JINTANG_SCHOOL, "grade": 7, "class_label": "1班", "targets": ["MJ-21"]},
    ),
    ("GET", "/api/v1/recommend/assignments/{assignment_id}/progress"): _reads(
        "/api/v1/recommend/assignments/1/progress"
    ),
    ("GET", "/api/v1/equity/ranking"): _reads("/api/v1/equity/ranking"),
    ("GET", "/api/v1/equity/counties/{code}/compliance"): _county_reads(
        "/api/v1/equity/counties/{county}/compliance", scoped=False
    ),
    ("GET", "/api/v1/equity/counties/{code}/trend"): _county_reads(
        "/api/v1/equity/counties/{county}/trend", scoped=False
    ),
    ("GET", "/api/v1/equity/inequality"): _reads("/api/v1/equity/inequality"),
    ("POST", "/api/v1/equity/counties/{code}/plan"): _county_reads(
        "/api/v1/equity/counties/{county}/plan", method="POST", data={}
    ),
    ("GET", "/api/v1/equity/efficiency/counties"): _aggregate("/api/v1/equity/efficiency/counties"),
    ("GET", "/api/v1/equity/counties/{code}/efficiency"): _county_reads(
        "/api/v1/equity/counties/{county}/efficiency"
    ),
    ("POST", "/api/v1/equity/import"): _equity_import,
    ("GET", "/api/v1/pairing/diagnosis"): _reads("/api/v1/pairing/diagnosis?stage=junior"),
    ("POST", "/api/v1/pairing/runs"): _role_write(
        EDITORS, "POST", "/api/v1/pairing/runs", {"stage": "primary"}
    ),
    ("GET", "/api/v1/pairing/pairings"): _reads("/api/v1/pairing/pairings"),
    ("POST", "/api/v1/pairing/pairings"): _pairing_propose("/api/v1/pairing/pairings", _CROSS),
    ("POST", "/api/v1/pairing/pairings/{pairing_id}/confirm"): _pairing_writes(
        "/api/v1/pairing/pairings/{id}/confirm", {}, decide=True
    ),
    ("GET", "/api/v1/pairing/pairings/{pairing_id}/progress"): _pairing_reads(
        "/api/v1/pairing/pairings/{id}/progress"
    ),
    ("POST", "/api/v1/pairing/pairings/{pairing_id}/dispatches"): _pairing_writes(
        "/api/v1/pairing/pairings/{id}/dispatches", _DISPATCH
    ),
    ("POST", "/api/v1/pairing/pairings/{pairing_id}/activities"): _pairing_writes(
        "/api/v1/pairing/pairings/{id}/activities", _ACTIVITY
    ),
    ("POST", "/api/v1/pairing/pairings/{pairing_id}/goals"): _pairing_writes(
        "/api/v1/pairing/pairings/{id}/goals", {"text": "篡改", "due_on": "2026-01-01"}
    ),
    ("POST", "/api/v1/pairing/pairings/{pairing_id}/courses"): lambda role, w: _pairing_writes(
        "/api/v1/pairing/pairings/{id}/courses", {"resource_id": w.ids["public_resource"]}
    )(role, w),
    ("GET", "/api/v1/pairing/effect"): _reads("/api/v1/pairing/effect"),
    ("GET", "/api/v1/assessment/calibrations"): _reads("/api/v1/assessment/calibrations"),
    ("GET", "/api/v1/assessment/calibrations/{calibration_id}"): _assessment_calibration(
        "/api/v1/assessment/calibrations/{id}"
    ),
    ("POST", "/api/v1/assessment/calibrations"): _role_write(
        EDITORS, "POST", "/api/v1/assessment/calibrations", {}
    ),
    ("GET", "/api/v1/assessment/tests"): _reads("/api/v1/assessment/tests"),
    ("POST", "/api/v1/assessment/tests"): _assessment_create("/api/v1/assessment/tests", True),
    ("POST", "/api/v1/assessment/tests/{test_id}/session"): _assessment_jintang(
        "/api/v1/assessment/tests/{id}/session", "POST"
    ),
    ("POST", "/api/v1/assessment/tests/{test_id}/answers"): _assessment_jintang(
        "/api/v1/assessment/tests/{id}/answers", "POST", {"item_id": 1, "answer": "A"}
    ),
    ("GET", "/api/v1/assessment/tests/{test_id}/result"): _assessment_jintang(
        "/api/v1/assessment/tests/{id}/result"
    ),
    ("GET", "/api/v1/assessment/tests/{test_id}/report"): _assessment_staff(
        "/api/v1/assessment/tests/{id}/report"
    ),
    ("GET", "/api/v1/assessment/outcomes"): _assessment_outcomes("/api/v1/assessment/outcomes"),
}
# --- governance (fund, joint meetings): ids are looked up when the calls are made -----------------


def _gov_ids() -> dict[str, Any]:
    from educloud.governance.models import (
        ActionItem,
        Application,
        FundCall,
        JointMeeting,
        PolicyDocument,
        ResearchProject,
        ReviewAssignment,
    )

    calls = {c.year: c.pk for c in FundCall.objects.filter(is_synthetic=True)}
    jintang_funded = Application.objects.filter(status="funded").exclude(school__code=YONGCHUAN_SCHOOL)
    return {
        "open": calls[2027],
        "reviewing": calls[2026],
        "selected": calls[2025],
        "meeting": JointMeeting.objects.order_by("session").values_list("pk", flat=True)[0],
        "resolution": ActionItem.objects.order_by("pk").values_list("resolution_id", flat=True)[0],
        # an assignment of another expert than the demo `expert`
        "review": ReviewAssignment.objects.exclude(reviewer__username="expert").order_by("pk")[0].pk,
        # a funded project none of the demo school roles authored
        "funded": jintang_funded.exclude(applicant__username__in=["teacher", "school_admin"])
        .order_by("pk")[0]
        .pk,
        "project": ResearchProject.objects.order_by("pk").values_list("pk", flat=True)[0],
        "policy": PolicyDocument.objects.order_by("pk").values_list("pk", flat=True)[0],
        "actions": {
            p: ActionItem.objects.filter(owner_province_id=p).order_by("pk")[0].pk
            for p in ("500000", "510000")
        },
    }


def _gov_application_reads(role: str, w: World) -> Iterator[Call]:
    from educloud.governance.models import Application

    yield Call("GET", "/api/v1/governance/applications")
    # A 金堂县 application: only the joint office, 四川 bureaus and its reviewers see it.
    target = Application.objects.filter(school__county_id="510121").order_by("pk")[0]
    sees = role in {"joint_office", "sc_bureau", "chengdu_bureau", "jintang_bureau"} or (
        role == "expert" and target.reviews.filter(reviewer__username="expert").exists()
    )
    yield Call("GET", f"/api/v1/governance/applications/{target.pk}", out_of_scope=not sees)


def _gov_write(allowed: set[str], method: str, template: str, data: Any) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        if role not in allowed:
            yield Call(method, template.format(**_gov_ids()), data, out_of_scope=True, write=True)

    return calls


def _gov_action_update(prefix: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        ids = _gov_ids()["actions"]
        owner = {"cq_bureau": "500000", "sc_bureau": "510000"}.get(role)
        if role == "joint_office":
            return
        target = ids["510000" if owner == "500000" else "500000"]
        body = {"note": "篡改", "progress": 99, "status": "in_progress"}
        if prefix.startswith("/api/"):
            yield Call("POST", f"{prefix}{target}/updates", body, out_of_scope=True, write=True)
        else:
            yield Call("POST", f"{prefix}{target}/", body, out_of_scope=True, write=True)

    return calls


def _gov_and(*tables: Calls) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        for table in tables:
            yield from table(role, w)

    return calls


def _gov_reads(*templates: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        ids = _gov_ids()
        for template in templates:
            yield Call("GET", template.format(**ids))

    return calls


_CALL_BODY = {"title": "篡改", "year": 2027, "budget": 100, "max_request": 10, "deadline": "2027-01-01"}
_APPLY_BODY = {"title": "篡改", "category": "smart", "budget_requested": 1000}
_MEETING_BODY = {
    "title": "篡改",
    "session": 99,
    "date": "2027-01-01",
    "host_province": "500000",
    "location": "x",
}
_ACTION_BODY = {"title": "篡改", "owner_province": "500000", "deadline": "2030-01-01"}
# a 四川 policy: only the joint office and 四川's provincial bureau may add it
_POLICY_BODY = {
    "title": "篡改",
    "issuer": "x",
    "province": "510000",
    "issued_on": "2026-01-01",
    "category": "plan",
    "summary": "x",
}
_PROJECT_BODY = {
    "title": "篡改",
    "lead_institution": "x",
    "lead_province": "500000",
    "partner_institution": "y",
    "partner_province": "510000",
    "theme": "x",
    "start": "2026-01-01",
}
G = "/api/v1/governance"
API.update(
    {
        ("GET", f"{G}/calls"): _gov_reads(f"{G}/calls"),
        ("POST", f"{G}/calls"): _gov_write({"joint_office"}, "POST", f"{G}/calls", _CALL_BODY),
        ("GET", f"{G}/calls/{{call_id}}"): _gov_reads(f"{G}/calls/{{open}}"),
        ("POST", f"{G}/calls/{{call_id}}/applications"): _gov_write(
            {"school_admin", "teacher"}, "POST", f"{G}/calls/{{open}}/applications", _APPLY_BODY
        ),
        ("GET", f"{G}/applications"): lambda role, w: iter([]),  # sent by the next entry
        ("GET", f"{G}/applications/{{application_id}}"): _gov_application_reads,
        ("POST", f"{G}/calls/{{call_id}}/assign"): _gov_write(
            {"joint_office"}, "POST", f"{G}/calls/{{open}}/assign", {}
        ),
        ("GET", f"{G}/reviews"): _gov_reads(f"{G}/reviews"),
        ("PUT", f"{G}/reviews/{{assignment_id}}"): _gov_write(
            set(), "PUT", f"{G}/reviews/{{review}}", {"score": 1}
        ),
        ("POST", f"{G}/calls/{{call_id}}/selection"): _gov_write(
            {"joint_office"}, "POST", f"{G}/calls/{{reviewing}}/selection", {"rule": "mes"}
        ),
        ("GET", f"{G}/calls/{{call_id}}/selection"): _gov_reads(f"{G}/calls/{{selected}}/selection"),
        ("POST", f"{G}/applications/{{application_id}}/reports"): _gov_write(
            set(), "POST", f"{G}/applications/{{funded}}/reports", {"period": "x", "progress": 1, "spend": 1}
        ),
        ("GET", f"{G}/calls/{{call_id}}/performance"): _gov_reads(f"{G}/calls/{{selected}}/performance"),
        ("POST", f"{G}/applications/{{application_id}}/award"): _gov_write(
            {"joint_office"},
            "POST",
            f"{G}/applications/{{funded}}/award",
            {"level": "third", "citation": "x"},
        ),
        ("GET", f"{G}/meetings"): _gov_reads(f"{G}/meetings"),
        ("POST", f"{G}/meetings"): _gov_write({"joint_office"}, "POST", f"{G}/meetings", _MEETING_BODY),
        ("POST", f"{G}/meetings/{{meeting_id}}/resolutions"): _gov_write(
            {"joint_office"}, "POST", f"{G}/meetings/{{meeting}}/resolutions", {"text": "篡改"}
        ),
        ("POST", f"{G}/resolutions/{{resolution_id}}/actions"): _gov_write(
            {"joint_office"}, "POST", f"{G}/resolutions/{{resolution}}/actions", _ACTION_BODY
        ),
        ("GET", f"{G}/actions"): _gov_reads(f"{G}/actions", f"{G}/actions?overdue=true"),
        ("POST", f"{G}/actions/{{action_id}}/updates"): _gov_action_update(f"{G}/actions/"),
        ("GET", f"{G}/resolutions/{{resolution_id}}/trace"): _gov_reads(
            f"{G}/resolutions/{{resolution}}/trace"
        ),
        ("GET", f"{G}/policies"): _gov_reads(f"{G}/policies", f"{G}/policies?q=教师&province=510000"),
        ("POST", f"{G}/policies"): _gov_write(
            {"joint_office", "sc_bureau"}, "POST", f"{G}/policies", _POLICY_BODY
        ),
        ("GET", f"{G}/alliance/projects"): _gov_reads(f"{G}/alliance/projects"),
        ("POST", f"{G}/alliance/projects"): _gov_write(
            {"joint_office"}, "POST", f"{G}/alliance/projects", _PROJECT_BODY
        ),
        ("GET", f"{G}/alliance/projects/{{project_id}}/outputs"): _gov_reads(
            f"{G}/alliance/projects/{{project}}/outputs"
        ),
        ("POST", f"{G}/alliance/projects/{{project_id}}/outputs"): _gov_write(
            {"joint_office", "cq_bureau", "sc_bureau"},
            "POST",
            f"{G}/alliance/projects/{{project}}/outputs",
            {"title": "篡改", "kind": "report", "year": 2026},
        ),
        ("GET", f"{G}/alliance/events"): _gov_reads(f"{G}/alliance/events"),
        ("POST", f"{G}/alliance/events"): _gov_write(
            {"joint_office"},
            "POST",
            f"{G}/alliance/events",
            {
                "title": "篡改",
                "kind": "forum",
                "date": "2027-01-01",
                "host_province": "500000",
                "location": "x",
            },
        ),
    }
)


# --- community (教研组, 集体备课, moderation): the demo's groups, looked up when the calls are made ----
# The 川渝初中数学教研组 is public: every community member (staff) sees it; its members (of the demo
# roles) are the teacher (owner), the school admin and the two county bureaus. The 新教师成长营 is
# invite-only (owner: the school admin); the class space holds the teacher and the student.
MATHS_MEMBERS = {"teacher", "school_admin", "yongchuan_bureau", "jintang_bureau"}
COMMUNITY_STAFF = {
    "joint_office",
    "cq_bureau",
    "sc_bureau",
    "chengdu_bureau",
    "yongchuan_bureau",
    "jintang_bureau",
    "school_admin",
    "teacher",
}


def _community_ids() -> dict[str, Any]:
    from educloud.community.models import Group, Invitation, LessonPlan, Post, Thread

    groups = Group.objects.filter(is_synthetic=True)
    maths = groups.get(name__startswith="川渝初中数学")
    return {
        "maths": maths.pk,
        "invite": groups.get(visibility="invite", kind="teaching").pk,
        "space": groups.get(kind="class_space").pk,
        "thread": Thread.objects.filter(group=maths).order_by("pk")[0].pk,
        "plan": LessonPlan.objects.filter(group=maths).order_by("pk")[0].pk,
        "post": Post.objects.filter(group=maths, hidden=False).order_by("pk")[0].pk,
        "invitation": Invitation.objects.filter(status="pending").order_by("pk")[0].pk,
        "member": maths.memberships.filter(role="member").order_by("pk")[0].user_id,
    }


def _com_reads(template: str, members: set[str] | None = None) -> Calls:
    """A read; out of scope for every role outside ``members`` (None: a read anyone may make)."""

    def calls(role: str, w: World) -> Iterator[Call]:
        outside = members is not None and role not in members
        yield Call("GET", template.format(**_community_ids()), out_of_scope=outside)

    return calls


def _com_write(allowed: set[str], method: str, template: str, data: Any) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        if role not in allowed:
            yield Call(method, template.format(**_community_ids()), data, out_of_scope=True, write=True)

    return calls


C = "/api/v1/community"
_PLAN_SAVE = {"base_version": 3, "body": "篡改"}
API.update(
    {
        ("GET", f"{C}/groups"): _com_reads(f"{C}/groups"),
        ("POST", f"{C}/groups"): _com_write(COMMUNITY_STAFF, "POST", f"{C}/groups", {"name": "篡改"}),
        ("POST", f"{C}/class-spaces"): _com_write(
            {"teacher"}, "POST", f"{C}/class-spaces", {"grade": 5, "class_label": "1班"}
        ),
        ("GET", f"{C}/groups/{{group_id}}"): lambda role, w: iter(
            [
                *_com_reads(f"{C}/groups/{{maths}}", COMMUNITY_STAFF)(role, w),
                *_com_reads(f"{C}/groups/{{invite}}", {"school_admin"})(role, w),
                *_com_reads(f"{C}/groups/{{space}}", {"teacher", "student"})(role, w),
            ]
        ),
        ("POST", f"{C}/groups/{{group_id}}/join"): lambda role, w: iter(
            [
                *_com_write({"school_admin"}, "POST", f"{C}/groups/{{invite}}/join", {})(role, w),
                *_com_write({"teacher", "student"}, "POST", f"{C}/groups/{{space}}/join", {})(role, w),
            ]
        ),
        ("POST", f"{C}/groups/{{group_id}}/leave"): _com_write(
            {"school_admin"}, "POST", f"{C}/groups/{{invite}}/leave", {}
        ),
        ("PUT", f"{C}/groups/{{group_id}}/members/{{user_id}}"): _com_write(
            {"teacher"}, "PUT", f"{C}/groups/{{maths}}/members/{{member}}", {"role": "moderator"}
        ),
        ("POST", f"{C}/groups/{{group_id}}/invitations"): _com_write(
            {"teacher"}, "POST", f"{C}/groups/{{maths}}/invitations", {"username": "cq_bureau"}
        ),
        ("GET", f"{C}/invitations"): _com_reads(f"{C}/invitations"),
        ("POST", f"{C}/invitations/{{invitation_id}}"): _com_write(
            set(), "POST", f"{C}/invitations/{{invitation}}", {"accept": True}
        ),
        ("GET", f"{C}/groups/{{group_id}}/messages"): _com_reads(
            f"{C}/groups/{{maths}}/messages", MATHS_MEMBERS
        ),
        ("GET", f"{C}/groups/{{group_id}}/threads"): _com_reads(
            f"{C}/groups/{{maths}}/threads", MATHS_MEMBERS
        ),
        ("POST", f"{C}/groups/{{group_id}}/threads"): _com_write(
            MATHS_MEMBERS, "POST", f"{C}/groups/{{maths}}/threads", {"title": "篡改", "body": "篡改"}
        ),
        ("GET", f"{C}/threads/{{thread_id}}"): _com_reads(f"{C}/threads/{{thread}}", MATHS_MEMBERS),
        ("POST", f"{C}/threads/{{thread_id}}/replies"): _com_write(
            MATHS_MEMBERS, "POST", f"{C}/threads/{{thread}}/replies", {"body": "篡改"}
        ),
        ("GET", f"{C}/groups/{{group_id}}/plans"): _com_reads(f"{C}/groups/{{maths}}/plans", MATHS_MEMBERS),
        ("POST", f"{C}/groups/{{group_id}}/plans"): _com_write(
            MATHS_MEMBERS, "POST", f"{C}/groups/{{maths}}/plans", {"title": "篡改", "body": "篡改"}
        ),
        ("GET", f"{C}/plans/{{plan_id}}"): _com_reads(f"{C}/plans/{{plan}}", MATHS_MEMBERS),
        ("POST", f"{C}/plans/{{plan_id}}/versions"): _com_write(
            MATHS_MEMBERS, "POST", f"{C}/plans/{{plan}}/versions", _PLAN_SAVE
        ),
        ("GET", f"{C}/plans/{{plan_id}}/diff"): _com_reads(f"{C}/plans/{{plan}}/diff?a=1&b=3", MATHS_MEMBERS),
        ("POST", f"{C}/plans/{{plan_id}}/versions/{{number}}/comments"): _com_write(
            MATHS_MEMBERS, "POST", f"{C}/plans/{{plan}}/versions/1/comments", {"body": "篡改"}
        ),
        ("POST", f"{C}/posts/{{post_id}}/reports"): _com_write(
            MATHS_MEMBERS, "POST", f"{C}/posts/{{post}}/reports", {"reason": "篡改"}
        ),
        ("POST", f"{C}/posts/{{post_id}}/moderation"): _com_write(
            {"teacher"}, "POST", f"{C}/posts/{{post}}/moderation", {"action": "hide", "reason": "篡改"}
        ),
        ("GET", f"{C}/groups/{{group_id}}/reports"): _com_reads(f"{C}/groups/{{maths}}/reports", {"teacher"}),
        ("GET", f"{C}/notifications"): _com_reads(f"{C}/notifications"),
        ("POST", f"{C}/notifications/read"): lambda role, w: iter(
            [Call("POST", f"{C}/notifications/read", {})]
        ),
    }
)


# The DELETE of a collection item is sent by _collection_writes (it needs an item of the collection).


def _page_reads(*paths: str) -> Calls:
    return _reads(*paths)


def _page_resource(template: str, method: str = "GET", data: Any = None, status: str = "published") -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        target = _foreign_resource(role, w, status=status)
        if target is not None:
            write = method == "POST"
            yield Call(method, template.format(id=target), data, out_of_scope=True, write=write)

    return calls


def _page_collection(template: str, method: str = "GET", data: Any = None) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        user = w.users.get(role)
        for cid, curator in w.ids["collections"]:
            if method == "GET":
                yield Call("GET", template.format(id=cid, rid=w.ids["collected"][cid]))
            elif user is None or curator != user.pk:
                url = template.format(id=cid, rid=w.ids["collected"][cid])
                yield Call("POST", url, data, out_of_scope=True, write=True)
                return

    return calls


def _page_decide(role: str, w: World) -> Iterator[Call]:
    for call in _decide(role, w):
        request_id = call.path.split("/")[-2]
        yield Call(
            "POST",
            f"/library/requests/{request_id}/decide/",
            {"decision": "approve"},
            write=True,
            out_of_scope=True,
        )


def _page_school_edit(role: str, w: World) -> Iterator[Call]:
    target = _foreign_school(role, w, EDIT)
    if target is not None:
        yield Call("POST", f"/schools/{target}/edit/", {"name": "篡改的学校"}, out_of_scope=True, write=True)


def _page_students(role: str, w: World) -> Iterator[Call]:
    # Students' records: the school's own admin and teachers only (README: "reads students' records").
    for school in (YONGCHUAN_SCHOOL, JINTANG_SCHOOL):
        own = role in {"school_admin", "teacher"} and school == YONGCHUAN_SCHOOL
        yield Call("GET", f"/schools/{school}/students/", out_of_scope=not own)


# One entry per route of the URL conf (the API's routes are the table above; /xapi has its own
# Basic-auth clients, so a browser session or nobody gets 401 there whatever the role).
PAGES: dict[str, Calls] = {
    "": _page_reads("/"),
    "counties/<str:code>/": _page_reads("/counties/500118/", "/counties/510121/"),
    "schools/<str:code>/": _school_reads("/schools/{school}/"),
    "schools/<str:code>/edit/": _page_school_edit,
    "schools/<str:code>/students/": _page_students,
    "login/": _page_reads("/login/"),
    "logout/": lambda role, w: iter([Call("POST", "/logout/")]),
    "oai": _page_reads("/oai?verb=ListRecords&metadataPrefix=oai_dc"),
    "search/": _page_reads("/search/?q=数学"),
    "search/suggest": _page_reads("/search/suggest?q=数"),
    "library/": _page_reads("/library/"),
    "library/suggest/": _page_reads("/library/suggest/?q=数"),
    "library/new/": _page_reads("/library/new/"),
    "library/mine/": _page_reads("/library/mine/"),
    "library/review/": _page_reads("/library/review/"),
    "library/requests/": _page_reads("/library/requests/"),
    "library/requests/<int:request_id>/decide/": _page_decide,
    "library/collections/": _page_reads("/library/collections/"),
    "library/collections/new/": _page_reads("/library/collections/new/"),
    "library/collections/<int:collection_id>/": _page_collection("/library/collections/{id}/"),
    "library/collections/<int:collection_id>/add/": _page_collection(
        "/library/collections/{id}/add/", "POST", {"resource_id": "1"}
    ),
    "library/collections/<int:collection_id>/remove/<int:resource_id>/": _page_collection(
        "/library/collections/{id}/remove/{rid}/", "POST"
    ),
    "library/sharing/": _page_reads("/library/sharing/"),
    "library/r/<int:resource_id>/": _page_resource("/library/r/{id}/"),
    "library/r/<int:resource_id>/edit/": _page_resource("/library/r/{id}/edit/", status="draft"),
    "library/r/<int:resource_id>/rate/": _page_resource("/library/r/{id}/rate/", "POST", {"value": "5"}),
    # Asking for access to a resource one cannot see is allowed (see the API's access-requests).
    "library/r/<int:resource_id>/request/": lambda role, w: iter(
        [Call("POST", f"/library/r/{_foreign_resource(role, w)}/request/", {"message": ""})]
        if _foreign_resource(role, w)
        else []
    ),
    "library/r/<int:resource_id>/v/<int:number>/file": _page_resource("/library/r/{id}/v/1/file"),
    "library/r/<int:resource_id>/cover": _page_resource("/library/r/{id}/cover"),
    "library/r/<int:resource_id>/<str:action>/": _page_resource(
        "/library/r/{id}/approve/", "POST", {"note": ""}, status="under_review"
    ),
    "learning/": _page_reads("/learning/"),
    "learning/me/": _page_reads("/learning/me/"),
    "learning/practice/": _page_reads("/learning/practice/"),
    "learning/classes/": _page_reads("/learning/classes/"),
    "learning/class/": _school_reads("/learning/class/?school={school}&grade=1&class=1"),
    "learning/overview/": _page_reads("/learning/overview/"),
    "learning/graphs/": _page_reads("/learning/graphs/"),
    "learning/graphs/export.csv": _page_reads("/learning/graphs/export.csv"),
    "learning/graphs/import/": _role_write(
        EDITORS, "POST", "/learning/graphs/import/", _upload("g.csv", GRAPH_CSV), True
    ),
    "learning/graphs/prerequisites/": _role_write(
        EDITORS, "POST", "/learning/graphs/prerequisites/", {"prerequisite": "MJ-02", "point": "MJ-01"}
    ),
    "learning/items/": _page_reads("/learning/items/"),
    "learning/items/template.<str:fmt>": _page_reads("/learning/items/template.csv"),
    "learning/items/<int:item_id>": _page_reads("/learning/items/1"),
    "recommend/": _page_reads("/recommend/"),
    "recommend/paths/": _page_reads("/recommend/paths/"),
    "recommend/paths/<int:path_id>/": _page_reads("/recommend/paths/1/"),
    "recommend/paths/<int:path_id>/answer/": _role_write(
        set(), "POST", "/recommend/paths/1/answer/", {"item": 1}
    ),
    "recommend/paths/<int:path_id>/study/": _role_write(
        set(), "POST", "/recommend/paths/1/study/", {"resource": 1}
    ),
    "recommend/assignments/<int:assignment_id>/follow/": _role_write(
        set(), "POST", "/recommend/assignments/1/follow/", {}
    ),
    "recommend/classes/": _page_reads("/recommend/classes/"),
    "recommend/class/": _school_reads("/recommend/class/?school={school}&grade=1&class=1"),
    "recommend/assignments/<int:assignment_id>/": _page_reads("/recommend/assignments/1/"),
    "equity/": _page_reads("/equity/"),
    "equity/counties/<str:code>/": _county_reads("/equity/counties/{county}/", scoped=False),
    "equity/counties/<str:code>/print/": _county_reads("/equity/counties/{county}/print/", scoped=False),
    "equity/counties/<str:code>/plan/": _county_reads("/equity/counties/{county}/plan/"),
    "equity/counties/<str:code>/plan.xlsx": _county_reads("/equity/counties/{county}/plan.xlsx"),
    "equity/inequality/": _page_reads("/equity/inequality/"),
    "equity/efficiency/": _aggregate("/equity/efficiency/"),
    "equity/import/": _page_reads("/equity/import/"),
    "equity/import/template.<str:fmt>": _page_reads("/equity/import/template.csv"),
    "pairing/": _page_reads("/pairing/"),
    "pairing/diagnosis/": _page_reads("/pairing/diagnosis/?stage=junior"),
    "pairing/match/": _page_reads("/pairing/match/"),
    "pairing/propose/": _pairing_propose("/pairing/propose/", _CROSS),
    "pairing/effect/": _page_reads("/pairing/effect/"),
    "pairing/<int:pairing_id>/": _pairing_reads("/pairing/{id}/"),
    "pairing/<int:pairing_id>/confirm/": _pairing_writes("/pairing/{id}/confirm/", {}, decide=True),
    "pairing/<int:pairing_id>/reject/": _pairing_writes("/pairing/{id}/reject/", {}, decide=True),
    "pairing/<int:pairing_id>/dispatch/": _pairing_writes(
        "/pairing/{id}/dispatch/", {**_DISPATCH, "subjects": "数学"}
    ),
    "pairing/<int:pairing_id>/activity/": _pairing_writes("/pairing/{id}/activity/", _ACTIVITY),
    "pairing/<int:pairing_id>/goal/": _pairing_writes(
        "/pairing/{id}/goal/", {"text": "篡改", "due_on": "2026-01-01"}
    ),
    "pairing/<int:pairing_id>/course/": lambda role, w: _pairing_writes(
        "/pairing/{id}/course/", {"resource_id": w.ids["public_resource"]}
    )(role, w),
    "xapi/statements": _page_reads("/xapi/statements"),
    "xapi/activities/state": _page_reads("/xapi/activities/state"),
    "xapi/activities/profile": _page_reads("/xapi/activities/profile"),
    "xapi/activities": _page_reads("/xapi/activities"),
    "xapi/agents/profile": _page_reads("/xapi/agents/profile"),
    "xapi/agents": _page_reads("/xapi/agents"),
    "xapi/about": _page_reads("/xapi/about"),
    "assessment/": _page_reads("/assessment/"),
    "assessment/tests/new/": lambda role, w: iter(
        [Call("GET", "/assessment/tests/new/"), *_assessment_create("/assessment/tests/new/", False)(role, w)]
    ),
    "assessment/tests/<int:test_id>/take/": lambda role, w: iter(
        [
            *_assessment_jintang("/assessment/tests/{id}/take/")(role, w),
            *_assessment_jintang("/assessment/tests/{id}/take/", "POST", {})(role, w),
        ]
    ),
    "assessment/tests/<int:test_id>/result/": _assessment_jintang("/assessment/tests/{id}/result/"),
    "assessment/tests/<int:test_id>/report/": _assessment_staff("/assessment/tests/{id}/report/"),
    "assessment/tests/<int:test_id>/class/": _assessment_class,
    "assessment/outcomes/": _assessment_outcomes("/assessment/outcomes/"),
    "assessment/calibrations/": _page_reads("/assessment/calibrations/"),
    "assessment/calibrations/<int:calibration_id>/": _assessment_calibration(
        "/assessment/calibrations/{id}/"
    ),
}
PAGES.update(
    {
        "governance/": _gov_and(
            _page_reads("/governance/"), _gov_write({"joint_office"}, "POST", "/governance/", _CALL_BODY)
        ),
        "governance/fund/<int:call_id>/": _gov_reads(
            "/governance/fund/{reviewing}/", "/governance/fund/{selected}/"
        ),
        "governance/fund/<int:call_id>/apply/": _gov_write(
            {"school_admin", "teacher"}, "POST", "/governance/fund/{open}/apply/", _APPLY_BODY
        ),
        "governance/fund/<int:call_id>/assign/": _gov_write(
            {"joint_office"}, "POST", "/governance/fund/{open}/assign/", {}
        ),
        "governance/fund/<int:call_id>/select/": _gov_write(
            {"joint_office"}, "POST", "/governance/fund/{reviewing}/select/", {"rule": "mes"}
        ),
        "governance/fund/<int:call_id>/performance/": _gov_reads("/governance/fund/{selected}/performance/"),
        "governance/fund/mine/": _page_reads("/governance/fund/mine/"),
        "governance/fund/projects/<int:application_id>/": _gov_write(
            set(),
            "POST",
            "/governance/fund/projects/{funded}/",
            {"period": "x", "progress": "1", "spend": "1"},
        ),
        "governance/fund/reviews/": _page_reads("/governance/fund/reviews/"),
        "governance/fund/reviews/<int:assignment_id>/": _gov_write(
            set(), "POST", "/governance/fund/reviews/{review}/", {"score": "1"}
        ),
        "governance/meetings/": _gov_and(
            _page_reads("/governance/meetings/"),
            _gov_write({"joint_office"}, "POST", "/governance/meetings/", _MEETING_BODY),
        ),
        "governance/meetings/<int:meeting_id>/": _gov_and(
            _gov_reads("/governance/meetings/{meeting}/"),
            _gov_write(
                {"joint_office"},
                "POST",
                "/governance/meetings/{meeting}/",
                {"kind": "resolution", "text": "篡改"},
            ),
        ),
        "governance/actions/": _page_reads("/governance/actions/", "/governance/actions/?overdue=1"),
        "governance/actions/<int:action_id>/": _gov_action_update("/governance/actions/"),
        "governance/resolutions/<int:resolution_id>/": _gov_reads("/governance/resolutions/{resolution}/"),
        "governance/policies/": _gov_and(
            _page_reads("/governance/policies/", "/governance/policies/?q=教师"),
            _gov_write({"joint_office", "sc_bureau"}, "POST", "/governance/policies/", _POLICY_BODY),
        ),
        "governance/policies/<int:policy_id>/": _gov_reads("/governance/policies/{policy}/"),
        "governance/alliance/": _gov_and(
            _page_reads("/governance/alliance/"),
            _gov_write({"joint_office"}, "POST", "/governance/alliance/", _PROJECT_BODY),
        ),
        "governance/alliance/<int:project_id>/": _gov_and(
            _gov_reads("/governance/alliance/{project}/"),
            _gov_write(
                {"joint_office", "cq_bureau", "sc_bureau"},
                "POST",
                "/governance/alliance/{project}/",
                {"title": "篡改", "kind": "report", "year": "2026"},
            ),
        ),
    }
)

PAGES.update(
    {
        "community/": _com_write(COMMUNITY_STAFF, "POST", "/community/", {"kind": "group", "name": "篡改"}),
        "community/g/<int:group_id>/": lambda role, w: iter(
            [
                *_com_reads("/community/g/{maths}/", COMMUNITY_STAFF)(role, w),
                *_com_reads("/community/g/{invite}/", {"school_admin"})(role, w),
                *_com_write(
                    MATHS_MEMBERS,
                    "POST",
                    "/community/g/{maths}/",
                    {"action": "thread", "title": "x", "body": "x"},
                )(role, w),
            ]
        ),
        "community/t/<int:thread_id>/": lambda role, w: iter(
            [
                *_com_reads("/community/t/{thread}/", MATHS_MEMBERS)(role, w),
                *_com_write(MATHS_MEMBERS, "POST", "/community/t/{thread}/", {"body": "篡改"})(role, w),
            ]
        ),
        "community/p/<int:plan_id>/": lambda role, w: iter(
            [
                *_com_reads("/community/p/{plan}/?a=1&b=2", MATHS_MEMBERS)(role, w),
                *_com_write(
                    MATHS_MEMBERS, "POST", "/community/p/{plan}/", {"base_version": "3", "body": "篡改"}
                )(role, w),
            ]
        ),
        "community/posts/<int:post_id>/report/": _com_write(
            MATHS_MEMBERS, "POST", "/community/posts/{post}/report/", {"reason": "篡改"}
        ),
        "community/posts/<int:post_id>/moderate/": _com_write(
            {"teacher"}, "POST", "/community/posts/{post}/moderate/", {"action": "hide", "reason": "篡改"}
        ),
        "community/invitations/<int:invitation_id>/": _com_write(
            set(), "POST", "/community/invitations/{invitation}/", {"accept": "1"}
        ),
        "community/notifications/": _page_reads("/community/notifications/"),
    }
)

# --- industry (产教融合, ADR 0020): ids set up in _setup_ids; writes aimed outside the caller's rights ---
# Demands, supplies, vocabulary, gap, allocation and competitions are read by every logged-in user; order
# classes, bases and apprenticeships by the parties, the joint office and the bureaus of either party's
# region. No demo role in ROLES administers a vocational school (``voc_admin`` does, and is not a role here),
# so supply and entries are refused to all of them when aimed at that school.


def _industry_ids() -> dict[str, Any]:
    from educloud.accounts.api import Role, RoleAssignment, User
    from educloud.industry.demo import DEMO_ENTERPRISE, VOC_ADMIN
    from educloud.industry.models import (
        Apprenticeship,
        Competition,
        Demand,
        Enterprise,
        Entry,
        JudgeScore,
        OrderClass,
        Skill,
        TrainingBase,
    )

    voc_school = RoleAssignment.objects.get(user__username=VOC_ADMIN).school_id
    other = Enterprise.objects.exclude(name=DEMO_ENTERPRISE).order_by("name")[0]
    # a competition in judging whose judges do not include the demo `expert`
    others = list(
        User.objects.filter(roles__role=Role.EXPERT).exclude(username="expert").order_by("username")[:2]
    )
    foreign, made = Competition.objects.get_or_create(
        title="矩阵竞赛（他人评审）",
        defaults={"skill": Skill.objects.get(code="SK-WELD"), "kind": "individual", "status": "judging"},
    )
    if made:
        foreign.judges.set(others)
        entry = Entry.objects.create(competition=foreign, school_id=voc_school, label="矩阵选手", size=1)
        JudgeScore.objects.create(entry=entry, judge=others[0], score=50)
    # an order class of another enterprise with a school outside 永川区 and 金堂县
    order = (
        OrderClass.objects.exclude(enterprise__name=DEMO_ENTERPRISE)
        .exclude(school__county_id__in=["500118", "510121"])
        .exclude(enterprise__county_id__in=["500118", "510121"])
        .select_related("school__county", "enterprise__county")
        .order_by("pk")[0]
    )
    places = [(c.province_id, c.city_id, c.code) for c in (order.school.county, order.enterprise.county)]
    # a base and an apprenticeship of other parties (read by the office and their regions' bureaus)
    agreements = {}
    for key, model in (("base", TrainingBase), ("apprenticeship", Apprenticeship)):
        row = (
            model.objects.exclude(enterprise__name=DEMO_ENTERPRISE)
            .exclude(school_id=voc_school)
            .select_related("school__county", "enterprise__county")
            .order_by("pk")[0]
        )
        agreements[key] = row.pk
        agreements[f"{key}_places"] = [
            (c.province_id, c.city_id, c.code) for c in (row.school.county, row.enterprise.county)
        ]
    return {
        "voc_school": voc_school,
        "other_enterprise": other.pk,
        "other_demand": Demand.objects.filter(enterprise=other).order_by("pk")[0].pk,
        "demand": Demand.objects.order_by("pk")[0].pk,
        "skill": Skill.objects.order_by("pk")[0].pk,
        "published": Competition.objects.get(is_synthetic=True, status="published").pk,
        "judging": Competition.objects.get(is_synthetic=True, status="judging").pk,
        "foreign_competition": foreign.pk,
        "foreign_entry": foreign.entries.get().pk,
        "order": order.pk,
        "order_places": places,
        **agreements,
    }


def _industry_digest() -> list[Any]:
    from educloud.industry import models as m

    return [
        list(m.Skill.objects.order_by("id").values_list("id", "code", "name", "occupation_code")),
        list(m.SkillSynonym.objects.order_by("id").values_list("id", "name")),
        list(m.Demand.objects.order_by("id").values_list("id", "status", "headcount")),
        m.DemandSkill.objects.count(),
        list(m.Supply.objects.order_by("id").values_list("id", "major", "graduates_per_year")),
        m.SupplySkill.objects.count(),
        list(m.OrderClass.objects.order_by("id").values_list("id", "status", "enrolled", "employed")),
        list(m.TrainingBase.objects.order_by("id").values_list("id", "name", "capacity")),
        list(m.Apprenticeship.objects.order_by("id").values_list("id", "major", "apprentices")),
        list(m.Competition.objects.order_by("id").values_list("id", "status")),
        list(m.Entry.objects.order_by("id").values_list("id", "label", "rank")),
        list(m.JudgeScore.objects.order_by("id").values_list("id", "score")),
    ]


def _ind_sees_order(role: str, w: World, places: str = "order_places") -> bool:
    scope = VIEW[role]
    if scope is None:
        return False
    level, code = scope
    return level == "all" or any(
        (level == "province" and p == code)
        or (level == "city" and c == code)
        or (level == "county" and k == code)
        for p, c, k in w.ids["industry"][places]
    )


def _ind_write(allowed: set[str], method: str, template: str, data: Any) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        if role not in allowed:
            ids = w.ids["industry"]
            payload = {
                k: (v.format(**ids) if isinstance(v, str) and "{" in v else v) for k, v in data.items()
            }
            payload = {
                k: (int(v) if isinstance(v, str) and v.isdigit() and k.endswith("_id") else v)
                for k, v in payload.items()
            }
            yield Call(method, template.format(**ids), payload, out_of_scope=True, write=True)

    return calls


def _ind_reads(*templates: str) -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        for template in templates:
            yield Call("GET", template.format(**w.ids["industry"]))

    return calls


def _ind_order_read(template: str, places: str = "order_places") -> Calls:
    def calls(role: str, w: World) -> Iterator[Call]:
        yield Call(
            "GET", template.format(**w.ids["industry"]), out_of_scope=not _ind_sees_order(role, w, places)
        )

    return calls


_IND_FUTURE = "2099-12-31"
_IND_DEMAND = {
    "position": "越权岗位",
    "industry": "manufacturing",
    "county": "500118",
    "headcount": 3,
    "deadline": _IND_FUTURE,
    "skills": [{"name": "焊接", "level": 2}],
    "enterprise_id": "{other_enterprise}",
}
_IND_SUPPLY = {
    "major": "越权专业",
    "industry": "manufacturing",
    "graduates_per_year": 3,
    "skills": [{"name": "焊接", "level": 2}],
    "school_id": "{voc_school}",
}
_IND_ORDER = {
    "enterprise_id": "{other_enterprise}",
    "school_id": "{voc_school}",
    "title": "越权订单班",
    "major": "x",
    "planned_size": 3,
}
_IND_BASE = {
    "enterprise_id": "{other_enterprise}",
    "school_id": "{voc_school}",
    "name": "越权实训基地",
    "capacity": 3,
    "majors": "x",
}
_IND_APPRENTICESHIP = {
    "enterprise_id": "{other_enterprise}",
    "school_id": "{voc_school}",
    "major": "越权学徒专业",
    "apprentices": 3,
    "mentors": 1,
    "starts_on": "2027-09-01",
    "ends_on": "2028-09-01",
}
_IND_COMPETITION = {"title": "越权竞赛", "skill": "焊接", "kind": "individual", "judge_ids": [1, 2]}
IND = "/api/v1/industry"
API.update(
    {
        ("GET", f"{IND}/skills"): _ind_reads(f"{IND}/skills"),
        ("POST", f"{IND}/skills"): _ind_write(
            {"joint_office"}, "POST", f"{IND}/skills", {"code": "ZZ", "name": "越权技能", "category": "x"}
        ),
        ("POST", f"{IND}/skills/{{skill_id}}/synonyms"): _ind_write(
            {"joint_office"}, "POST", f"{IND}/skills/{{skill}}/synonyms", {"name": "越权同义词"}
        ),
        ("GET", f"{IND}/demands"): _ind_reads(
            f"{IND}/demands", f"{IND}/demands?mine=true&industry=automotive"
        ),
        # the enterprise may publish for itself, not for another enterprise: aimed at another, for everybody
        ("POST", f"{IND}/demands"): _ind_write(set(), "POST", f"{IND}/demands", _IND_DEMAND),
        ("GET", f"{IND}/demands/{{demand_id}}"): _ind_reads(f"{IND}/demands/{{demand}}"),
        ("POST", f"{IND}/demands/{{demand_id}}/close"): _ind_write(
            set(), "POST", f"{IND}/demands/{{other_demand}}/close", {}
        ),
        ("GET", f"{IND}/demands/{{demand_id}}/matches"): _ind_reads(f"{IND}/demands/{{demand}}/matches"),
        ("GET", f"{IND}/supplies"): _ind_reads(f"{IND}/supplies", f"{IND}/supplies?industry=software"),
        ("POST", f"{IND}/supplies"): _ind_write(set(), "POST", f"{IND}/supplies", _IND_SUPPLY),
        ("GET", f"{IND}/allocation"): _aggregate(f"{IND}/allocation"),
        ("GET", f"{IND}/gap"): _ind_reads(f"{IND}/gap", f"{IND}/gap?by=county", f"{IND}/gap?by=industry"),
        ("GET", f"{IND}/order-classes"): _ind_reads(f"{IND}/order-classes"),
        ("POST", f"{IND}/order-classes"): _ind_write(set(), "POST", f"{IND}/order-classes", _IND_ORDER),
        ("POST", f"{IND}/order-classes/{{order_class_id}}/transition"): _ind_write(
            set(), "POST", f"{IND}/order-classes/{{order}}/transition", {"status": "cancelled"}
        ),
        ("GET", f"{IND}/bases"): _ind_reads(f"{IND}/bases"),
        # a party registers for its own enterprise or school: aimed at two others, refused to everybody
        ("POST", f"{IND}/bases"): _ind_write(set(), "POST", f"{IND}/bases", _IND_BASE),
        ("GET", f"{IND}/bases/{{base_id}}"): _ind_order_read(f"{IND}/bases/{{base}}", "base_places"),
        ("GET", f"{IND}/apprenticeships"): _ind_reads(f"{IND}/apprenticeships"),
        ("POST", f"{IND}/apprenticeships"): _ind_write(
            set(), "POST", f"{IND}/apprenticeships", _IND_APPRENTICESHIP
        ),
        ("GET", f"{IND}/apprenticeships/{{apprenticeship_id}}"): _ind_order_read(
            f"{IND}/apprenticeships/{{apprenticeship}}", "apprenticeship_places"
        ),
        ("GET", f"{IND}/competitions"): _ind_reads(f"{IND}/competitions"),
        ("POST", f"{IND}/competitions"): _ind_write(
            {"joint_office"}, "POST", f"{IND}/competitions", _IND_COMPETITION
        ),
        ("POST", f"{IND}/competitions/{{competition_id}}/entries"): _ind_write(
            set(),
            "POST",
            f"{IND}/competitions/{{judging}}/entries",
            {"label": "越权", "size": 1, "school_id": "{voc_school}"},
        ),
        ("POST", f"{IND}/competitions/{{competition_id}}/judging"): _ind_write(
            {"joint_office"}, "POST", f"{IND}/competitions/{{judging}}/judging", {}
        ),
        ("PUT", f"{IND}/entries/{{entry_id}}/score"): _ind_write(
            set(), "PUT", f"{IND}/entries/{{foreign_entry}}/score", {"score": 1}
        ),
        ("POST", f"{IND}/competitions/{{competition_id}}/publish"): _ind_write(
            {"joint_office"}, "POST", f"{IND}/competitions/{{judging}}/publish", {}
        ),
        ("GET", f"{IND}/competitions/{{competition_id}}/results"): _ind_reads(
            f"{IND}/competitions/{{published}}/results", f"{IND}/competitions/{{judging}}/results"
        ),
    }
)
_IND_FORM = {**_IND_DEMAND, "skills": "焊接 2", "headcount": "3"}
PAGES.update(
    {
        "industry/": _ind_reads("/industry/"),
        "industry/demands/new/": _gov_and(
            _ind_reads("/industry/demands/new/"),
            _ind_write({"enterprise"}, "POST", "/industry/demands/new/", _IND_FORM),
        ),
        "industry/demands/<int:demand_id>/": _gov_and(
            _ind_reads("/industry/demands/{demand}/"),
            _ind_write(set(), "POST", "/industry/demands/{other_demand}/", {}),
        ),
        "industry/supply/new/": _gov_and(
            _ind_reads("/industry/supply/new/"),
            _ind_write(set(), "POST", "/industry/supply/new/", {**_IND_SUPPLY, "skills": "焊接 2"}),
        ),
        "industry/gap/": _ind_reads(
            "/industry/gap/", "/industry/gap/?by=county", "/industry/gap/?by=industry"
        ),
        "industry/allocation/": _aggregate("/industry/allocation/"),
        "industry/classes/": _gov_and(
            _ind_reads("/industry/classes/"), _ind_write(set(), "POST", "/industry/classes/", _IND_ORDER)
        ),
        "industry/classes/<int:order_class_id>/": _gov_and(
            _ind_order_read("/industry/classes/{order}/"),
            _ind_write(set(), "POST", "/industry/classes/{order}/", {"status": "cancelled"}),
        ),
        "industry/bases/": _gov_and(
            _ind_reads("/industry/bases/"),
            _ind_write(set(), "POST", "/industry/bases/", {**_IND_BASE, "action": "base"}),
            _ind_write(
                set(), "POST", "/industry/bases/", {**_IND_APPRENTICESHIP, "action": "apprenticeship"}
            ),
        ),
        "industry/competitions/": _gov_and(
            _ind_reads("/industry/competitions/"),
            _ind_write(
                {"joint_office"},
                "POST",
                "/industry/competitions/",
                {"title": "越权竞赛", "skill": "焊接", "kind": "individual"},
            ),
        ),
        "industry/competitions/<int:competition_id>/": _gov_and(
            _ind_reads("/industry/competitions/{published}/", "/industry/competitions/{judging}/"),
            _ind_write({"joint_office"}, "POST", "/industry/competitions/{judging}/", {"action": "publish"}),
            _ind_write(
                set(),
                "POST",
                "/industry/competitions/{foreign_competition}/",
                {"action": "score", "entry_id": "{foreign_entry}", "score": "1"},
            ),
        ),
        # read-only; an enterprise member sees its own enterprise's members, everybody else an empty page
        "industry/enterprise/members/": _ind_reads("/industry/enterprise/members/"),
        "industry/skills/": _gov_and(
            _ind_reads("/industry/skills/"),
            _ind_write(
                {"joint_office"}, "POST", "/industry/skills/", {"code": "ZZ", "name": "越权", "category": "x"}
            ),
        ),
    }
)

XAPI_PUBLIC = {"/xapi/about"}  # the spec's one unauthenticated resource


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route == "api/v1/":
                continue  # the Ninja API: covered operation by operation through its schema
            yield from _routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def test_the_matrix_covers_every_operation_and_route():
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert operations == set(API), {
        "missing from API table": sorted(operations - set(API)),
        "not in the schema": sorted(set(API) - operations),
    }
    routes = set(_routes(get_resolver().url_patterns))
    assert routes == set(PAGES), {
        "missing from PAGES": sorted(routes - set(PAGES)),
        "not in the URL conf": sorted(set(PAGES) - routes),
    }


# --- the run --------------------------------------------------------------------------------------


def _setup_ids(w: World) -> None:
    from educloud.library.models import AccessRequest, Collection, CollectionItem, Resource

    # A pending access request in each province, so each side has one outside its scope.
    pending = []
    for county in ("500118", "510121"):
        resource = Resource.objects.filter(
            status="published", visibility="school", county_code=county
        ).order_by("id")[0]
        requester = w.users["enterprise"]
        ar, _ = AccessRequest.objects.get_or_create(
            resource=resource, requester=requester, status=AccessRequest.Status.PENDING
        )
        pending.append((ar.pk, resource.school_code))
    w.ids["pending_requests"] = pending
    w.ids["request_owner"] = {
        ar_id: Resource.objects.get(access_requests__id=ar_id).owner_id for ar_id, _ in pending
    }
    w.ids["collections"] = list(Collection.objects.order_by("id").values_list("id", "curated_by_id"))
    w.ids["public_resource"] = next(
        rid
        for rid, r in sorted(w.resources.items())
        if r["status"] == "published" and r["visibility"] == "public"
    )
    collected = {}
    for cid, _ in w.ids["collections"]:
        item = CollectionItem.objects.filter(collection_id=cid).order_by("id").first()
        collected[cid] = item.resource_id if item else w.ids["public_resource"]
    w.ids["collected"] = collected
    _pairing_setup(w)
    w.ids["assessment"] = _assessment_ids()
    w.ids["industry"] = _industry_ids()


def _client(role: str, w: World) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(w.users[role])
    return client


def _send(client: Client, call: Call):  # type: ignore[no-untyped-def]
    if call.method == "GET":
        return client.get(call.path)
    if call.multipart:
        return (
            client.generic(call.method, call.path) if call.data is None else client.post(call.path, call.data)
        )
    if call.path.startswith("/api/"):
        body = json.dumps(call.data if call.data is not None else {})
        return client.generic(call.method, call.path, body, content_type="application/json")
    return client.post(call.path, call.data or {})


def _schools_in(body: bytes) -> set[str]:
    return set(SCHOOL_CODE.findall(body.decode("utf-8", "replace")))


def _check_read(role: str, w: World, call: Call, response: Any, problems: list[str]) -> None:
    label = f"{role} {call.method} {call.path}"
    body = response.content if not getattr(response, "streaming", False) else b""
    if call.out_of_scope and response.status_code not in REFUSED and response.status_code != 302:
        problems.append(f"{label}: out-of-scope object answered {response.status_code}")
    if response.status_code != 200:
        return
    is_library = call.path.startswith(("/api/v1/library", "/api/v1/search", "/library", "/search", "/oai"))
    if not is_library:
        foreign = {s for s in _schools_in(body) if not w.covers(VIEW[role], s)}
        if call.path.startswith(("/api/v1/pairing", "/pairing")):
            # Issue #14: a pair is seen by the bureaus of both schools' regions and both schools, so
            # the partner of a school in scope may be named (a student sees no pairing at all).
            partners = w.ids["pair_partners"]
            mine = {s for s in w.places if w.covers(PAIR_VIEW[role], s)}
            foreign -= {p for s in mine for p in partners.get(s, ())}
        if foreign:
            problems.append(f"{label}: foreign schools in the answer: {sorted(foreign)[:5]}")
    if call.path.startswith("/api/v1/schools?"):
        client, got, page, data = response.client, set(), 1, response.json()
        while data["items"]:
            got |= {row["code"] for row in data["items"]}
            page += 1
            data = client.get(f"/api/v1/schools?page={page}").json()
        expected = {s for s in w.places if w.covers(VIEW[role], s)}
        if got != expected:
            problems.append(f"{label}: {len(got - expected)} schools too many, {len(expected - got)} missing")
    if (
        call.path.startswith("/api/v1/")
        and is_library
        and response["Content-Type"].startswith("application/json")
    ):
        data = response.json()
        rows = data["items"] if isinstance(data, dict) and "items" in data else data
        rows = rows if isinstance(rows, list) else [rows]
        for row in rows:
            if not isinstance(row, dict):
                continue
            rid = row.get("object_id") if "object_id" in row else row.get("id")
            if "resource_title" in row:  # an access request: the caller's own or one to decide
                user = w.users.get(role)
                r = w.resources[row["resource_id"]]
                ok = user is not None and (
                    row["requester_id"] == user.pk
                    or r["owner_id"] == user.pk
                    or w.covers(EDIT[role], r["school_code"])
                )
                if not ok:
                    problems.append(f"{label}: someone else's access request {row['id']}")
            elif (
                rid is not None
                and ("visibility" in row or "object_id" in row)
                and not w.may_see_resource(role, int(rid))
            ):
                problems.append(f"{label}: resource {rid} ({w.resources[int(rid)]['visibility']}) leaked")


def _run(role: str, table: dict[Any, Calls], w: World) -> list[str]:
    problems: list[str] = []
    client = _client(role, w)
    baseline = _digest()
    for calls in table.values():
        for call in calls(role, w):
            started = time.perf_counter()
            response = _send(client, call)
            if os.environ.get("MATRIX_TIMES"):
                print(f"{time.perf_counter() - started:.3f} {role} {call.method} {call.path}")
            label = f"{role} {call.method} {call.path}"
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
                continue
            if call.path.startswith("/xapi/") and call.path not in XAPI_PUBLIC:
                if response.status_code != 401:
                    problems.append(f"{label}: xAPI without credentials answered {response.status_code}")
                continue
            if call.write:
                allowed = REFUSED | {302} | ({400} if "import" in call.path else set())
                if response.status_code not in allowed:
                    problems.append(f"{label}: out-of-scope write answered {response.status_code}")
                after = _digest()
                if after != baseline:
                    problems.append(f"{label}: out-of-scope write changed the database")
                    baseline = after
                continue
            _check_read(role, w, call, response, problems)
            if call.method != "GET":  # an allowed write (an access request, logging out): new baseline
                baseline = _digest()
            if call.path == "/logout/":
                client = _client(role, w)
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reads_or_writes_outside_its_scope(role):
    w = _world()
    _setup_ids(w)
    problems = _run(role, API, w) + _run(role, PAGES, w)
    assert not problems, "\n".join(problems)
