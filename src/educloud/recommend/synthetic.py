"""Demo data of the recommend app (synthetic, deterministic, labelled).

Runs in ``educloud seed`` (demo scale) after the library and learning seeds:

* one short shared resource per knowledge point of the mathematics and physics graphs, written by
  a 重庆 teacher (the demo ``teacher``; visibility alternating public / county) and, for every other
  point, one by a 四川 teacher (circle, or province-only — which a 重庆 student must never be
  recommended), through the library's own services (create with a file, submit, approve), so the
  learning paths have resources on their steps. Titles say 「演示合成数据」;
* synthetic engagement: a few hundred views of those resources (of their own province) by demo
  students, recorded by the library's services (views only: no xAPI Statements in the seed); the
  events of synthetic users are synthetic data;
* then ``recommender_fit`` (the artefact and every learner's cached candidates).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from educloud.accounts.api import StudentProfile, User
from educloud.learning import api as learning_api
from educloud.library import api as library_api
from educloud.recommend.content import LIBRARY_SUBJECT
from educloud.recommend.services import FitReport, recommender_fit

# Text resources only (a Markdown file each): a "video" without a video would break the video preview.
TYPES = ("courseware", "document", "exercise_set")


@dataclass(frozen=True)
class RecommendSeedReport:
    resources: int
    events: int
    fit: FitReport | None

    def __str__(self) -> str:
        return (
            f"synthetic recommend: {self.resources} point resources, {self.events} engagement events; "
            f"{self.fit}"
        )


def _file(title: str) -> io.BytesIO:
    return io.BytesIO(f"# {title}\n\n演示用合成数据（synthetic），不代表真实教学内容。\n".encode())


def _publish(author: User, approver: User, **fields: object) -> int:
    title = str(fields["title"])
    resource = library_api.resource_create_with_file(
        actor=author, fileobj=_file(title), filename="讲义.md", **fields
    )
    library_api.resource_submit(actor=author, resource_id=resource.pk)
    library_api.resource_approve(actor=approver, resource_id=resource.pk)
    return int(resource.pk)


@transaction.atomic
def demo_recommend_seed(*, seed: int, fit: bool = True) -> RecommendSeedReport:
    rng = np.random.default_rng(seed + 71)
    cq_teacher = User.objects.filter(username="teacher").first()
    cq_admin = User.objects.filter(username="school_admin").first()
    sc_teacher = (
        User.objects.filter(username__startswith="lib_t_", roles__school__county__province_id="510000")
        .order_by("username")
        .first()
    )
    sc_bureau = User.objects.filter(username="sc_bureau").first()
    made: list[int] = []
    sichuan: list[dict[str, object]] = []
    if cq_teacher and cq_admin and sc_teacher and sc_bureau:
        points = [
            p
            for g in learning_api.graph_list()
            if g.subject in LIBRARY_SUBJECT
            for p in learning_api.knowledge_points(subject=g.subject, stage=g.stage)
        ]
        for i, p in enumerate(points):
            kind = TYPES[i % len(TYPES)]
            word = {"courseware": "课件", "document": "知识梳理", "exercise_set": "分层练习"}[kind]
            common = {
                "type": kind,
                "subject": LIBRARY_SUBJECT[p.subject],
                "stage": p.stage,
                "license": "cc-by",
                "tags": [p.name],
                "description": f"围绕“{p.name}”：{p.description}。演示用合成数据（synthetic）。",
            }
            made.append(
                _publish(
                    cq_teacher,
                    cq_admin,
                    title=f"{p.name}{word}（演示合成数据）",
                    visibility="public" if i % 2 == 0 else "county",
                    **common,
                )
            )
            if i % 2 == 1:
                sichuan.append(
                    dict(
                        title=f"【四川】{p.name}精讲（演示合成数据）",
                        visibility="circle" if i % 4 == 1 else "province",
                        **common,
                    )
                )
        # Province-only ones first: the newest 四川 resources are then shared ones (in the OAI feed).
        for fields in sorted(sichuan, key=lambda f: f["visibility"] != "province"):
            made.append(_publish(sc_teacher, sc_bureau, **fields))
    events = 0
    profiles = dict(
        StudentProfile.objects.filter(is_synthetic=True).values_list("user_id", "school__county__province_id")
    )
    students = list(User.objects.filter(pk__in=list(profiles)).order_by("pk")[:150])
    resources = {r.pk: r for r in library_api.Resource.objects.filter(pk__in=made)}
    for student in students:
        # Own province only: these events are stamped "now" by the services, and the library's
        # cross-border figures for the last minutes should not move with every seed (the library
        # seed already holds a year of cross-border use).
        visible = list(
            library_api.visible_resources(student)
            .filter(pk__in=made, province_code=profiles[student.pk])
            .values_list("pk", flat=True)
        )
        if not visible:
            continue
        for rid in rng.choice(
            visible, size=min(len(visible), int(rng.integers(2, 6))), replace=False
        ).tolist():
            resource = resources[int(rid)]
            # Views only: a completion would also write an xAPI Statement, and the LRS's own
            # tests (and an operator's first look at the LRS) expect a seed without Statements.
            for _ in range(int(rng.integers(1, 4))):
                library_api.resource_view_record(actor=student, resource=resource)
                events += 1
    report = recommender_fit() if fit else None
    return RecommendSeedReport(resources=len(made), events=events, fit=report)
