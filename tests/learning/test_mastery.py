"""Mastery: the incremental BKT step agrees with algos' BKT; refit is idempotent; the learning path."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from educloud.algos.kt import BKT
from educloud.algos.kt_data import Responses
from educloud.learning import selectors, services
from educloud.learning.models import KnowledgePoint, Response, SkillParams, StudentMastery

from .conftest import user


def fitted_bkt(prior: float, learn: float, guess: float, slip: float) -> BKT:
    """A BKT with hand-set parameters for one skill (id 0), as ``fit`` would leave it."""
    model = BKT()
    model.skills_ = np.array([0])
    model.prior_, model.learn_, model.guess_, model.slip_ = (
        np.array([v]) for v in (prior, learn, guess, slip)
    )
    model.default_params_ = {"prior": prior, "learn": learn, "guess": guess, "slip": slip}
    return model


@pytest.mark.parametrize("sequence", [[1], [0], [1, 1, 0, 1], [0, 0, 0, 1, 1, 1, 1], [1, 0] * 6])
def test_incremental_steps_equal_bkt_mastery_after_the_same_responses(sequence):
    params = {"prior": 0.3, "learn": 0.2, "guess": 0.25, "slip": 0.1}
    p = params["prior"]
    for c in sequence:
        p = services._bkt_step(p, bool(c), params)
    data = Responses.from_arrays(np.zeros(len(sequence)), np.zeros(len(sequence)), sequence)
    expected = fitted_bkt(**params).mastery(data).probability[0, 0]
    assert p == pytest.approx(expected, rel=1e-9)


def test_a_correct_answer_raises_and_a_wrong_one_lowers_mastery():
    params = {"prior": 0.3, "learn": 0.1, "guess": 0.2, "slip": 0.1}
    assert services._bkt_step(0.5, True, params) > 0.5
    assert services._bkt_step(0.5, False, params) < 0.5
    assert 0.0 <= services._bkt_step(1.0, False, params) <= 1.0


@pytest.mark.django_db
def test_refit_stores_parameters_and_is_idempotent():
    first = services.mastery_refit()
    assert first.responses == Response.knowledge_points.through.objects.count()
    snapshot = dict(StudentMastery.objects.values_list("pk", "p_mastery"))
    params = list(
        SkillParams.objects.order_by("knowledge_point_id").values_list("prior", "learn", "guess", "slip")
    )
    second = services.mastery_refit()
    assert second == first
    assert dict(StudentMastery.objects.values_list("pk", "p_mastery")) == pytest.approx(snapshot)
    assert (
        list(
            SkillParams.objects.order_by("knowledge_point_id").values_list("prior", "learn", "guess", "slip")
        )
        == params
    )
    for prior, learn, guess, slip in params:
        assert 0 <= prior <= 1 and 0 <= learn <= 1 and guess <= 0.5 and slip <= 0.5


@pytest.mark.django_db
def test_refit_recovers_the_simulated_structure():
    """Simulated students of higher ability master more: refit's mastery is not noise."""
    sp = SkillParams.objects.get(knowledge_point__code="MJ-01")
    assert sp.n_responses > 100
    # Points deep in the graph are mastered by fewer students than the roots.
    share = {
        code: StudentMastery.objects.filter(
            knowledge_point__code=code, p_mastery__gte=selectors.MASTERED
        ).count()
        / max(1, StudentMastery.objects.filter(knowledge_point__code=code).count())
        for code in ("MJ-01", "MJ-06", "MJ-24", "MJ-30")
    }
    assert min(share["MJ-01"], share["MJ-06"]) > max(share["MJ-24"], share["MJ-30"])


@pytest.mark.django_db
def test_refit_after_new_answers_matches_the_incremental_update_when_parameters_are_unchanged():
    student = user("student")
    it = KnowledgePoint.objects.get(code="MJ-26").items.order_by("code").first()
    services.response_record(actor=student, item=it, answer="70")
    incremental = StudentMastery.objects.get(student=student, knowledge_point__code="MJ-26").p_mastery
    # Recompute from scratch with the *stored* parameters (no refit): same number.
    kp = KnowledgePoint.objects.get(code="MJ-26")
    params = services.skill_params([kp.pk])[kp.pk]
    history = list(
        Response.objects.filter(student=student, knowledge_points=kp)
        .order_by("at", "pk")
        .values_list("correct", flat=True)
    )
    p = params["prior"]
    for c in history:
        p = services._bkt_step(p, c, params)
    assert incremental == pytest.approx(p)


@pytest.mark.django_db
def test_refit_command_and_empty_database(capsys):
    call_command("kt", "refit")
    assert "knowledge points" in capsys.readouterr().out
    Response.objects.all().delete()
    report = services.mastery_refit()
    assert report.responses == 0 and not StudentMastery.objects.exists()


# ------------------------------------------------------------------ learning path


@pytest.mark.django_db
def test_practice_picks_the_weakest_point_whose_prerequisites_are_ready():
    student = user("student")
    nodes = selectors.student_map(actor=student, subject="数学", stage="junior")
    p = {n.point.pk: n.p for n in nodes}
    nxt = selectors.practice_next(actor=student, subject="数学", stage="junior")
    assert nxt is not None
    node = next(n for n in nodes if n.point == nxt.point)
    assert all(p[a] >= selectors.READY for a in node.prerequisites)
    ready = [
        n
        for n in nodes
        if n.point.items.exists()
        and p[n.point.pk] < selectors.MASTERED
        and all(p[a] >= selectors.READY for a in n.prerequisites)
    ]
    assert nxt.p == min(p[n.point.pk] for n in ready)
    assert nxt.point in nxt.item.knowledge_points.all()


@pytest.mark.django_db
def test_practice_respects_prerequisites_and_rotates_items():
    student = user("student")
    kps = {k.code: k for k in KnowledgePoint.objects.filter(subject="数学", stage="junior")}
    # Make 圆 (MJ-26) the weakest, but its prerequisite 勾股定理 (MJ-18) not ready: 圆 is not offered.
    StudentMastery.objects.filter(student=student).delete()
    for k in kps.values():
        StudentMastery.objects.create(student=student, knowledge_point=k, p_mastery=0.99, n_responses=3)
    StudentMastery.objects.filter(student=student, knowledge_point=kps["MJ-26"]).update(p_mastery=0.05)
    StudentMastery.objects.filter(student=student, knowledge_point=kps["MJ-18"]).update(p_mastery=0.4)
    nxt = selectors.practice_next(actor=student, subject="数学", stage="junior")
    assert nxt.point.code == "MJ-18"
    first_item = nxt.item
    services.response_record(actor=student, item=first_item, answer="0")  # wrong: stays weakest
    nxt2 = selectors.practice_next(actor=student, subject="数学", stage="junior")
    assert nxt2.point.code == "MJ-18" and nxt2.item != first_item  # the other item of the point
    # Everything mastered: nothing to practise.
    StudentMastery.objects.filter(student=student).update(p_mastery=0.99)
    assert selectors.practice_next(actor=student, subject="数学", stage="junior") is None


@pytest.mark.django_db
def test_mastery_map_and_practice_are_for_students_only():
    from educloud.lib.errors import PermissionDenied

    for username in ("teacher", "yongchuan_bureau"):
        with pytest.raises(PermissionDenied):
            selectors.student_map(actor=user(username), subject="数学", stage="junior")


@pytest.mark.django_db
def test_remediation_names_the_weak_point_and_its_unmastered_prerequisites():
    from educloud.accounts.api import StudentProfile

    sp = StudentProfile.objects.select_related("school").get(user__username="student")
    students = list(
        StudentProfile.objects.filter(
            school=sp.school, grade=sp.grade, class_label=sp.class_label
        ).values_list("user_id", flat=True)
    )
    kps = {k.code: k for k in KnowledgePoint.objects.filter(subject="数学", stage="junior")}
    StudentMastery.objects.filter(student_id__in=students).delete()
    StudentMastery.objects.bulk_create(
        [
            StudentMastery(
                student_id=s,
                knowledge_point=k,
                p_mastery={"MJ-21": 0.2, "MJ-20": 0.5}.get(code, 0.99) if i else 0.97,
                n_responses=3,
                school=sp.school,
            )
            for i, s in enumerate(students)
            for code, k in kps.items()
        ]
    )
    heat = selectors.class_heatmap(
        actor=user("teacher"),
        school_code=sp.school.code,
        grade=sp.grade,
        class_label=sp.class_label,
        subject="数学",
        stage="junior",
    )
    assert [p.code for p in heat.points[:2]] == ["MJ-21", "MJ-20"]
    first = heat.remediation[0]
    assert first.point.code == "MJ-21"
    assert [(p.code, round(m, 3)) for p, m in first.unmastered_prerequisites] == [
        ("MJ-20", round((0.5 * (len(students) - 1) + 0.97) / len(students), 3))
    ]
    assert len(first.struggling) == len(students) - 1 and first.share_mastered == pytest.approx(
        1 / len(students)
    )
    assert [w.point.code for w in heat.remediation] == ["MJ-21", "MJ-20"]  # the rest are mastered
